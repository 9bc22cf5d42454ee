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
import { createAssigner } from '../../src/experiments/assignment/hash-assign';
import { murmur3 } from '../../src/experiments/assignment/murmur3';
import { ExperimentResultsService } from '../../src/experiments/experiment-results.service';
import { benchDatabase } from './postgres';
import { int } from './stats';

export const usage = `experiments [--assignments N=1000000] [--customers N=1000000] [--events N=10000000] [--runs 3]
         [--write-path N=10000] [--seed 42] [--json] [--keep] [--skip-query]
  (a) In-process: assigns N random customer ids with the real assigner (hash-assign.ts, arms 50/30/20) and, in the
  same run, hashes the same ids with bare murmur3 (the floor of any hash assignment); prints both rates, their
  ratio and the allocation error against the weights. Targets: ≥ 200,000 assignments/s, every arm within 0.5 %.
  (b) PostgreSQL: generates customers, their assignments, two experiment messages each and --events message
  events set-based in a scratch database (triggers off, as a bulk load), rebuilds the per-customer KPI summary
  (experiment_customer_kpis_rebuild), then times ExperimentResultsService.results (overall and bySegment) against a
  bare count(*) of message_events measured in the same run. Target: results < 1 s.
  (c) Write path: --write-path open events (single-row INSERTs, then 100-row INSERTs) and as many orders
  (single-row) with the summary's trigger and with it disabled, each in a rolled-back transaction.`;

const TARGET_ASSIGNMENTS_PER_SECOND = 200_000;
const TARGET_ALLOCATION_ERROR = 0.005;
const TARGET_RESULTS_MS = 1000;
const ARMS = [
  { name: 'control', weight: 0.5 },
  { name: 'b', weight: 0.3 },
  { name: 'c', weight: 0.2 },
];
const EXPERIMENT_KEY = 'bench-experiment';

const log = (line: string) => process.stderr.write(`${line}\n`);
const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface AssignmentFigures {
  customers: number;
  assignmentsPerSecond: number;
  murmur3PerSecond: number;
  ratioToBareHash: number;
  arms: { name: string; weight: number; share: number; error: number }[];
  maxAbsoluteError: number;
  maxRelativeError: number;
}

/** Best of `runs` timings of the assigner and of bare murmur3 over the same ids. */
function benchAssignment(customers: number, runs: number): AssignmentFigures {
  log(`(a) ${int(customers)} customer ids (random UUIDs), arms ${ARMS.map((a) => a.weight).join('/')}`);
  const ids = Array.from({ length: customers }, () => randomUUID());
  const assigner = createAssigner({ key: EXPERIMENT_KEY, arms: ARMS });
  const seed = murmur3(EXPERIMENT_KEY);
  let bestAssign = Infinity;
  let bestHash = Infinity;
  let counts = new Array<number>(ARMS.length).fill(0);
  const hashCounts = new Array<number>(4).fill(0);
  for (let r = 0; r < runs; r++) {
    // the same loop shape as the assigner's: hash, then count by the top two bits
    let started = performance.now();
    for (let i = 0; i < ids.length; i++) hashCounts[murmur3(ids[i], seed) >>> 30]++;
    bestHash = Math.min(bestHash, performance.now() - started);

    const runCounts = new Array<number>(ARMS.length).fill(0);
    started = performance.now();
    for (let i = 0; i < ids.length; i++) runCounts[assigner.assign(ids[i]).index]++;
    bestAssign = Math.min(bestAssign, performance.now() - started);
    counts = runCounts;
  }
  if (hashCounts.reduce((a, b) => a + b, 0) !== runs * customers) throw new Error('bare hashing lost ids');
  const arms = ARMS.map((a, i) => {
    const share = counts[i] / customers;
    return { ...a, share: round(share, 6), error: round(share - a.weight, 6) };
  });
  const assignmentsPerSecond = customers / (bestAssign / 1000);
  const murmur3PerSecond = customers / (bestHash / 1000);
  return {
    customers,
    assignmentsPerSecond: Math.round(assignmentsPerSecond),
    murmur3PerSecond: Math.round(murmur3PerSecond),
    ratioToBareHash: round(assignmentsPerSecond / murmur3PerSecond, 3),
    arms,
    maxAbsoluteError: Math.max(...arms.map((a) => Math.abs(a.error))),
    maxRelativeError: round(Math.max(...arms.map((a) => Math.abs(a.error) / a.weight)), 6),
  };
}

