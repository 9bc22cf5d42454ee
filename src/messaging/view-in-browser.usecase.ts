import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LinkSigner } from './link-signer';
import { MessageRenderer } from './message-renderer';
import { MessagingException } from './messaging.exception';

/**
 * View in browser (`/v/:token`): a sent message's HTML re-rendered from its stored template version and context.
 * Nothing is recorded — there is no open pixel in it, so a browser view never counts as an open.
 */
@Injectable()
export class ViewInBrowserUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly signer: LinkSigner,
    private readonly renderer: MessageRenderer,
  ) {}

  async execute(token: string): Promise<string> {
    const claim = await this.signer.verify(token, 'v');
    if (!claim) throw MessagingException.linkNotFound();
    const [row] = await this.dataSource.query(
      `SELECT id, customer_id, template_id, template_version, context, links FROM messages
        WHERE id = $1 AND status = 'sent'`,
      [claim.messageId],
    );
    if (!row) throw MessagingException.linkNotFound();
    return this.renderer.forBrowser(row, row.links as string[]);
  }
}
