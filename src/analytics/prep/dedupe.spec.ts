import { dedupeByFeatures, dedupeByKey, Keep } from './dedupe';
import { Row } from './row';

describe('dedupeByKey', () => {
  const emails = ['a@x', 'b@x', 'A@X', 'c@x', 'b@x', 'a@x'];

  it.each<[Keep, number[]]>([
    ['first', [0, 1, 3]],
    ['last', [3, 4, 5]],
  ])('keeps the %s row of each key, returning ascending indices', (keep, expected) => {
    expect(dedupeByKey(emails, (email) => email.toLowerCase(), keep)).toEqual(expected);
  });

  it('defaults to keeping the first and passes the index to the key function', () => {
    expect(dedupeByKey(emails, (email) => email)).toEqual([0, 1, 2, 3]);
    expect(dedupeByKey(emails, (_, index) => index % 2)).toEqual([0, 1]);
    expect(dedupeByKey([], (x: string) => x)).toEqual([]);
  });

  it('handles a million rows without quadratic work', () => {
    const ids = Array.from({ length: 1_000_000 }, (_, i) => i % 1000);
    const start = performance.now();
    const kept = dedupeByKey(ids, (id) => id, 'last');
    expect(performance.now() - start).toBeLessThan(2000);
    expect(kept).toHaveLength(1000);
    expect(kept[0]).toBe(999_000);
    expect(kept[999]).toBe(999_999);
  });
});

describe('dedupeByFeatures', () => {
  const rows: Row[] = [
    { id: 1, r: 3, f: 'x' },
    { id: 2, r: 3, f: 'x' }, // duplicate of 0
    { id: 3, r: '3', f: 'x' }, // the string '3' is not the number 3
    { id: 4, r: null, f: 'x' },
    { id: 5, r: NaN, f: 'x' }, // missing equals missing, whatever its spelling
    { id: 6, f: 'x' }, // absent column is missing too
    { id: 7, r: -0, f: 'x' },
    { id: 8, r: 0, f: 'x' }, // 0 equals −0
    { id: 9, r: 3, f: 'x,3' }, // commas inside strings cannot forge a match
    { id: 10, r: 3, f: 'x', extra: 'ignored' },
  ];

  it.each<[Keep, number[]]>([
    ['first', [0, 2, 3, 6, 8]],
    ['last', [2, 5, 7, 8, 9]],
  ])('compares the listed columns exactly, keeping the %s', (keep, expected) => {
    expect(dedupeByFeatures(rows, ['r', 'f'], keep)).toEqual(expected);
  });

  it('only looks at the columns it is given', () => {
    expect(dedupeByFeatures(rows, ['f'])).toEqual([0, 8]);
    expect(dedupeByFeatures(rows, ['id', 'r', 'f'])).toHaveLength(rows.length);
  });
});
