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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    received,
    raw,
    url: `smtp://127.0.0.1:${port}`,
    to: (address: string) => received.filter((r) => r.to.includes(address)),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
