import { AppException, FieldProblem } from './app.exception';

export enum CommonErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  MALFORMED_JSON = 'MALFORMED_JSON',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  METHOD_NOT_ALLOWED = 'METHOD_NOT_ALLOWED',
  INTERNAL = 'INTERNAL',
}

export class CommonException extends AppException {
  constructor(code: CommonErrorCode, message: string, problems?: FieldProblem[]) {
    super(code, message, problems);
  }

  static validation(problems: FieldProblem[]): CommonException {
    const first = problems[0] ? `${problems[0].path}: ${problems[0].message}` : 'invalid input';
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    return new CommonException(
      CommonErrorCode.VALIDATION_FAILED,
      `Invalid request: ${first}${more}`,
      problems,
    );
  }
}
