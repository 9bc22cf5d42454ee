/**
 * Special functions and distribution functions for the experiment statistics.
 *
 * Everything is built on two primitives, the regularised incomplete gamma and beta functions, so the normal,
 * chi-square and Student t distributions share one well-tested core instead of three separate approximations.
 * Upper tails are computed directly (never as 1 - cdf) because SRM alarms and multiple-testing corrections
 * care about p-values far below 1e-6, where 1 - cdf has no significant digits left.
 */

const LOG_SQRT_2PI = 0.9189385332046728; // ln(sqrt(2π))
const SQRT_2PI = 2.5066282746310002;
const EPS = 1e-16;
const TINY = 1e-300; // Lentz's algorithm guards against division by zero with this
const MAX_ITERATIONS = 100_000;

// Stirling series tail; at x ≥ 10 the next omitted term is below 3e-17.
function stirlingCorrection(x: number): number {
  const inv = 1 / x;
  const inv2 = inv * inv;
  return (
    inv *
    (1 / 12 +
      inv2 *
        (-1 / 360 +
          inv2 *
            (1 / 1260 + inv2 * (-1 / 1680 + inv2 * (1 / 1188 + inv2 * (-691 / 360360 + inv2 * (1 / 156)))))))
  );
}

/** ln Γ(x) for x > 0, relative accuracy ~1e-15. */
export function logGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) {
    throw new RangeError(`logGamma needs a finite x > 0 (got ${x})`);
  }
  if (x < 0.5) {
    // Reflection keeps tiny x accurate, where shifting up would multiply many small factors.
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  let shift = 0;
  let product = 1;
  while (x + shift < 10) {
    product *= x + shift;
    shift += 1;
  }
  const z = x + shift;
  return (z - 0.5) * Math.log(z) - z + LOG_SQRT_2PI + stirlingCorrection(z) - Math.log(product);
}

/**
 * ln B(a, b). For large arguments the Stirling terms are combined algebraically (as R's lbeta does) so that
 * lnB(1e6, 2) does not lose eight digits to the cancellation lnΓ(a) + lnΓ(b) - lnΓ(a+b).
 */
export function logBeta(a: number, b: number): number {
  if (!(a > 0) || !(b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) {
    throw new RangeError(`logBeta needs finite a, b > 0 (got ${a}, ${b})`);
  }
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  if (p >= 10) {
    const corr = stirlingCorrection(p) + stirlingCorrection(q) - stirlingCorrection(p + q);
    return (
      -0.5 * Math.log(q) +
      LOG_SQRT_2PI +
      corr +
      (p - 0.5) * Math.log(p / (p + q)) +
      q * Math.log1p(-p / (p + q))
    );
  }
  if (q >= 10) {
    const corr = stirlingCorrection(q) - stirlingCorrection(p + q);
    return logGamma(p) + corr + p - p * Math.log(p + q) + (q - 0.5) * Math.log1p(-p / (p + q));
  }
  return logGamma(p) + logGamma(q) - logGamma(p + q);
}

// ---------------------------------------------------------------------------------------------------------
// Incomplete gamma
// ---------------------------------------------------------------------------------------------------------

const LOG_SQRT_PI = 0.5723649429247001;

function gammaPrefactor(a: number, x: number): number {
  // a = 1/2 is every normal-CDF call: use the exact constant rather than the series' last-digit error.
  return Math.exp(-x + a * Math.log(x) - (a === 0.5 ? LOG_SQRT_PI : logGamma(a)));
}

function lowerGammaSeries(a: number, x: number): number {
  let ap = a;
  let term = 1 / a;
  let sum = term;
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    ap += 1;
    term *= x / ap;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) return sum * gammaPrefactor(a, x);
  }
  throw new Error(`incomplete gamma series did not converge (a=${a}, x=${x})`);
}

function upperGammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) return h * gammaPrefactor(a, x);
  }
  throw new Error(`incomplete gamma continued fraction did not converge (a=${a}, x=${x})`);
}

