import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SmtpPeer {
  url: string;
  /** Recipient → Date.now() when the peer accepted the message (first time only). */
  receivedAt: Map<string, number>;
  /** Every accepted message, duplicates included. */
  count(): number;
  close(): Promise<void>;
}

/**
 * A real SMTP peer that keeps only who received a message and when: 100,000 stored bodies would cost the benchmark
 * hundreds of megabytes on a machine the server shares.
 */
export async function startSmtpPeer(): Promise<SmtpPeer> {
  const receivedAt = new Map<string, number>();
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        const at = Date.now();
        count++;
        for (const r of session.envelope.rcptTo)
          if (!receivedAt.has(r.address)) receivedAt.set(r.address, at);
        callback(null, 'queued');
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    receivedAt,
    count: () => count,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
