import { randomBytes } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import * as mimeFuncs from 'nodemailer/lib/mime-funcs';
import * as qp from 'nodemailer/lib/qp';

export interface MimeInput {
  from: string;
  replyTo?: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Full header value, with angle brackets: `<uuid@host>`. */
  messageId: string;
  headers: Record<string, string>;
}

export interface ComposedMime {
  raw: Buffer;
  envelope: { from: string; to: string[] };
}

const LINE = 76;

/** Bare addresses of an address list header (`Name <a@b>, c@d` → `['a@b', 'c@d']`). */
export function addresses(value: string): string[] {
  return addressparser(value, { flatten: true })
    .map((a) => a.address)
    .filter(Boolean);
}

/** A header line, non-ASCII words as RFC 2047 encoded words, folded when longer than a line. */
export function headerLine(name: string, value: string): string {
  const flat = value.replace(/\r?\n/g, ' ');
  const encoded = mimeFuncs.isPlainText(flat) ? flat : mimeFuncs.encodeWords(flat, 'Q', 52);
  const line = `${name}: ${encoded}`;
  return line.length > LINE ? mimeFuncs.foldLines(line, LINE) : line;
}

/**
 * Soft line breaks for a quoted-printable string (CRLF lines): lines longer than `max` are cut into pieces of at
 * most `max - 1` characters, each followed by `=`, never inside an `=XX` escape. One pass over the lines; nodemailer's
 * `qp.wrap` (which also looks for spaces to break at) was the most expensive step of composing a message.
 */
export function wrapQuotedPrintable(encoded: string, max = LINE): string {
  const lines = encoded.split('\r\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.length <= max) continue;
    const pieces: string[] = [];
    let pos = 0;
    while (line.length - pos > max) {
      let end = pos + max - 1;
      // `=` only ever starts an escape in encoded text: do not leave one cut short at the end of a piece
      if (line.charCodeAt(end - 1) === 0x3d) end -= 1;
      else if (line.charCodeAt(end - 2) === 0x3d) end -= 2;
      pieces.push(`${line.slice(pos, end)}=`);
      pos = end;
    }
    pieces.push(line.slice(pos));
    lines[i] = pieces.join('\r\n');
  }
  return lines.join('\r\n');
}

/** A text part's body with its transfer encoding: 7bit when it is ASCII with short lines, quoted-printable else. */
export function encodeBody(content: string): { encoding: '7bit' | 'quoted-printable'; body: string } {
  const crlf = content.replace(/\r?\n/g, '\r\n');
  if (mimeFuncs.isPlainText(crlf) && !mimeFuncs.hasLongerLines(crlf, LINE))
    return { encoding: '7bit', body: crlf };
  return { encoding: 'quoted-printable', body: wrapQuotedPrintable(qp.encode(crlf)) };
}

/**
 * The message as one multipart/alternative (text, then HTML) MIME buffer, composed with string concatenation: the
 * same headers and encodings nodemailer's MailComposer writes, without its node tree and streams (a third of the
 * sender's CPU went to composing when profiled). `date` and `boundary` are parameters for tests.
 */
export function composeMime(
  mail: MimeInput,
  date: Date = new Date(),
  boundary = `--_WmK-${randomBytes(12).toString('hex')}-Part_1`,
): ComposedMime {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(mail.headers)) lines.push(headerLine(name, value));
  lines.push(headerLine('From', mail.from));
  lines.push(headerLine('To', mail.to));
  if (mail.replyTo) lines.push(headerLine('Reply-To', mail.replyTo));
  lines.push(headerLine('Subject', mail.subject));
  lines.push(`Message-ID: ${mail.messageId}`);
  lines.push(`Date: ${date.toUTCString().replace(/GMT$/, '+0000')}`);
  lines.push('MIME-Version: 1.0');
  lines.push(`Content-Type: multipart/alternative;\r\n boundary="${boundary}"`);
  const text = encodeBody(mail.text);
  const html = encodeBody(mail.html);
  const raw =
    `${lines.join('\r\n')}\r\n\r\n` +
    `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ${text.encoding}\r\n\r\n` +
    `${text.body}\r\n` +
    `--${boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: ${html.encoding}\r\n\r\n` +
    `${html.body}\r\n` +
    `--${boundary}--\r\n`;
  return {
    raw: Buffer.from(raw, 'latin1'),
    envelope: { from: addresses(mail.from)[0] ?? '', to: addresses(mail.to) },
  };
}
