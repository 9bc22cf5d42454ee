import { createRng } from '../clv/random';
import { calibrationTable, rocAuc } from './evaluation';

/** The definition: share of (positive, negative) pairs ordered correctly, ties counting one half. */
function bruteForceAuc(scores: number[], labels: number[]): number {
  let pairs = 0;
  let wins = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

describe('rocAuc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one and 0.5 when every score ties', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
  });

  it('matches a hand-computed example with ties', () => {
    // Positives 0.8, 0.4, 0.4; negatives 0.4, 0.2: pairs (0.8 > both) 2, (0.4 vs 0.4) ½ twice, (0.4 > 0.2) twice.
    expect(rocAuc([0.8, 0.4, 0.4, 0.4, 0.2], [1, 1, 1, 0, 0])).toBeCloseTo((2 + 0.5 + 1 + 0.5 + 1) / 6, 12);
  });

  it('equals the pairwise definition on random data with many ties', () => {
    const rng = createRng(5);
    for (let trial = 0; trial < 20; trial++) {
      const n = 20 + Math.floor(rng() * 80);
      const scores = Array.from({ length: n }, () => Math.floor(rng() * 10) / 10);
      const labels = Array.from({ length: n }, (_, i) => (i < 2 ? i : rng() < 0.3 ? 1 : 0));
      expect(rocAuc(scores, labels)).toBeCloseTo(bruteForceAuc(scores, labels), 12);
    }
  });

  it('is NaN with a single class and rejects bad input', () => {
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNaN();
    expect(() => rocAuc([0.1], [0, 1])).toThrow(/equal length/);
    expect(() => rocAuc([NaN, 0.1], [0, 1])).toThrow(/NaN/);
    expect(() => rocAuc([0.2, 0.1], [0, 2])).toThrow(/0 or 1/);
  });
});

describe('calibrationTable', () => {
  it('bins by predicted quantile and compares mean prediction with the observed rate', () => {
    const predicted = Array.from({ length: 100 }, (_, i) => i / 100);
    const labels = predicted.map((_, i) => (i % 10 < Math.floor(i / 10) ? 1 : 0));
    const { bins, expectedCalibrationError } = calibrationTable(predicted, labels, 10);
    expect(bins).toHaveLength(10);
    expect(bins.map((b) => b.customers)).toEqual(new Array(10).fill(10));
    bins.forEach((b, k) => {
      expect(b.bin).toBe(k + 1);
      expect(b.minPredicted).toBeCloseTo(k / 10, 12);
      expect(b.maxPredicted).toBeCloseTo(k / 10 + 0.09, 12);
      expect(b.meanPredicted).toBeCloseTo(k / 10 + 0.045, 12);
      expect(b.observedRate).toBeCloseTo(k / 10, 12);
    });
    expect(expectedCalibrationError).toBeCloseTo(0.045, 12);
  });

  it('is exactly calibrated when outcomes match predictions bin by bin', () => {
    const predicted = [0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75];
    const labels = [1, 0, 0, 0, 1, 1, 1, 0];
    const report = calibrationTable(predicted, labels, 2);
    expect(report.bins.map((b) => b.observedRate)).toEqual([0.25, 0.75]);
    expect(report.expectedCalibrationError).toBe(0);
  });

  it('uses nearly equal bins when n is not a multiple, and one bin per row below the bin count', () => {
    const sizes = calibrationTable(new Array(23).fill(0.5), new Array(23).fill(0), 10).bins.map(
      (b) => b.customers,
    );
    expect(sizes.reduce((s, v) => s + v, 0)).toBe(23);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(calibrationTable([0.1, 0.2, 0.3], [0, 0, 1], 10).bins).toHaveLength(3);
  });
});
