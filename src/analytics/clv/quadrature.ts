/**
 * Gauss–Legendre quadrature for the few integrals whose closed forms lose their convergence in corners of the
 * parameter space (the Pareto/NBD dropout integral when α and β are far apart).
 */

const { abs, ceil, cos, exp, log, max, min, PI } = Math;
const NEGATIVE_INFINITY = Number.NEGATIVE_INFINITY;

export interface QuadratureRule {
  /** Nodes on [−1, 1]. */
  nodes: Float64Array;
  weights: Float64Array;
}

/** n-point Gauss–Legendre rule, nodes found by Newton's method on the Legendre recurrence. */
export function gaussLegendreRule(n: number): QuadratureRule {
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < ceil(n / 2); i++) {
    let z = cos((PI * (i + 0.75)) / (n + 0.5));
    let derivative = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      let p0 = 1;
      let p1 = 0;
      for (let j = 1; j <= n; j++) {
        const p2 = p1;
        p1 = p0;
        p0 = ((2 * j - 1) * z * p1 - (j - 1) * p2) / j;
      }
      derivative = (n * (z * p0 - p1)) / (z * z - 1);
      const step = p0 / derivative;
      z -= step;
      if (abs(step) < 1e-16) break;
    }
    nodes[i] = -z;
    nodes[n - 1 - i] = z;
    weights[i] = 2 / ((1 - z * z) * derivative * derivative);
    weights[n - 1 - i] = weights[i];
  }
  return { nodes, weights };
}

const RULE = gaussLegendreRule(16);
const LOG_WEIGHTS = Array.from(RULE.weights, (w) => log(w));
// A tail bounded by e^−40 of the running total is far below double precision.
const NEGLIGIBLE_LOG_RATIO = 40;
const MAX_PANELS = 100_000;
// Integrands here are analytic in a strip of half-height π around the real axis (log(D + eᵘ) has its branch
// points at Im u = ±π); with panels of half-width ≤ 2 the 16-point rule's error is then below ~1e−16.
const MAX_HALF_WIDTH = 2;

/**
 * ln ∫ e^{g(u)} du over [from, to] for a concave g with |g′| ≤ slopeBound that is analytic in the strip
 * |Im u| < π. Panels are narrow enough that g changes by at most ~4 across one, where 16 nodes integrate to
 * about double precision, and the sum is kept in log space. Concavity means that once g has started to fall it
 * keeps falling, so the rest of the range is dropped as soon as e^g · (remaining width) is negligible. Cost
 * therefore grows with the stretch over which g rises steeply, not with the slope bound alone; NaN past
 * MAX_PANELS panels.
 */
export function logIntegrateLogConcave(
  logIntegrand: (u: number) => number,
  from: number,
  to: number,
  slopeBound: number,
): number {
  if (!(to > from)) return NEGATIVE_INFINITY;
  const targetHalfWidth = min(MAX_HALF_WIDTH, 2 / max(slopeBound, 1e-300));
  const panels = ceil((to - from) / (2 * targetHalfWidth));
  const halfWidth = (to - from) / (2 * panels);
  const logHalfWidth = log(halfWidth);
  let largest = NEGATIVE_INFINITY;
  let scaledSum = 0;
  let previousEnd = NEGATIVE_INFINITY;
  for (let panel = 0; panel < panels; panel++) {
    // A steep fall is cut short below; only a long steep rise (absent from the models here) would get this far.
    if (panel === MAX_PANELS) return Number.NaN;
    const centre = from + (2 * panel + 1) * halfWidth;
    for (let i = 0; i < RULE.nodes.length; i++) {
      const value = logIntegrand(centre + halfWidth * RULE.nodes[i]) + LOG_WEIGHTS[i] + logHalfWidth;
      if (value > largest) {
        scaledSum = scaledSum * exp(largest - value) + 1;
        largest = value;
      } else {
        scaledSum += exp(value - largest);
      }
    }
    const panelEnd = centre + halfWidth;
    const end = logIntegrand(panelEnd);
    const rest = to - panelEnd;
    if (end < previousEnd && (rest <= 0 || end + log(rest) < largest - NEGLIGIBLE_LOG_RATIO)) break;
    previousEnd = end;
  }
  return largest + log(scaledSum);
}
