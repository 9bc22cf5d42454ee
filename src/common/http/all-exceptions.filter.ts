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
    if (internal) {
      const err = exception as Error;
      this.logger.error(
        { reqId: req.id, errorId: body.errorId, err: { message: err?.message, stack: err?.stack } },
        'unhandled error',
      );
    }
    if (res.sent || res.raw.headersSent) {
      res.raw.end();
      return;
    }
    void res.status(body.statusCode).send(body);
  }
}
