import type { WalPerItem } from './maintenance';
import { int, ms, SlowSeconds } from './stats';

type Ms = number | null;

/** What `ingest` prints: as JSON with --json, else as the text block below. */
export interface IngestSummary {
  events: number;
  clients: number;
  topology: string;
  batchSize: number;
  customers: number;
  batchSeconds: Ms;
  eventsPerSecond: number;
  clientCpuSeconds: Ms;
  /** CPU per stored event in the batch phase; null where /proc is not readable (PostgreSQL on another host). */
  cpuMicrosPerEvent: { server: Ms; postgres: Ms; client: Ms };
  walPerEvent: WalPerItem;
  batchLatencyMs: { p50: Ms; p95: Ms; p99: Ms; max: Ms };
  raw: { rows: number; skipped: number; seconds: Ms; rowsPerSecond: number };
  ratioServerToRaw: Ms;
  track: {
    targetRps: number;
    seconds: number;
    sent: number;
    ok: number;
    errors: number;
    achievedRps: Ms;
    latencyMs: { p50: Ms; p99: Ms; max: Ms };
    /** The calls scheduled after the phase's first seconds (see STEADY_AFTER_SECONDS). */
    steadyMs: { afterSeconds: number; p50: Ms; p99: Ms };
    /** How the calls over 25 ms spread over the phase. */
    slow: SlowSeconds;
    /** Seconds waited for autovacuum to finish before the phase (--settle), else null. */
    settledSeconds: Ms;
    /** Share of the phase an autovacuum worker was running, and on what. */
    autovacuum: { share: Ms; work: string[] };
    cpuMicrosPerEvent: { server: Ms; postgres: Ms };
    walPerCall: WalPerItem;
  };
  loadAverage: { start: Ms; end: Ms; cpus: number };
  countCheck: {
    ok: boolean;
    events: number;
    batchEvents: number;
    trackEvents: number;
    replayStored: number;
    statsEventsCount: number;
    problems: string[];
  };
}

const n = (v: Ms) => v ?? NaN;

export function formatSummary(s: IngestSummary): string {
  const b = s.batchLatencyMs;
  const t = s.track;
  const c = s.countCheck;
  return [
    '',
    '== ingest benchmark ==',
    `events            ${int(s.events)} (${s.batchSize}/batch, ${int(s.customers)} customers)`,
    `clients           ${s.clients} (the bench client itself used ${n(s.clientCpuSeconds)} s CPU)`,
    `server topology   ${s.topology}`,
    `server            ${int(s.eventsPerSecond)} events/s (${n(s.batchSeconds)} s)`,
    `cpu per event     server ${n(s.cpuMicrosPerEvent.server)} µs, PostgreSQL backends ${n(s.cpuMicrosPerEvent.postgres)} µs, ` +
      `bench client ${n(s.cpuMicrosPerEvent.client)} µs`,
    `wal per event     ${int(s.walPerEvent.bytes)} bytes, ${s.walPerEvent.fullPageImages} full-page images`,
    `batch latency     p50 ${ms(n(b.p50))}  p95 ${ms(n(b.p95))}  p99 ${ms(n(b.p99))}  max ${ms(n(b.max))}`,
    `raw unnest        ${int(s.raw.rowsPerSecond)} rows/s (${n(s.raw.seconds)} s in INSERTs, 1 client, 1,000/statement` +
      `${s.raw.skipped ? `; ${int(s.raw.skipped)} rows skipped: no customer` : ''})`,
    `ratio server/raw  ${n(s.ratioServerToRaw)}`,
    `track @ ${t.targetRps} rps  p50 ${ms(n(t.latencyMs.p50))}  p99 ${ms(n(t.latencyMs.p99))}  ` +
      `(achieved ${n(t.achievedRps)}/s, ${int(t.ok)}/${int(t.sent)} ok, ${t.seconds} s)`,
    `track after ${t.steadyMs.afterSeconds} s   p50 ${ms(n(t.steadyMs.p50))}  p99 ${ms(n(t.steadyMs.p99))}  ` +
      `(the calls scheduled after the phase's first ${t.steadyMs.afterSeconds} seconds)`,
    `slow calls        ${int(t.slow.slow)} over 25 ms, in ${t.slow.secondsWithSlow} of ${t.slow.seconds} seconds` +
      (t.slow.worst.length
        ? `; most in second ${t.slow.worst.map(([s, k, w]) => `${s} (${k}, up to ${w} ms)`).join(', ')}`
        : ''),
    `cpu per track     server ${n(t.cpuMicrosPerEvent.server)} µs, PostgreSQL backends ${n(t.cpuMicrosPerEvent.postgres)} µs`,
    `wal per track     ${int(t.walPerCall.bytes)} bytes, ${t.walPerCall.fullPageImages} full-page images per call`,
    `autovacuum        running ${Math.round((t.autovacuum.share ?? 0) * 100)} % of the track phase` +
      `${t.autovacuum.work.length ? ` (${t.autovacuum.work.join('; ')})` : ''}` +
      `${t.settledSeconds === null ? '' : `; waited ${n(t.settledSeconds)} s for it to finish first`}`,
    `count check       ${c.ok ? 'OK' : 'FAILED'} (events ${int(c.events)} = ${int(c.batchEvents)} batch + ` +
      `${int(c.trackEvents)} track; replay stored ${c.replayStored}; stats sum ${int(c.statsEventsCount)})`,
    ...c.problems.slice(0, 20).map((p) => `  - ${p}`),
    `load average      ${n(s.loadAverage.start)} at start, ${n(s.loadAverage.end)} at end, ${s.loadAverage.cpus} CPUs`,
    '',
  ].join('\n');
}
