import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { Clock } from '../../database/clock';
import { Page, PageQuery, paginate } from '../http/pagination';
import { isUuid } from '../http/uuid';
import { ApiKeyEntity } from './api-key.entity';
import { generateApiKey, hashApiKey, keyPrefix } from './api-key-secret';
import { ApiKeysErrorCode, ApiKeysException } from './api-keys.exception';
import type { ApiKeyRole } from './auth.decorators';

export interface AuthenticatedKey {
  id: string;
  name: string;
  role: ApiKeyRole;
}

// Touching last_used_at on every request would turn every read into a write.
const LAST_USED_RESOLUTION_MS = 60_000;
// A verified key is trusted for this long without a query; a revocation reaches other processes within it.
const VERIFY_CACHE_MS = 5_000;
const VERIFY_CACHE_SIZE = 1_000;

@Injectable()
export class ApiKeysService {
  private readonly verified = new Map<string, { key: AuthenticatedKey; until: number }>();

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    private readonly clock: Clock,
  ) {}

  async create(
    name: string,
    role: ApiKeyRole,
    secret = generateApiKey(),
  ): Promise<{ key: string; apiKey: ApiKeyEntity }> {
    const saved = await this.keys.save(
      this.keys.create({
        name,
        role,
        keyHash: hashApiKey(secret),
        prefix: keyPrefix(secret),
        createdAt: this.clock.now(),
      }),
    );
    const { keyHash: _hidden, ...apiKey } = saved;
    return { key: secret, apiKey: apiKey as ApiKeyEntity };
  }

  list(query: PageQuery): Promise<Page<ApiKeyEntity>> {
    return paginate(this.keys.createQueryBuilder('k').where('k.revoked_at IS NULL'), 'k', query);
  }

  async revoke(id: string): Promise<void> {
    const notFound = new ApiKeysException(ApiKeysErrorCode.API_KEY_NOT_FOUND, `API key "${id}" not found`);
    if (!isUuid(id)) throw notFound;
    const result = await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: this.clock.now() });
    if (!result.affected) throw notFound;
    for (const [hash, entry] of this.verified) if (entry.key.id === id) this.verified.delete(hash);
  }

  async verify(secret: string): Promise<AuthenticatedKey | undefined> {
    const hash = hashApiKey(secret);
    const cacheKey = hash.toString('base64');
    const cached = this.verified.get(cacheKey);
    if (cached && cached.until > Date.now()) return cached.key;
    const key = await this.keys.findOne({ where: { keyHash: hash, revokedAt: IsNull() } });
    if (!key) return undefined;
    if (this.verified.size >= VERIFY_CACHE_SIZE) this.verified.clear();
    this.verified.set(cacheKey, {
      key: { id: key.id, name: key.name, role: key.role },
      until: Date.now() + VERIFY_CACHE_MS,
    });
    const now = this.clock.now();
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.keys.update({ id: key.id }, { lastUsedAt: now });
    }
    return { id: key.id, name: key.name, role: key.role };
  }

  async hasActiveAdmin(): Promise<boolean> {
    return (await this.keys.count({ where: { role: 'admin', revokedAt: IsNull() } })) > 0;
  }

  async exists(secret: string): Promise<boolean> {
    return (await this.keys.count({ where: { keyHash: hashApiKey(secret) } })) > 0;
  }
}
