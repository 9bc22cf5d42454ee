import { int, ms } from './stats';

type Ms = number | null;

export interface RefreshRun {
  /** RefreshSegmentUseCase's own figure (SQL statement + membership diff + transitions, in its transaction). */
  ms: number;
  /** Around the use case call, from the bench. */
  wallMs: number;
  members: number;
  entered: number;
  exited: number;
}

export interface SegmentsSummary {
  benchmark: 'segments';
  customers: number;
  events: number;
  seed: number;
  generation: {
    customersMs: number;
    eventsMs: number;
    indexesMs: number;
    statsMs: number;
    rfmMs: number;
    vacuumAnalyzeMs: number;
    totalMs: number;
    customersWithEvents: number;
    buyers: number;
    rfmScored: number;
    eventCounts: Record<string, number>;
  };
  refresh: {
    key: string;
    kind: string;
    first: RefreshRun;
    second: RefreshRun;
    targetMet: boolean;
  }[];
  node: {
    key: string;
    sqlMembers: number;
    nodeMembers: number;
    agree: boolean;
    onlySql: number;
    onlyNode: number;
    customers: number;
    eventsLoaded: number;
    wallMs: number;
    loadWaitMs: number;
    evaluateMs: number;
    evaluateUsPerCustomer: Ms;
    /** The second (steady-state) SQL refresh of the same segment. */
    sqlMs: number;
    ratioSqlToNode: Ms;
  }[];
  incremental: {
    /** Server processes: `api,worker` in one, or `api` + `worker` in two. */
    topology: string;
    sent: number;
    ok: number;
    errors: number;
    targetRps: number;
    achievedRps: Ms;
    flipped: number;
    thresholdSent: number;
    thresholdFlipped: number;
    flippedInDatabase: number;
    leftInQueue: number;
    /** Transitions of the customers that got an event, by "segment kind". */
    transitions: Record<string, number>;
    latencyMs: { p50: Ms; p95: Ms; p99: Ms; max: Ms; mean: Ms };
    httpMs: { p50: Ms; p99: Ms; max: Ms };
    /** From the end of the 200 response to the committed change: the segment worker's share. */
    afterResponseMs: { p50: Ms; p99: Ms };
    targetMet: boolean;
  } | null;
  targets: { refreshMs: number; incrementalP99Ms: number };
  loadAverage: { start: number[]; end: number[]; cpus: number };
  problems: string[];
}

const n = (v: Ms) => v ?? NaN;
const sec = (v: number) => `${(v / 1000).toFixed(2)} s`;
const met = (ok: boolean) => (ok ? 'met' : 'MISSED');

export function formatSegmentsSummary(s: SegmentsSummary): string {
  const g = s.generation;
  const lines = [
    '',
    '== segments benchmark ==',
    `data              ${int(s.customers)} customers (${int(g.customersWithEvents)} with events, ${int(g.buyers)} buyers), ` +
      `${int(s.events)} events over 180 days, seed ${s.seed}`,
    `                  ${Object.entries(g.eventCounts)
      .map(([name, count]) => `${name} ${int(count)}`)
      .join(', ')}`,
    `generation        ${sec(g.totalMs)} (not measured against a target): customers ${sec(g.customersMs)}, ` +
      `events ${sec(g.eventsMs)}, indexes ${sec(g.indexesMs)}, stats ${sec(g.statsMs)},`,
    `                  RFM scores ${sec(g.rfmMs)} (${int(g.rfmScored)} scored, ScoreRfmUseCase), ` +
      `VACUUM ANALYZE ${sec(g.vacuumAnalyzeMs)}`,
    `full refresh      target < ${sec(s.targets.refreshMs)} each (RefreshSegmentUseCase; first run / second run ` +
      'with the membership in place)',
    ...s.refresh.map(
      (r) =>
        `  ${r.key.padEnd(22)} ${r.kind.padEnd(12)} ${sec(r.first.ms).padStart(8)} / ${sec(r.second.ms).padStart(8)}` +
        `   ${int(r.second.members).padStart(9)} members (+${int(r.first.entered)} / +${int(r.second.entered)} ` +
        `−${int(r.second.exited)})  ${met(r.targetMet)}`,
    ),
    `  all six                         ${sec(s.refresh.reduce((t, r) => t + r.first.ms, 0)).padStart(8)} / ` +
      `${sec(s.refresh.reduce((t, r) => t + r.second.ms, 0)).padStart(8)}`,
    'node evaluation   facts loaded in chunks of 10,000 (customer-facts.loader) + json-rules-engine (createEvaluator)',
    ...s.node.map(
      (r) =>
        `  ${r.key.padEnd(22)} ${sec(r.wallMs)} (waiting for facts ${sec(r.loadWaitMs)}, evaluating ` +
        `${sec(r.evaluateMs)} = ${n(r.evaluateUsPerCustomer)} µs/customer; ${int(r.eventsLoaded)} events loaded)\n` +
        `  ${''.padEnd(22)} SQL ${sec(r.sqlMs)} / Node ${sec(r.wallMs)} = ${n(r.ratioSqlToNode)} ` +
        `(Node ${r.ratioSqlToNode ? (1 / r.ratioSqlToNode).toFixed(1) : 'n/a'}× slower); members SQL ` +
        `${int(r.sqlMembers)}, Node ${int(r.nodeMembers)}: ${r.agree ? 'same' : `DIFFER (${r.onlySql} only SQL, ${r.onlyNode} only Node)`}`,
    ),
  ];
  const inc = s.incremental;
  if (inc) {
    const l = inc.latencyMs;
    lines.push(
      `incremental       POST /v1/track → committed membership change (server processes: ${inc.topology}; LISTEN on a ` +
        'segment_transitions trigger)',
      `  events          ${int(inc.sent)} at ${inc.targetRps}/s (achieved ${n(inc.achievedRps)}/s, ${int(inc.ok)} ok, ` +
        `${inc.errors} errors); HTTP p50 ${ms(n(inc.httpMs.p50))} p99 ${ms(n(inc.httpMs.p99))}`,
      `  flipped         ${int(inc.flipped)} of ${int(inc.sent)} events (${int(inc.thresholdFlipped)} of ` +
        `${int(inc.thresholdSent)} pushed over the stats threshold; ${int(inc.flippedInDatabase)} in ` +
        `segment_transitions; ${inc.leftInQueue} left queued)`,
      `  transitions     ${Object.entries(inc.transitions)
        .map(([k, v]) => `${k} ${int(v)}`)
        .join(', ')}`,
      `  latency         p50 ${ms(n(l.p50))}  p95 ${ms(n(l.p95))}  p99 ${ms(n(l.p99))}  max ${ms(n(l.max))}  ` +
        `(target p99 < ${s.targets.incrementalP99Ms} ms: ${met(inc.targetMet)})`,
      `  after the 200   p50 ${ms(n(inc.afterResponseMs.p50))}  p99 ${ms(n(inc.afterResponseMs.p99))}  ` +
        '(from the end of the HTTP response to the commit: the segment worker)',
    );
  } else lines.push('incremental       skipped (--incremental-events 0)');
  lines.push(
    `load average      ${s.loadAverage.start.join(' ')} at start, ${s.loadAverage.end.join(' ')} at end ` +
      `(1/5/15 min), ${s.loadAverage.cpus} CPUs`,
    ...s.problems.map((p) => `  - ${p}`),
    '',
  );
  return lines.join('\n');
}
