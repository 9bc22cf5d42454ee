import type { AddressInfo } from 'node:net';
import { simpleParser, ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  mail: ParsedMail;
  at: number;
}

/** A real SMTP peer that accepts everything and keeps what it received, parsed. */
export async function startSmtpSink(options: { parse?: boolean } = {}) {
  const received: ReceivedMail[] = [];
  const raw: { to: string[]; data: Buffer; at: number }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        const data = Buffer.concat(chunks);
        const at = Date.now();
        if (options.parse === false) {
          raw.push({ to, data, at });
          return callback(null, 'queued');
        }
        simpleParser(data)
          .then((mail) => {
            received.push({ to, mail, at });
            callback(null, 'queued');
          })
          .catch(callback);
      });
    },
  });
  // A client that goes away mid-session (a sender killed with SIGKILL) is an error on its connection, which the
  // server re-emits: without a listener that would be an uncaught exception in the test process.
  const errors: Error[] = [];
  server.on('error', (error) => errors.push(error));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    received,
    raw,
    errors,
    url: `smtp://127.0.0.1:${port}`,
    to: (address: string) => received.filter((r) => r.to.includes(address)),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
