import { rfmGroupDistribution } from './distribution';
import { RfmGroup } from './segments';

describe('rfmGroupDistribution', () => {
  it('counts every group in canonical order, empty ones included', () => {
    const groups: RfmGroup[] = [
      'lost',
      'champions',
      'hibernating',
      'hibernating',
      'at-risk',
      'lost',
      'lost',
      'champions',
    ];
    const distribution = rfmGroupDistribution(groups.map((group) => ({ group })));
    expect(distribution.map((d) => [d.group, d.count])).toEqual([
      ['champions', 2],
      ['loyal-customers', 0],
      ['potential-loyalist', 0],
      ['new-customers', 0],
      ['promising', 0],
      ['need-attention', 0],
      ['about-to-sleep', 0],
      ['at-risk', 1],
      ['cant-lose-them', 0],
      ['hibernating', 2],
      ['lost', 3],
    ]);
    expect(distribution.find((d) => d.group === 'lost')).toEqual({
      group: 'lost',
      label: 'Lost',
      count: 3,
      share: 0.375,
    });
    expect(distribution.reduce((sum, d) => sum + d.share, 0)).toBeCloseTo(1, 12);
  });

  it('gives zero shares for an empty population and refuses unknown groups', () => {
    const empty = rfmGroupDistribution([]);
    expect(empty).toHaveLength(11);
    expect(empty.every((d) => d.count === 0 && d.share === 0)).toBe(true);
    expect(() => rfmGroupDistribution([{ group: 'vip' as RfmGroup }])).toThrow(/unknown RFM group "vip"/);
  });
});