/** Customers, assignments (10 % in segment "vip"), 2 sent experiment messages each, then the message events. */
async function generate(c: Client, customers: number, events: number, seed: number): Promise<number> {
  const started = performance.now();
  await c.query(`SET maintenance_work_mem = '1GB'`);
  await c.query(`SET work_mem = '256MB'`);
  await c.query(`SET synchronous_commit = off`);
  await c.query('SELECT setseed($1)', [(seed % 1_000_003) / 1_000_003]);
  // Foreign-key triggers skipped (superuser only): the ids are consistent by construction.
  const replica = await c.query(`SET session_replication_role = replica`).then(
    () => true,
    () => false,
  );
  log(`  ${int(customers)} customers`);
  await c.query(
    `INSERT INTO customers (id, external_id) SELECT md5('c:' || k)::uuid, 'bench-' || k FROM generate_series(1, $1::int) k`,
    [customers],
  );
  const {
    rows: [{ id: experimentId }],
  } = await c.query(
    `INSERT INTO experiments (key, name, definition, primary_metric, guardrail_metrics, status)
     VALUES ($1, 'Bench', $2, 'open_rate', '{click_rate,conversion_rate}', 'running') RETURNING id`,
    [EXPERIMENT_KEY, { arms: ARMS }],
  );
  log(`  ${int(customers)} assignments`);
  await c.query(
    `INSERT INTO experiment_assignments (experiment_id, customer_id, arm, segments, weights, assigned_at)
     SELECT $1, md5('c:' || k)::uuid, CASE WHEN r < 0.5 THEN 'control' WHEN r < 0.8 THEN 'b' ELSE 'c' END,
            CASE WHEN k % 10 = 0 THEN ARRAY['vip'] ELSE '{}'::text[] END, ARRAY[0.5, 0.3, 0.2], now() - interval '30 days'
       FROM (SELECT k, random() AS r FROM generate_series(1, $2::int) k) g`,
    [experimentId, customers],
  );
  log(`  ${int(2 * customers)} messages (2 per customer, tagged with the experiment and the arm)`);
  // message m (1-based) goes to customer ⌈m / 2⌉
  await c.query(
    `INSERT INTO messages (id, idempotency_key, customer_id, template_id, template_version, status, next_attempt_at,
                           message_id_header, context, created_at, sent_at, updated_at)
     SELECT md5('m:' || m)::uuid, 'm-' || m, a.customer_id, '00000000-0000-0000-0000-000000000001', 1, 'sent', now(),
            'h-' || m, jsonb_build_object('experiment', $1::text, 'variant', a.arm, 'journey', 'bench'),
            now(), now(), now()
       FROM generate_series(1, $3::int) m
       JOIN experiment_assignments a ON a.experiment_id = $2 AND a.customer_id = md5('c:' || ((m + 1) / 2))::uuid`,
    [EXPERIMENT_KEY, experimentId, 2 * customers],
  );
  log(`  ${int(events)} message events (20 % sent, 60 % open, 17 % click, 3 % unsubscribe)`);
  await c.query(`DROP INDEX message_events_message_idx`);
  await c.query(
    `INSERT INTO message_events (message_id, customer_id, type, at)
     SELECT md5('m:' || m)::uuid, md5('c:' || ((m + 1) / 2))::uuid,
            CASE WHEN r < 0.2 THEN 'sent' WHEN r < 0.8 THEN 'open' WHEN r < 0.97 THEN 'click' ELSE 'unsubscribe' END,
            now() - interval '1 day'
       FROM (SELECT 1 + floor(random() * $2::int)::int AS m, random() AS r FROM generate_series(1, $1::int)) g`,
    [events, 2 * customers],
  );
  log(`  ${int(customers / 10)} orders`);
  await c.query(
    `INSERT INTO events (message_id, customer_id, type, event, properties, "timestamp", received_at)
     SELECT 'o-' || k, md5('c:' || k)::uuid, 'track', 'Order Completed', jsonb_build_object('revenue', 10 + k % 90),
            now() - interval '2 days', now()
       FROM generate_series(1, $1::int, 10) k`,
    [customers],
  );
  if (replica) await c.query(`SET session_replication_role = origin`);
  log('  index, vacuum analyze');
  await c.query(`CREATE INDEX message_events_message_idx ON message_events (message_id)`);
  for (const table of ['customers', 'experiment_assignments', 'messages', 'message_events', 'events']) {
    await c.query(`VACUUM ANALYZE ${table}`);
  }
  return performance.now() - started;
}

interface WritePathFigures {
  rows: number;
  /** ms for `rows` rows, [with the summary trigger, with it disabled]. */
  openSingleRowMs: [number, number];
  open100RowMs: [number, number];
  orderSingleRowMs: [number, number];
}

/**
 * What the summary's triggers add to the write path: the same inserts timed with the trigger and with it disabled
 * (ALTER TABLE … DISABLE TRIGGER inside the transaction), foreign keys and every other trigger on in both, each run in
 * a transaction that is rolled back so the data stays as generated. Best of two alternating runs.
 */
