import { analyzeFactorial, type FactorialCell, type FactorSpec } from './factorial';
import { liftConfidenceIntervals } from './proportions';

const factors2x2: FactorSpec[] = [
  { name: 'subject', levels: ['plain', 'emoji'] },
  { name: 'image', levels: ['none', 'hero'] },
];

const cell = (levels: string[], n: number, conversions: number): FactorialCell => ({
  levels,
  n,
  conversions,
});
const variance = (c: FactorialCell): number => ((c.conversions / c.n) * (1 - c.conversions / c.n)) / c.n;

describe('analyzeFactorial', () => {
  it('estimates main effects and a zero interaction for additive 2×2 data', () => {
    const cells = [
      cell(['plain', 'none'], 1000, 100),
      cell(['plain', 'hero'], 1000, 120),
      cell(['emoji', 'none'], 1000, 130),
      cell(['emoji', 'hero'], 1000, 150),
    ];
    const { mainEffects, interactions } = analyzeFactorial(factors2x2, cells);
    const [subject, image] = mainEffects;
    // Subject: mean(13 %, 15 %) - mean(10 %, 12 %) = 3 pts; image: mean(12 %, 15 %) - mean(10 %, 13 %) = 2 pts.
    expect(subject.contrasts[0].estimate).toBeCloseTo(0.03, 14);
    expect(image.contrasts[0].estimate).toBeCloseTo(0.02, 14);
    expect(subject.contrasts[0].levels).toEqual(['emoji']);
    // Each cell enters with weight ±1/2, so se = ½·sqrt(Σ var).
    const totalVariance = cells.reduce((s, c) => s + variance(c), 0);
    expect(subject.contrasts[0].standardError).toBeCloseTo(0.5 * Math.sqrt(totalVariance), 14);
    expect(interactions).toHaveLength(1);
    expect(interactions[0].term).toBe('subject × image');
    expect(interactions[0].contrasts[0].estimate).toBeCloseTo(0, 14);
    expect(interactions[0].contrasts[0].standardError).toBeCloseTo(Math.sqrt(totalVariance), 14);
    expect(interactions[0].pValue).toBeCloseTo(1, 10);
    // With one contrast the joint Wald test is the z-test.
    expect(subject.statistic).toBeCloseTo(subject.contrasts[0].z ** 2, 10);
    expect(subject.pValue).toBeCloseTo(subject.contrasts[0].pValue, 12);
    expect(subject.contrasts[0].interval.lower).toBeCloseTo(
      0.03 - 1.959963984540054 * subject.contrasts[0].standardError,
      12,
    );
  });

  it('detects an interaction as a difference in differences', () => {
    const cells = [
      cell(['plain', 'none'], 4000, 400),
      cell(['plain', 'hero'], 4000, 400),
      cell(['emoji', 'none'], 4000, 400),
      cell(['emoji', 'hero'], 4000, 600),
    ];
    const { interactions, mainEffects } = analyzeFactorial(factors2x2, cells);
    // (15 % - 10 %) - (10 % - 10 %) = 5 pts; each main effect is half of that.
    expect(interactions[0].contrasts[0].estimate).toBeCloseTo(0.05, 14);
    expect(interactions[0].pValue).toBeLessThan(1e-6);
    expect(mainEffects[0].contrasts[0].estimate).toBeCloseTo(0.025, 14);
  });

  it('reduces to the two-proportion Wald comparison for a single two-level factor', () => {
    const control = { n: 1000, conversions: 100 };
    const variant = { n: 1000, conversions: 130 };
    const { mainEffects, interactions } = analyzeFactorial(
      [{ name: 'subject', levels: ['a', 'b'] }],
      [cell(['a'], control.n, control.conversions), cell(['b'], variant.n, variant.conversions)],
    );
    const lift = liftConfidenceIntervals(control, variant);
    expect(interactions).toEqual([]);
    expect(mainEffects[0].contrasts[0].interval.lower).toBeCloseTo(lift.absoluteInterval.lower, 14);
    expect(mainEffects[0].contrasts[0].interval.upper).toBeCloseTo(lift.absoluteInterval.upper, 14);
  });

  it('uses a joint test equal to Cochran’s Q for a multi-level factor', () => {
    const cells = [cell(['a'], 1500, 150), cell(['b'], 1200, 150), cell(['c'], 900, 81)];
    const { mainEffects } = analyzeFactorial([{ name: 'cta', levels: ['a', 'b', 'c'] }], cells);
    const term = mainEffects[0];
    expect(term.df).toBe(2);
    expect(term.contrasts.map((c) => c.levels[0])).toEqual(['b', 'c']);
    // The Wald test of equal means with known variances is the inverse-variance heterogeneity statistic.
    const weights = cells.map((c) => 1 / variance(c));
    const rates = cells.map((c) => c.conversions / c.n);
    const pooled = weights.reduce((s, w, i) => s + w * rates[i], 0) / weights.reduce((s, w) => s + w, 0);
    const q = weights.reduce((s, w, i) => s + w * (rates[i] - pooled) ** 2, 0);
    expect(term.statistic).toBeCloseTo(q, 10);
    expect(term.pValue).toBeCloseTo(Math.exp(-q / 2), 12); // chi-square(2) tail
  });

  it('weights every combination of the other factors equally, whatever the cell sizes', () => {
    const cells = [
      cell(['plain', 'none'], 9000, 900),
      cell(['plain', 'hero'], 1000, 200),
      cell(['emoji', 'none'], 1000, 120),
      cell(['emoji', 'hero'], 9000, 2000),
    ];
    const { mainEffects } = analyzeFactorial(factors2x2, cells);
    const simpleEffects = [0.12 - 0.1, 2000 / 9000 - 0.2];
    expect(mainEffects[0].contrasts[0].estimate).toBeCloseTo((simpleEffects[0] + simpleEffects[1]) / 2, 14);
  });

  it('covers every term of a 2×3×2 design with the right degrees of freedom', () => {
    const factors: FactorSpec[] = [
      { name: 'subject', levels: ['a', 'b'] },
      { name: 'cta', levels: ['buy', 'shop', 'go'] },
      { name: 'send', levels: ['am', 'pm'] },
    ];
    const cells: FactorialCell[] = [];
    let i = 0;
    for (const s of factors[0].levels) {
      for (const c of factors[1].levels)
        for (const t of factors[2].levels) cells.push(cell([s, c, t], 800, 60 + 7 * i++));
    }
    const { mainEffects, interactions } = analyzeFactorial(factors, cells.reverse());
    expect(mainEffects.map((m) => [m.term, m.df])).toEqual([
      ['subject', 1],
      ['cta', 2],
      ['send', 1],
    ]);
    expect(interactions.map((t) => [t.term, t.df])).toEqual([
      ['subject × cta', 2],
      ['subject × send', 1],
      ['cta × send', 2],
    ]);
    expect(interactions[0].contrasts.map((c) => c.levels)).toEqual([
      ['b', 'shop'],
      ['b', 'go'],
    ]);
    for (const term of [...mainEffects, ...interactions]) {
      expect(term.pValue).toBeGreaterThanOrEqual(0);
      expect(term.pValue).toBeLessThanOrEqual(1);
    }
  });

  it('stays finite when a cell has no conversions', () => {
    const cells = [
      cell(['plain', 'none'], 50, 0),
      cell(['plain', 'hero'], 50, 0),
      cell(['emoji', 'none'], 50, 2),
      cell(['emoji', 'hero'], 50, 0),
    ];
    const { mainEffects, interactions } = analyzeFactorial(factors2x2, cells);
    for (const term of [...mainEffects, ...interactions]) {
      expect(Number.isFinite(term.statistic)).toBe(true);
      expect(term.contrasts[0].standardError).toBeGreaterThan(0);
    }
  });

  it('reports every problem with the design and cells at once', () => {
    const badFactors: FactorSpec[] = [
      { name: 'subject', levels: ['plain'] },
      { name: 'subject', levels: ['x', 'x'] },
    ];
    expect(() => analyzeFactorial(badFactors, [])).toThrow(
      /needs at least 2 levels[\s\S]*duplicate factor[\s\S]*duplicate level/,
    );
    const cells = [
      cell(['plain', 'none'], 100, 10),
      cell(['plain', 'none'], 100, 10),
      cell(['emoji', 'blue'], 100, 10),
      cell(['emoji', 'hero'], 100, 101),
    ];
    let message = '';
    try {
      analyzeFactorial(factors2x2, cells);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/cells\[1\]: duplicate cell plain \/ none/);
    expect(message).toMatch(/cells\[2\]\.levels\[1\]: "blue" is not a level of "image"/);
    expect(message).toMatch(/cells\[3\]\.conversions/);
    expect(message).toMatch(/missing cell plain \/ hero/);
    expect(message).toMatch(/missing cell emoji \/ none/);
  });
});
