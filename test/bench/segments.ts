import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { NestPinoLogger } from '../../src/common/logging/logger';
import { loadConfig } from '../../src/config/config';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { migrate } from '../../src/database/migrate';
import { RefreshSegmentUseCase } from '../../src/segments/refresh-segment.usecase';
import { ScoreRfmUseCase } from '../../src/segments/rfm/score-rfm.usecase';
import type { SegmentRow } from '../../src/segments/segment.types';
import { SegmentsService } from '../../src/segments/segments.service';
import { benchDatabase } from './postgres';
import { EVENT_MIX, generateData } from './segments-data';
import { BENCH_SEGMENTS, NODE_SEGMENT_KEYS, STATS_MIN_ORDERS } from './segments-definitions';
import { IncrementalTarget, incrementalLatency } from './segments-incremental';
import { nodeRefresh } from './segments-node';
import { formatSegmentsSummary, RefreshRun, SegmentsSummary } from './segments-report';
import { startServer, startWorker } from './server';
import { int, summarize } from './stats';

export const usage = `segments [--customers N=1000000] [--events N=10000000] [--incremental-events 10000] [--rate 150]
         [--seed 42] [--json] [--keep] [--split-roles | --worker-thread]
  Generates customers (traits), events over 180 days, customer_stats and RFM scores set-based in SQL; times a full
  refresh (RefreshSegmentUseCase, twice) of six segments — trait, stats, two event windows, RFM, nested
  any/all/not —; times the same refresh of two of them done by loading facts into Node and running
  json-rules-engine; then measures, against the real server (roles api,worker), the latency from POST /v1/track to
  the committed membership change: one process with both roles on one event loop, as npm start runs it
  (--worker-thread: WORKER_THREAD=true, the worker role on a thread of its own; --split-roles: an api process and a
  worker process).
  Targets: each full refresh < 10 s, incremental p99 < 50 ms.`;

const TARGET_REFRESH_MS = 10_000;
const TARGET_INCREMENTAL_P99_MS = 50;
/** Share of the incremental events that push a customer over the stats segment's threshold. */
const FLIP_SHARE = 0.8;

const log = (line: string) => process.stderr.write(`${line}\n`);

