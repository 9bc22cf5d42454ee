import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../database/clock';
import { posteriorFor, probabilityGreater } from './stats/bayes';
import type { BinomialSummary } from './stats/binomial';
import { analyzeFactorial } from './stats/factorial';
import { holmAdjust } from './stats/holm';
import { liftConfidenceIntervals, twoProportionZTest } from './stats/proportions';
import { mixingVarianceFromControl, sequentialLook } from './stats/sequential';
import { sampleRatioMismatch } from './stats/srm';
import { experimentVerdict } from './stats/verdict';
import { welchTTest } from './stats/welch';
import type { Metric } from './experiments.dto';
import { ExperimentsService } from './experiments.service';
import type { ExperimentRow } from './experiment.types';

/** Per-arm sample the sequential test is tuned for when the experiment sets no minimum. */
const DEFAULT_PLANNED_SAMPLE = 1000;

export interface ArmKpis {
  exposures: number;
  /** Messages sent. */
  sends: number;
  /** Distinct customers sent at least one message: the denominator of open and click rates. */
  recipients: number;
  /** Distinct customers who opened (clicked, unsubscribed from) at least one of them. */
  opens: number;
  clicks: number;
  unsubscribes: number;
  conversions: number;
  revenue: number;
  /** Σ revenue² over recipients, for the variance of revenue per recipient. */
  revenueSquares: number;
}

/** Observed assignments per arm and their expected share (Σ of the weights in force when each was made). */
interface Allocation {
  observed: number[];
  expected: number[];
}

interface KpiRow extends ArmKpis {
  arm: string | null;
  /** The segment snapshot shared by the group's assignments (bySegment), else null. */
  segments: string[] | null;
  /** Assignments the weights decided (they carry the weights in force), and Σ of each arm's weight over them. */
  weighted: number;
  weightSums: (number | null)[];
}

/**
 * Per group, over experiment_customer_kpis (one row per assignment, kept current by the triggers of migration
 * 1763900009000): a customer counts once as a recipient, opener, clicker, unsubscriber and converter.
 */
const AGGREGATES = `count(*)::int AS exposures, sum(sends)::int AS sends,
  (count(*) FILTER (WHERE sends > 0))::int AS recipients, (count(*) FILTER (WHERE opens > 0))::int AS opens,
  (count(*) FILTER (WHERE clicks > 0))::int AS clicks, (count(*) FILTER (WHERE unsubscribes > 0))::int AS unsubscribes,
  (count(*) FILTER (WHERE orders > 0))::int AS conversions,
  (sum(revenue) FILTER (WHERE orders > 0))::float8 AS revenue,
  (sum(revenue * revenue) FILTER (WHERE orders > 0))::float8 AS "revenueSquares",
  (count(*) FILTER (WHERE cardinality(weights) > 0))::int AS weighted,
  ARRAY[__WEIGHT_SUMS__] AS "weightSums"`;

const ZERO: ArmKpis = {
  exposures: 0,
  sends: 0,
  recipients: 0,
  opens: 0,
  clicks: 0,
  unsubscribes: 0,
  conversions: 0,
  revenue: 0,
  revenueSquares: 0,
};

/** The trials and successes a rate metric is computed from. */
function binomialOf(kpis: ArmKpis, metric: Metric): BinomialSummary {
  switch (metric) {
    case 'open_rate':
      return { n: kpis.recipients, conversions: kpis.opens };
    case 'click_rate':
      return { n: kpis.recipients, conversions: kpis.clicks };
    default:
      return { n: kpis.exposures, conversions: kpis.conversions };
  }
}

const meanSummary = (k: ArmKpis) => ({
  n: k.exposures,
  mean: k.exposures ? k.revenue / k.exposures : 0,
  variance:
    k.exposures > 1
      ? Math.max(0, (k.revenueSquares - (k.revenue * k.revenue) / k.exposures) / (k.exposures - 1))
      : 0,
});

/**
 * KPIs per arm (and per segment of the assignment-time snapshot) from one scan of experiment_customer_kpis,
 * and the statistics of every variant against the control (the first arm), computed by ./stats.
 */
