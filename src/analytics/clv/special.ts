/**
 * Special functions for the buy-till-you-die models. Everything works in log space where a value can leave
 * the double range: the models multiply gamma ratios and powers such as (alpha + T)^(r + x) that overflow
 * for perfectly ordinary customers once the optimiser wanders to large parameters.
 */

// Jest evaluates modules in a vm context where every global lookup (Math, Number, Infinity) goes through an
// interceptor and costs ~100 ns — 30x slower likelihood loops. Binding them once per module avoids that.
const { PI, abs, exp, expm1, log, log1p, max, min, sin } = Math;
const {
  EPSILON,
  isFinite: isFiniteNumber,
  isInteger,
  isNaN: isNaNumber,
  POSITIVE_INFINITY: INFINITY,
} = Number;

const HALF_LOG_TWO_PI = 0.5 * log(2 * PI);

// Godfrey's Lanczos coefficients for g = 607/128, N = 15: ~1e-15 relative accuracy for x > 0.
const LANCZOS_G = 607 / 128;
const LANCZOS_COEFFICIENTS = [
  0.99999999999999709182, 57.156235665862923517, -59.597960355475491248, 14.136097974741747174,
  -0.49191381609762019978, 0.33994649984811888699e-4, 0.46523628927048575665e-4, -0.98374475304879564677e-4,
  0.15808870322491248884e-3, -0.21026444172410488319e-3, 0.2174396181152126432e-3, -0.16431810653676389022e-3,
  0.84418223983852743293e-4, -0.2619083840158140867e-4, 0.36899182659531622704e-5,
];

/** ln|Γ(x)|; NaN at the poles (0, −1, −2, …). */
export function logGamma(x: number): number {
  if (isNaNumber(x)) return NaN;
  if (x === INFINITY) return INFINITY;
  if (x < 0.5) {
    if (isInteger(x)) return NaN;
    // Reflection keeps the Lanczos sum in the region where it is accurate.
    return log(PI / abs(sin(PI * x))) - logGamma(1 - x);
  }
  // The series approximates Γ(x + 1) / x, so the x < 1 range needs no special casing.
  let series = LANCZOS_COEFFICIENTS[0];
  for (let i = LANCZOS_COEFFICIENTS.length - 1; i > 0; i--) series += LANCZOS_COEFFICIENTS[i] / (x + i);
  const t = x + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (x + 0.5) * log(t) - t + log(series) - log(x);
}

const POCHHAMMER_DIRECT_LIMIT = 128;

/**
 * ln Γ(a + n) − ln Γ(a) for a > 0. For the small integer n the models use (purchase counts) the direct sum of
 * logs is exact to rounding, whereas the difference of two log-gammas loses digits when a is large — the
 * mechanism by which unbounded fits drift to degenerate optima.
 */
export function logPochhammer(a: number, n: number): number {
  if (n === 0) return 0;
  if (isInteger(n) && n > 0 && n <= POCHHAMMER_DIRECT_LIMIT) {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += log(a + k);
    return sum;
  }
  return logGamma(a + n) - logGamma(a);
}

/** ln B(a, b) for a, b > 0. */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** ln(e^a + e^b) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -INFINITY) return b;
  if (b === -INFINITY) return a;
  return max(a, b) + log1p(exp(-abs(a - b)));
}

/** ln(e^a − e^b) for a ≥ b; −Infinity when equal, NaN when b > a. */
export function logSubExp(a: number, b: number): number {
  if (b > a) return NaN;
  if (b === -INFINITY) return a;
  if (a === b) return -INFINITY;
  return a + log(-expm1(b - a));
}

/** ln Σ e^v over the values; −Infinity for an empty list. */
export function logSumExp(values: readonly number[]): number {
  let largest = -INFINITY;
  for (const v of values) if (v > largest) largest = v;
  if (largest === -INFINITY || !isFiniteNumber(largest)) return largest;
  let sum = 0;
  for (const v of values) sum += exp(v - largest);
  return largest + log(sum);
}

/** 1 / (1 + e^−x) without overflow in either tail. */
export function logistic(x: number): number {
  if (x >= 0) return 1 / (1 + exp(-x));
  const e = exp(x);
  return e / (1 + e);
}

export interface SignedLog {
  /** ln|value| */
  log: number;
  sign: -1 | 0 | 1;
}

const DEFAULT_MAX_TERMS = 200_000;
const RESCALE_ABOVE = 1e250;
const LOG_RESCALE = log(RESCALE_ABOVE);
const NOT_A_NUMBER = Number.NaN;
const FAILED: Readonly<SignedLog> = Object.freeze({ log: NOT_A_NUMBER, sign: 0 });
const ONE: Readonly<SignedLog> = Object.freeze({ log: 0, sign: 1 });

