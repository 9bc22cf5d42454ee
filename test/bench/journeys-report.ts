import { int, ms } from './stats';

type N = number | null;

export interface JourneysSummary {
  customers: number;
  bare: { messages: number; seconds: N; perSecond: number };
  throughput: {
    ingestSeconds: N;
    runsCompleted: number;
    runsSeconds: N;
    runsPerSecond: number;
    emails: number;
    emailsSeconds: N;
    emailsPerSecond: number;
    ratioEmailsToBare: N;
    latencyMs: { p50: N; p99: N; max: N };
  };
  latency: {
    rate: number;
    seconds: number;
    achievedRps: N;
    received: number;
    sent: number;
    p50: N;
    p95: N;
    p99: N;
    max: N;
    stagesMs: Record<'enrol' | 'engine' | 'send', { p50: N; p99: N }>;
  };
  loadAverage: { start: N; end: N; cpus: number };
  check: { ok: boolean; problems: string[] };
}

const n = (v: N) => v ?? NaN;

export function formatJourneys(s: JourneysSummary): string {
  const t = s.throughput;
  const l = s.latency;
  return [
    '',
    '== journeys benchmark ==',
    `journey           event trigger → wait 0s → branch (trait) → weighted split → send_email`,
    `customers         ${int(s.customers)} (+ ${int(l.sent)} for the latency phase)`,
    `bare send         ${int(s.bare.perSecond)} emails/s (nodemailer pool of 5 → the same SMTP peer, ${int(s.bare.messages)} messages)`,
    '-- throughput: every trigger event posted at once (/v1/batch, 100/call, 8 clients), time to drain --',
    `ingest            ${n(t.ingestSeconds)} s for all trigger events`,
    `runs              ${int(t.runsPerSecond)} runs/s (${int(t.runsCompleted)} completed, ${n(t.runsSeconds)} s from the first event posted to the last run completed)`,
    `emails            ${int(t.emailsPerSecond)} emails/s (${int(t.emails)} at the peer, ${n(t.emailsSeconds)} s from the first event posted to the last email received)`,
    `ratio emails/bare ${n(t.ratioEmailsToBare)}`,
    `backlog latency   p50 ${ms(n(t.latencyMs.p50))}  p99 ${ms(n(t.latencyMs.p99))}  max ${ms(n(t.latencyMs.max))} (batch posted → email at the peer; a queue, not the target)`,
    `-- latency: /v1/track at a steady ${l.rate}/s for ${l.seconds} s, open loop, after the backlog has drained --`,
    `trigger → inbox   p50 ${ms(n(l.p50))}  p95 ${ms(n(l.p95))}  p99 ${ms(n(l.p99))}  max ${ms(n(l.max))} (${int(l.received)}/${int(l.sent)} received, achieved ${n(l.achievedRps)}/s)`,
    `  stages p50/p99   track → run started ${n(l.stagesMs.enrol.p50)}/${n(l.stagesMs.enrol.p99)} ms, ` +
      `→ run ended ${n(l.stagesMs.engine.p50)}/${n(l.stagesMs.engine.p99)} ms, ` +
      `→ email at the peer ${n(l.stagesMs.send.p50)}/${n(l.stagesMs.send.p99)} ms`,
    `check             ${s.check.ok ? 'OK' : 'FAILED'} (one email per customer, no failed run or message)`,
    ...s.check.problems.slice(0, 20).map((p) => `  - ${p}`),
    `load average      ${n(s.loadAverage.start)} at start, ${n(s.loadAverage.end)} at end, ${s.loadAverage.cpus} CPUs`,
    '',
  ].join('\n');
}
