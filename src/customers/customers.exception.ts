import { AppException } from '../common/errors/app.exception';

export enum CustomersErrorCode {
  CUSTOMER_NOT_FOUND = 'CUSTOMER_NOT_FOUND',
}

export class CustomersException extends AppException {
  constructor(code: CustomersErrorCode, message: string) {
    super(code, message);
  }

  static notFound(id: string): CustomersException {
    return new CustomersException(CustomersErrorCode.CUSTOMER_NOT_FOUND, `Customer "${id}" not found`);
  }
}
