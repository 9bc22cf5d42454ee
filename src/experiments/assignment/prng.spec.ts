import { chiSquareSf } from '../stats/distributions';
import { createSeededRandom } from './prng';

describe('createSeededRandom', () => {
  it('is reproducible from its seed and differs between seeds', () => {
    const a = createSeededRandom(42);
    const b = createSeededRandom(42);
    const c = createSeededRandom(43);
    const first = Array.from({ length: 100 }, a);
    expect(Array.from({ length: 100 }, b)).toEqual(first);
    expect(Array.from({ length: 100 }, c)).not.toEqual(first);
  });

  it('stays strictly inside (0, 1) and is uniform', () => {
    const random = createSeededRandom(0);
    const bins = new Array<number>(20).fill(0);
    const draws = 200_000;
    let sum = 0;
    let lagProduct = 0;
    let previous = random();
    let outOfRange = 0;
    for (let i = 0; i < draws; i++) {
      const u = random();
      if (!(u > 0 && u < 1)) outOfRange++;
      bins[Math.floor(u * 20)]++;
      sum += u;
      lagProduct += (u - 0.5) * (previous - 0.5);
      previous = u;
    }
    expect(outOfRange).toBe(0);
    const expected = draws / 20;
    const statistic = bins.reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
    expect(chiSquareSf(statistic, 19)).toBeGreaterThan(0.001);
    expect(Math.abs(sum / draws - 0.5)).toBeLessThan(0.003);
    // Lag-1 autocorrelation of a good generator is ~N(0, 1/n): |r| < 0.01 at n = 200k.
    expect(Math.abs(lagProduct / draws / (1 / 12))).toBeLessThan(0.01);
  });

  it('rejects non-integer seeds', () => {
    expect(() => createSeededRandom(1.5)).toThrow(RangeError);
  });
});
