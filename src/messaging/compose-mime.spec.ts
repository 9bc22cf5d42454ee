import { simpleParser } from 'mailparser';
import * as qp from 'nodemailer/lib/qp';
import { addresses, composeMime, encodeBody, headerLine, wrapQuotedPrintable } from './compose-mime';

const mail = {
  from: 'Shöp <shop@example.com>',
  replyTo: 'reply@example.com',
  to: 'Ann Lee <ann@example.org>',
  subject: 'Hé there, 20% off',
  html: `<p>Hi é ${'x'.repeat(120)}</p>\n<a href="https://x.example/?a=1&b=2">go</a>`,
  text: 'Hi\nthere',
  messageId: '<abc-123@waymark.test>',
  headers: {
    'List-Unsubscribe': '<https://x.example/u/abc>, <mailto:unsub@x.example?subject=abc>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  },
};

describe('composeMime', () => {
  it('writes a multipart/alternative message a MIME parser reads back as given', async () => {
    const { raw, envelope } = composeMime(mail, new Date('2026-01-02T03:04:05Z'), 'b0undary');
    expect(envelope).toEqual({ from: 'shop@example.com', to: ['ann@example.org'] });
    const parsed = await simpleParser(raw);
    expect(parsed.from?.value[0]).toEqual({ name: 'Shöp', address: 'shop@example.com' });
    expect(parsed.subject).toBe(mail.subject);
    expect(parsed.messageId).toBe(mail.messageId);
    expect(parsed.date?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    const lines = new Map(parsed.headerLines.map((h) => [h.key, h.line]));
    expect(lines.get('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(lines.get('list-unsubscribe')?.replace(/\r\n /g, ' ')).toBe(
      `List-Unsubscribe: ${mail.headers['List-Unsubscribe']}`,
    );
    expect(parsed.text).toBe('Hi\nthere');
    expect(parsed.html).toBe(mail.html);
    expect(raw.toString('latin1')).toContain('Content-Type: multipart/alternative;\r\n boundary="b0undary"');
  });

  it('keeps every line within 78 characters and ASCII only', () => {
    const text = composeMime(mail).raw.toString('latin1');
    expect(Buffer.from(text, 'utf8').length).toBe(text.length);
    for (const line of text.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
  });

  it('uses 7bit for short ASCII lines and quoted-printable otherwise', () => {
    expect(encodeBody('a\nb')).toEqual({ encoding: '7bit', body: 'a\r\nb' });
    expect(encodeBody('é').encoding).toBe('quoted-printable');
    expect(encodeBody('y'.repeat(100)).encoding).toBe('quoted-printable');
  });

  it('encodes non-ASCII header words and parses address lists', () => {
    expect(headerLine('Subject', 'plain')).toBe('Subject: plain');
    expect(headerLine('Subject', 'café')).toMatch(/^Subject: =\?UTF-8\?Q\?caf=C3=A9\?=$/);
    expect(addresses('A <a@x.y>, b@x.y')).toEqual(['a@x.y', 'b@x.y']);
  });

  it('wraps quoted-printable lines within 76 characters, never inside an escape', () => {
    const samples = [
      'short',
      'x'.repeat(200),
      `${'a'.repeat(73)}é${'b'.repeat(80)}`,
      `${'a'.repeat(74)}é\r\n${'é'.repeat(60)} end  \r\n\r\n${'c '.repeat(90)}`,
      Array.from(
        { length: 50 },
        (_, i) => `<a href="https://x.example/${i}?a=${i}&b=ü">${'z'.repeat(i)}</a>`,
      ).join(''),
    ];
    for (const sample of samples) {
      const encoded = qp.encode(sample);
      const wrapped = wrapQuotedPrintable(encoded);
      for (const line of wrapped.split('\r\n')) {
        expect(line.length).toBeLessThanOrEqual(76);
        expect(line).toMatch(/^(?:[^=]|=[0-9A-F]{2})*=?$/);
      }
      expect(wrapped.replace(/=\r\n/g, '')).toBe(encoded);
    }
  });
});
