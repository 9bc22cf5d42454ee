import { AppException, FieldProblem } from '../common/errors/app.exception';

export enum JourneysErrorCode {
  JOURNEY_NOT_FOUND = 'JOURNEY_NOT_FOUND',
  JOURNEY_KEY_TAKEN = 'JOURNEY_KEY_TAKEN',
  INVALID_JOURNEY = 'INVALID_JOURNEY',
  JOURNEY_ARCHIVED = 'JOURNEY_ARCHIVED',
  JOURNEY_NOT_PUBLISHED = 'JOURNEY_NOT_PUBLISHED',
  JOURNEY_NOT_LIVE = 'JOURNEY_NOT_LIVE',
  RUN_NOT_FOUND = 'RUN_NOT_FOUND',
}

export class JourneysException extends AppException {
  constructor(code: JourneysErrorCode, message: string, problems?: FieldProblem[]) {
    super(code, message, problems);
  }

  static notFound(ref: string): JourneysException {
    return new JourneysException(JourneysErrorCode.JOURNEY_NOT_FOUND, `Journey "${ref}" not found`);
  }

  static invalid(problems: FieldProblem[]): JourneysException {
    const first = problems[0] ? `${problems[0].path}: ${problems[0].message}` : 'invalid';
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    return new JourneysException(
      JourneysErrorCode.INVALID_JOURNEY,
      `Invalid journey: ${first}${more}`,
      problems,
    );
  }

  static archived(key: string): JourneysException {
    return new JourneysException(JourneysErrorCode.JOURNEY_ARCHIVED, `Journey "${key}" is archived`);
  }

  static notLive(key: string, status: string): JourneysException {
    return new JourneysException(
      JourneysErrorCode.JOURNEY_NOT_LIVE,
      `Journey "${key}" is ${status}: publish or resume it first`,
    );
  }
}
