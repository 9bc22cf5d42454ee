import { applyKnnImputer, fitKnnImputer } from './impute-knn';
import { Row } from './row';

// Ranges: a 0..10 (10), b 0..10 (10), c 10..40 (30). The last row is incomplete, so it is not a reference.
const training: Row[] = [
  { id: 'r0', a: 0, b: 0, c: 10 },
  { id: 'r1', a: 1, b: 0, c: 20 },
  { id: 'r2', a: 10, b: 10, c: 30 },
  { id: 'r3', a: 9, b: 10, c: 40 },
  { id: 'r4', a: null, b: 5, c: null },
];

describe('kNN imputation', () => {
  it('stores the complete rows and each feature range', () => {
    const params = fitKnnImputer(training, { columns: ['a', 'b', 'c'], k: 2 });
    expect(params).toEqual({
      type: 'impute-knn',
      columns: ['a', 'b', 'c'],
      k: 2,
      scales: [10, 10, 30],
      references: [
        [0, 0, 10],
        [1, 0, 20],
        [10, 10, 30],
        [9, 10, 40],
      ],
    });
  });

  it.each([
    // Observed a = 8, c = 15. Scaled squared distances: r0 0.8² + (5/30)² = 0.668, r1 0.7² + (5/30)² = 0.518,
    // r2 0.2² + (15/30)² = 0.29, r3 0.1² + (25/30)² = 0.704. Nearest two: r2, r1 → b = (10 + 0) / 2.
    // Unscaled, r1 (74) and r0 (89) would win and give b = 0: the range scaling is what picks r2.
    [{ a: 8, b: null, c: 15 }, 2, { a: 8, b: 5, c: 15 }],
    [{ a: 8, b: null, c: 15 }, 1, { a: 8, b: 10, c: 15 }],
    // Observed c = 38 only: r3 (|38 − 40| / 30) then r2 (8 / 30) → a = (9 + 10) / 2, b = (10 + 10) / 2.
    [{ a: null, b: undefined, c: 38 }, 2, { a: 9.5, b: 10, c: 38 }],
    // k larger than the reference set: the mean over all four references, a = 20 / 4, b = 20 / 4.
    [{ a: null, b: NaN, c: 38 }, 10, { a: 5, b: 5, c: 38 }],
    // Nothing observed: every reference is equally near, so the reference means (5, 5, 25).
    [{ a: null, b: null, c: null }, 2, { a: 5, b: 5, c: 25 }],
    // Complete rows pass through.
    [{ a: 3, b: 4, c: 5 }, 2, { a: 3, b: 4, c: 5 }],
  ])('imputes %j with k = %p as %j', (row, k, expected) => {
    const params = fitKnnImputer(training, { columns: ['a', 'b', 'c'], k });
    expect(applyKnnImputer(params, [row])).toEqual([expected]);
  });

  it('breaks distance ties by training order, so results are reproducible', () => {
    // r4 observes b = 5 only: all four references are 0.5 range away; the first two (r0, r1) are taken.
    const params = fitKnnImputer(training, { columns: ['a', 'b', 'c'], k: 2 });
    const imputed = applyKnnImputer(params, training);
    expect(imputed[4]).toEqual({ id: 'r4', a: 0.5, b: 5, c: 15 });
    expect(imputed.slice(0, 4)).toEqual(training.slice(0, 4));
  });

  it('imputes new customers against the stored references, whatever else is in the batch', () => {
    const params = fitKnnImputer(training, { columns: ['a', 'b', 'c'], k: 2 });
    const alone = applyKnnImputer(params, [{ a: 8, b: null, c: 15 }]);
    const batch = applyKnnImputer(params, [
      { a: 1000, b: -1000, c: 1000 },
      { a: 8, b: null, c: 15 },
      { a: 8, b: 999, c: 15 },
    ]);
    expect(batch[1]).toEqual(alone[0]);
    expect(batch[1].b).toBe(5);
  });

  it('uses scale 1 for a constant column instead of dividing by zero', () => {
    const rows: Row[] = [
      { a: 1, b: 7 },
      { a: 3, b: 7 },
      { a: null, b: 7 },
    ];
    const params = fitKnnImputer(rows, { columns: ['a', 'b'], k: 1 });
    expect(params.scales).toEqual([2, 1]);
    // Observed b = 9 is equally far from both references, so the first one wins.
    expect(applyKnnImputer(params, [{ a: null, b: 9 }])[0].a).toBe(1);
  });

  it('caps the references with a seeded sample that keeps training order', () => {
    const rows: Row[] = Array.from({ length: 200 }, (_, i) => ({ a: i, b: i % 7 }));
    const once = fitKnnImputer(rows, { columns: ['a', 'b'], sampleSize: 20, seed: 42 });
    const again = fitKnnImputer(rows, { columns: ['a', 'b'], sampleSize: 20, seed: 42 });
    const other = fitKnnImputer(rows, { columns: ['a', 'b'], sampleSize: 20, seed: 43 });
    expect(once.references).toHaveLength(20);
    expect(again.references).toEqual(once.references);
    expect(other.references).not.toEqual(once.references);
    const keys = once.references.map(([a]) => a);
    expect(keys).toEqual([...keys].sort((x, y) => x - y));
    expect(new Set(keys).size).toBe(20);
    for (const [a, b] of once.references) expect(b).toBe(a % 7);
    // Scales still come from all 200 training rows, not the sample.
    expect(once.scales).toEqual([199, 6]);
  });

  it('round-trips its parameters through JSON', () => {
    const params = fitKnnImputer(training, { columns: ['a', 'b', 'c'], k: 2 });
    const stored = JSON.parse(JSON.stringify(params));
    const fresh: Row[] = [{ a: 8, b: null, c: 15 }, { c: 38 }];
    expect(applyKnnImputer(stored, fresh)).toEqual(applyKnnImputer(params, fresh));
    expect(applyKnnImputer(stored, fresh)[1]).toEqual({ a: 9.5, b: 10, c: 38 });
  });

  it('rejects unusable data and options', () => {
    expect(() => fitKnnImputer([{ a: 1, b: null }], { columns: ['a', 'b'] })).toThrow(/at least one row/);
    expect(() => fitKnnImputer(training, { columns: ['a'], k: 0 })).toThrow(/k must be a positive integer/);
    expect(() => fitKnnImputer(training, { columns: ['a'], sampleSize: 0 })).toThrow(/sampleSize/);
    expect(() => fitKnnImputer([{ a: Infinity }], { columns: ['a'] })).toThrow(/row 0, column 'a'.*finite/);
    expect(() => fitKnnImputer([{ a: 'x' }], { columns: ['a'] })).toThrow(/expected a number/);
  });
});
