import { AppException } from '../errors/app.exception';

export enum ApiKeysErrorCode {
  API_KEY_NOT_FOUND = 'API_KEY_NOT_FOUND',
}

export class ApiKeysException extends AppException {
  constructor(code: ApiKeysErrorCode, message: string) {
    super(code, message);
  }
}
