import { holmAdjust } from './holm';

describe('holmAdjust', () => {
  it('follows the textbook example (Wikipedia, "Holm–Bonferroni method")', () => {
    // Four hypotheses, alpha 0.05: sorted p = 0.005, 0.01, 0.03, 0.04 are compared with 0.05/4, 0.05/3,
    // 0.05/2: the first two are rejected and the procedure stops at 0.03 > 0.025.
    const p = [0.01, 0.04, 0.03, 0.005];
    const { adjusted, rejected } = holmAdjust(p, 0.05);
    expect(rejected).toEqual([true, false, false, true]);
    // Adjusted: 4·0.005 = 0.02, 3·0.01 = 0.03, 2·0.03 = 0.06, max(0.06, 1·0.04) = 0.06.
    expect(adjusted[3]).toBeCloseTo(0.02, 15);
    expect(adjusted[0]).toBeCloseTo(0.03, 15);
    expect(adjusted[2]).toBeCloseTo(0.06, 15);
    expect(adjusted[1]).toBeCloseTo(0.06, 15);
  });

  it('agrees with the sequential rejection procedure on random inputs', () => {
    let seed = 7;
    const uniform = (): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 4294967296;
    };
    for (let trial = 0; trial < 200; trial++) {
      const p = Array.from({ length: 1 + Math.floor(uniform() * 8) }, () => uniform() * uniform() * 0.2);
      const alpha = 0.05;
      const order = p.map((_, i) => i).sort((a, b) => p[a] - p[b]);
      const expected = new Array<boolean>(p.length).fill(false);
      for (let rank = 0; rank < order.length; rank++) {
        if (p[order[rank]] > alpha / (p.length - rank)) break;
        expected[order[rank]] = true;
      }
      const { adjusted, rejected } = holmAdjust(p, alpha);
      expect(rejected).toEqual(expected);
      adjusted.forEach((a, i) => {
        expect(a).toBeGreaterThanOrEqual(p[i]);
        expect(a).toBeLessThanOrEqual(Math.min(1, p.length * p[i]) + 1e-15);
      });
    }
  });

  it('caps at 1, keeps a single p-value unchanged and validates input', () => {
    expect(holmAdjust([0.6, 0.7]).adjusted).toEqual([1, 1]);
    expect(holmAdjust([0.2]).adjusted).toEqual([0.2]);
    expect(holmAdjust([]).adjusted).toEqual([]);
    expect(() => holmAdjust([0.1, NaN])).toThrow(/pValues\[1\]/);
  });
});
