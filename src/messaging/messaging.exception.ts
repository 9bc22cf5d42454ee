import { AppException } from '../common/errors/app.exception';

export enum MessagingErrorCode {
  MESSAGE_NOT_FOUND = 'MESSAGE_NOT_FOUND',
  SUPPRESSION_NOT_FOUND = 'SUPPRESSION_NOT_FOUND',
  LINK_NOT_FOUND = 'LINK_NOT_FOUND',
}

export class MessagingException extends AppException {
  constructor(code: MessagingErrorCode, message: string) {
    super(code, message);
  }

  static messageNotFound(id: string): MessagingException {
    return new MessagingException(MessagingErrorCode.MESSAGE_NOT_FOUND, `Message "${id}" not found`);
  }

  static suppressionNotFound(email: string): MessagingException {
    return new MessagingException(
      MessagingErrorCode.SUPPRESSION_NOT_FOUND,
      `"${email}" is not on the suppression list`,
    );
  }

  /** A bad, forged or stale link token: the same answer in every case. */
  static linkNotFound(): MessagingException {
    return new MessagingException(MessagingErrorCode.LINK_NOT_FOUND, 'Link not found');
  }
}
