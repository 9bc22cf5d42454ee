import fc from 'fast-check';
import { Direction, orderStatistics, quintileScores } from './quintile-score';

/** The definition, counted directly in O(n²): 1 + ⌊5 · (customers strictly beaten) / n⌋. */
function bruteForce(values: number[], direction: Direction): number[] {
  return values.map((v) => {
    const beaten = values.filter((w) => (direction === 'higher-is-better' ? w < v : w > v)).length;
    return 1 + Math.floor((5 * beaten) / values.length);
  });
}

describe('quintileScores', () => {
  it.each<[string, number[], Direction, number[]]>([
    [
      'ten distinct values: two per score',
      [10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
      'higher-is-better',
      [5, 5, 4, 4, 3, 3, 2, 2, 1, 1],
    ],
    [
      'reversed: smallest value scores 5',
      [10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
      'lower-is-better',
      [1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
    ],
    // Six tied at the bottom beat nobody: all 1. The value 2 beats six of ten: 1 + ⌊3⌋ = 4.
    [
      'a big tie at the bottom',
      [1, 1, 1, 1, 1, 1, 2, 3, 4, 5],
      'higher-is-better',
      [1, 1, 1, 1, 1, 1, 4, 4, 5, 5],
    ],
    // Six tied at the top beat four of ten: 1 + ⌊2⌋ = 3, so no 5 is given.
    [
      'a big tie at the top',
      [1, 2, 3, 4, 5, 5, 5, 5, 5, 5],
      'higher-is-better',
      [1, 1, 2, 2, 3, 3, 3, 3, 3, 3],
    ],
    // Recency days 0, 5, 5, 30, 365: 0 beats 4 of 5 → 5; each 5 beats 2 → 3; 30 beats 1 → 2; 365 → 1.
    ['recency with a tie', [5, 365, 0, 30, 5], 'lower-is-better', [3, 1, 5, 2, 3]],
    ['all equal', [7, 7, 7], 'higher-is-better', [1, 1, 1]],
    ['one customer', [42], 'lower-is-better', [1]],
    // Four customers beat 1, 0, 2, 3 others: 1 + ⌊5b/4⌋ = 2, 1, 3, 4. The best of four cannot reach 5.
    ['negative and fractional values, n = 4', [-1.5, -3, 0, 2.25], 'higher-is-better', [2, 1, 3, 4]],
  ])('%s', (_, values, direction, expected) => {
    expect(Array.from(quintileScores(values, direction))).toEqual(expected);
  });

  it('agrees with the definition and ignores input order, on random data with many ties', () => {
    const sample = fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 60 });
    fc.assert(
      fc.property(
        sample,
        fc.constantFrom<Direction>('higher-is-better', 'lower-is-better'),
        (values, direction) => {
          const scores = Array.from(quintileScores(values, direction));
          expect(scores).toEqual(bruteForce(values, direction));
          const reversed = Array.from(quintileScores([...values].reverse(), direction)).reverse();
          expect(reversed).toEqual(scores);
        },
      ),
      { numRuns: 500, seed: 17 },
    );
  });

  it('returns nothing for nothing and refuses NaN', () => {
    expect(quintileScores([], 'higher-is-better')).toHaveLength(0);
    expect(() => quintileScores([1, NaN], 'higher-is-better')).toThrow(/value 1 is NaN/);
  });
});

describe('orderStatistics', () => {
  it('agrees with sorting, for any ranks in any order', () => {
    const sample = fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true })), {
      minLength: 1,
      maxLength: 200,
    });
    fc.assert(
      fc.property(sample, fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), (values, picks) => {
        const ranks = picks.map((p) => p % values.length);
        const sorted = Float64Array.from(values).sort();
        // + 0 turns −0 into 0: selection treats them as the equal values they are, sorting orders them.
        const selected = orderStatistics(Float64Array.from(values), ranks).map((x) => x + 0);
        expect(selected).toEqual(ranks.map((r) => sorted[r] + 0));
      }),
      { numRuns: 500, seed: 23 },
    );
  });

  it('handles sorted, reversed and constant input of 200,000 values', () => {
    const n = 200_000;
    const ranks = [0, 39_999, 100_000, 159_999, n - 1];
    const ascending = Float64Array.from({ length: n }, (_, i) => i);
    expect(orderStatistics(ascending.slice(), ranks)).toEqual(ranks);
    expect(orderStatistics(ascending.slice().reverse(), ranks)).toEqual(ranks);
    expect(orderStatistics(new Float64Array(n).fill(3), ranks)).toEqual([3, 3, 3, 3, 3]);
  });
});
