import { Injectable } from '@nestjs/common';
import type { InboundUnsubscribeDto } from './messaging.dto';
import { MessagingException } from './messaging.exception';
import { UnsubscribeUseCase } from './unsubscribe.usecase';

/**
 * The List-Unsubscribe mailto address: `u+<unsubscribe token>@host`. The token (61 characters) fits in the local
 * part with its prefix (RFC 5321 allows 64 octets), so no lookup table is needed; it is the same signed token as the
 * https link's. Receiving systems must keep the local part's case (the signature is base64url).
 */
export function unsubscribeMailto(token: string, host: string): string {
  return `mailto:u+${token}@${host}?subject=unsubscribe`;
}

const TOKEN_IN_ADDRESS = /\+(u\.[0-9a-f-]{36}\.[A-Za-z0-9_-]+)@/gi;

/** Pure: the unsubscribe tokens in a `to` field (one or more addresses, with or without display names). */
export function tokensInAddress(to: string): string[] {
  return [...to.matchAll(TOKEN_IN_ADDRESS)].map((m) => m[1]);
}

/**
 * `POST /v1/inbound/unsubscribe`: a mail provider's inbound-parse webhook forwards a mail sent to the mailto address;
 * the first token in `to` that verifies unsubscribes its customer exactly as the https link does (the sender goes on
 * the message event). 404 INBOUND_TOKEN_NOT_FOUND when none verifies.
 */
@Injectable()
export class InboundUnsubscribeUseCase {
  constructor(private readonly unsubscribe: UnsubscribeUseCase) {}

  async execute(dto: InboundUnsubscribeDto): Promise<{ unsubscribed: string | null; messageId: string }> {
    for (const token of tokensInAddress(dto.to)) {
      const target = await this.unsubscribe.resolve(token).catch((error: unknown) => {
        if (error instanceof MessagingException) return null;
        throw error;
      });
      if (!target) continue;
      await this.unsubscribe.unsubscribe(target, { via: 'mailto', from: dto.from });
      return { unsubscribed: target.email, messageId: target.messageId };
    }
    throw MessagingException.inboundTokenNotFound();
  }
}
