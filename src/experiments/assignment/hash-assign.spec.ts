import { sampleRatioMismatch } from '../stats/srm';
import { BUCKETS, InvalidExperimentDefinitionError } from './experiment-definition';
import { bucketFor, createAssigner } from './hash-assign';
import { murmur3 } from './murmur3';

const MILLION = 1_000_000;
const ids = Array.from({ length: MILLION }, (_, i) => `customer-${i}`);

const threeArms = {
  key: 'spring-sale-subject',
  arms: [
    { name: 'A', weight: 0.5 },
    { name: 'B', weight: 0.3 },
    { name: 'C', weight: 0.2 },
  ],
};

function countArms(
  assignIndex: (id: string) => number,
  armCount: number,
  customerIds = ids,
): { arms: number[]; holdout: number } {
  const arms = new Array<number>(armCount).fill(0);
  let holdout = 0;
  for (const id of customerIds) {
    const index = assignIndex(id);
    if (index < 0) holdout++;
    else arms[index]++;
  }
  return { arms, holdout };
}

describe('createAssigner', () => {
  it('allocates 1,000,000 synthetic ids within 0.5 % of the weights', () => {
    const assigner = createAssigner(threeArms);
    const { arms, holdout } = countArms(assigner.assignIndex, 3);
    expect(holdout).toBe(0);
    threeArms.arms.forEach((arm, i) => {
      expect(Math.abs(arms[i] / MILLION - arm.weight) / arm.weight).toBeLessThan(0.005);
    });
    // And the split is statistically indistinguishable from the weights.
    expect(sampleRatioMismatch(arms, [0.5, 0.3, 0.2]).mismatch).toBe(false);
  });

  it('is stable: same arm across instances and calls, reproducible from the hash definition', () => {
    const first = createAssigner(threeArms);
    const second = createAssigner(JSON.parse(JSON.stringify(threeArms)));
    const seed = murmur3(threeArms.key);
    // Count disagreements instead of calling expect per id: expect is far slower than what it checks.
    let unstable = 0;
    let notReproducible = 0;
    let outsideLayout = 0;
    for (let i = 0; i < 100_000; i++) {
      const id = ids[i * 7];
      const arm = first.assignIndex(id);
      if (second.assignIndex(id) !== arm || first.assignIndex(id) !== arm) unstable++;
      const bucket = Math.floor((murmur3(id, seed) * BUCKETS) / 2 ** 32);
      if (first.bucket(id) !== bucket || bucketFor(threeArms.key, id) !== bucket) notReproducible++;
      // Cumulative layout: A owns [0, 5000), B [5000, 8000), C [8000, 10000).
      if (arm !== (bucket < 5000 ? 0 : bucket < 8000 ? 1 : 2)) outsideLayout++;
    }
    expect({ unstable, notReproducible, outsideLayout }).toEqual({
      unstable: 0,
      notReproducible: 0,
      outsideLayout: 0,
    });
    expect(first.arms.map((a) => a.buckets)).toEqual([5000, 3000, 2000]);
  });

  it('assigns independently across experiments', () => {
    const a = createAssigner({
      key: 'exp-1',
      arms: [
        { name: 'x', weight: 0.5 },
        { name: 'y', weight: 0.5 },
      ],
    });
    const b = createAssigner({
      key: 'exp-2',
      arms: [
        { name: 'x', weight: 0.5 },
        { name: 'y', weight: 0.5 },
      ],
    });
    const table = [0, 0, 0, 0];
    for (let i = 0; i < 200_000; i++) table[a.assignIndex(ids[i]) * 2 + b.assignIndex(ids[i])]++;
    // All four combinations equally likely: goodness of fit against 25 % each.
    expect(sampleRatioMismatch(table, [1, 1, 1, 1]).mismatch).toBe(false);
  });

  it('returns shared frozen results (no allocation per call) and names factorial cells', () => {
    const assigner = createAssigner({
      key: 'mvt',
      factors: [
        { name: 'subject', levels: ['plain', 'emoji'] },
        { name: 'image', levels: ['none', 'hero', 'product'], weights: [0.5, 0.25, 0.25] },
      ],
    });
    expect(assigner.arms).toHaveLength(6);
    expect(assigner.arms.map((a) => a.buckets)).toEqual([2500, 1250, 1250, 2500, 1250, 1250]);
    const first = assigner.assign('customer-1');
    expect(assigner.assign('customer-1')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first.arm).toBe(assigner.arms[first.index].name);
    expect(first.levels).toEqual(assigner.arms[first.index].levels);
    // Each factor's marginal split follows its level weights.
    const imageCounts = [0, 0, 0];
    for (let i = 0; i < 200_000; i++) imageCounts[assigner.assignIndex(ids[i]) % 3]++;
    expect(sampleRatioMismatch(imageCounts, [0.5, 0.25, 0.25]).mismatch).toBe(false);
  });

  it('holds out the configured fraction, independently of the arms', () => {
    const assigner = createAssigner({ ...threeArms, holdout: { fraction: 0.1 } });
    const { arms, holdout } = countArms(assigner.assignIndex, 3);
    expect(Math.abs(holdout / MILLION - 0.1)).toBeLessThan(0.001);
    const treated = MILLION - holdout;
    expect(sampleRatioMismatch(arms, [0.5, 0.3, 0.2]).mismatch).toBe(false);
    expect(Math.abs(arms[0] / treated - 0.5)).toBeLessThan(0.0025);
    expect(assigner.assign(ids.find((id) => assigner.assignIndex(id) === -1)!)).toEqual({
      arm: null,
      index: -1,
      holdout: true,
      levels: null,
    });
  });

  it('holds out the same customers in every experiment sharing a holdout key, nested by fraction', () => {
    const holdout = { fraction: 0.05, key: 'global-holdout-2025' };
    const first = createAssigner({ ...threeArms, holdout });
    const second = createAssigner({
      key: 'other',
      arms: [
        { name: 'on', weight: 1 - 0.2 },
        { name: 'off', weight: 0.2 },
      ],
      holdout,
    });
    const wider = createAssigner({ ...threeArms, key: 'third', holdout: { ...holdout, fraction: 0.2 } });
    const own = createAssigner({ ...threeArms, holdout: { fraction: 0.05 } });
    let sharedHeldOut = 0;
    let overlapWithOwn = 0;
    let disagreements = 0;
    let notNested = 0;
    for (let i = 0; i < 200_000; i++) {
      const inFirst = first.assignIndex(ids[i]) === -1;
      if ((second.assignIndex(ids[i]) === -1) !== inFirst) disagreements++;
      if (inFirst) {
        sharedHeldOut++;
        if (wider.assignIndex(ids[i]) !== -1) notNested++;
        if (own.assignIndex(ids[i]) === -1) overlapWithOwn++;
      }
    }
    expect({ disagreements, notNested }).toEqual({ disagreements: 0, notNested: 0 });
    expect(sharedHeldOut / 200_000).toBeCloseTo(0.05, 2);
    // A holdout keyed by the experiment is independent of the shared one: overlap ≈ 5 % of 5 %.
    expect(overlapWithOwn / sharedHeldOut).toBeLessThan(0.08);
  });

  it('gives a zero-weight arm nobody', () => {
    const assigner = createAssigner({
      key: 'k',
      arms: [
        { name: 'A', weight: 0.5 },
        { name: 'paused', weight: 0 },
        { name: 'B', weight: 0.5 },
      ],
    });
    expect(countArms(assigner.assignIndex, 3, ids.slice(0, 100_000)).arms[1]).toBe(0);
  });

  it('throws every validation problem at once', () => {
    let error: unknown;
    try {
      createAssigner({
        key: 'k',
        arms: [
          { name: 'A', weight: 0.7 },
          { name: 'A', weight: -0.2 },
        ],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidExperimentDefinitionError);
    expect((error as InvalidExperimentDefinitionError).problems.map((p) => p.path)).toEqual([
      'arms[1].name',
      'arms[1].weight',
      'arms',
    ]);
    expect((error as Error).message).toMatch(/arms\[1\]\.weight: must not be negative/);
  });

  it('assigns at least 200,000 customers per second', () => {
    const assigner = createAssigner({ ...threeArms, holdout: { fraction: 0.1 } });
    const uuids = Array.from(
      { length: 200_000 },
      (_, i) => `3f6c2a9e-${i.toString(16).padStart(4, '0')}-4c1b-9d2e-7a8b9c0d1e2f`,
    );
    for (let i = 0; i < 50_000; i++) assigner.assign(uuids[i]); // warm up the JIT
    let sink = 0;
    const start = process.hrtime.bigint();
    for (const id of uuids) sink += assigner.assign(id).index;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    expect(sink).not.toBeNaN();
    expect(uuids.length / seconds).toBeGreaterThan(200_000);
  });
});
