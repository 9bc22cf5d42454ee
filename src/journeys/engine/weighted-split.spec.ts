import { chooseVariant } from './weighted-split';

describe('chooseVariant', () => {
  const variants = [
    { name: 'a', weight: 0.2 },
    { name: 'b', weight: 0.3 },
    { name: 'c', weight: 0.5 },
  ];

  it('gives the same customer the same variant every time', () => {
    for (let i = 0; i < 100; i++) {
      const id = `customer-${i}`;
      expect(chooseVariant(variants, 'j', 'split', id)).toBe(chooseVariant(variants, 'j', 'split', id));
    }
  });

  it('allocates close to the weights', () => {
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const n = 50_000;
    for (let i = 0; i < n; i++) counts[chooseVariant(variants, 'j', 'split', `c${i}`).name]++;
    expect(counts.a / n).toBeCloseTo(0.2, 1);
    expect(counts.b / n).toBeCloseTo(0.3, 1);
    expect(counts.c / n).toBeCloseTo(0.5, 1);
    expect(Math.abs(counts.c / n - 0.5)).toBeLessThan(0.01);
  });

  it('is independent across split nodes', () => {
    let same = 0;
    const half = [
      { name: 'x', weight: 0.5 },
      { name: 'y', weight: 0.5 },
    ];
    for (let i = 0; i < 10_000; i++)
      if (chooseVariant(half, 'j', 's1', `c${i}`).name === chooseVariant(half, 'j', 's2', `c${i}`).name)
        same++;
    expect(same / 10_000).toBeGreaterThan(0.47);
    expect(same / 10_000).toBeLessThan(0.53);
  });
});
