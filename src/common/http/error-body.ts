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

/** Errors raised by the JSON body parser before any route runs. */
const PARSER_ERRORS: Record<string, { status: number; code: CommonErrorCode; message: string }> = {
  'entity.parse.failed': {
    status: 400,
    code: CommonErrorCode.MALFORMED_JSON,
    message: 'Request body is not valid JSON',
  },
  'entity.too.large': {
    status: 413,
    code: CommonErrorCode.PAYLOAD_TOO_LARGE,
    message: 'Request body is too large',
  },
  'encoding.unsupported': {
    status: 415,
    code: CommonErrorCode.UNSUPPORTED_MEDIA_TYPE,
    message: 'Unsupported content encoding',
  },
  'charset.unsupported': {
    status: 415,
    code: CommonErrorCode.UNSUPPORTED_MEDIA_TYPE,
    message: 'Unsupported charset',
  },
  'request.aborted': { status: 400, code: CommonErrorCode.VALIDATION_FAILED, message: 'Request was aborted' },
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
  const parser = PARSER_ERRORS[(error as { type?: string })?.type ?? ''];
  if (parser) {
    const limit = (error as { limit?: number }).limit;
    const message =
      limit && parser.status === 413 ? `${parser.message} (limit ${limit} bytes)` : parser.message;
    return { body: { statusCode: parser.status, error: parser.code, message }, internal: false };
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
