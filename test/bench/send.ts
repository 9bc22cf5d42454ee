import { ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as nodemailer from 'nodemailer';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/config';
import { CreateTemplateDto } from '../../src/content/templates.dto';
import { TemplatesService } from '../../src/content/templates.service';
import { TransactionService } from '../../src/database/transaction.service';
import { MessagesService } from '../../src/messaging/messages.service';
import { benchDatabase, query } from './postgres';
import { cpuMs, startSenderProcess } from './send-worker';
import { bareLiquidRate, bareSample, benchCustomer, PRODUCTS, TEMPLATE } from './send-template';
import { int, ms, summarize } from './stats';

export const usage = `send [--messages N=50000] [--enqueue-batch 200] [--senders 1] [--json]
  N messages queued through the outbox (MessagesService.enqueueMany, one transaction per batch) and sent by the real
  sender worker (guards, render of a promo with a product loop and two dynamic content blocks, tracking, SMTP pool
  of 5) to a local smtp-server sink in a child process; prints messages/s, p50/p99 enqueue-to-accepted latency, and
  measured in the same run: bare nodemailer (same pool, same sink, the same HTML rendered once) and bare liquidjs
  (the same template parsed once, rendered N times), and CPU time per message of the sender process and of bare
  nodemailer. Checks that every message arrived exactly once. SENDER_NODE_OPTIONS: extra node flags for the sender
  process (e.g. --cpu-prof). --senders N: N sender processes drain the outbox together (claims use SKIP LOCKED, as
  when the product scales out); the CPU figure is then the sum over them. The headline compares one sender process
  with bare single-process nodemailer.`;

const log = (line: string) => process.stderr.write(`${line}\n`);

interface SinkReport {
  /** Message-ID → accept time(s) (Date.now() in the sink process). */
  accepted: [string, number][];
}

/** The sink, in its own process so it does not share the sender's event loop: accepts everything and reports. */
function runSink(): void {
  let pending: [string, number][] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, _session, callback) {
      let head = '';
      stream.on('data', (c: Buffer) => {
        if (head.length < 8192) head += c.toString('latin1');
      });
      stream.on('end', () => {
        const id = /^message-id:\s*(<[^>\r\n]+>)/im.exec(head)?.[1] ?? '?';
        pending.push([id, Date.now()]);
        callback(null, 'queued');
      });
    },
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.server.address() as { port: number };
    process.send!({ port });
  });
  process.on('message', (m: { flush?: boolean; stop?: boolean }) => {
    if (m.flush) {
      process.send!({ accepted: pending } satisfies SinkReport);
      pending = [];
    }
    if (m.stop) server.close(() => process.exit(0));
  });
}

interface Sink {
  url: string;
  /** Everything accepted since the last flush. */
  flush(): Promise<[string, number][]>;
  stop(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const child: ChildProcess = fork(__filename, ['--sink'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`the SMTP sink exited with code ${code}`)));
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    flush: () =>
      new Promise((resolve) => {
        child.once('message', (m: SinkReport) => resolve(m.accepted));
        child.send({ flush: true });
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ stop: true });
      }),
  };
}

/** Collects the sink's reports until `expected` messages arrived or nothing new came for `idleMs`. */
async function collect(sink: Sink, expected: number, idleMs: number): Promise<[string, number][]> {
  const all: [string, number][] = [];
  let lastNew = Date.now();
  while (all.length < expected && Date.now() - lastNew < idleMs) {
    await new Promise((r) => setTimeout(r, 100));
    const got = await sink.flush();
    if (got.length) lastNew = Date.now();
    all.push(...got);
  }
  return all;
}

/** Bare nodemailer: the same pool options the server uses, the same HTML, straight to the sink. */
/** Messages the bare baseline keeps in flight: enough to keep five pooled connections busy. */
const BARE_WINDOW = 50;

