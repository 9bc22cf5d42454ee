import { posteriorFor, probabilityBest } from '../stats/bayes';
import { BUCKETS } from './experiment-definition';
import { createAssigner } from './hash-assign';
import { createSeededRandom } from './prng';
import {
  sampleBeta,
  sampleGamma,
  sampleStandardNormal,
  thompsonAllocation,
  thompsonChoose,
} from './thompson';

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  return { mean, variance: sumSq / n - mean * mean };
}

describe('samplers', () => {
  const random = createSeededRandom(2024);

  it('draws standard normals', () => {
    const { mean, variance } = moments(() => sampleStandardNormal(random), 100_000);
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
  });

  it('draws gammas with mean = variance = shape, including shape < 1', () => {
    for (const shape of [0.3, 1, 4.5, 200]) {
      const { mean, variance } = moments(() => sampleGamma(shape, random), 100_000);
      expect(Math.abs(mean - shape)).toBeLessThan(4 * Math.sqrt(shape / 100_000));
      expect(Math.abs(variance / shape - 1)).toBeLessThan(0.05);
    }
  });

  it('draws betas with the right moments', () => {
    for (const [a, b] of [
      [2, 5],
      [0.5, 0.5],
      [131, 871],
    ]) {
      const expectedMean = a / (a + b);
      const expectedVariance = (a * b) / ((a + b) ** 2 * (a + b + 1));
      const { mean, variance } = moments(() => sampleBeta(a, b, random), 100_000);
      expect(Math.abs(mean - expectedMean)).toBeLessThan(4 * Math.sqrt(expectedVariance / 100_000));
      expect(Math.abs(variance / expectedVariance - 1)).toBeLessThan(0.05);
    }
  });
});

describe('thompsonAllocation', () => {
  const arms = [
    { n: 2000, conversions: 200 },
    { n: 2000, conversions: 226 },
    { n: 2000, conversions: 215 },
  ];

  it('is deterministic for a seed', () => {
    const first = thompsonAllocation(arms, { random: createSeededRandom(1) });
    expect(thompsonAllocation(arms, { random: createSeededRandom(1) })).toEqual(first);
    expect(thompsonAllocation(arms, { random: createSeededRandom(2) })).not.toEqual(first);
  });

  it('allocates by the posterior probability of being best', () => {
    const allocation = thompsonAllocation(arms, { random: createSeededRandom(5), draws: 40_000 });
    const exact = probabilityBest(arms.map((a) => posteriorFor(a)));
    allocation.forEach((share, i) => expect(Math.abs(share - exact[i])).toBeLessThan(0.01));
    expect(allocation[1]).toBeGreaterThan(allocation[2]);
    expect(allocation[2]).toBeGreaterThan(allocation[0]);
  });

  it('returns whole-bucket weights summing to 1 that an assigner accepts', () => {
    const allocation = thompsonAllocation(arms, { random: createSeededRandom(9), draws: 3333 });
    allocation.forEach((w) => expect(Math.abs(w * BUCKETS - Math.round(w * BUCKETS))).toBeLessThan(1e-9));
    expect(Math.abs(allocation.reduce((s, w) => s + w, 0) - 1)).toBeLessThan(1e-12);
    const assigner = createAssigner({
      key: 'bandit',
      arms: allocation.map((weight, i) => ({ name: `arm${i}`, weight })),
    });
    expect(assigner.arms.map((a) => a.buckets)).toEqual(allocation.map((w) => Math.round(w * BUCKETS)));
  });

  it('keeps a floor for every arm and concentrates on a clear winner', () => {
    const lopsided = [
      { n: 5000, conversions: 250 },
      { n: 5000, conversions: 400 },
    ];
    const free = thompsonAllocation(lopsided, { random: createSeededRandom(3) });
    expect(free[1]).toBeGreaterThan(0.999);
    const floored = thompsonAllocation(lopsided, { random: createSeededRandom(3), floor: 0.05 });
    expect(floored[0]).toBeGreaterThanOrEqual(0.05);
    expect(floored[1]).toBeLessThanOrEqual(0.95);
    expect(() => thompsonAllocation(lopsided, { random: createSeededRandom(3), floor: 0.6 })).toThrow(
      /floor/,
    );
  });

  it('treats arms without data as equally promising', () => {
    const allocation = thompsonAllocation(
      [
        { n: 0, conversions: 0 },
        { n: 0, conversions: 0 },
      ],
      { random: createSeededRandom(11), draws: 20_000 },
    );
    expect(Math.abs(allocation[0] - 0.5)).toBeLessThan(0.015);
    expect(() => thompsonAllocation([{ n: 5, conversions: 6 }], { random: createSeededRandom(1) })).toThrow(
      RangeError,
    );
  });
});

describe('thompsonChoose', () => {
  it('picks each arm about as often as its allocation', () => {
    const arms = [
      { n: 300, conversions: 30 },
      { n: 300, conversions: 36 },
    ];
    const random = createSeededRandom(77);
    let second = 0;
    for (let i = 0; i < 20_000; i++) second += thompsonChoose(arms, random);
    const exact = probabilityBest(arms.map((a) => posteriorFor(a)))[1];
    expect(Math.abs(second / 20_000 - exact)).toBeLessThan(0.015);
  });
});
