/**
 * Draw customer histories from the BG/NBD and Pareto/NBD generative stories. Used to check fits against known
 * parameters and predictions against simulated futures; also handy for sizing "what if" scenarios.
 */
import { BgNbdParams } from './bgnbd';
import { ParetoNbdParams } from './pareto-nbd';
import { Rng, sampleBeta, sampleExponential, sampleGamma } from './random';
import { RfmObservation } from './rfm';

export interface SimulatedCustomer {
  /** Repeat purchase times after the first purchase at time 0, up to the horizon. */
  purchaseTimes: number[];
  /** When the customer became inactive; Infinity if still active at the horizon. */
  dropoutTime: number;
}

/**
 * BG/NBD: rate λ ~ gamma(r, α); after each repeat purchase the customer drops out with probability
 * p ~ beta(a, b). The first purchase (time 0) cannot be followed by dropout, as in the likelihood.
 */
export function simulateBgNbdCustomer(
  rng: Rng,
  { r, alpha, a, b }: BgNbdParams,
  horizon: number,
): SimulatedCustomer {
  const rate = sampleGamma(rng, r, alpha);
  const p = sampleBeta(rng, a, b);
  const purchaseTimes: number[] = [];
  let time = 0;
  for (;;) {
    time += sampleExponential(rng, rate);
    if (time > horizon) return { purchaseTimes, dropoutTime: Infinity };
    purchaseTimes.push(time);
    if (rng() < p) return { purchaseTimes, dropoutTime: time };
  }
}

/** Pareto/NBD: rate λ ~ gamma(r, α), exponential lifetime with rate μ ~ gamma(s, β). */
export function simulateParetoNbdCustomer(
  rng: Rng,
  { r, alpha, s, beta }: ParetoNbdParams,
  horizon: number,
): SimulatedCustomer {
  const rate = sampleGamma(rng, r, alpha);
  const lifetime = sampleExponential(rng, sampleGamma(rng, s, beta));
  const end = Math.min(lifetime, horizon);
  const purchaseTimes: number[] = [];
  for (let time = sampleExponential(rng, rate); time <= end; time += sampleExponential(rng, rate)) {
    purchaseTimes.push(time);
  }
  return { purchaseTimes, dropoutTime: lifetime <= horizon ? lifetime : Infinity };
}

/** The calibration summary (x, t_x, T) a simulated customer would show at age T. */
export function observeAt(customer: SimulatedCustomer, T: number): RfmObservation {
  let x = 0;
  let tx = 0;
  for (const time of customer.purchaseTimes) {
    if (time > T) break;
    x++;
    tx = time;
  }
  return { x, tx, T };
}

/** Repeat purchases in (from, to]. */
export function purchasesBetween(customer: SimulatedCustomer, from: number, to: number): number {
  return customer.purchaseTimes.filter((time) => time > from && time <= to).length;
}
