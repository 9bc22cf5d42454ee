import { applyLog1p, fitLog1p } from './log1p';
import { Row } from './row';

describe('log1p', () => {
  it.each([
    [0, 0],
    [1, Math.LN2],
    [Math.E - 1, 1],
    [99, Math.log(100)],
    [1e-12, 1e-12], // log1p keeps precision where log(1 + x) would round to 0
  ])('maps %p to %p', (input, expected) => {
    const params = fitLog1p([{ x: input }], { columns: ['x'] });
    expect(applyLog1p(params, [{ x: input }])[0].x).toBeCloseTo(expected, 14);
  });

  it('passes missing cells through as null and leaves other columns alone', () => {
    const rows: Row[] = [{ x: null, y: -5 }, { x: NaN, y: 'k' }, { y: 1 }];
    const params = fitLog1p(rows, { columns: ['x'] });
    expect(params).toEqual({ type: 'log1p', columns: ['x'] });
    expect(applyLog1p(JSON.parse(JSON.stringify(params)), rows)).toEqual([
      { x: null, y: -5 },
      { x: null, y: 'k' },
      { x: null, y: 1 },
    ]);
  });

  it('refuses negative inputs with an error naming the row and column, at fit and at apply', () => {
    expect(() => fitLog1p([{ x: 3 }, { x: -0.5 }], { columns: ['x'] })).toThrow(
      "log1p: column 'x' holds -0.5; log1p is only applied to non-negative values",
    );
    const params = fitLog1p([{ x: 3 }], { columns: ['x'] });
    expect(() => applyLog1p(params, [{ x: 1 }, { x: -2 }])).toThrow(/row 1, column 'x' holds -2/);
  });
});
