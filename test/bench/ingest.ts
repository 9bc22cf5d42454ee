import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { backendPids, measureCpu } from './cpu';
import { benchDatabase, query } from './postgres';
import { batchCount, workload } from './payloads';
import { measureWal, sampleAutovacuum, waitForAutovacuum } from './maintenance';
import { rawBaseline } from './raw-baseline';
import { startServer, startWorker } from './server';
import { formatSummary, IngestSummary } from './report';
import { int, slowSeconds, summarize } from './stats';
import { replayBatches, sendBatches, trackAtRate } from './traffic';

export const usage = `ingest [--events N=1000000] [--clients C=8] [--batch-size 100] [--track-seconds 20]
         [--track-rate 500] [--split-roles] [--settle] [--json]
  POST /v1/batch throughput and latency against the real server, checked for lost events, compared with a raw
  INSERT … unnest load of the same rows; then /v1/track latency at a fixed rate. One process with every role, as
  \`npm start\` runs; --split-roles: an api process and a worker process (the scale-out topology), whose CPU the
  server figures then sum. The track phase reports how much of it autovacuum was running (it vacuums and analyzes
  the bulk load then); --settle first waits until autovacuum is done, for the latency of a steady state.`;

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * The track phase starts soon after a CHECKPOINT (right after it unless --settle waits for autovacuum first), with
 * the single-event statements not yet prepared on the pool's connections and the client's sockets not yet open: the
 * calls after its first seconds are reported on their own as well.
 */
const STEADY_AFTER_SECONDS = 5;

function steady(byStart: number[], rate: number) {
  const t = summarize(byStart.slice(rate * STEADY_AFTER_SECONDS));
  return { afterSeconds: STEADY_AFTER_SECONDS, p50: round(t.p50, 1), p99: round(t.p99, 1) };
}

