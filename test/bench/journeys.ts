import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { bareSendRate } from './bare-send';
import { StageRow, stages, triggerToInbox } from './journeys-latency';
import { formatJourneys, JourneysSummary } from './journeys-report';
import {
  Api,
  defineJourney,
  emailOf,
  identifyCustomers,
  inBatches,
  JOURNEY_KEY,
  SAMPLE_MAIL,
  trackMessage,
} from './journeys-setup';
import { benchDatabase, query } from './postgres';
import { startServer } from './server';
import { startSmtpPeer } from './smtp-peer';
import { summarize } from './stats';

export const usage = `journeys [--customers N=100000] [--bare N=20000] [--latency-rate 200] [--latency-seconds 20]
         [--stall-seconds 60] [--json]
  N customers through event trigger → wait 0s → branch → split → send_email to a local SMTP peer, against the
  real server (api + worker roles in one process): runs/s and emails/s with every trigger posted at once, the
  ratio to a bare nodemailer pool to the same peer, then trigger-to-inbox latency at a steady /v1/track rate.`;

const round = (v: number, d: number) => (Number.isFinite(v) ? Number(v.toFixed(d)) : null);
const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runJourneysBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      customers: { type: 'string', default: '100000' },
      bare: { type: 'string', default: '20000' },
      'latency-rate': { type: 'string', default: '200' },
      'latency-seconds': { type: 'string', default: '20' },
      'stall-seconds': { type: 'string', default: '60' },
      json: { type: 'boolean', default: false },
    },
  });
  const num = (name: keyof typeof values, min: number) => {
    const v = Number(values[name]);
    if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
    return v;
  };
  const customers = num('customers', 1);
  const bareMessages = num('bare', 1);
  const rate = num('latency-rate', 1);
  const latencySeconds = num('latency-seconds', 1);
  const stallMs = num('stall-seconds', 1) * 1000;

  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch((e: Error) => log(`cleanup: ${e.message}`));
  };
  const onSignal = () => void cleanup().then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const db = await benchDatabase(log);
    cleanups.push(db.drop);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-bench-home-'));
    cleanups.push(async () => fs.rmSync(home, { recursive: true, force: true }));
    const peer = await startSmtpPeer();
    cleanups.push(peer.close);
    const server = await startServer(db.url, home, {
      SMTP_URL: peer.url,
      QUIET_HOURS: 'off',
      FREQUENCY_CAP: '100/1d',
    });
    cleanups.push(server.stop);
    const api = new Api(server);
    cleanups.push(async () => api.agent.destroy());
    const sql = async <T = Record<string, string>>(text: string) =>
      (await query(db.url, (c) => c.query(text))).rows[0] as T;

    const bulkIds = Array.from({ length: customers }, (_, i) => `jb-${i}`);
    const latencyIds = Array.from({ length: rate * latencySeconds }, (_, i) => `jl-${i}`);
    await defineJourney(api);
    log(`identifying ${customers + latencyIds.length} customers`);
    await identifyCustomers(api, [...bulkIds, ...latencyIds]);
    await sql('CHECKPOINT').catch(() => undefined);

    const loadBefore = os.loadavg()[0];
    log(`bare send: ${bareMessages} messages, nodemailer pool → SMTP peer`);
    const bare = await bareSendRate(peer.url, bareMessages, SAMPLE_MAIL);
    log(`  ${Math.round(bare.perSecond)} emails/s`);

    log(`throughput phase: ${customers} trigger events`);
    const postedAt = new Map<number, number>();
    const started = Date.now();
    await inBatches(
      bulkIds.map((id, i) => [id, i] as const),
      100,
      8,
      async (chunk) => {
        const at = Date.now();
        for (const [, i] of chunk) postedAt.set(i, at);
        await api.post('/v1/batch', { batch: chunk.map(([id]) => trackMessage(id)) });
      },
    );
    const ingestSeconds = (Date.now() - started) / 1000;
    const bulkReceived = () => bulkIds.reduce((s, id) => s + (peer.receivedAt.has(emailOf(id)) ? 1 : 0), 0);
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const got = bulkReceived();
      if (got !== last) [last, lastChange] = [got, Date.now()];
      if (got === customers || Date.now() - lastChange > stallMs) break;
      const r = await sql(
        `SELECT count(*) FILTER (WHERE status = 'completed') AS done, count(*) AS runs FROM journey_runs`,
      );
      log(
        `  ${Math.round((Date.now() - started) / 1000)} s: ${r.runs} runs, ${r.done} completed, ${got} emails`,
      );
      await sleep(5000);
    }
    const runs = await sql<{ done: string; last: Date | null }>(
      `SELECT count(*) AS done, max(ended_at) AS last FROM journey_runs WHERE status = 'completed'`,
    );
    const times = bulkIds.map((id) => peer.receivedAt.get(emailOf(id)) ?? NaN);
    const lastEmail = Math.max(...times.filter(Number.isFinite));
    const runsSeconds = runs.last ? (new Date(runs.last).getTime() - started) / 1000 : NaN;
    const emailsSeconds = (lastEmail - started) / 1000;
    const emails = bulkReceived();
    const backlog = summarize(times.map((t, i) => t - postedAt.get(i)!));

    log(`latency phase: /v1/track at ${rate}/s for ${latencySeconds} s`);
    const lat = await triggerToInbox(api, peer, latencyIds, rate, stallMs);
    const l = summarize(lat.latencies);
    const stageRows = (
      await query(db.url, (c) =>
        c.query(
          `SELECT c.external_id AS "userId", r.entered_at AS "enteredAt", r.ended_at AS "endedAt"
             FROM journey_runs r JOIN customers c ON c.id = r.customer_id WHERE c.external_id LIKE 'jl-%'`,
        ),
      )
    ).rows as StageRow[];
    const st = stages(stageRows, lat, peer);
    const p = (v: number[]) => {
      const s = summarize(v);
      return { p50: round(s.p50, 0), p99: round(s.p99, 0) };
    };

    const problems: string[] = [...lat.failures.slice(0, 5)];
    const all = customers + latencyIds.length;
    const received = emails + l.count;
    if (received !== all) problems.push(`${all - received} customers got no email`);
    if (peer.count() - bare.messages !== received)
      problems.push(`${peer.count() - bare.messages - received} duplicate emails at the peer`);
    const bad = await sql<{ runs: string; messages: string }>(
      `SELECT (SELECT count(*) FROM journey_runs WHERE status NOT IN ('completed')) AS runs,
              (SELECT count(*) FROM messages WHERE status <> 'sent') AS messages`,
    );
    if (Number(bad.runs)) problems.push(`${bad.runs} runs did not complete`);
    if (Number(bad.messages)) problems.push(`${bad.messages} messages not sent`);
    void JOURNEY_KEY;

    const emailsPerSecond = emails / emailsSeconds;
    const summary: JourneysSummary = {
      customers,
      bare: {
        messages: bare.messages,
        seconds: round(bare.seconds, 2),
        perSecond: Math.round(bare.perSecond),
      },
      throughput: {
        ingestSeconds: round(ingestSeconds, 1),
        runsCompleted: Number(runs.done),
        runsSeconds: round(runsSeconds, 1),
        runsPerSecond: Math.round(Number(runs.done) / runsSeconds),
        emails,
        emailsSeconds: round(emailsSeconds, 1),
        emailsPerSecond: Math.round(emailsPerSecond),
        ratioEmailsToBare: round(emailsPerSecond / bare.perSecond, 3),
        latencyMs: { p50: round(backlog.p50, 0), p99: round(backlog.p99, 0), max: round(backlog.max, 0) },
      },
      latency: {
        rate,
        seconds: latencySeconds,
        achievedRps: round(lat.achievedRps, 1),
        received: l.count,
        sent: lat.sent,
        p50: round(l.p50, 1),
        p95: round(l.p95, 1),
        p99: round(l.p99, 1),
        max: round(l.max, 1),
        stagesMs: { enrol: p(st.enrol), engine: p(st.engine), send: p(st.send) },
      },
      loadAverage: { start: round(loadBefore, 2), end: round(os.loadavg()[0], 2), cpus: os.cpus().length },
      check: { ok: problems.length === 0, problems },
    };
    process.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatJourneys(summary));
    return problems.length ? 1 : 0;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