export async function runSegmentsBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      customers: { type: 'string', default: '1000000' },
      events: { type: 'string', default: '10000000' },
      'incremental-events': { type: 'string', default: '10000' },
      rate: { type: 'string', default: '150' },
      seed: { type: 'string', default: '42' },
      json: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      'split-roles': { type: 'boolean', default: false },
      'worker-thread': { type: 'boolean', default: false },
    },
  });
  const num = (name: 'customers' | 'events' | 'incremental-events' | 'rate' | 'seed', min: number) => {
    const v = Number(String(values[name]).replace(/[_,]/g, ''));
    if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
    return v;
  };
  const customers = num('customers', 100);
  const events = num('events', 1);
  const incrementalEvents = num('incremental-events', 0);
  const rate = num('rate', 1);
  const seed = num('seed', 0);

  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch((e: Error) => log(`cleanup: ${e.message}`));
  };
  // Ctrl-C must not leave a server running or a database behind.
  const onSignal = () => void cleanup().then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const loadStart = os.loadavg().map((v) => round(v, 2)!);
  const problems: string[] = [];
  try {
    const db = await benchDatabase(log);
    if (values.keep) log(`--keep: the database stays (${db.url})`);
    else cleanups.push(db.drop);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-bench-home-'));
    cleanups.push(async () => fs.rmSync(home, { recursive: true, force: true }));

    log('migrating (src/database/migrate.ts)');
    const migrations = new DataSource(dataSourceOptions(db.url, 2));
    await migrations.initialize();
    try {
      await migrate(migrations);
    } finally {
      await migrations.destroy();
    }

    const pg = new Client({ connectionString: db.url, application_name: 'waymark-bench' });
    await pg.connect();
    cleanups.push(() => pg.end());
    const scalar = async (text: string, params: unknown[] = []) =>
      Number(Object.values((await pg.query(text, params)).rows[0])[0]);
    // Dirty pages of one phase are flushed before the next is timed (needs superuser; skipped otherwise).
    const checkpoint = () => pg.query('CHECKPOINT').catch(() => undefined);

    // ── 1. data ──────────────────────────────────────────────────────────────────────────────────────────────
    log(`generating ${int(customers)} customers and ${int(events)} events (seed ${seed})`);
    const generationStarted = performance.now();
    const timings = await generateData(pg, { customers, events, seed, now: Date.now() }, log);

    // The Nest application context: the server's own module graph with no worker and no scheduler role.
    const logger = pino({ level: 'warn' }, pino.destination(2));
    const config = loadConfig({
      DATABASE_URL: db.url,
      ADMIN_API_KEY: `bench-admin-${randomUUID()}`,
      WAYMARK_HOME: home,
      WAYMARK_ROLES: 'api',
      LOG_LEVEL: 'warn',
    });
    const app: INestApplicationContext = await NestFactory.createApplicationContext(
      AppModule.forRoot(config, logger),
      { logger: new NestPinoLogger(logger.child({ component: 'nest' })), abortOnError: false },
    );
    let appOpen = true;
    const closeApp = async () => {
      if (!appOpen) return;
      appOpen = false;
      await app.close();
    };
    cleanups.push(closeApp);

    log('  RFM scores (ScoreRfmUseCase)');
    const rfmStarted = performance.now();
    const rfm = await app.get(ScoreRfmUseCase).execute();
    const rfmMs = performance.now() - rfmStarted;

    log('  VACUUM ANALYZE');
    const vacuumStarted = performance.now();
    await pg.query('VACUUM ANALYZE');
    const vacuumAnalyzeMs = performance.now() - vacuumStarted;
    const generationMs = performance.now() - generationStarted;

    const eventCounts = Object.fromEntries(
      (
        await pg.query<{ event: string; n: number }>(
          'SELECT event, count(*)::int AS n FROM events GROUP BY event ORDER BY event',
        )
      ).rows.map((r) => [r.event, r.n]),
    );
    if (Object.values(eventCounts).reduce((a, b) => a + b, 0) !== events)
      problems.push(`events holds ${JSON.stringify(eventCounts)}, ${events} were generated`);
    const statsEvents = await scalar('SELECT coalesce(sum(events_count), 0) FROM customer_stats');
    if (statsEvents !== events)
      problems.push(`sum(customer_stats.events_count) is ${statsEvents}, not ${events}`);
    const customersWithEvents = await scalar('SELECT count(*) FROM customer_stats');
    const buyers = await scalar('SELECT count(*) FROM customer_stats WHERE orders_count > 0');
    log(
      `generated in ${(generationMs / 1000).toFixed(1)} s: ${int(customersWithEvents)} customers with events, ` +
        `${int(buyers)} buyers, ${int(rfm.scored)} RFM scores`,
    );

    // ── 2. full refresh ──────────────────────────────────────────────────────────────────────────────────────
    const segmentsService = app.get(SegmentsService);
    const refresher = app.get(RefreshSegmentUseCase);
    const rows: SegmentRow[] = [];
    for (const s of BENCH_SEGMENTS) rows.push(await segmentsService.create(s.dto));
    await checkpoint();
    const runs: RefreshRun[][] = rows.map(() => []);
    for (const label of ['first', 'second']) {
      for (const [i, row] of rows.entries()) {
        const started = performance.now();
        const r = await refresher.execute(row);
        const wallMs = performance.now() - started;
        if (!r.ran) problems.push(`the ${label} refresh of ${row.key} did not run (locked)`);
        runs[i].push({
          ms: r.ms,
          wallMs: Math.round(wallMs),
          members: r.members,
          entered: r.entered,
          exited: r.exited,
        });
        log(
          `  ${label} refresh ${row.key.padEnd(22)} ${(r.ms / 1000).toFixed(2).padStart(6)} s  ${int(r.members).padStart(9)} members`,
        );
      }
    }
    const refresh = rows.map((row, i) => {
      const [first, second] = runs[i];
      // The second run may move a few customers: relative windows (30 days, 1 day) slid between the two runs.
      if (second.members === 0) problems.push(`${row.key} has no members: the data does not exercise it`);
      return {
        key: row.key,
        kind: BENCH_SEGMENTS[i].kind,
        first,
        second,
        targetMet: first.ms < TARGET_REFRESH_MS && second.ms < TARGET_REFRESH_MS,
      };
    });

    // ── 3. the same refresh in Node ──────────────────────────────────────────────────────────────────────────
    const node: SegmentsSummary['node'] = [];
    for (const key of NODE_SEGMENT_KEYS) {
      const i = rows.findIndex((r) => r.key === key);
      const row = await segmentsService.get(key);
      log(`node evaluation of ${key} over ${int(customers)} customers`);
      let next = 100_000;
      const r = await nodeRefresh(app.get(DataSource), row.id, row.rules, row.refreshedAt!, (done) => {
        if (done >= next) {
          log(`  ${int(done)} customers`);
          next += 100_000;
        }
      });
      const sqlMs = runs[i][1].ms;
      const agree = r.onlySql === 0 && r.onlyNode === 0 && r.members === runs[i][1].members;
      if (!agree)
        problems.push(
          `${key}: Node finds ${r.members} members, SQL ${runs[i][1].members} (${r.onlySql} only SQL, ${r.onlyNode} only Node)`,
        );
      if (r.customers !== customers) problems.push(`${key}: Node evaluated ${r.customers} of ${customers}`);
      node.push({
        key,
        sqlMembers: runs[i][1].members,
        nodeMembers: r.members,
        agree,
        onlySql: r.onlySql,
        onlyNode: r.onlyNode,
        customers: r.customers,
        eventsLoaded: r.eventsLoaded,
        wallMs: Math.round(r.wallMs),
        loadWaitMs: Math.round(r.loadWaitMs),
        evaluateMs: Math.round(r.evaluateMs),
        evaluateUsPerCustomer: round((r.evaluateMs * 1000) / r.customers, 1),
        sqlMs,
        ratioSqlToNode: round(sqlMs / r.wallMs, 4),
      });
    }
    await closeApp();

    // ── 4. incremental latency ───────────────────────────────────────────────────────────────────────────────
    let incremental: SegmentsSummary['incremental'] = null;
    if (incrementalEvents > 0) {
      const targets = await pickTargets(pg, incrementalEvents, seed);
      log(
        `incremental: ${int(targets.length)} events at ${rate}/s, ` +
          `${int(targets.filter((t) => t.group === 'threshold').length)} of them an order of 250 for a customer ` +
          `with ${STATS_MIN_ORDERS - 1} orders`,
      );
      await checkpoint();
      // One process with both roles, as `npm start` runs (with --worker-thread the worker role on a thread of its
      // own); or (--split-roles) an api process and a worker process, the scale-out topology.
      const split = values['split-roles'];
      const thread = values['worker-thread'];
      const server = await startServer(db.url, home, {
        WAYMARK_ROLES: split ? 'api' : 'api,worker',
        WORKER_THREAD: thread ? 'true' : 'false',
      });
      cleanups.push(server.stop);
      const worker = split ? await startWorker(db.url, home) : undefined;
      if (worker) cleanups.push(worker.stop);
      const r = await incrementalLatency(db.url, server, targets, rate, log);
      await server.stop();
      await worker?.stop();
      const latencies = [...r.flips.values()].map((f) => f.ms);
      const l = summarize(latencies);
      const h = summarize(r.httpLatencies);
      const a = summarize([...r.flips.values()].map((f) => f.afterResponseMs));
      for (const f of r.failures.slice(0, 5)) log(`  ${f}`);
      if (r.failures.length) problems.push(`${r.failures.length} track requests failed`);
      if (r.thresholdFlipped !== r.thresholdSent)
        problems.push(
          `${r.thresholdSent - r.thresholdFlipped} customers pushed over the threshold did not flip`,
        );
      if (r.flippedInDatabase !== r.flips.size)
        problems.push(`${r.flippedInDatabase} customers have transitions, ${r.flips.size} were notified`);
      if (r.leftInQueue) problems.push(`${r.leftInQueue} customers were left in customer_changes`);
      incremental = {
        topology: split
          ? 'api + worker'
          : thread
            ? 'api,worker in one, worker role on its own thread'
            : 'api,worker in one',
        sent: r.sent,
        ok: r.ok,
        errors: r.failures.length,
        targetRps: rate,
        achievedRps: round(r.achievedRps, 1),
        flipped: r.flips.size,
        thresholdSent: r.thresholdSent,
        thresholdFlipped: r.thresholdFlipped,
        flippedInDatabase: r.flippedInDatabase,
        leftInQueue: r.leftInQueue,
        transitions: r.transitions,
        latencyMs: {
          p50: round(l.p50, 1),
          p95: round(l.p95, 1),
          p99: round(l.p99, 1),
          max: round(l.max, 1),
          mean: round(l.mean, 1),
        },
        httpMs: { p50: round(h.p50, 1), p99: round(h.p99, 1), max: round(h.max, 1) },
        afterResponseMs: { p50: round(a.p50, 1), p99: round(a.p99, 1) },
        targetMet: Number.isFinite(l.p99) && l.p99 < TARGET_INCREMENTAL_P99_MS,
      };
    }

    const summary: SegmentsSummary = {
      benchmark: 'segments',
      customers,
      events,
      seed,
      generation: {
        customersMs: Math.round(timings.customersMs),
        eventsMs: Math.round(timings.eventsMs),
        indexesMs: Math.round(timings.indexesMs),
        statsMs: Math.round(timings.statsMs),
        rfmMs: Math.round(rfmMs),
        vacuumAnalyzeMs: Math.round(vacuumAnalyzeMs),
        totalMs: Math.round(generationMs),
        customersWithEvents,
        buyers,
        rfmScored: rfm.scored,
        eventCounts: Object.fromEntries(EVENT_MIX.map(([name]) => [name, eventCounts[name] ?? 0])),
      },
      refresh,
      node,
      incremental,
      targets: { refreshMs: TARGET_REFRESH_MS, incrementalP99Ms: TARGET_INCREMENTAL_P99_MS },
      loadAverage: { start: loadStart, end: os.loadavg().map((v) => round(v, 2)!), cpus: os.cpus().length },
      problems,
    };
    process.stdout.write(
      values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSegmentsSummary(summary),
    );
    return problems.length ? 1 : 0;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * One event per customer: FLIP_SHARE of them go to customers one order below the stats segment (an order of 250
 * puts them in), the rest to other customers (a product view, which flips nothing or little). Evenly interleaved;
 * customers are picked in a seeded pseudo-random order.
 */
async function pickTargets(pg: Client, count: number, seed: number): Promise<IncrementalTarget[]> {
  const { rows: threshold } = await pg.query<{ id: string; external_id: string }>(
    `SELECT c.id, c.external_id FROM customer_stats s JOIN customers c ON c.id = s.customer_id
      WHERE s.orders_count = $1 ORDER BY md5(c.id::text || $2) LIMIT $3`,
    [STATS_MIN_ORDERS - 1, String(seed), Math.round(count * FLIP_SHARE)],
  );
  const { rows: others } = await pg.query<{ id: string; external_id: string }>(
    `SELECT c.id, c.external_id FROM customers c
      WHERE NOT EXISTS (SELECT 1 FROM customer_stats s WHERE s.customer_id = c.id AND s.orders_count = $1)
      ORDER BY md5(c.id::text || $2) LIMIT $3`,
    [STATS_MIN_ORDERS - 1, String(seed), count - threshold.length],
  );
  const targets: IncrementalTarget[] = [];
  const total = threshold.length + others.length;
  let t = 0;
  let o = 0;
  for (let i = 0; i < total; i++) {
    // Spread evenly: after i + 1 events, ⌊(i + 1) · share⌋ of them went to threshold customers.
    const isThreshold = Math.floor(((i + 1) * threshold.length) / total) > t;
    const row = isThreshold ? threshold[t++] : others[o++];
    targets.push({ customerId: row.id, userId: row.external_id, group: isThreshold ? 'threshold' : 'other' });
  }
  return targets;
}

/** JSON has no NaN: a phase that measured nothing reports null. */
const round = (v: number, digits: number) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : null);