async function benchWritePath(c: Client, rows: number, customers: number): Promise<WritePathFigures> {
  log(
    `(c) write path: ${int(rows)} open events and ${int(rows)} orders, with and without the summary trigger`,
  );
  const messages = 2 * customers;
  const timed = async (table: string, trigger: string, on: boolean, work: () => Promise<void>) => {
    await c.query('BEGIN');
    try {
      if (!on) await c.query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
      const started = performance.now();
      await work();
      return performance.now() - started;
    } finally {
      await c.query('ROLLBACK');
    }
  };
  const best = async (
    table: string,
    trigger: string,
    work: () => Promise<void>,
  ): Promise<[number, number]> => {
    const out: [number, number] = [Infinity, Infinity];
    for (let r = 0; r < 2; r++) {
      out[0] = Math.min(out[0], await timed(table, trigger, true, work));
      out[1] = Math.min(out[1], await timed(table, trigger, false, work));
    }
    return [round(out[0], 1), round(out[1], 1)];
  };
  const openSql = `INSERT INTO message_events (message_id, customer_id, type, at)
    SELECT md5('m:' || m)::uuid, md5('c:' || ((m + 1) / 2))::uuid, 'open', now() FROM generate_series($1::int, $2::int) m`;
  const message = (i: number) => 1 + ((i * 7919) % messages);
  const openSingleRowMs = await best('message_events', 'message_events_experiment_kpis_insert', async () => {
    for (let i = 0; i < rows; i++) await c.query(openSql, [message(i), message(i)]);
  });
  const open100RowMs = await best('message_events', 'message_events_experiment_kpis_insert', async () => {
    for (let i = 0; i < rows; i += 100) {
      const from = 1 + ((i * 7919) % Math.max(1, messages - 100));
      await c.query(openSql, [from, from + Math.min(100, rows - i) - 1]);
    }
  });
  const orderSingleRowMs = await best('events', 'events_experiment_kpis', async () => {
    for (let i = 0; i < rows; i++) {
      const k = 1 + ((i * 7919) % customers);
      await c.query(
        `INSERT INTO events (message_id, customer_id, type, event, properties, "timestamp", received_at)
         VALUES ('write-path-' || $1::int, md5('c:' || $2::int)::uuid, 'track', 'Order Completed', '{"revenue": 10}', now(), now())`,
        [i, k],
      );
    }
  });
  return { rows, openSingleRowMs, open100RowMs, orderSingleRowMs };
}

function writePathLines(w: WritePathFigures): string[] {
  const line = (label: string, [on, off]: [number, number]) =>
    `${label}${on} ms with the summary trigger, ${off} ms without → ` +
    `+${round(((on - off) / w.rows) * 1000, 1)} µs per row (${round((on / off - 1) * 100, 1)} %)`;
  return [
    line(`write: ${int(w.rows)} opens, 1 row/stmt  `, w.openSingleRowMs),
    line(`write: ${int(w.rows)} opens, 100/stmt    `, w.open100RowMs),
    line(`write: ${int(w.rows)} orders, 1 row/stmt `, w.orderSingleRowMs),
  ];
}

async function timeRuns(runs: number, work: () => Promise<unknown>): Promise<number[]> {
  await work(); // warm-up: the cache state the figures describe is "table recently read"
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    await work();
    out.push(round(performance.now() - started, 1));
  }
  return out;
}

