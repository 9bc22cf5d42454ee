import { Score } from './quintile-score';
import { RFM_GROUP_GRID, RFM_GROUP_LABELS, RFM_GROUPS, rfmGroup, RfmGroup } from './segments';

describe('RFM groups', () => {
  it.each<[Score, Score, RfmGroup]>([
    [5, 5, 'champions'],
    [5, 4, 'champions'],
    [5, 1, 'new-customers'],
    [5, 3, 'potential-loyalist'],
    [4, 2, 'potential-loyalist'],
    [4, 1, 'promising'],
    [4, 5, 'loyal-customers'],
    [3, 4, 'loyal-customers'],
    [3, 3, 'need-attention'],
    [3, 1, 'about-to-sleep'],
    [3, 2, 'about-to-sleep'],
    [2, 3, 'at-risk'],
    [1, 4, 'at-risk'],
    [2, 5, 'cant-lose-them'],
    [1, 5, 'cant-lose-them'],
    [2, 2, 'hibernating'],
    [2, 1, 'hibernating'],
    [1, 2, 'lost'],
    [1, 1, 'lost'],
  ])('R = %p, F = %p is %p', (r, f, group) => {
    // M must not matter on the default frequency axis.
    expect(rfmGroup(r, f, 1)).toBe(group);
    expect(rfmGroup(r, f, 5)).toBe(group);
  });

  it('covers all 25 cells with each of the 11 groups, each with a label', () => {
    expect(RFM_GROUP_GRID).toHaveLength(5);
    const used = new Set(RFM_GROUP_GRID.flat());
    expect(RFM_GROUP_GRID.every((row) => row.length === 5)).toBe(true);
    expect([...used].sort()).toEqual([...RFM_GROUPS].sort());
    expect(RFM_GROUPS).toHaveLength(11);
    expect(RFM_GROUP_LABELS['cant-lose-them']).toBe("Can't lose them");
    expect(new Set(Object.values(RFM_GROUP_LABELS)).size).toBe(11);
  });

  it.each<[Score, Score, Score, RfmGroup]>([
    [1, 4, 5, 'cant-lose-them'], // FM = 4.5 → 5 (F alone: at risk)
    [3, 2, 4, 'need-attention'], // FM = 3 (F alone: about to sleep)
    [5, 1, 2, 'potential-loyalist'], // FM = 1.5 → 2 (F alone: new customers)
    [5, 5, 1, 'potential-loyalist'], // FM = 3 (F alone: champions)
  ])('on the FM axis, R = %p, F = %p, M = %p is %p (mean of F and M rounded half up)', (r, f, m, group) => {
    expect(rfmGroup(r, f, m, 'frequency-monetary')).toBe(group);
  });
});
