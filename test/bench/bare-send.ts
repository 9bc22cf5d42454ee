import * as nodemailer from 'nodemailer';

/**
 * The limit side of the ratio: nodemailer pooled (5 connections, as the server's transport) straight to the same
 * SMTP peer, with a message of the size the journey sends, no database and no rendering.
 */
export async function bareSendRate(
  smtpUrl: string,
  messages: number,
  sample: { html: string; text: string },
): Promise<{ messages: number; seconds: number; perSecond: number }> {
  const transport = nodemailer.createTransport(`${smtpUrl}?pool=true&maxConnections=5&maxMessages=Infinity`);
  const started = performance.now();
  // A bounded window: nodemailer's pool queues internally, but 100k pending promises would only measure GC.
  let next = 0;
  const worker = async () => {
    while (next < messages) {
      const i = next++;
      await transport.sendMail({
        from: 'Bench <bench@example.com>',
        to: `bare-${i}@bench.example`,
        subject: `Bare ${i}`,
        html: sample.html,
        text: sample.text,
        headers: { 'List-Unsubscribe': '<mailto:unsubscribe@example.com>' },
      });
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  const seconds = (performance.now() - started) / 1000;
  transport.close();
  return { messages, seconds, perSecond: messages / seconds };
}
