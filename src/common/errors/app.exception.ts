import type { ErrorCode } from './error-status';

export interface FieldProblem {
  /** Where the problem is, e.g. `batch[3].userId` or `rules.all[0].operator`. */
  path: string;
  message: string;
}

/** Base of every module's exception: a stable code (mapped to an HTTP status in one place) and optional details. */
export class AppException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly problems?: FieldProblem[],
  ) {
    super(message);
  }
}
