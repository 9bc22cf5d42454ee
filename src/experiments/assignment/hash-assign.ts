/**
 * Deterministic assignment of customers to experiment arms: the same (experiment, customer) always gets the
 * same arm, on any server, with no stored state.
 *
 *   bucket = floor(murmur3(customerId, seed = murmur3(experimentKey)) · 10 000 / 2³²)
 *
 * Seeding the customer hash with the experiment key's hash (rather than hashing "key:customer") makes
 * assignments in different experiments independent and avoids "a:b"+"c" vs "a"+"b:c" collisions; it also
 * lets the per-experiment part be computed once. Buckets map to arms through a lookup table built from the
 * cumulative weights. The holdout is decided first by a separate hash keyed by the holdout key, so that
 * experiments sharing a holdout key hold out exactly the same customers, and arm shares among everyone
 * else are exactly the configured weights.
 */
import {
  BUCKETS,
  expandFactorial,
  InvalidExperimentDefinitionError,
  validateExperimentDefinition,
  type ExperimentDefinition,
} from './experiment-definition';
import { murmur3 } from './murmur3';

/** Seed for holdout hashing, so a holdout keyed by an experiment's own key is independent of its arms. */
const HOLDOUT_SEED = 0x686f6c64; // "hold"

export interface Assignment {
  /** Arm (or factorial cell) name; null for customers in the holdout. */
  arm: string | null;
  /** Index into Assigner.arms; -1 for the holdout. */
  index: number;
  holdout: boolean;
  /** Level per factor for factorial experiments, else null. */
  levels: readonly string[] | null;
}

export interface ResolvedArm {
  name: string;
  weight: number;
  levels: readonly string[] | null;
  /** Number of buckets out of BUCKETS. */
  buckets: number;
}

export interface Assigner {
  readonly key: string;
  readonly arms: readonly ResolvedArm[];
  readonly holdoutFraction: number;
  /** Arm index, or -1 for the holdout. Allocates nothing. */
  assignIndex(customerId: string): number;
  /** Returns one of a fixed set of frozen objects, so it allocates nothing either. */
  assign(customerId: string): Assignment;
  /** Bucket in [0, BUCKETS) used for arm selection (ignores the holdout). */
  bucket(customerId: string): number;
}

/**
 * Maps a 32-bit hash to [0, buckets) by its high bits (multiply-shift), exact in double precision. `| 0` is
 * floor here (the value is a non-negative int32) and avoids a global Math lookup on the hot path.
 */
function toBucket(hash: number, buckets: number): number {
  return ((hash * buckets) / 4294967296) | 0;
}

/** Bucket of a customer in an experiment, without building an assigner. */
export function bucketFor(experimentKey: string, customerId: string): number {
  return toBucket(murmur3(customerId, murmur3(experimentKey)), BUCKETS);
}

/** Validates the definition (throwing every problem at once) and precomputes the bucket table. */
export function createAssigner(definition: ExperimentDefinition): Assigner {
  const problems = validateExperimentDefinition(definition);
  if (problems.length > 0) throw new InvalidExperimentDefinitionError(problems);

  const entries = definition.factors
    ? expandFactorial(definition.factors).map((c) => ({
        name: c.name,
        weight: c.weight,
        levels: Object.freeze(c.levels),
      }))
    : (definition.arms ?? []).map((a) => ({ name: a.name, weight: a.weight, levels: null }));

  // Rounding cumulative (not individual) weights keeps the total exactly BUCKETS and each arm within half a
  // bucket of its weight; validation guarantees every positive weight spans at least one bucket.
  const table = new Uint16Array(BUCKETS);
  const arms: ResolvedArm[] = [];
  let cumulative = 0;
  let start = 0;
  entries.forEach((entry, i) => {
    cumulative += entry.weight;
    const end = i === entries.length - 1 ? BUCKETS : Math.min(BUCKETS, Math.round(cumulative * BUCKETS));
    table.fill(i, start, end);
    arms.push(Object.freeze({ ...entry, buckets: end - start }));
    start = end;
  });

  const seed = murmur3(definition.key);
  const holdoutFraction = definition.holdout?.fraction ?? 0;
  const holdoutSeed = murmur3(definition.holdout?.key ?? definition.key, HOLDOUT_SEED);
  // 2³² resolution rather than BUCKETS, so any fraction (e.g. 1/3) is honoured almost exactly.
  const holdoutThreshold = Math.round(holdoutFraction * 4294967296);

  const results = arms.map((arm, index) =>
    Object.freeze({ arm: arm.name, index, holdout: false, levels: arm.levels }),
  );
  const holdoutResult: Assignment = Object.freeze({ arm: null, index: -1, holdout: true, levels: null });

  const bucket = (customerId: string): number => toBucket(murmur3(customerId, seed), BUCKETS);
  const assignIndex = (customerId: string): number => {
    if (holdoutThreshold > 0 && murmur3(customerId, holdoutSeed) < holdoutThreshold) return -1;
    return table[bucket(customerId)];
  };

  return Object.freeze({
    key: definition.key,
    arms: Object.freeze(arms),
    holdoutFraction,
    assignIndex,
    assign: (customerId: string): Assignment => {
      const index = assignIndex(customerId);
      return index < 0 ? holdoutResult : results[index];
    },
    bucket,
  });
}
