import { DEFAULT_LOWER_BOUND, DEFAULT_UPPER_BOUND, minimizePositive } from './optimize';

describe('minimizePositive', () => {
  it('finds the minimum of the Rosenbrock valley in the positive orthant', () => {
    const rosenbrock = ([x, y]: number[]) => (1 - x) ** 2 + 100 * (y - x * x) ** 2;
    const result = minimizePositive(rosenbrock, [3, 0.2]);
    expect(result.converged).toBe(true);
    expect(result.params[0]).toBeCloseTo(1, 5);
    expect(result.params[1]).toBeCloseTo(1, 5);
    expect(result.value).toBeLessThan(1e-10);
    expect(result.iterations).toBeGreaterThan(0);
    expect(result.atBound).toEqual([false, false]);
  });

  it('recovers parameters spread over many orders of magnitude (log-space scaling)', () => {
    const target = [2e-3, 7, 4e3];
    const objective = (p: number[]) => p.reduce((sum, v, i) => sum + Math.log(v / target[i]) ** 2, 0);
    const result = minimizePositive(objective, [1, 1, 1]);
    expect(result.converged).toBe(true);
    result.params.forEach((v, i) => expect(v / target[i]).toBeCloseTo(1, 6));
  });

  it('keeps every evaluated point inside [1e-5, 1e5] and reports parameters pinned at a bound', () => {
    const seen: number[] = [];
    // Decreasing in p0 and increasing in p1 without limit: both run to the box.
    const objective = ([p0, p1]: number[]) => {
      seen.push(p0, p1);
      return -Math.log(p0) + Math.log(p1);
    };
    const result = minimizePositive(objective, [1, 1]);
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(DEFAULT_LOWER_BOUND * (1 - 1e-12));
    expect(Math.max(...seen)).toBeLessThanOrEqual(DEFAULT_UPPER_BOUND * (1 + 1e-12));
    expect(result.params[0]).toBeCloseTo(DEFAULT_UPPER_BOUND, 3);
    expect(result.params[1]).toBeCloseTo(DEFAULT_LOWER_BOUND, 10);
    expect(result.atBound).toEqual([true, true]);
  });

  it('honours custom bounds', () => {
    const result = minimizePositive(([p]) => (p - 50) ** 2, [1], { lowerBound: 0.1, upperBound: 10 });
    expect(result.params[0]).toBeCloseTo(10, 8);
    expect(result.atBound).toEqual([true]);
  });

  it('does not claim convergence when the iteration budget runs out', () => {
    const rosenbrock = ([x, y]: number[]) => (1 - x) ** 2 + 100 * (y - x * x) ** 2;
    const result = minimizePositive(rosenbrock, [3, 0.2], { maxIterations: 15 });
    expect(result.converged).toBe(false);
    expect(result.iterations).toBe(15);
    expect(result.message).toMatch(/budget/);
  });

  it('treats NaN and infinite objective values as worse than any finite value', () => {
    // Undefined (NaN) below p = 0.5, as a likelihood whose series fails in a corner would be.
    const objective = ([p]: number[]) => (p < 0.5 ? Number.NaN : (p - 2) ** 2);
    const result = minimizePositive(objective, [1]);
    expect(result.converged).toBe(true);
    expect(result.params[0]).toBeCloseTo(2, 6);
  });

  it('gives up at once, unconverged, when the objective is undefined around the start', () => {
    let calls = 0;
    const result = minimizePositive(() => {
      calls++;
      return Number.NaN;
    }, [1, 1]);
    expect(result.converged).toBe(false);
    expect(result.message).toMatch(/not finite/);
    expect(calls).toBe(3);
  });

  it('rejects non-positive starting points', () => {
    expect(() => minimizePositive(([p]) => p, [0])).toThrow(RangeError);
    expect(() => minimizePositive(() => 0, [])).toThrow(RangeError);
  });
});
