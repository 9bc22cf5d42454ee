import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { CommonErrorCode, CommonException } from '../errors/common.exception';
import { ApiKeysService } from './api-keys.service';
import { AUTH_METADATA, ApiKeyRole, PUBLIC_METADATA } from './auth.decorators';

/**
 * Every route needs a key unless marked @Public. The key comes as `Authorization: Bearer <key>` or, as Segment
 * clients send it, HTTP Basic with the key as user name.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, targets)) return true;
    const needed = this.reflector.getAllAndOverride<ApiKeyRole>(AUTH_METADATA, targets) ?? 'admin';

    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const secret = keyFromHeader(req.headers.authorization);
    if (!secret) {
      throw new CommonException(
        CommonErrorCode.UNAUTHENTICATED,
        'Missing API key: send "Authorization: Bearer <key>"',
      );
    }
    const key = await this.apiKeys.verify(secret);
    if (!key) throw new CommonException(CommonErrorCode.UNAUTHENTICATED, 'Unknown or revoked API key');
    req.apiKey = key;
    if (key.role !== 'admin' && key.role !== needed) {
      throw new CommonException(
        CommonErrorCode.FORBIDDEN,
        `This endpoint needs the ${needed === 'admin' ? 'admin' : `${needed} or admin`} role; the key has "${key.role}"`,
      );
    }
    return true;
  }
}

export function keyFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!value) return undefined;
  if (/^bearer$/i.test(scheme)) return value;
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const user = decoded.split(':')[0];
    return user || undefined;
  }
  return undefined;
}
