import { AppException, FieldProblem } from '../common/errors/app.exception';

export enum IngestionErrorCode {
  INVALID_MESSAGE = 'INVALID_MESSAGE',
  IMPORT_TOO_LARGE = 'IMPORT_TOO_LARGE',
  INVALID_CSV_HEADER = 'INVALID_CSV_HEADER',
}

export class IngestionException extends AppException {
  constructor(code: IngestionErrorCode, message: string, problems?: FieldProblem[]) {
    super(code, message, problems);
  }
}
