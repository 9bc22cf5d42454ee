import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import * as nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.token';
import { composeMime, type MimeInput } from './compose-mime';

/** A message as the sender hands it over: what the MIME composer takes. */
export type OutgoingMail = MimeInput;

export interface SendReceipt {
  /** What the peer said it queued the message as (SMTP reply), or the file written. */
  providerMessageId: string;
}

/**
 * Where mail goes. `SMTP_URL` set: a nodemailer SMTP pool (pooled connections, `SMTP_RATE` messages per second);
 * unset: each message is written as an `.eml` under `$WAYMARK_HOME/outbox`. Errors are nodemailer's (an SMTP reply
 * carries `responseCode`), classified by `classifySendError`.
 */
@Injectable()
export class MailTransport implements OnApplicationShutdown {
  private transporter?: Transporter;
  readonly outboxDir: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.outboxDir = path.join(config.home, 'outbox');
  }

  get kind(): 'smtp' | 'file' {
    return this.config.smtpUrl ? 'smtp' : 'file';
  }

  async send(mail: OutgoingMail): Promise<SendReceipt> {
    if (!this.config.smtpUrl)
      return this.writeFile({
        from: mail.from,
        replyTo: mail.replyTo,
        to: mail.to,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        messageId: mail.messageId,
        headers: mail.headers,
      });
    // Composed here into one buffer by string concatenation (MailComposer's node tree and streams were about a third
    // of the sender's CPU) and handed to the SMTP transport as it is: the pool writes it to the socket in one piece.
    const { raw, envelope } = composeMime(mail);
    const transport = this.smtp().transporter as unknown as ComposedTransport;
    const info = await new Promise<{ response?: string }>((resolve, reject) =>
      transport.send(composedMail(raw, envelope, mail.messageId), (error, sent) =>
        error ? reject(error) : resolve(sent),
      ),
    );
    return { providerMessageId: String(info.response ?? mail.messageId) };
  }

  async onApplicationShutdown(): Promise<void> {
    this.transporter?.close();
  }

  private smtp(): Transporter {
    if (!this.transporter) {
      // nodemailer reads transport options from the URL's query; values in SMTP_URL itself win.
      const url = new URL(this.config.smtpUrl!);
      const defaults: Record<string, string> = { pool: 'true', maxConnections: '5', maxMessages: 'Infinity' };
      if (this.config.smtpRate > 0)
        Object.assign(defaults, { rateDelta: '1000', rateLimit: String(this.config.smtpRate) });
      for (const [k, v] of Object.entries(defaults)) if (!url.searchParams.has(k)) url.searchParams.set(k, v);
      this.transporter = nodemailer.createTransport(url.toString());
    }
    return this.transporter;
  }

  private async writeFile(message: object): Promise<SendReceipt> {
    const stream = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    const info = await stream.sendMail(message);
    await fs.mkdir(this.outboxDir, { recursive: true });
    const file = path.join(
      this.outboxDir,
      `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`,
    );
    await fs.writeFile(file, info.message as Buffer);
    return { providerMessageId: `file:${path.basename(file)}` };
  }
}

/** nodemailer's SMTP transports (pooled or not), as `sendMail` calls them once it has built a message. */
interface ComposedTransport {
  send(
    mail: ReturnType<typeof composedMail>,
    callback: (error: Error | null, info: { response?: string }) => void,
  ): void;
}

/**
 * An already composed message in the shape nodemailer's SMTP transports read from what `sendMail` builds (`data`
 * options and a `message` with its envelope, Message-ID and content stream). Going to the transport directly skips
 * what `sendMail` would redo for a raw message: plugins, a MIME node per message, a stream pipeline with an abort
 * signal; about 7 % of the sender's CPU in a profile. Retries, rate limits and connection handling stay the pool's.
 */
function composedMail(raw: Buffer, envelope: { from: string; to: string[] }, messageId: string) {
  return {
    data: {},
    message: {
      getEnvelope: () => ({ from: envelope.from, to: [...envelope.to] }),
      messageId: () => messageId,
      getHeader: (key: string) => (key.toLowerCase() === 'message-id' ? messageId : undefined),
      createReadStream: () => new PassThrough().end(raw),
    },
  };
}