export async function runIngest(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: 'string', default: '1000000' },
      clients: { type: 'string', default: '8' },
      'batch-size': { type: 'string', default: '100' },
      'track-seconds': { type: 'string', default: '20' },
      'track-rate': { type: 'string', default: '500' },
      'split-roles': { type: 'boolean', default: false },
      settle: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const num = (name: keyof typeof values, min: number) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
    return n;
  };
  const events = num('events', 1);
  const clients = num('clients', 1);
  const trackSeconds = num('track-seconds', 0);
  const trackRate = num('track-rate', 1);
  const w = workload(events, num('batch-size', 1));

  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch((e: Error) => log(`cleanup: ${e.message}`));
  };
  // Ctrl-C must not leave a server running or a database behind.
  const onSignal = () => void cleanup().then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const db = await benchDatabase(log);
    cleanups.push(db.drop);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-bench-home-'));
    cleanups.push(async () => fs.rmSync(home, { recursive: true, force: true }));
    const split = values['split-roles'];
    const server = await startServer(db.url, home, split ? { WAYMARK_ROLES: 'api' } : {});
    cleanups.push(server.stop);
    const worker = split ? await startWorker(db.url, home) : undefined;
    if (worker) cleanups.push(worker.stop);
    const serverPids = async () => (worker ? [server.pid, worker.pid] : [server.pid]);
    const sql = async (text: string) =>
      (await query(db.url, (c) => c.query(text))).rows[0] as Record<string, string>;
    const count = async () => Number((await sql('SELECT count(*) AS n FROM events')).n);
    const statsSum = async () =>
      Number((await sql('SELECT coalesce(sum(events_count), 0) AS n FROM customer_stats')).n);
    // Dirty pages of one phase are flushed before the next is timed (needs superuser; skipped otherwise).
    const checkpoint = () => sql('CHECKPOINT').catch(() => undefined);

    const loadBefore = os.loadavg()[0];
    log(
      `batch phase: ${int(events)} events, ${w.batchSize}/batch, ${clients} clients, ${int(w.customers)} customers`,
    );
    const serverCpu = await measureCpu(serverPids);
    const postgresCpu = await measureCpu(() => backendPids(db.url));
    const batchWal = await measureWal(db.url);
    const batch = await sendBatches(server, w, clients, log);
    const walPerEvent = await batchWal(batch.stored);
    const cpu = { server: await serverCpu(), postgres: await postgresCpu() };
    const problems = [...batch.failures];
    const afterBatch = await count();
    if (batch.stored !== events)
      problems.push(`the server reported ${batch.stored} stored, ${events} were sent`);
    if (afterBatch !== events) problems.push(`events holds ${afterBatch} rows, ${events} were sent`);
    const total = batchCount(w);
    const replay = await replayBatches(
      server,
      w,
      [...new Set([0, 1, total >> 1, total - 2, total - 1])].filter((b) => b >= 0),
    );
    problems.push(...replay.failures);
    if (replay.stored !== 0) problems.push(`a replay stored ${replay.stored} new events`);
    if ((await count()) !== afterBatch) problems.push('a replay changed the number of events');
    const stats = await statsSum();
    if (stats !== afterBatch)
      problems.push(`sum(customer_stats.events_count) is ${stats}, events holds ${afterBatch}`);

    await checkpoint();
    log('raw baseline: INSERT … SELECT FROM unnest, 1,000 rows per statement, one client');
    const raw = await rawBaseline(db.url, w);

    await checkpoint();
    let settledSeconds: number | null = null;
    if (values.settle) {
      log('waiting for autovacuum to finish');
      settledSeconds = await waitForAutovacuum(db.url);
    }
    log(`track phase: POST /v1/track at ${trackRate}/s for ${trackSeconds} s (open loop)`);
    const autovacuum = await sampleAutovacuum(db.url);
    const trackServerCpu = await measureCpu(serverPids);
    const trackPostgresCpu = await measureCpu(() => backendPids(db.url));
    const trackWal = await measureWal(db.url);
    const track = await trackAtRate(server, w, trackRate, trackSeconds);
    const walPerCall = await trackWal(track.ok);
    const trackCpu = { server: await trackServerCpu(), postgres: await trackPostgresCpu() };
    const maintenance = await autovacuum();
    for (const f of track.failures.slice(0, 5)) log(`  ${f}`);
    if (track.failures.length) problems.push(`${track.failures.length} of the track requests failed`);
    const finalCount = await count();
    if (finalCount !== events + track.ok)
      problems.push(
        `events holds ${finalCount} rows after the track phase, ${events + track.ok} were accepted`,
      );
    const finalStats = await statsSum();
    if (finalStats !== finalCount)
      problems.push(`sum(customer_stats.events_count) is ${finalStats}, events holds ${finalCount}`);

    // Other work on the machine (tests, builds) shares its cores with the server: the figures need this context.
    const load = { start: round(loadBefore, 2), end: round(os.loadavg()[0], 2), cpus: os.cpus().length };
    const eventsPerSecond = events / batch.seconds;
    const b = summarize(batch.latencies);
    const t = summarize(track.latencies);
    const summary: IngestSummary = {
      events,
      clients,
      topology: split ? 'api process + worker process' : 'one process, every role',
      batchSize: w.batchSize,
      customers: w.customers,
      batchSeconds: round(batch.seconds, 2),
      eventsPerSecond: Math.round(eventsPerSecond),
      clientCpuSeconds: round(batch.clientCpuSeconds, 1),
      cpuMicrosPerEvent: {
        server: cpu.server === undefined ? null : round((cpu.server * 1e6) / events, 0),
        postgres: cpu.postgres === undefined ? null : round((cpu.postgres * 1e6) / events, 0),
        client: round((batch.clientCpuSeconds * 1e6) / events, 0),
      },
      walPerEvent,
      batchLatencyMs: {
        p50: round(b.p50, 1),
        p95: round(b.p95, 1),
        p99: round(b.p99, 1),
        max: round(b.max, 1),
      },
      raw: {
        rows: raw.rows,
        skipped: raw.skipped,
        seconds: round(raw.seconds, 2),
        rowsPerSecond: Math.round(raw.rowsPerSecond),
      },
      ratioServerToRaw: round(eventsPerSecond / raw.rowsPerSecond, 3),
      track: {
        targetRps: trackRate,
        seconds: trackSeconds,
        sent: track.sent,
        ok: track.ok,
        errors: track.failures.length,
        achievedRps: round(track.achievedRps, 1),
        latencyMs: { p50: round(t.p50, 1), p99: round(t.p99, 1), max: round(t.max, 1) },
        slow: slowSeconds(track.byStart, trackRate, 25),
        steadyMs: steady(track.byStart, trackRate),
        walPerCall,
        settledSeconds: settledSeconds === null ? null : round(settledSeconds, 0),
        autovacuum: { share: round(maintenance.share, 2), work: maintenance.work },
        cpuMicrosPerEvent: {
          server: trackCpu.server === undefined ? null : round((trackCpu.server * 1e6) / track.ok, 0),
          postgres: trackCpu.postgres === undefined ? null : round((trackCpu.postgres * 1e6) / track.ok, 0),
        },
      },
      loadAverage: load,
      countCheck: {
        ok: problems.length === 0,
        events: finalCount,
        batchEvents: events,
        trackEvents: track.ok,
        replayStored: replay.stored,
        statsEventsCount: finalStats,
        problems,
      },
    };
    for (const f of track.failures.slice(0, 5)) log(`  ${f}`);

    process.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
    return problems.length ? 1 : 0;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** JSON has no NaN: a phase that measured nothing reports null. */
const round = (v: number, digits: number) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : null);
