import { applyMinMaxScaler, fitMinMaxScaler } from './min-max-scale';
import { Row } from './row';

describe('min–max scaling', () => {
  it.each<[string, Array<number | null>, Array<number | null>]>([
    ['spreads to [0, 1]', [2, 4, 6, 10], [0, 0.25, 0.5, 1]],
    ['negative values', [-10, 0, 10], [0, 0.5, 1]],
    ['missing cells stay missing and do not count', [null, 5, 15, NaN], [null, 0, 1, null]],
    ['a constant column maps to 0', [7, 7, 7], [0, 0, 0]],
  ])('%s', (_, values, expected) => {
    const rows: Row[] = values.map((x) => ({ x }));
    expect(applyMinMaxScaler(fitMinMaxScaler(rows, { columns: ['x'] }), rows).map((row) => row.x)).toEqual(
      expected,
    );
  });

  it('scales new rows with the training range, without clipping', () => {
    const params = fitMinMaxScaler(
      [
        { x: 0, y: 5 },
        { x: 100, y: 5 },
      ],
      { columns: ['x', 'y'] },
    );
    expect(params).toEqual({ type: 'min-max', ranges: { x: { min: 0, max: 100 }, y: { min: 5, max: 5 } } });
    const stored = JSON.parse(JSON.stringify(params));
    expect(
      applyMinMaxScaler(stored, [
        { x: 50, y: 9 },
        { x: 150, y: 1 },
        { x: -20, y: 5 },
      ]),
    ).toEqual([
      { x: 0.5, y: 0 },
      { x: 1.5, y: 0 },
      { x: -0.2, y: 0 },
    ]);
  });

  it('refuses empty and infinite columns', () => {
    expect(() => fitMinMaxScaler([{ x: null }], { columns: ['x'] })).toThrow(/no observed values/);
    expect(() => fitMinMaxScaler([{ x: 1 }, { x: Infinity }], { columns: ['x'] })).toThrow(/holds Infinity/);
  });
});
