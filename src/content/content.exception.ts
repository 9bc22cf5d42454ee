import { AppException, FieldProblem } from '../common/errors/app.exception';

export enum ContentErrorCode {
  TEMPLATE_NOT_FOUND = 'TEMPLATE_NOT_FOUND',
  TEMPLATE_KEY_TAKEN = 'TEMPLATE_KEY_TAKEN',
  TEMPLATE_ARCHIVED = 'TEMPLATE_ARCHIVED',
  INVALID_TEMPLATE = 'INVALID_TEMPLATE',
  TEMPLATE_RENDER_FAILED = 'TEMPLATE_RENDER_FAILED',
}

/** A problem in a template source; Liquid errors carry the line and column inside that source. */
export interface TemplateProblem extends FieldProblem {
  line?: number;
  column?: number;
  /** When the error is inside a file of templates/ (a partial or layout): its path there; line and column are in it. */
  file?: string;
  /** For undefined variables in strict mode: the variable's full path, e.g. `customer.traits.nickname`. */
  variable?: string;
}

export class ContentException extends AppException {
  constructor(code: ContentErrorCode, message: string, problems?: TemplateProblem[]) {
    super(code, message, problems);
  }

  static notFound(ref: string, version?: number): ContentException {
    return new ContentException(
      ContentErrorCode.TEMPLATE_NOT_FOUND,
      version === undefined ? `Template "${ref}" not found` : `Template "${ref}" has no version ${version}`,
    );
  }

  static keyTaken(key: string): ContentException {
    return new ContentException(
      ContentErrorCode.TEMPLATE_KEY_TAKEN,
      `A template with key "${key}" already exists (archived templates keep their key)`,
    );
  }

  static archived(ref: string): ContentException {
    return new ContentException(
      ContentErrorCode.TEMPLATE_ARCHIVED,
      `Template "${ref}" is archived and takes no new versions`,
    );
  }

  static invalid(problems: TemplateProblem[]): ContentException {
    return new ContentException(
      ContentErrorCode.INVALID_TEMPLATE,
      summary('Invalid template', problems),
      problems,
    );
  }

  static renderFailed(problems: TemplateProblem[]): ContentException {
    return new ContentException(
      ContentErrorCode.TEMPLATE_RENDER_FAILED,
      summary('Template failed to render', problems),
      problems,
    );
  }
}

function summary(prefix: string, problems: TemplateProblem[]): string {
  const first = problems[0];
  if (!first) return prefix;
  const at = first.line !== undefined ? ` (line ${first.line}, column ${first.column})` : '';
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return `${prefix}: ${first.path}: ${first.message}${at}${more}`;
}
