import { createRng, sampleBeta, sampleExponential, sampleGamma } from './random';

const moments = (values: number[]) => {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, variance };
};

describe('random', () => {
  it('is reproducible for a seed and differs between seeds', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, createRng(seed));
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });

  it('draws uniformly from the open interval (0, 1)', () => {
    const rng = createRng(3);
    const values = Array.from({ length: 100_000 }, rng);
    expect(Math.min(...values)).toBeGreaterThan(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const { mean, variance } = moments(values);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(variance).toBeCloseTo(1 / 12, 3);
  });

  it.each([
    [0.3, 2],
    [1, 0.5],
    [6.25, 0.1],
  ])('gamma(shape %p, rate %p) has mean shape/rate and variance shape/rate²', (shape, rate) => {
    const rng = createRng(11);
    const { mean, variance } = moments(Array.from({ length: 200_000 }, () => sampleGamma(rng, shape, rate)));
    expect(Math.abs(mean / (shape / rate) - 1)).toBeLessThan(0.02);
    expect(Math.abs(variance / (shape / rate ** 2) - 1)).toBeLessThan(0.05);
  });

  it('beta and exponential draws have the right means', () => {
    const rng = createRng(5);
    const beta = moments(Array.from({ length: 100_000 }, () => sampleBeta(rng, 0.8, 2.4)));
    expect(beta.mean).toBeCloseTo(0.8 / 3.2, 2);
    const exponential = moments(Array.from({ length: 100_000 }, () => sampleExponential(rng, 4)));
    expect(exponential.mean).toBeCloseTo(0.25, 2);
  });

  it('rejects invalid gamma parameters', () => {
    expect(() => sampleGamma(createRng(1), 0, 1)).toThrow(RangeError);
  });
});
