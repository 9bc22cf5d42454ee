import { AppException } from '../common/errors/app.exception';

export enum MessagingErrorCode {
  MESSAGE_NOT_FOUND = 'MESSAGE_NOT_FOUND',
  SUPPRESSION_NOT_FOUND = 'SUPPRESSION_NOT_FOUND',
  LINK_NOT_FOUND = 'LINK_NOT_FOUND',
  RESUBSCRIBE_NOT_ALLOWED = 'RESUBSCRIBE_NOT_ALLOWED',
  INBOUND_TOKEN_NOT_FOUND = 'INBOUND_TOKEN_NOT_FOUND',
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

  /** The address is suppressed for a reason the recipient cannot undo (bounce, complaint, or an operator's entry). */
  static resubscribeNotAllowed(reason: string): MessagingException {
    return new MessagingException(
      MessagingErrorCode.RESUBSCRIBE_NOT_ALLOWED,
      reason === 'manual'
        ? 'This address was removed from our mailing list by our team and cannot be resubscribed here'
        : `Mail to this address ${reason === 'bounce' ? 'bounced' : 'was reported as spam'}, so it cannot be resubscribed here`,
    );
  }

  /** An inbound unsubscribe mail whose recipient address carries no valid unsubscribe token. */
  static inboundTokenNotFound(): MessagingException {
    return new MessagingException(
      MessagingErrorCode.INBOUND_TOKEN_NOT_FOUND,
      'The "to" address carries no valid unsubscribe token (expected u+<token>@host)',
    );
  }
}
