import { slowSeconds } from './stats';

describe('slowSeconds', () => {
  it('counts the calls over the threshold per second and names the worst seconds', () => {
    // 4 calls a second for 3 seconds: none slow in second 0, one in second 1, three in second 2 (one failed).
    const byStart = [1, 2, 3, 4, 30, 5, 6, 7, 40, 90, NaN, 26];
    expect(slowSeconds(byStart, 4, 25)).toEqual({
      slow: 4,
      secondsWithSlow: 2,
      seconds: 3,
      worst: [
        [2, 3, 90],
        [1, 1, 30],
      ],
    });
  });

  it('reports no worst second when nothing is slow', () => {
    expect(slowSeconds([1, 2, 3], 2, 25)).toEqual({ slow: 0, secondsWithSlow: 0, seconds: 2, worst: [] });
  });
});