@Injectable()
export class ExperimentResultsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly experiments: ExperimentsService,
    private readonly clock: Clock,
  ) {}

  async results(ref: string, bySegment: boolean) {
    const experiment = await this.experiments.get(ref);
    const { groups, allocations } = await this.summary(experiment, bySegment);
    const overall = groups.get(null) ?? new Map<string | null, ArmKpis>();
    const segments = bySegment
      ? [...groups.keys()]
          .filter((s): s is string => s !== null)
          .sort()
          .map((segment) => ({
            segment,
            ...this.analyse(experiment, groups.get(segment)!, allocations.get(segment)),
          }))
      : undefined;
    return {
      experiment: experiment.key,
      status: experiment.status,
      primaryMetric: experiment.primaryMetric,
      guardrailMetrics: experiment.guardrailMetrics,
      minSamplePerArm: experiment.minSamplePerArm,
      winnerPolicy: experiment.winnerPolicy,
      winner: experiment.winner,
      promotedBy: experiment.promotedBy,
      promotedAt: experiment.promotedAt,
      computedAt: this.clock.now(),
      holdout: { exposures: overall.get(null)?.exposures ?? 0 },
      overall: this.analyse(experiment, overall, allocations.get(null)),
      factorial: this.factorial(experiment, overall),
      ...(segments ? { segments } : {}),
    };
  }

  /** Primary-metric trials and successes per arm, overall: what the Thompson-sampling allocation learns from. */
  async armBinomials(experiment: ExperimentRow): Promise<BinomialSummary[]> {
    const overall = (await this.kpis(experiment, false)).get(null);
    return this.experiments
      .arms(experiment)
      .map((a) => binomialOf(overall?.get(a.name) ?? ZERO, experiment.primaryMetric));
  }

  private async kpis(experiment: ExperimentRow, bySegment: boolean) {
    return (await this.summary(experiment, bySegment)).groups;
  }

  /**
   * KPIs per arm (and per arm × segment of the assignment-time snapshot) and, from the same scan, the observed and
   * expected allocation per arm for the sample-ratio check: each assignment adds the weights in force when it was
   * made (stored with it), so weight changes and bandit reallocations are accounted for, and assignments the
   * weights did not decide (holdout, promoted winner) are left out.
   */
  private async summary(experiment: ExperimentRow, bySegment: boolean) {
    const names = this.experiments.armNames(experiment);
    const aggregates = AGGREGATES.replace(
      '__WEIGHT_SUMS__',
      names.map((_, i) => `sum(weights[${i + 1}])::float8`).join(', ') || 'NULL::float8',
    );
    // One scan: groups by arm and, for segments, by the whole snapshot (few distinct sets), and every figure is a
    // count or a sum, so each segment's is the sum over the sets containing it.
    const rows: KpiRow[] = await this.dataSource.query(
      `SELECT arm, ${bySegment ? 'segments' : 'NULL::text[] AS segments'}, ${aggregates}
         FROM experiment_customer_kpis WHERE experiment_id = $1 GROUP BY arm${bySegment ? ', segments' : ''}`,
      [experiment.id],
    );
    const groups = new Map<string | null, Map<string | null, ArmKpis>>();
    const allocations = new Map<string | null, Allocation>();
    const add = (segment: string | null, row: KpiRow) => {
      const group = groups.get(segment) ?? new Map<string | null, ArmKpis>();
      groups.set(segment, group);
      const kpis = group.get(row.arm) ?? { ...ZERO };
      for (const k of Object.keys(ZERO) as (keyof ArmKpis)[]) kpis[k] += Number(row[k] ?? 0);
      group.set(row.arm, kpis);
      if (row.weighted < 1) return;
      const allocation = allocations.get(segment) ?? {
        observed: names.map(() => 0),
        expected: names.map(() => 0),
      };
      allocations.set(segment, allocation);
      const idx = row.arm === null ? -1 : names.indexOf(row.arm);
      if (idx >= 0) allocation.observed[idx] += row.weighted;
      names.forEach((_, i) => (allocation.expected[i] += row.weightSums[i] ?? 0));
    };
    for (const row of rows) {
      add(null, row);
      for (const segment of row.segments ?? []) add(segment, row);
    }
    return { groups, allocations };
  }

  /** Main effects and interactions of a factorial design on the primary metric's binomial (factorial.ts). */
  private factorial(experiment: ExperimentRow, byArm: Map<string | null, ArmKpis>) {
    const factors = experiment.definition.factors;
    if (!factors) return null;
    const cells = this.experiments.arms(experiment).map((cell) => ({
      levels: cell.levels!,
      ...binomialOf(byArm.get(cell.name) ?? ZERO, experiment.primaryMetric),
    }));
    try {
      return analyzeFactorial(factors, cells);
    } catch (error) {
      // Too little data yet (an empty cell, or a cell at 0 % or 100 %): say why instead of failing the report.
      if (error instanceof RangeError) return { unavailable: error.message };
      throw error;
    }
  }

  private analyse(experiment: ExperimentRow, byArm: Map<string | null, ArmKpis>, allocation?: Allocation) {
    const arms = this.experiments.arms(experiment);
    const kpis = arms.map((a) => byArm.get(a.name) ?? { ...ZERO });
    const metric = experiment.primaryMetric;
    const planned = Math.max(experiment.minSamplePerArm, DEFAULT_PLANNED_SAMPLE);
    const control = kpis[0];
    const controlBinomial = binomialOf(control, metric);
    // tuned to this group's observed control rate (sequential.ts explains why that keeps the guarantee)
    const mixingVariance = mixingVarianceFromControl(controlBinomial, { samplesPerArm: planned });

    const comparisons = kpis.slice(1).map((k) => {
      const variant = binomialOf(k, metric);
      if (controlBinomial.n < 1 || variant.n < 1) return null;
      const z = twoProportionZTest(controlBinomial, variant);
      const lift = liftConfidenceIntervals(controlBinomial, variant);
      const sequential = sequentialLook(controlBinomial, variant, { mixingVariance });
      const welch =
        control.exposures > 1 && k.exposures > 1 ? welchTTest(meanSummary(control), meanSummary(k)) : null;
      return {
        z: z.z,
        pValue: z.pValue,
        absoluteLift: lift.absolute,
        absoluteInterval: lift.absoluteInterval,
        relativeLift: lift.relative,
        relativeInterval: lift.relativeInterval,
        probabilityToBeatControl: probabilityGreater(posteriorFor(variant), posteriorFor(controlBinomial)),
        sequential: {
          pValue: sequential.pValue,
          interval: sequential.interval,
          significant: sequential.significant,
        },
        revenuePerRecipient: welch && {
          difference: welch.difference,
          interval: welch.interval,
          t: welch.t,
          df: welch.df,
          pValue: welch.pValue,
        },
      };
    });
    const tested = comparisons.map((c, i) => ({ c, i })).filter((x) => x.c !== null);
    const holm = holmAdjust(tested.map((x) => x.c!.pValue));
    const adjusted = new Map(tested.map((x, j) => [x.i, holm.adjusted[j]]));

    const guardrails = experiment.guardrailMetrics.map((g) => ({
      metric: g,
      arms: kpis.slice(1).map((k, i) => {
        const c = binomialOf(control, g);
        const v = binomialOf(k, g);
        if (c.n < 1 || v.n < 1)
          return { arm: arms[i + 1].name, difference: null, pValue: null, harmful: false };
        const z = twoProportionZTest(c, v);
        return {
          arm: arms[i + 1].name,
          difference: z.difference,
          pValue: z.pValue,
          harmful: z.z < 0 && z.pValue < 0.05,
        };
      }),
    }));

    const srm =
      allocation && allocation.observed.some((n) => n > 0)
        ? sampleRatioMismatch(allocation.observed, allocation.expected)
        : null;
    const binomials = kpis.map((k) => binomialOf(k, metric));
    const verdict = binomials.every((b) => b.n >= 1)
      ? experimentVerdict(
          binomials.map((b, i) => ({ name: arms[i].name, ...b })),
          {
            // the verdict's own SRM check only when its recipients are exactly the weight-assigned exposures
            expectedWeights:
              allocation && binomials.every((b, i) => b.n === allocation.observed[i])
                ? allocation.expected
                : undefined,
            sequential: { mixingVariance },
          },
        )
      : null;

    return {
      arms: arms.map((arm, i) => {
        const k = kpis[i];
        const comparison = i === 0 ? null : comparisons[i - 1];
        return {
          name: arm.name,
          control: i === 0,
          weight: arm.weight,
          ...k,
          revenueSquares: undefined,
          openRate: k.recipients ? k.opens / k.recipients : null,
          clickRate: k.recipients ? k.clicks / k.recipients : null,
          conversionRate: k.exposures ? k.conversions / k.exposures : null,
          revenuePerRecipient: k.exposures ? k.revenue / k.exposures : null,
          belowMinimumSample: k.exposures < experiment.minSamplePerArm,
          comparison: comparison && { ...comparison, holmAdjustedPValue: adjusted.get(i - 1) ?? null },
        };
      }),
      guardrails,
      srm,
      verdict,
    };
  }
}
