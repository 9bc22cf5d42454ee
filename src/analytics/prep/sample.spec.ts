import { sampleIndices, seededRandom } from './sample';

describe('seeded sampling', () => {
  it('repeats for a seed and stays in [0, 1)', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const first = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(first);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(first);
    for (const u of first) {
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
    }
  });

  it('returns distinct ascending indices, or all of them when the sample covers the population', () => {
    const sample = sampleIndices(1000, 50, 3);
    expect(sample).toHaveLength(50);
    expect(new Set(sample).size).toBe(50);
    expect(sample).toEqual([...sample].sort((x, y) => x - y));
    expect(sample.every((i) => Number.isInteger(i) && i >= 0 && i < 1000)).toBe(true);
    expect(sampleIndices(4, 10, 3)).toEqual([0, 1, 2, 3]);
    expect(sampleIndices(4, 0, 3)).toEqual([]);
    expect(() => sampleIndices(4, 1.5, 3)).toThrow(/non-negative integer/);
  });

  it('gives every index the same chance of selection', () => {
    // 3 of 10 over 20,000 seeds: each index is chosen with probability 0.3, sd of the share ≈ 0.0032.
    const counts = new Array<number>(10).fill(0);
    for (let seed = 0; seed < 20_000; seed++) for (const i of sampleIndices(10, 3, seed)) counts[i]++;
    for (const count of counts) expect(Math.abs(count / 20_000 - 0.3)).toBeLessThan(0.015);
  });
});
