import { RFM_GROUP_LABELS, RFM_GROUPS, RfmGroup } from './segments';

export interface GroupShare {
  group: RfmGroup;
  label: string;
  count: number;
  /** count / customers scored; 0 when nobody was scored. */
  share: number;
}

/**
 * Every group in the canonical order of `RFM_GROUPS` (best to worst), empty ones included, so dashboards and
 * period-over-period comparisons always line up. Customers without orders are not scored and not counted;
 * report `RfmResult.withoutOrders.length` beside it.
 */
export function rfmGroupDistribution(scores: ReadonlyArray<{ group: RfmGroup }>): GroupShare[] {
  const counts = new Map<RfmGroup, number>(RFM_GROUPS.map((group) => [group, 0]));
  for (const { group } of scores) {
    const count = counts.get(group);
    if (count === undefined) throw new RangeError(`unknown RFM group ${JSON.stringify(group)}`);
    counts.set(group, count + 1);
  }
  const total = scores.length;
  return RFM_GROUPS.map((group) => {
    const count = counts.get(group)!;
    return { group, label: RFM_GROUP_LABELS[group], count, share: total === 0 ? 0 : count / total };
  });
}