export async function runExperimentsBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      assignments: { type: 'string', default: '1000000' },
      customers: { type: 'string', default: '1000000' },
      events: { type: 'string', default: '10000000' },
      runs: { type: 'string', default: '3' },
      seed: { type: 'string', default: '42' },
      json: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      'skip-query': { type: 'boolean', default: false },
      'write-path': { type: 'string', default: '10000' },
    },
  });
  const num = (
    name: 'assignments' | 'customers' | 'events' | 'runs' | 'seed' | 'write-path',
    min: number,
  ) => {
    const v = Number(String(values[name]).replace(/[_,]/g, ''));
    if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
    return v;
  };
  const runs = num('runs', 1);
  const writes = num('write-path', 0);
  const loadStart = os.loadavg().map((v) => round(v, 2));
  const assignment = benchAssignment(num('assignments', 1000), runs);

  let query: Record<string, unknown> | null = null;
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch((e: Error) => log(`cleanup: ${e.message}`));
  };
  const onSignal = () => void cleanup().then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (!values['skip-query']) {
      const customers = num('customers', 10);
      const events = num('events', 1);
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
      log(`(b) generating data (seed ${num('seed', 0)})`);
      const generationMs = await generate(pg, customers, events, num('seed', 0));
      // the bulk load ran with triggers off (session_replication_role = replica): build the summary from it
      log('  experiment_customer_kpis_rebuild (the summary the triggers keep; the migration backfill)');
      const started = performance.now();
      await pg.query(`SET work_mem = '256MB'`);
      await pg.query(`SELECT experiment_customer_kpis_rebuild(NULL)`);
      await pg.query(`RESET work_mem`);
      await pg.query(`VACUUM ANALYZE experiment_customer_kpis`);
      const rebuildMs = performance.now() - started;
      await pg.query('CHECKPOINT').catch(() => undefined);

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
      cleanups.push(() => app.close());
      const results = app.get(ExperimentResultsService);

      log('timing count(*) of message_events (baseline), then the results, overall and bySegment');
      const baseline = await timeRuns(runs, () => pg.query('SELECT count(*) FROM message_events'));
      let sample: Awaited<ReturnType<ExperimentResultsService['results']>> | undefined;
      const overall = await timeRuns(
        runs,
        async () => (sample = await results.results(EXPERIMENT_KEY, false)),
      );
      const bySegment = await timeRuns(runs, () => results.results(EXPERIMENT_KEY, true));
      const writePath = writes > 0 ? await benchWritePath(pg, writes, customers) : null;
      const sends = sample!.overall.arms.reduce((n, a) => n + a.sends, 0);
      const recipients = sample!.overall.arms.reduce((n, a) => n + a.recipients, 0);
      query = {
        customers,
        messages: 2 * customers,
        messageEvents: events,
        generationSeconds: round(generationMs / 1000, 1),
        summaryRebuildSeconds: round(rebuildMs / 1000, 1),
        countStarMs: baseline,
        resultsMs: overall,
        resultsBySegmentMs: bySegment,
        ratioResultsToCountStar: round(median(overall) / median(baseline), 2),
        ratioBySegmentToCountStar: round(median(bySegment) / median(baseline), 2),
        check: { sends, recipients, verdict: sample!.overall.verdict?.status ?? null },
        writePath,
      };
    }
  } finally {
    await cleanup();
  }

  const summary = {
    assignment,
    query,
    loadAverage: { start: loadStart[0], end: round(os.loadavg()[0], 2), cpus: os.cpus().length },
  };
  const assignmentOk =
    assignment.assignmentsPerSecond >= TARGET_ASSIGNMENTS_PER_SECOND &&
    assignment.maxAbsoluteError <= TARGET_ALLOCATION_ERROR;
  const queryOk = !query || median(query.resultsMs as number[]) < TARGET_RESULTS_MS;
  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    const a = assignment;
    const lines = [
      '',
      '== experiments benchmark ==',
      `assignment        ${int(a.assignmentsPerSecond)} assignments/s over ${int(a.customers)} customers (best of ${runs})`,
      `bare murmur3      ${int(a.murmur3PerSecond)} hashes/s over the same ids → ratio assigner/bare ${a.ratioToBareHash}`,
      `allocation        ${a.arms.map((arm) => `${arm.name} ${(arm.share * 100).toFixed(3)} % (weight ${arm.weight * 100} %)`).join(', ')}; ` +
        `max error ${(a.maxAbsoluteError * 100).toFixed(3)} pts (${(a.maxRelativeError * 100).toFixed(2)} % relative)`,
      `assignment target ≥ ${int(TARGET_ASSIGNMENTS_PER_SECOND)}/s, within ${TARGET_ALLOCATION_ERROR * 100} %: ${assignmentOk ? 'met' : 'NOT met'}`,
    ];
    if (query) {
      lines.push(
        `data              ${int(query.customers as number)} customers, ${int(query.messages as number)} messages, ` +
          `${int(query.messageEvents as number)} message events (generated in ${query.generationSeconds as number} s)`,
        `count(*) baseline ${(query.countStarMs as number[]).join(' / ')} ms`,
        `results           ${(query.resultsMs as number[]).join(' / ')} ms → ratio to count(*) ${query.ratioResultsToCountStar as number}`,
        `results bySegment ${(query.resultsBySegmentMs as number[]).join(' / ')} ms → ratio ${query.ratioBySegmentToCountStar as number}`,
        `summary rebuild   ${query.summaryRebuildSeconds as number} s (experiment_customer_kpis from the generated data)`,
        ...(query.writePath ? writePathLines(query.writePath as WritePathFigures) : []),
        `check             ${JSON.stringify(query.check)}`,
        `results target    < ${TARGET_RESULTS_MS} ms (median): ${queryOk ? 'met' : 'NOT met'}`,
      );
    }
    lines.push(
      `load average      ${summary.loadAverage.start} at start, ${summary.loadAverage.end} at end, ${summary.loadAverage.cpus} CPUs`,
      '',
    );
    process.stdout.write(lines.join('\n'));
  }
  return 0;
}
