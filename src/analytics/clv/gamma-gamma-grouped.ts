/**
 * The Gamma-Gamma fit of `gamma-gamma.ts` with a likelihood evaluated in O(n) logarithms instead of O(n)
 * log-gammas, for customer bases where mean spends are all distinct (100,000 customers: 3.7 s → 0.6 s).
 *
 * Per repeat buyer ln L = −ln B(px, q) + q ln v + (px − 1) ln m + px ln x − (px + q) ln(xm + v). Summed over
 * buyers, ln B(px, q) depends only on x (tabulated per distinct x), the ln m and ln x terms are constants
 * times p, and only ln(xm + v) has to be evaluated per buyer. Same data checks, starts and driver as
 * fitGammaGamma, so the two return the same fit up to rounding.
 */
import { GammaGammaFit, GammaGammaFitOptions, SpendObservation, fitGammaGammaWith } from './gamma-gamma';
import { logBeta } from './special';

// Jest evaluates modules in a vm context where every global lookup costs ~100 ns: bind them once.
const { log } = Math;

export function fitGammaGammaGrouped(
  observations: readonly SpendObservation[],
  options: GammaGammaFitOptions = {},
): GammaGammaFit {
  return fitGammaGammaWith(observations, options, groupedLogLikelihood);
}

/** Σ ln L over buyers with x > 0 and monetary > 0, as a function of (p, q, v). */
export function groupedLogLikelihood(
  buyers: readonly SpendObservation[],
): (p: number, q: number, v: number) => number {
  const n = buyers.length;
  const xs = new Float64Array(n);
  const xm = new Float64Array(n);
  const countByX = new Map<number, number>();
  let sumLogM = 0;
  let sumXLogXM = 0;
  for (let i = 0; i < n; i++) {
    const { x, monetary } = buyers[i];
    xs[i] = x;
    xm[i] = x * monetary;
    const logM = log(monetary);
    sumLogM += logM;
    sumXLogXM += x * (logM + log(x));
    countByX.set(x, (countByX.get(x) ?? 0) + 1);
  }
  const distinctX = Float64Array.from(countByX.keys());
  const counts = Float64Array.from(countByX.values());
  return (p, q, v) => {
    let betaTerms = 0;
    for (let k = 0; k < distinctX.length; k++) betaTerms += counts[k] * logBeta(p * distinctX[k], q);
    // Σ (px + q) ln(xm + v) = p Σ x ln(xm + v) + q Σ ln(xm + v).
    // Compensated (Kahan) sums: the standard errors come from second differences of this function, which
    // amplify rounding noise by 1/h²; plain summation of 10⁵ terms leaves visible noise in them.
    let sumLog = 0;
    let sumLogError = 0;
    let sumXLog = 0;
    let sumXLogError = 0;
    for (let i = 0; i < n; i++) {
      const l = log(xm[i] + v);
      const y1 = l - sumLogError;
      const t1 = sumLog + y1;
      sumLogError = t1 - sumLog - y1;
      sumLog = t1;
      const y2 = xs[i] * l - sumXLogError;
      const t2 = sumXLog + y2;
      sumXLogError = t2 - sumXLog - y2;
      sumXLog = t2;
    }
    // Σ (px − 1) ln m + px ln x = p Σ x (ln m + ln x) − Σ ln m, a constant per p.
    return -betaTerms + n * q * log(v) + p * sumXLogXM - sumLogM - p * sumXLog - q * sumLog;
  };
}
