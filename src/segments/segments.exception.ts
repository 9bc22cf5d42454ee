import { AppException, FieldProblem } from '../common/errors/app.exception';

export enum SegmentsErrorCode {
  SEGMENT_NOT_FOUND = 'SEGMENT_NOT_FOUND',
  SEGMENT_KEY_TAKEN = 'SEGMENT_KEY_TAKEN',
  INVALID_SEGMENT_DEFINITION = 'INVALID_SEGMENT_DEFINITION',
  SEGMENT_IN_USE = 'SEGMENT_IN_USE',
  SEGMENT_ARCHIVED = 'SEGMENT_ARCHIVED',
}

export class SegmentsException extends AppException {
  constructor(code: SegmentsErrorCode, message: string, problems?: FieldProblem[]) {
    super(code, message, problems);
  }

  static notFound(ref: string): SegmentsException {
    return new SegmentsException(SegmentsErrorCode.SEGMENT_NOT_FOUND, `Segment "${ref}" not found`);
  }

  static archived(key: string): SegmentsException {
    return new SegmentsException(
      SegmentsErrorCode.SEGMENT_ARCHIVED,
      `Segment "${key}" is archived: archived segments are not evaluated`,
    );
  }

  static invalid(problems: FieldProblem[]): SegmentsException {
    const first = problems[0] ? `${problems[0].path}: ${problems[0].message}` : 'invalid';
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    return new SegmentsException(
      SegmentsErrorCode.INVALID_SEGMENT_DEFINITION,
      `Invalid segment definition: ${first}${more}`,
      problems,
    );
  }
}
