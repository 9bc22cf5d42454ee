import { loadConfig } from '../../src/config/config';
import { classifySendError } from '../../src/messaging/delivery-rules';
import { MailTransport, type OutgoingMail } from '../../src/messaging/mail-transport';
import { header, startSmtpPeer } from './messaging-smtp-peer';

/**
 * The SMTP side of MailTransport against a real SMTP peer: composed messages go straight to nodemailer's SMTP
 * transport, pooled (the default) or not (`pool=false` in SMTP_URL), with nodemailer's own error replies.
 */
describe.each([
  ['pooled', ''],
  ['not pooled', '?pool=false'],
])('MailTransport over SMTP (%s)', (_, query) => {
  let peer: Awaited<ReturnType<typeof startSmtpPeer>>;
  let transport: MailTransport;
  beforeAll(async () => {
    peer = await startSmtpPeer();
    transport = new MailTransport(loadConfig({ SMTP_URL: `${peer.url}${query}` }));
  });
  afterAll(async () => {
    await transport.onApplicationShutdown();
    await peer.close();
  });

  const mail = (to: string, n: number): OutgoingMail => ({
    from: 'Shop <shop@example.com>',
    to,
    subject: `Hello ${n}`,
    // A line that starts with a dot must arrive with it (SMTP dot-stuffing is the transport's).
    html: `<p>Hi</p>\n.hidden-line ${n}\n<p>Bye</p>`,
    text: `Hi\n.hidden-line ${n}\nBye`,
    messageId: `<msg-${n}${query ? '-np' : ''}@example.com>`,
    headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  });

  it('delivers each message once with its Message-ID, envelope, headers and body intact', async () => {
    const receipts = await Promise.all([1, 2, 3].map((n) => transport.send(mail(`ann${n}@example.com`, n))));
    expect(receipts.map((r) => r.providerMessageId)).toEqual(
      receipts.map(() => expect.stringContaining('queued as test')),
    );
    expect(peer.received).toHaveLength(3);
    for (const n of [1, 2, 3]) {
      const got = peer.received.find((r) => r.to.includes(`ann${n}@example.com`))!;
      expect(got.to).toEqual([`ann${n}@example.com`]);
      expect(got.mail.messageId).toBe(`<msg-${n}${query ? '-np' : ''}@example.com>`);
      expect(got.mail.subject).toBe(`Hello ${n}`);
      expect(got.mail.text).toContain(`\n.hidden-line ${n}\n`);
      expect(header(got.mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    }
  });

  it('passes the peer’s replies on as errors: 451 transient, 550 permanent', async () => {
    const temp = await transport.send(mail('temp-once@example.com', 4)).catch((e: unknown) => e);
    expect(temp).toMatchObject({ responseCode: 451 });
    expect(classifySendError(temp)).toBe('transient');
    const bounce = await transport.send(mail('bounce@example.com', 5)).catch((e: unknown) => e);
    expect(bounce).toMatchObject({ responseCode: 550 });
    expect(classifySendError(bounce)).toBe('permanent');
    // The connection is still good for the next message.
    await transport.send(mail('temp-once@example.com', 6));
    expect(peer.received.some((r) => r.to.includes('temp-once@example.com'))).toBe(true);
  });
});
