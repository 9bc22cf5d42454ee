import { Row } from './row';
import { applyZScoreScaler, fitZScoreScaler } from './z-score-scale';

describe('z-score scaling', () => {
  it('uses the sample standard deviation (n − 1)', () => {
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum to 32; sample sd √(32/7), population sd 2.
    const rows: Row[] = [2, 4, 4, 4, 5, 5, 7, 9].map((x) => ({ x }));
    const params = fitZScoreScaler(rows, { columns: ['x'] });
    expect(params.moments.x.mean).toBe(5);
    expect(params.moments.x.sd).toBeCloseTo(Math.sqrt(32 / 7), 14);
    const out = applyZScoreScaler(params, rows).map((row) => row.x as number);
    expect(out[0]).toBeCloseTo(-3 / Math.sqrt(32 / 7), 14);
    expect(out[7]).toBeCloseTo(4 / Math.sqrt(32 / 7), 14);
  });

  it.each<[string, Array<number | null>, Array<number | null>]>([
    // mean 2, sample sd 1
    ['1, 2, 3', [1, 2, 3], [-1, 0, 1]],
    ['missing cells stay missing and do not count', [null, 1, 3, NaN, 2], [null, -1, 1, null, 0]],
    ['a constant column maps to 0', [0.1, 0.1, 0.1], [0, 0, 0]],
    ['a single value maps to 0', [42], [0]],
  ])('%s', (_, values, expected) => {
    const rows: Row[] = values.map((x) => ({ x }));
    expect(applyZScoreScaler(fitZScoreScaler(rows, { columns: ['x'] }), rows).map((row) => row.x)).toEqual(
      expected,
    );
  });

  it('stores sd = 0 for a constant column even when rounding makes the mean inexact', () => {
    const rows: Row[] = Array.from({ length: 10 }, () => ({ x: 0.1 }));
    const params = fitZScoreScaler(rows, { columns: ['x'] });
    expect(params.moments.x.mean).not.toBe(0.1); // ten times 0.1 is not exactly 1
    expect(params.moments.x.sd).toBe(0);
  });

  it('standardises new rows with the stored moments after a JSON round trip', () => {
    const params = fitZScoreScaler([{ x: 10 }, { x: 20 }, { x: 30 }], { columns: ['x'] });
    expect(params).toEqual({ type: 'z-score', moments: { x: { mean: 20, sd: 10 } } });
    const stored = JSON.parse(JSON.stringify(params));
    expect(applyZScoreScaler(stored, [{ x: 45 }, { x: 0 }]).map((row) => row.x)).toEqual([2.5, -2]);
  });
});
