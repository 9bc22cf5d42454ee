import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logger.token';
import { toErrorBody } from './error-body';

/** The one exception filter: every error leaves as `{ statusCode, error, message, problems? }`. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const res = http.getResponse<FastifyReply>();
    const { body, internal } = toErrorBody(exception);
    body.requestId = req.id;
    if (internal) logUnhandled(this.logger, req.id, body.errorId, exception);
    if (res.sent || res.raw.headersSent) {
      res.raw.end();
      return;
    }
    void res.status(body.statusCode).send(body);
  }
}

/** A bug: logged with its stack under the error id the response names; the response itself carries no internals. */
export function logUnhandled(
  logger: Logger,
  reqId: string,
  errorId: string | undefined,
  exception: unknown,
): void {
  const err = exception as Error;
  logger.error({ reqId, errorId, err: { message: err?.message, stack: err?.stack } }, 'unhandled error');
}
