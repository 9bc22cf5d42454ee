import { Injectable } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';

/** u: unsubscribe, o: open pixel, c: click, p: preferences page, v: view in browser. */
export type LinkKind = 'u' | 'o' | 'c' | 'p' | 'v';

export interface LinkClaim {
  kind: LinkKind;
  messageId: string;
  /** Click links: the index of the URL in the message. */
  index?: number;
}

const SECRET_NAME = 'links';
const SIG_BYTES = 16;

/**
 * HMAC-SHA256 signed link tokens: `<kind>.<messageId>[.<index>].<signature>` (base64url signature). The secret is
 * generated once per database (messaging_secrets) so every process signs alike; it is never in the code.
 */
@Injectable()
export class LinkSigner {
  private secret?: Promise<Buffer>;

  constructor(private readonly dataSource: DataSource) {}

  async sign(claim: LinkClaim): Promise<string> {
    return (await this.signer())(claim);
  }

  /** A synchronous signer, once the secret is loaded (for signing many links of one message). */
  async signer(): Promise<(claim: LinkClaim) => string> {
    const key = await this.key();
    return (claim) => {
      const body = [claim.kind, claim.messageId, ...(claim.index === undefined ? [] : [claim.index])].join(
        '.',
      );
      return `${body}.${this.mac(key, body)}`;
    };
  }

  /** The claim, or null for anything malformed or forged. */
  async verify(token: string, kind: LinkKind): Promise<LinkClaim | null> {
    const parts = token.split('.');
    const expected = kind === 'c' ? 4 : 3;
    if (parts.length !== expected || parts[0] !== kind) return null;
    const sig = parts.pop()!;
    const body = parts.join('.');
    const want = Buffer.from(this.mac(await this.key(), body));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
    if (!/^[0-9a-f-]{36}$/i.test(parts[1])) return null;
    const index = kind === 'c' ? Number(parts[2]) : undefined;
    if (index !== undefined && !Number.isInteger(index)) return null;
    return { kind, messageId: parts[1], index };
  }

  private mac(key: Buffer, body: string): string {
    return createHmac('sha256', key).update(body).digest().subarray(0, SIG_BYTES).toString('base64url');
  }

  private key(): Promise<Buffer> {
    this.secret ??= this.load().catch((error) => {
      this.secret = undefined;
      throw error;
    });
    return this.secret;
  }

  private async load(): Promise<Buffer> {
    await this.dataSource.query(
      `INSERT INTO messaging_secrets (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
      [SECRET_NAME, randomBytes(32)],
    );
    const [row] = await this.dataSource.query(`SELECT secret FROM messaging_secrets WHERE name = $1`, [
      SECRET_NAME,
    ]);
    return row.secret as Buffer;
  }
}