async function bareBaseline(sink: Sink, messages: number, html: string, subject: string) {
  const transport = nodemailer.createTransport({
    host: new URL(sink.url).hostname,
    port: Number(new URL(sink.url).port),
    pool: true,
    maxConnections: 5,
    maxMessages: Infinity,
    secure: false,
    ignoreTLS: true,
  });
  const started = Date.now();
  // A bounded window, as the sender has: handing nodemailer's pool all 50,000 messages at once measured its queue
  // and the garbage collector as well (560/s against 681/s with this window, in two runs on the same afternoon).
  let next = 0;
  const worker = async () => {
    while (next < messages) {
      const i = next++;
      await transport.sendMail({
        from: 'Shop <shop@example.com>',
        to: `bare-${i}@example.test`,
        subject,
        html,
        text: html.replace(/<[^>]+>/g, ''),
        messageId: `<bare-${i}-${randomUUID()}@bench.test>`,
      });
    }
  };
  await Promise.all(Array.from({ length: BARE_WINDOW }, worker));
  const seconds = (Date.now() - started) / 1000;
  transport.close();
  const accepted = await collect(sink, messages, 5_000);
  return { seconds, perSecond: messages / seconds, accepted: accepted.length };
}

export async function runSendBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      messages: { type: 'string', default: '50000' },
      'enqueue-batch': { type: 'string', default: '200' },
      senders: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
    },
  });
  const num = (name: 'messages' | 'enqueue-batch' | 'senders', min: number) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
    return n;
  };
  const messages = num('messages', 1);
  const enqueueBatch = num('enqueue-batch', 1);
  const senderCount = num('senders', 1);

  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch((e: Error) => log(`cleanup: ${e.message}`));
  };
  const onSignal = () => void cleanup().then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const sink = await startSink();
    cleanups.push(sink.stop);
    const db = await benchDatabase(log);
    cleanups.push(db.drop);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-bench-home-'));
    cleanups.push(async () => fs.rmSync(home, { recursive: true, force: true }));
    const loadBefore = os.loadavg()[0];

    log(`bare liquidjs: the template parsed once, subject and HTML rendered ${int(messages)} times`);
    const liquid = bareLiquidRate(messages);
    const sample = bareSample();
    log(`bare baseline: nodemailer pool (5 connections) → sink, ${int(messages)} messages`);
    const bareCpuStart = cpuMs();
    const bare = await bareBaseline(sink, messages, sample.html, sample.subject);
    const bareCpuMs = cpuMs() - bareCpuStart;

    const env = {
      DATABASE_URL: db.url,
      WAYMARK_HOME: home,
      // set, so the server does not generate and print one
      ADMIN_API_KEY: `bench-admin-${randomUUID()}`,
      SMTP_URL: sink.url,
      PUBLIC_URL: 'https://mail.bench.test',
      QUIET_HOURS: 'off',
      FREQUENCY_CAP: '1000/1d',
      LOG_LEVEL: 'warn',
    };
    // This process only queues (the api role: no workers); the server's worker role runs in its own process.
    const app = await createApp(loadConfig({ ...env, WAYMARK_ROLES: 'api' }), pino({ level: 'warn' }));
    await app.init();
    cleanups.push(() => app.close());
    const dataSource = app.get(DataSource);
    const template = await app.get(TemplatesService).create(
      Object.assign(new CreateTemplateDto(), {
        key: 'bench-promo',
        name: 'Bench promo',
        subject: TEMPLATE.subject,
        html: TEMPLATE.html,
        blocks: TEMPLATE.blocks,
        from: 'Shop <shop@example.com>',
      }),
      undefined,
    );
    const customerIds = Array.from({ length: messages }, () => randomUUID());
    const people = customerIds.map((_, i) => benchCustomer(i + 1));
    await query(db.url, async (c) => {
      await c.query(
        `INSERT INTO customers (id, external_id, email, traits, marketing_consent, consent_source, consent_at)
         SELECT id, 'bench-' || n, 'bench-' || n || '@example.test', traits, true, 'identify', now()
           FROM unnest($1::uuid[], $2::jsonb[]) WITH ORDINALITY AS u(id, traits, n)`,
        [customerIds, people.map((p) => JSON.stringify({ ...p.traits, tier: p.vip ? 'vip' : 'regular' }))],
      );
      await c.query(
        `INSERT INTO customer_stats (customer_id, orders_count, revenue_total, events_count)
         SELECT id, orders, orders * 42.5, orders FROM unnest($1::uuid[], $2::int[]) AS u(id, orders)`,
        [customerIds, people.map((p) => p.ordersCount)],
      );
      // The VIP segment's rule matches the members written here, so the segment worker keeps them.
      const [{ id: vip }] = (
        await c.query(
          `INSERT INTO segments (key, name, rules)
           VALUES ('vip', 'VIP', '{"all":[{"fact":"traits","path":"$.tier","operator":"equal","value":"vip"}]}')
           RETURNING id`,
        )
      ).rows;
      await c.query(
        `INSERT INTO segment_versions (segment_id, version, rules) SELECT id, 1, rules FROM segments`,
      );
      await c.query(
        `INSERT INTO segment_memberships (segment_id, customer_id, entered_at)
         SELECT $1, id, now() FROM unnest($2::uuid[]) AS u(id)`,
        [vip, customerIds.filter((_, i) => people[i].vip)],
      );
    });
    await query(db.url, (c) =>
      c.query('ANALYZE customers; ANALYZE customer_stats; ANALYZE segment_memberships'),
    );
    const senders = await Promise.all(
      Array.from({ length: senderCount }, () => startSenderProcess({ ...env, WAYMARK_ROLES: 'worker' })),
    );
    for (const sender of senders) cleanups.push(sender.stop);
    const sendersCpuMs = async () =>
      (await Promise.all(senders.map((s) => s.cpuMs()))).reduce((a, b) => a + b, 0);

    log(
      `outbox: ${int(messages)} messages enqueued in batches of ${enqueueBatch}, ${senderCount === 1 ? 'the sender worker running in its own process' : `${senderCount} sender processes`}`,
    );
    const tx = app.get(TransactionService);
    const outbox = app.get(MessagesService);
    const enqueuedAt = new Map<string, number>();
    const senderCpuStart = await sendersCpuMs();
    const started = Date.now();
    for (let from = 0; from < messages; from += enqueueBatch) {
      const ids: string[] = [];
      await tx.run(async (m) => {
        const rows = await outbox.enqueueMany(
          m,
          customerIds.slice(from, from + enqueueBatch).map((customerId) => ({
            customerId,
            templateId: template.id,
            templateVersion: template.version,
            idempotencyKey: `bench:${customerId}`,
            context: { event: { products: PRODUCTS } },
          })),
        );
        for (const row of rows) ids.push(row!.id);
      });
      const committed = Date.now();
      for (const id of ids) enqueuedAt.set(id, committed);
    }
    const enqueueSeconds = (Date.now() - started) / 1000;
    const accepted = await collect(sink, messages, 30_000);
    const senderCpuMs = (await sendersCpuMs()) - senderCpuStart;
    const finished = accepted.reduce((max, [, at]) => Math.max(max, at), started);
    const seconds = (finished - started) / 1000;

    const problems: string[] = [];
    const seen = new Map<string, number>();
    const latencies: number[] = [];
    for (const [header, at] of accepted) {
      const id = /^<([0-9a-f-]{36})@/.exec(header)?.[1] ?? header;
      seen.set(id, (seen.get(id) ?? 0) + 1);
      const queued = enqueuedAt.get(id);
      if (queued === undefined) problems.push(`the sink got a message the bench did not queue: ${header}`);
      else latencies.push(at - queued);
    }
    const twice = [...seen.values()].filter((n) => n > 1).length;
    const missing = [...enqueuedAt.keys()].filter((id) => !seen.has(id)).length;
    if (twice) problems.push(`${twice} messages arrived more than once`);
    if (missing) problems.push(`${missing} messages never arrived`);
    // The sink accepts a message before the sender marks it sent: give the last ones a moment to be recorded.
    let statuses: { status: string; n: number }[] = [];
    for (let i = 0; i < 100; i++) {
      statuses = await dataSource.query(
        `SELECT status, count(*)::int AS n FROM messages GROUP BY 1 ORDER BY 1`,
      );
      if (!statuses.some((s) => s.status === 'queued' || s.status === 'sending')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const sent = statuses.find((s) => s.status === 'sent')?.n ?? 0;
    if (sent !== messages) problems.push(`messages: ${JSON.stringify(statuses)}`);
    if (bare.accepted !== messages) problems.push(`bare baseline: the sink got ${bare.accepted}/${messages}`);

    const perSecond = messages / seconds;
    const l = summarize(latencies);
    const summary = {
      messages,
      enqueueBatch,
      senders: senderCount,
      enqueueSeconds: round(enqueueSeconds, 2),
      seconds: round(seconds, 2),
      messagesPerSecond: Math.round(perSecond),
      latencyMs: { p50: round(l.p50, 1), p99: round(l.p99, 1), max: round(l.max, 1) },
      bare: { seconds: round(bare.seconds, 2), messagesPerSecond: Math.round(bare.perSecond) },
      ratioToBare: round(perSecond / bare.perSecond, 3),
      // CPU time per message: robust where the wall clock is not (other jobs on the machine)
      cpuPerMessageMs: { sender: round(senderCpuMs / messages, 3), bare: round(bareCpuMs / messages, 3) },
      bareLiquid: { seconds: round(liquid.seconds, 2), rendersPerSecond: Math.round(liquid.perSecond) },
      ratioToBareLiquid: round(perSecond / liquid.perSecond, 3),
      received: accepted.length,
      duplicates: twice,
      missing,
      loadAverage: { start: round(loadBefore, 2), end: round(os.loadavg()[0], 2), cpus: os.cpus().length },
      problems,
    };
    process.stdout.write(
      values.json
        ? `${JSON.stringify(summary, null, 2)}\n`
        : [
            '',
            '== send benchmark ==',
            `messages          ${int(messages)} (enqueued in ${summary.enqueueSeconds} s, ${enqueueBatch}/transaction)`,
            `end to end        ${int(perSecond)} messages/s (${summary.seconds} s from the first enqueue to the last accept)`,
            `enqueue→accepted  p50 ${ms(l.p50)}  p99 ${ms(l.p99)}  max ${ms(l.max)}`,
            `bare nodemailer   ${int(bare.perSecond)} messages/s (${summary.bare.seconds} s, same pool and sink)`,
            `ratio to bare     ${summary.ratioToBare}`,
            `CPU per message   ${senderCount === 1 ? 'sender process' : `${senderCount} sender processes`} ${summary.cpuPerMessageMs.sender} ms, bare nodemailer ` +
              `${summary.cpuPerMessageMs.bare} ms (ratio ${round(bareCpuMs / senderCpuMs, 3)})`,
            `bare liquidjs     ${int(liquid.perSecond)} renders/s (subject + HTML, parsed once, ${summary.bareLiquid.seconds} s)` +
              ` → ratio ${summary.ratioToBareLiquid}`,
            `delivery check    ${problems.length ? 'FAILED' : 'OK'} (received ${int(accepted.length)}, ` +
              `${twice} twice, ${missing} missing)`,
            ...problems.slice(0, 20).map((p) => `  - ${p}`),
            `load average      ${summary.loadAverage.start} at start, ${summary.loadAverage.end} at end, ` +
              `${summary.loadAverage.cpus} CPUs`,
            '',
          ].join('\n'),
    );
    return problems.length ? 1 : 0;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const round = (v: number, digits: number) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : null);

if (require.main === module && process.argv.includes('--sink')) runSink();
