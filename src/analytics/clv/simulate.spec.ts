import { createRng } from './random';
import { observeAt, purchasesBetween, simulateBgNbdCustomer, simulateParetoNbdCustomer } from './simulate';

describe('simulate', () => {
  const customer = { purchaseTimes: [1.5, 4, 9.25, 20], dropoutTime: Infinity };

  it('summarises a history as (x, t_x, T) at a given age', () => {
    expect(observeAt(customer, 10)).toEqual({ x: 3, tx: 9.25, T: 10 });
    expect(observeAt(customer, 1)).toEqual({ x: 0, tx: 0, T: 1 });
    expect(purchasesBetween(customer, 4, 20)).toBe(2);
  });

  it('keeps BG/NBD purchases inside the horizon and drops out only at a purchase', () => {
    const rng = createRng(1);
    for (let i = 0; i < 2000; i++) {
      const c = simulateBgNbdCustomer(rng, { r: 0.8, alpha: 4, a: 0.7, b: 2.5 }, 52);
      expect(c.purchaseTimes.every((t, k) => t <= 52 && (k === 0 || t > c.purchaseTimes[k - 1]))).toBe(true);
      if (Number.isFinite(c.dropoutTime))
        expect(c.dropoutTime).toBe(c.purchaseTimes[c.purchaseTimes.length - 1]);
    }
  });

  it('stops Pareto/NBD purchases at the end of the lifetime', () => {
    const rng = createRng(2);
    let droppedOut = 0;
    for (let i = 0; i < 2000; i++) {
      const c = simulateParetoNbdCustomer(rng, { r: 0.8, alpha: 4, s: 0.6, beta: 10 }, 52);
      const last = c.purchaseTimes[c.purchaseTimes.length - 1] ?? 0;
      expect(last).toBeLessThanOrEqual(Math.min(52, c.dropoutTime));
      if (Number.isFinite(c.dropoutTime)) droppedOut++;
    }
    expect(droppedOut).toBeGreaterThan(0);
    expect(droppedOut).toBeLessThan(2000);
  });
});