function checkGammaArgs(a: number, x: number): void {
  if (!(a > 0) || !(x >= 0) || !Number.isFinite(a) || Number.isNaN(x)) {
    throw new RangeError(`incomplete gamma needs a > 0 and x ≥ 0 (got a=${a}, x=${x})`);
  }
}

/** Regularised lower incomplete gamma P(a, x). */
export function regularizedGammaP(a: number, x: number): number {
  checkGammaArgs(a, x);
  if (x === 0) return 0;
  if (x === Infinity) return 1;
  return x < a + 1 ? lowerGammaSeries(a, x) : 1 - upperGammaContinuedFraction(a, x);
}

/** Regularised upper incomplete gamma Q(a, x) = 1 - P(a, x), accurate in the far tail. */
export function regularizedGammaQ(a: number, x: number): number {
  checkGammaArgs(a, x);
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - lowerGammaSeries(a, x) : upperGammaContinuedFraction(a, x);
}

// ---------------------------------------------------------------------------------------------------------
// Incomplete beta
// ---------------------------------------------------------------------------------------------------------

function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) return h;
  }
  throw new Error(`incomplete beta continued fraction did not converge (a=${a}, b=${b}, x=${x})`);
}

/**
 * I_x(a, b) or its complement, with y = 1 - x passed separately so callers who know y exactly (the t
 * distribution does) keep full precision near x = 1.
 */
function incompleteBeta(x: number, y: number, a: number, b: number, upper: boolean): number {
  if (!(a > 0) || !(b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) {
    throw new RangeError(`incomplete beta needs finite a, b > 0 (got a=${a}, b=${b})`);
  }
  if (!(x >= 0 && x <= 1) || !(y >= 0 && y <= 1)) {
    throw new RangeError(`incomplete beta needs 0 ≤ x ≤ 1 (got ${x})`);
  }
  if (x === 0) return upper ? 1 : 0;
  if (y === 0) return upper ? 0 : 1;
  const logFront = a * Math.log(x) + b * Math.log(y) - logBeta(a, b);
  // The continued fraction converges fast only on the side of the mode; use the symmetry I_x(a,b) = 1 - I_y(b,a).
  if (x < (a + 1) / (a + b + 2)) {
    const lower = (Math.exp(logFront) * betaContinuedFraction(a, b, x)) / a;
    return upper ? 1 - lower : lower;
  }
  const upperValue = (Math.exp(logFront) * betaContinuedFraction(b, a, y)) / b;
  return upper ? upperValue : 1 - upperValue;
}

/** Regularised incomplete beta I_x(a, b) — also the Beta(a, b) CDF at x. */
export function regularizedBeta(x: number, a: number, b: number): number {
  return incompleteBeta(x, 1 - x, a, b, false);
}

/** 1 - I_x(a, b), computed without cancellation. */
export function regularizedBetaComplement(x: number, a: number, b: number): number {
  return incompleteBeta(x, 1 - x, a, b, true);
}

// ---------------------------------------------------------------------------------------------------------
// Normal
// ---------------------------------------------------------------------------------------------------------

/** Complementary error function, via erfc(x) = Q(1/2, x²) for x ≥ 0. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  return regularizedGammaQ(0.5, x * x);
}

export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / SQRT_2PI;
}

/** Standard normal CDF Φ(x). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  return x < 0 ? 0.5 * erfc(-x / Math.SQRT2) : 1 - 0.5 * erfc(x / Math.SQRT2);
}

/** Standard normal upper tail 1 - Φ(x), accurate for large x. */
export function normalSf(x: number): number {
  return normalCdf(-x);
}

/** Two-sided p-value of a z statistic: 2(1 - Φ(|z|)). */
export function twoSidedNormalP(z: number): number {
  if (Number.isNaN(z)) return NaN;
  return erfc(Math.abs(z) / Math.SQRT2);
}

// Acklam's rational approximation (relative error 1.15e-9) as a starting point for Halley refinement.
const ACKLAM_A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
  2.506628277459239,
];
const ACKLAM_B = [
  -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1,
];
const ACKLAM_C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const ACKLAM_D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const ACKLAM_LOW = 0.02425;

