import { exactSum } from './exact-sum';

describe('exactSum', () => {
  it.each<[number[], number]>([
    [[], 0],
    [[0.1, 0.2], 0.3],
    [[0.1, 0.2, -0.3], 0],
    [[1e21, 1], 1e21],
    [[1e-7, 2e-7], 3e-7],
    [[5e-324, 5e-324], 1e-323],
    [[1.7976931348623157e308, 1.7976931348623157e308], Infinity],
    [[-0, 0], 0],
    [[123.45, 0.55], 124],
  ])('%j sums to %d', (values, expected) => {
    expect(exactSum(values)).toBe(expected);
  });
});
