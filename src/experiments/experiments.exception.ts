import { AppException, FieldProblem } from '../common/errors/app.exception';

export enum ExperimentsErrorCode {
  EXPERIMENT_NOT_FOUND = 'EXPERIMENT_NOT_FOUND',
  EXPERIMENT_KEY_TAKEN = 'EXPERIMENT_KEY_TAKEN',
  EXPERIMENT_RUNNING = 'EXPERIMENT_RUNNING',
  EXPERIMENT_NOT_RUNNING = 'EXPERIMENT_NOT_RUNNING',
  ASSIGNMENT_NOT_FOUND = 'ASSIGNMENT_NOT_FOUND',
  INVALID_EXPERIMENT_DEFINITION = 'INVALID_EXPERIMENT_DEFINITION',
}

export class ExperimentsException extends AppException {
  constructor(code: ExperimentsErrorCode, message: string, problems?: FieldProblem[]) {
    super(code, message, problems);
  }

  static notFound(ref: string): ExperimentsException {
    return new ExperimentsException(
      ExperimentsErrorCode.EXPERIMENT_NOT_FOUND,
      `Experiment "${ref}" not found`,
    );
  }

  static invalid(problems: FieldProblem[]): ExperimentsException {
    const first = problems[0] ? `${problems[0].path}: ${problems[0].message}` : 'invalid';
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    return new ExperimentsException(
      ExperimentsErrorCode.INVALID_EXPERIMENT_DEFINITION,
      `Invalid experiment definition: ${first}${more}`,
      problems,
    );
  }
}