function acklam(p: number): number {
  const [a0, a1, a2, a3, a4, a5] = ACKLAM_A;
  const [b0, b1, b2, b3, b4] = ACKLAM_B;
  const [c0, c1, c2, c3, c4, c5] = ACKLAM_C;
  const [d0, d1, d2, d3] = ACKLAM_D;
  if (p < ACKLAM_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p <= 1 - ACKLAM_LOW) {
    const q = p - 0.5;
    const r = q * q;
    return (
      ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
      (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
    );
  }
  const q = Math.sqrt(-2 * Math.log(1 - p));
  return (
    -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
  );
}

/** Standard normal quantile Φ⁻¹(p), accurate to ~1e-15 relative. */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) throw new RangeError(`normalQuantile needs 0 ≤ p ≤ 1 (got ${p})`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  // Work in the lower tail, where p itself carries full relative precision.
  if (p > 0.5) return -normalQuantile(1 - p);
  let x = acklam(p);
  for (let i = 0; i < 2; i++) {
    const e = normalCdf(x) - p;
    const density = normalPdf(x);
    if (e === 0 || density === 0) break;
    const u = e / density;
    x -= u / (1 + 0.5 * x * u);
  }
  return x;
}

// ---------------------------------------------------------------------------------------------------------
// Chi-square
// ---------------------------------------------------------------------------------------------------------

function checkDf(df: number): void {
  if (!(df > 0) || !Number.isFinite(df)) throw new RangeError(`degrees of freedom must be > 0 (got ${df})`);
}

export function chiSquareCdf(x: number, df: number): number {
  checkDf(df);
  if (x <= 0) return 0;
  return regularizedGammaP(df / 2, x / 2);
}

/** Chi-square upper tail P(X ≥ x): the p-value of a chi-square statistic. */
export function chiSquareSf(x: number, df: number): number {
  checkDf(df);
  if (x <= 0) return 1;
  return regularizedGammaQ(df / 2, x / 2);
}

// ---------------------------------------------------------------------------------------------------------
// Student t
// ---------------------------------------------------------------------------------------------------------

// Beyond this the t and normal CDFs differ by < 1e-8 and the beta continued fraction gets slow.
const T_NORMAL_DF = 1e9;

/** Student t CDF with (possibly fractional) df. */
export function studentTCdf(t: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  if (df > T_NORMAL_DF) return normalCdf(t);
  const t2 = t * t;
  const tail = 0.5 * incompleteBeta(df / (df + t2), t2 / (df + t2), df / 2, 0.5, false);
  return t > 0 ? 1 - tail : tail;
}

/** Student t upper tail P(T ≥ t). */
export function studentTSf(t: number, df: number): number {
  return studentTCdf(-t, df);
}

export function studentTPdf(t: number, df: number): number {
  checkDf(df);
  return Math.exp(-0.5 * Math.log(df) - logBeta(0.5, df / 2) - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/** Student t quantile, by safeguarded Newton iteration on the CDF. */
export function studentTQuantile(p: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(p) || p < 0 || p > 1) throw new RangeError(`studentTQuantile needs 0 ≤ p ≤ 1 (got ${p})`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  if (p > 0.5) return -studentTQuantile(1 - p, df);
  if (df === 1) return Math.tan(Math.PI * (p - 0.5));
  if (df > T_NORMAL_DF) return normalQuantile(p);
  // Lower tail from here on: the answer is negative. Bracket it, then Newton with bisection fallback.
  let hi = 0;
  let lo = -1;
  while (studentTCdf(lo, df) > p) {
    hi = lo;
    lo *= 2;
  }
  const z = normalQuantile(p);
  let x = z + (z * z * z + z) / (4 * df); // Cornish–Fisher start
  if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
  for (let i = 0; i < 200; i++) {
    const f = studentTCdf(x, df) - p;
    if (f > 0) hi = x;
    else lo = x;
    let next = x - f / studentTPdf(x, df);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - x) <= 1e-15 * Math.max(1, Math.abs(x))) return next;
    x = next;
  }
  return x;
}
