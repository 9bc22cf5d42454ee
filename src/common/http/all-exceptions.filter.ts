import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logger.token';
import { toErrorBody } from './error-body';

/** The one exception filter: every error leaves as `{ statusCode, error, message, problems? }`. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const { body, internal } = toErrorBody(exception);
    body.requestId = req.id;
    if (internal) {
      const err = exception as Error;
      this.logger.error(
        { reqId: req.id, errorId: body.errorId, err: { message: err?.message, stack: err?.stack } },
        'unhandled error',
      );
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(body.statusCode).json(body);
  }
}