/**
 * Gauss hypergeometric ₂F₁(a, b; c; z) for |z| < 1 (and z = 1 when Gauss's theorem applies), returned as a
 * signed logarithm so callers can combine it with large powers without overflow. The power series is summed
 * with running rescaling; when the series has not met its tail bound within `maxTerms` the result is NaN
 * rather than a silently truncated sum.
 */
export function hyp2f1SignedLog(
  a: number,
  b: number,
  c: number,
  z: number,
  maxTerms = DEFAULT_MAX_TERMS,
): SignedLog {
  if (!(isFiniteNumber(a) && isFiniteNumber(b) && isFiniteNumber(c) && isFiniteNumber(z))) return FAILED;
  if (z === 0 || a === 0 || b === 0) return ONE;
  if (z === 1) return gaussAtOne(a, b, c);
  const absZ = abs(z);
  if (absZ > 1) return FAILED;
  // Every later term ratio is at least |z| in the bound below, so the tail is at least |term|·|z|/(1 − |z|):
  // a cheap necessary test that spares computing the full bound on most terms.
  const minimalTailFactor = absZ / (1 - absZ);
  const tolerance = EPSILON * 0.5;

  let term = 1;
  let sum = 1;
  let compensation = 0;
  let logScale = 0;
  for (let n = 0; n < maxTerms; n++) {
    if (c + n === 0) return FAILED;
    term *= (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    if (term === 0) return toSignedLog(sum + compensation, logScale);
    // Neumaier summation: positive-term series with thousands of terms otherwise lose a few digits.
    const next = sum + term;
    compensation += abs(sum) >= abs(term) ? sum - next + term : term - next + sum;
    sum = next;
    if (abs(sum) > RESCALE_ABOVE) {
      sum /= RESCALE_ABOVE;
      term /= RESCALE_ABOVE;
      compensation /= RESCALE_ABOVE;
      logScale += LOG_RESCALE;
    }
    if (abs(term) * minimalTailFactor <= tolerance * abs(sum)) {
      const bound = tailRatioBound(a, b, c, absZ, n + 1);
      if (bound < 1 && abs(term) * (bound / (1 - bound)) <= tolerance * abs(sum)) {
        return toSignedLog(sum + compensation, logScale);
      }
    }
  }
  return FAILED;
}

/**
 * Upper bound on |term ratio| for every later term k ≥ k0. Each factor (u + k) / (v + k) is monotone in k once
 * both are positive, so it is bounded by max(1, its value at k0); a term that merely looks small cannot hide a
 * later rise (e.g. a ≈ 0, b ≫ c), which a "current ratio < 1" test would miss.
 */
function tailRatioBound(a: number, b: number, c: number, absZ: number, k0: number): number {
  if (a + k0 <= 0 || b + k0 <= 0 || c + k0 <= 0) return INFINITY;
  const aOverOne = max(1, (a + k0) / (1 + k0));
  const bOverOne = max(1, (b + k0) / (1 + k0));
  const aOverC = max(1, (a + k0) / (c + k0));
  const bOverC = max(1, (b + k0) / (c + k0));
  return absZ * min(aOverOne * bOverC, bOverOne * aOverC);
}

function toSignedLog(value: number, logScale: number): SignedLog {
  if (value === 0) return { log: -INFINITY, sign: 0 };
  return { log: log(abs(value)) + logScale, sign: value > 0 ? 1 : -1 };
}

function gaussAtOne(a: number, b: number, c: number): SignedLog {
  // Only the all-positive case is needed (limits of expected purchases as t → ∞); anything else is NaN.
  if (c > 0 && c - a > 0 && c - b > 0 && c - a - b > 0) {
    return { log: logGamma(c) + logGamma(c - a - b) - logGamma(c - a) - logGamma(c - b), sign: 1 };
  }
  return FAILED;
}

/** ₂F₁(a, b; c; z) as a plain number (may be ±Infinity when it overflows a double). */
export function hyp2f1(a: number, b: number, c: number, z: number, maxTerms?: number): number {
  const { log, sign } = hyp2f1SignedLog(a, b, c, z, maxTerms);
  if (isNaNumber(log)) return NaN;
  return sign * exp(log);
}

/** ln ₂F₁(a, b; c; z); NaN when the value is not positive or the series did not converge. */
export function logHyp2f1(a: number, b: number, c: number, z: number, maxTerms?: number): number {
  const { log, sign } = hyp2f1SignedLog(a, b, c, z, maxTerms);
  return sign === 1 ? log : NaN;
}
