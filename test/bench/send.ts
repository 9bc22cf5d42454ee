import { ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Liquid } from 'liquidjs';
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
import { int, ms, summarize } from './stats';

export const usage = `send [--messages N=20000] [--enqueue-batch 200] [--json]
  N messages queued through the outbox (MessagesService.enqueueMany, one transaction per batch) and sent by the real
  sender worker (guards, render, tracking, SMTP pool of 5) to a local smtp-server sink in a child process; prints
  messages/s, p50/p99 enqueue-to-accepted latency and the ratio to bare nodemailer (same pool, same sink, the same
  HTML rendered once) measured in the same run. Checks that every message arrived exactly once.`;

const log = (line: string) => process.stderr.write(`${line}\n`);

/** A promo email: a product loop, filters, personal greeting, tracked links and the links a recipient needs. */
const TEMPLATE = {
  subject: '{{ customer.traits.firstName | default: "Hello" }}, {{ event.products | size }} picks for you',
  html: `<html><body style="font-family:sans-serif">
<table width="600" align="center" cellpadding="0" cellspacing="0">
  <tr><td><h1>Hi {{ customer.traits.firstName | default: "there" }},</h1>
  <p>We picked these for you this week{% if customer.traits.city %} in {{ customer.traits.city }}{% endif %}.</p></td></tr>
  {% for p in event.products %}
  <tr><td style="padding:12px 0;border-bottom:1px solid #eee">
    <a href="https://shop.example.com/p/{{ p.sku }}?ref=email"><strong>{{ p.name | escape }}</strong></a>
    <div>{{ p.price | times: 1.0 | round: 2 }} {{ p.currency | upcase }}{% if p.sale %} <em>on sale</em>{% endif %}</div>
  </td></tr>
  {% endfor %}
  <tr><td style="padding:24px 0"><a href="https://shop.example.com/new?ref=email">See everything new</a></td></tr>
  <tr><td style="font-size:12px;color:#888">
    <a href="{{ links.viewInBrowser }}">View in browser</a> ·
    <a href="{{ links.preferences }}">Preferences</a> ·
    <a href="{{ links.unsubscribe }}">Unsubscribe</a>
  </td></tr>
</table></body></html>`,
};
const PRODUCTS = Array.from({ length: 4 }, (_, i) => ({
  sku: `SKU-${1000 + i}`,
  name: `Product ${i} & friends`,
  price: 19.5 + i * 10,
  currency: 'eur',
  sale: i % 2 === 0,
}));

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
  await Promise.all(
    Array.from({ length: messages }, (_, i) =>
      transport.sendMail({
        from: 'Shop <shop@example.com>',
        to: `bare-${i}@example.test`,
        subject,
        html,
        text: html.replace(/<[^>]+>/g, ''),
        messageId: `<bare-${i}-${randomUUID()}@bench.test>`,
      }),
    ),
  );
  const seconds = (Date.now() - started) / 1000;
  transport.close();
  const accepted = await collect(sink, messages, 5_000);
  return { seconds, perSecond: messages / seconds, accepted: accepted.length };
}

export async function runSendBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      messages: { type: 'string', default: '20000' },
      'enqueue-batch': { type: 'string', default: '200' },
      json: { type: 'boolean', default: false },
    },
  });
  const num = (name: 'messages' | 'enqueue-batch', min: number) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
    return n;
  };
  const messages = num('messages', 1);
  const enqueueBatch = num('enqueue-batch', 1);

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

    // The baseline sends the HTML the template renders to (for the first customer), once rendered.
    const context = {
      customer: { traits: { firstName: 'Ada', city: 'Lyon' } },
      event: { products: PRODUCTS },
      links: {
        viewInBrowser: 'https://mail.bench.test/v/x',
        preferences: 'https://mail.bench.test/p/x',
        unsubscribe: 'https://mail.bench.test/u/x',
      },
    };
    const liquid = new Liquid();
    const bareHtml = liquid.parseAndRenderSync(TEMPLATE.html, context) as string;
    const bareSubject = liquid.parseAndRenderSync(TEMPLATE.subject, context) as string;
    log(`bare baseline: nodemailer pool (5 connections) → sink, ${int(messages)} messages`);
    const bare = await bareBaseline(sink, messages, bareHtml, bareSubject);

    const config = loadConfig({
      DATABASE_URL: db.url,
      WAYMARK_HOME: home,
      WAYMARK_ROLES: 'worker',
      // set, so the server does not generate and print one
      ADMIN_API_KEY: `bench-admin-${randomUUID()}`,
      SMTP_URL: sink.url,
      PUBLIC_URL: 'https://mail.bench.test',
      QUIET_HOURS: 'off',
      FREQUENCY_CAP: '1000/1d',
      LOG_LEVEL: 'warn',
    });
    const app = await createApp(config, pino({ level: 'warn' }));
    await app.init();
    cleanups.push(() => app.close());
    const dataSource = app.get(DataSource);
    const template = await app.get(TemplatesService).create(
      Object.assign(new CreateTemplateDto(), {
        key: 'bench-promo',
        name: 'Bench promo',
        subject: TEMPLATE.subject,
        html: TEMPLATE.html,
        from: 'Shop <shop@example.com>',
      }),
      undefined,
    );
    const customerIds = Array.from({ length: messages }, () => randomUUID());
    await query(db.url, (c) =>
      c.query(
        `INSERT INTO customers (id, external_id, email, traits, marketing_consent, consent_source, consent_at)
         SELECT id, 'bench-' || n, 'bench-' || n || '@example.test',
                jsonb_build_object('firstName', 'Customer ' || n, 'city', 'Lyon'), true, 'identify', now()
           FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, n)`,
        [customerIds],
      ),
    );
    await query(db.url, (c) => c.query('ANALYZE customers'));

    log(
      `outbox: ${int(messages)} messages enqueued in batches of ${enqueueBatch}, the sender worker running`,
    );
    const tx = app.get(TransactionService);
    const outbox = app.get(MessagesService);
    const enqueuedAt = new Map<string, number>();
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
      enqueueSeconds: round(enqueueSeconds, 2),
      seconds: round(seconds, 2),
      messagesPerSecond: Math.round(perSecond),
      latencyMs: { p50: round(l.p50, 1), p99: round(l.p99, 1), max: round(l.max, 1) },
      bare: { seconds: round(bare.seconds, 2), messagesPerSecond: Math.round(bare.perSecond) },
      ratioToBare: round(perSecond / bare.perSecond, 3),
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
