import type { AddressInfo } from 'node:net';
import { simpleParser, ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A header's raw value (mailparser folds List-* headers into one object; the raw line is what receivers see). */
export function header(mail: ParsedMail, name: string): string | undefined {
  const line = mail.headerLines.find((l) => l.key === name.toLowerCase());
  return line?.line
    .slice(line.line.indexOf(':') + 1)
    .replace(/\r?\n\s+/g, ' ')
    .trim();
}

/** The https URL of a List-Unsubscribe header. */
export function unsubscribeUrl(mail: ParsedMail): string {
  return /<(https:[^>]+)>/.exec(header(mail, 'List-Unsubscribe') ?? '')![1];
}

export interface Received {
  to: string[];
  mail: ParsedMail;
}

/** A real SMTP peer: `temp…@` addresses get one 451 then go through, `bounce…@` addresses always get 550. */
export async function startSmtpPeer() {
  const received: Received[] = [];
  const tempFailed = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        const fail = (code: number, message: string) =>
          callback(Object.assign(new Error(message), { responseCode: code }));
        if (to.some((a) => a.startsWith('bounce'))) return fail(550, 'No such user');
        const temp = to.find((a) => a.startsWith('temp') && !tempFailed.has(a));
        if (temp) {
          tempFailed.add(temp);
          return fail(451, 'Try again later');
        }
        simpleParser(Buffer.concat(chunks))
          .then((mail) => {
            received.push({ to, mail });
            callback(null, 'queued as test');
          })
          .catch(callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    received,
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
