import { HttpException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppException, FieldProblem } from '../errors/app.exception';
import { CommonErrorCode } from '../errors/common.exception';
import { ERROR_STATUS } from '../errors/error-status';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  problems?: FieldProblem[];
  errorId?: string;
  requestId?: string;
}

const HTTP_CODES: Record<number, CommonErrorCode> = {
  400: CommonErrorCode.VALIDATION_FAILED,
  401: CommonErrorCode.UNAUTHENTICATED,
  403: CommonErrorCode.FORBIDDEN,
  404: CommonErrorCode.NOT_FOUND,
  405: CommonErrorCode.METHOD_NOT_ALLOWED,
  413: CommonErrorCode.PAYLOAD_TOO_LARGE,
  415: CommonErrorCode.UNSUPPORTED_MEDIA_TYPE,
};

/** Turns anything thrown into the response body; `internal` is set when the error is a bug to be logged. */
export function toErrorBody(error: unknown): { body: ErrorBody; internal: boolean } {
  if (error instanceof AppException) {
    const status = ERROR_STATUS[error.code];
    return {
      body: { statusCode: status, error: error.code, message: error.message, problems: error.problems },
      internal: status >= 500,
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = HTTP_CODES[status];
    if (code)
      return { body: { statusCode: status, error: code, message: messageOf(error) }, internal: false };
  }
  // Fastify's own refusals before any route runs (a URL that does not decode, a bad Content-Length, …). A path
  // parameter over the router's length limit (414) names no route that exists: a 404.
  const fastify = error as { code?: unknown; statusCode?: unknown; message?: unknown };
  if (typeof fastify?.code === 'string' && fastify.code.startsWith('FST_')) {
    if (Number(fastify.statusCode) === 414)
      return {
        body: { statusCode: 404, error: CommonErrorCode.NOT_FOUND, message: 'No route matches this path' },
        internal: false,
      };
    const status = Number(fastify.statusCode);
    const code = HTTP_CODES[status];
    if (code)
      return { body: { statusCode: status, error: code, message: String(fastify.message) }, internal: false };
  }
  return {
    body: {
      statusCode: 500,
      error: CommonErrorCode.INTERNAL,
      message: 'Internal server error',
      errorId: randomUUID(),
    },
    internal: true,
  };
}

function messageOf(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  return Array.isArray(message) ? message.join('; ') : String(message ?? error.message);
}
