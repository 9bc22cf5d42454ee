import { Score } from './quintile-score';

/**
 * Named RFM groups from the recency score R and a loyalty score on the other axis: F by default, or FM, the
 * mean of F and M rounded half up ((4 + 5) / 2 → 5), when spend should count towards loyalty.
 *
 * The grid is the widely used R × F segment map (the one behind the common regex table: "[1-2][1-2]"
 * hibernating, "5[4-5]" champions, …), with one change: the bottom-left corner, customers in the oldest
 * recency fifth who also bought least, is split off from Hibernating as Lost, because they are the ones a
 * win-back budget should skip.
 *
 *          F/FM = 1          2                   3                   4                 5
 *   R = 5  New customers     Potential loyalist  Potential loyalist  Champions         Champions
 *   R = 4  Promising         Potential loyalist  Potential loyalist  Loyal customers   Loyal customers
 *   R = 3  About to sleep    About to sleep      Need attention      Loyal customers   Loyal customers
 *   R = 2  Hibernating       Hibernating         At risk             At risk           Can't lose them
 *   R = 1  Lost              Lost                At risk             At risk           Can't lose them
 *
 * Keys are stable identifiers for storage and APIs; labels are for people and may be reworded.
 */
export const RFM_GROUPS = [
  'champions',
  'loyal-customers',
  'potential-loyalist',
  'new-customers',
  'promising',
  'need-attention',
  'about-to-sleep',
  'at-risk',
  'cant-lose-them',
  'hibernating',
  'lost',
] as const;

export type RfmGroup = (typeof RFM_GROUPS)[number];

export const RFM_GROUP_LABELS: Readonly<Record<RfmGroup, string>> = {
  champions: 'Champions',
  'loyal-customers': 'Loyal customers',
  'potential-loyalist': 'Potential loyalist',
  'new-customers': 'New customers',
  promising: 'Promising',
  'need-attention': 'Need attention',
  'about-to-sleep': 'About to sleep',
  'at-risk': 'At risk',
  'cant-lose-them': "Can't lose them",
  hibernating: 'Hibernating',
  lost: 'Lost',
};

/** RFM_GROUP_GRID[R − 1][F − 1]: the table above, bottom row first. */
export const RFM_GROUP_GRID: ReadonlyArray<ReadonlyArray<RfmGroup>> = [
  ['lost', 'lost', 'at-risk', 'at-risk', 'cant-lose-them'],
  ['hibernating', 'hibernating', 'at-risk', 'at-risk', 'cant-lose-them'],
  ['about-to-sleep', 'about-to-sleep', 'need-attention', 'loyal-customers', 'loyal-customers'],
  ['promising', 'potential-loyalist', 'potential-loyalist', 'loyal-customers', 'loyal-customers'],
  ['new-customers', 'potential-loyalist', 'potential-loyalist', 'champions', 'champions'],
];

export type SegmentAxis = 'frequency' | 'frequency-monetary';

export function rfmGroup(
  recency: Score,
  frequency: Score,
  monetary: Score,
  axis: SegmentAxis = 'frequency',
): RfmGroup {
  const loyalty = axis === 'frequency' ? frequency : (frequency + monetary + 1) >> 1;
  return RFM_GROUP_GRID[recency - 1][loyalty - 1];
}
