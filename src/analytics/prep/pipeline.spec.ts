import { applyPipeline, checkPipelineParams, fitPipeline, PipelineStep } from './pipeline';
import { Row } from './row';

const training: Row[] = [
  { id: 1, channel: 'email', spend: 0, orders: 1 },
  { id: 2, channel: null, spend: 3, orders: 2 },
  { id: 3, channel: 'sms', spend: null, orders: 3 },
  { id: 4, channel: 'email', spend: 7, orders: null },
  { id: 5, channel: 'sms', spend: 1000, orders: 5 },
];

const steps: PipelineStep[] = [
  { type: 'impute-missing-category', columns: ['channel'] },
  { type: 'impute-median', columns: ['spend'] }, // median of 0, 3, 7, 1000 = 5
  // Fitted after imputation on 0, 3, 5, 7, 1000: the 75 % point is 7 (h = 3). On the raw column it would be
  // 255.25, so this bound shows each step is fitted on the previous step's output.
  { type: 'winsorize', columns: ['spend'], lower: 0, upper: 0.75 },
  { type: 'log1p', columns: ['spend'] },
  { type: 'impute-median', columns: ['orders'] }, // median of 1, 2, 3, 5 = 2.5
  { type: 'min-max', columns: ['orders'] }, // 1..5
];

describe('pipeline', () => {
  it('fits each step on the output of the previous ones', () => {
    const { params, rows } = fitPipeline(steps, training);
    expect(params).toEqual({
      version: 1,
      steps: [
        { type: 'impute-missing-category', fill: { channel: 'missing' } },
        { type: 'impute-median', fill: { spend: 5 } },
        {
          type: 'winsorize',
          probabilities: { lower: 0, upper: 0.75 },
          bounds: { spend: { lower: 0, upper: 7 } },
        },
        { type: 'log1p', columns: ['spend'] },
        { type: 'impute-median', fill: { orders: 2.5 } },
        { type: 'min-max', ranges: { orders: { min: 1, max: 5 } } },
      ],
    });
    expect(rows).toEqual([
      { id: 1, channel: 'email', spend: 0, orders: 0 },
      { id: 2, channel: 'missing', spend: Math.log(4), orders: 0.25 },
      { id: 3, channel: 'sms', spend: Math.log(6), orders: 0.5 },
      { id: 4, channel: 'email', spend: Math.log(8), orders: 0.375 },
      { id: 5, channel: 'sms', spend: Math.log(8), orders: 1 },
    ]);
    expect(training[1].channel).toBeNull();
  });

  it('applies stored parameters to new customers after a JSON round trip, without refitting', () => {
    const { params } = fitPipeline(steps, training);
    const stored: unknown = JSON.parse(JSON.stringify(params));
    checkPipelineParams(stored);
    // A batch whose own medians and ranges differ wildly from training: a refit would change every number here.
    const fresh = applyPipeline(stored, [
      { id: 6, channel: null, spend: null, orders: null },
      { id: 7, channel: 'push', spend: 500, orders: 9 },
      { id: 8, channel: 'sms', spend: 2, orders: 1 },
    ]);
    expect(fresh).toEqual([
      { id: 6, channel: 'missing', spend: Math.log(6), orders: 0.375 },
      { id: 7, channel: 'push', spend: Math.log(8), orders: 2 },
      { id: 8, channel: 'sms', spend: Math.log(3), orders: 0 },
    ]);
  });

  it('round-trips every step type through JSON', () => {
    const rows: Row[] = Array.from({ length: 30 }, (_, i) => ({
      a: i % 4 === 0 ? null : i,
      b: i % 5 === 0 ? null : (i * 7) % 11,
      c: i % 3 === 0 ? null : ['x', 'y', 'y'][i % 3],
      d: i % 6 === 0 ? null : ['p', 'q'][i % 2],
    }));
    const everything: PipelineStep[] = [
      { type: 'impute-knn', columns: ['a', 'b'], k: 3, sampleSize: 10, seed: 5 },
      { type: 'impute-mode', columns: ['c'] },
      { type: 'impute-missing-category', columns: ['d'], category: 'none' },
      { type: 'winsorize', columns: ['a', 'b'] },
      { type: 'log1p', columns: ['a'] },
      { type: 'z-score', columns: ['a'] },
      { type: 'min-max', columns: ['b'] },
      { type: 'impute-median', columns: ['b'] },
    ];
    const { params, rows: trained } = fitPipeline(everything, rows);
    const text = JSON.stringify(params);
    expect(text).not.toMatch(/null|NaN|Infinity/);
    const stored = JSON.parse(text);
    expect(stored).toEqual(params);
    expect(applyPipeline(stored, rows)).toEqual(trained);
    expect(trained.every((row) => row.a !== null && row.b !== null && row.c !== null && row.d !== null)).toBe(
      true,
    );
  });

  it('names the failing step, and refuses stored parameters it does not understand', () => {
    expect(() => fitPipeline([{ type: 'log1p', columns: ['x'] }], [{ x: -1 }])).toThrow(
      /^pipeline step 0 \(log1p\): log1p: column 'x' holds -1/,
    );
    const { params } = fitPipeline([{ type: 'log1p', columns: ['x'] }], [{ x: 1 }]);
    expect(() => applyPipeline(params, [{ x: -3 }])).toThrow(/^pipeline step 0 \(log1p\): log1p: row 0/);
    expect(() => checkPipelineParams({ version: 2, steps: [] })).toThrow(/version 2/);
    expect(() => checkPipelineParams({ version: 1, steps: [{ type: 'pca' }] })).toThrow(/step 0 .*"pca"/);
    expect(() => checkPipelineParams(null)).toThrow(/must be an object/);
    expect(() => checkPipelineParams({ version: 1 })).toThrow(/no steps/);
  });

  it('copies rows through an empty pipeline', () => {
    const { params, rows } = fitPipeline([], training);
    expect(params).toEqual({ version: 1, steps: [] });
    expect(rows).toEqual(training);
    expect(rows[0]).not.toBe(training[0]);
  });
});
