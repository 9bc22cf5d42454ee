export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array: it always reports a latency that was actually observed. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Non-finite entries (requests that never got an answer) are left out. */
export function summarize(values: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(values)
    .filter((v) => Number.isFinite(v))
    .sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    mean: sorted.length ? sum / sorted.length : NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

/** Milliseconds with one decimal: latencies below 1 ms still say something. */
export const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : 'n/a');

/** Thousands separators make 6- and 7-digit rates readable at a glance. */
export const int = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');

export interface SlowSeconds {
  /** Calls slower than the threshold. */
  slow: number;
  /** Seconds of the phase with at least one such call, of all seconds. */
  secondsWithSlow: number;
  seconds: number;
  /** The three seconds with the most slow calls: [second from the start, slow calls, worst latency in ms]. */
  worst: [number, number, number][];
}

/**
 * Whether a tail is spread out or comes in bursts: `byStart[i]` is the latency of the i-th call scheduled (NaN when
 * it failed), `rate` calls a second.
 */
export function slowSeconds(byStart: ArrayLike<number>, rate: number, thresholdMs: number): SlowSeconds {
  const seconds = Math.ceil(byStart.length / rate);
  const slow = new Array<number>(seconds).fill(0);
  const worst = new Array<number>(seconds).fill(0);
  for (let i = 0; i < byStart.length; i++) {
    const s = Math.floor(i / rate);
    if (byStart[i] > thresholdMs) slow[s]++;
    if (byStart[i] > worst[s]) worst[s] = byStart[i];
  }
  return {
    slow: slow.reduce((a, b) => a + b, 0),
    secondsWithSlow: slow.filter((n) => n > 0).length,
    seconds,
    worst: slow
      .map((n, s) => [s, n, Math.round(worst[s])] as [number, number, number])
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3),
  };
}
