import { murmur3 } from '../../experiments/assignment/murmur3';

/**
 * Deterministic weighted choice for a split without an experiment: the same customer at the same split node of
 * the same journey always gets the same variant, on any server, so a replay or a re-entry cannot move them.
 */
export function chooseVariant<T extends { name: string; weight: number }>(
  variants: readonly T[],
  journeyKey: string,
  nodeId: string,
  customerId: string,
): T {
  const u = murmur3(customerId, murmur3(`${journeyKey}:${nodeId}`)) / 2 ** 32;
  let cumulative = 0;
  for (const v of variants) {
    cumulative += v.weight;
    if (u < cumulative) return v;
  }
  return variants[variants.length - 1];
}
