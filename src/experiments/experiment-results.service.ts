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

interface KpiRow extends Partial<ArmKpis> {
  arm: string | null;
  segment: string | null;
}

const RECIPIENT_AGGREGATES = `count(*)::int AS exposures,
  (count(*) FILTER (WHERE converted))::int AS conversions,
  sum(revenue)::float8 AS revenue, sum(revenue * revenue)::float8 AS "revenueSquares"`;
const MESSAGE_AGGREGATES = `sum(sends)::int AS sends, count(*)::int AS recipients,
  (count(*) FILTER (WHERE opened))::int AS opens,
  (count(*) FILTER (WHERE clicked))::int AS clicks, (count(*) FILTER (WHERE unsubscribed))::int AS unsubscribes`;

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
 * KPIs per arm (and per segment of the assignment-time snapshot), each family in one set-based statement,
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
    const groups = await this.kpis(experiment, bySegment);
    const allocations = await this.allocations(experiment, bySegment);
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
    const rows = [
      ...(await this.recipientKpis(experiment, bySegment)),
      ...(await this.messageKpis(experiment, bySegment)),
    ];
    const groups = new Map<string | null, Map<string | null, ArmKpis>>();
    for (const row of rows) {
      const group = groups.get(row.segment) ?? new Map<string | null, ArmKpis>();
      groups.set(row.segment, group);
      const kpis = group.get(row.arm) ?? { ...ZERO };
      for (const k of Object.keys(ZERO) as (keyof ArmKpis)[]) {
        if (row[k] !== undefined && row[k] !== null) kpis[k] += Number(row[k]);
      }
      group.set(row.arm, kpis);
    }
    return groups;
  }

  /**
   * Observed and expected allocation per arm for the sample-ratio check: each assignment adds the weights in
   * force when it was made (stored with it), so weight changes and bandit reallocations are accounted for,
   * and assignments the weights did not decide (holdout, promoted winner) are left out.
   */
  private async allocations(
    experiment: ExperimentRow,
    bySegment: boolean,
  ): Promise<Map<string | null, Allocation>> {
    const names = this.experiments.armNames(experiment);
    const rows: { segment: string | null; idx: number; expected: number; observed: number }[] =
      await this.dataSource.query(
        `WITH a AS (
           SELECT array_position($2::text[], arm) AS arm_idx, segments, weights
             FROM experiment_assignments WHERE experiment_id = $1 AND weights IS NOT NULL),
         g AS (
           SELECT NULL::text AS segment, arm_idx, weights FROM a
           UNION ALL
           SELECT seg, arm_idx, weights FROM a, unnest(a.segments) seg WHERE $3)
         SELECT g.segment, w.idx::int AS idx, sum(w.w)::float8 AS expected,
                (count(*) FILTER (WHERE g.arm_idx = w.idx))::int AS observed
           FROM g, unnest(g.weights) WITH ORDINALITY w(w, idx)
          GROUP BY g.segment, w.idx`,
        [experiment.id, names, bySegment],
      );
    const out = new Map<string | null, Allocation>();
    for (const row of rows) {
      if (row.idx > names.length) continue;
      const allocation = out.get(row.segment) ?? {
        observed: names.map(() => 0),
        expected: names.map(() => 0),
      };
      allocation.observed[row.idx - 1] = row.observed;
      allocation.expected[row.idx - 1] = row.expected;
      out.set(row.segment, allocation);
    }
    return out;
  }

  /** Exposures, conversions and revenue (Order Completed after assignment, within the window) per arm. */
  private recipientKpis(experiment: ExperimentRow, bySegment: boolean): Promise<KpiRow[]> {
    return this.dataSource.query(
      `WITH c AS (
         SELECT a.arm, a.segments, count(ev.id) > 0 AS converted,
                coalesce(sum(CASE WHEN jsonb_typeof(ev.properties -> 'revenue') = 'number'
                                  THEN (ev.properties ->> 'revenue')::float8 END), 0) AS revenue
           FROM experiment_assignments a
           LEFT JOIN events ev
             ON ev.customer_id = a.customer_id AND ev.type = 'track' AND ev.event = 'Order Completed'
            AND ev."timestamp" >= a.assigned_at
            AND ($2::timestamptz IS NULL OR ev."timestamp" >= $2)
            AND ($3::timestamptz IS NULL OR ev."timestamp" < $3)
          WHERE a.experiment_id = $1
          GROUP BY a.customer_id, a.arm, a.segments)
       SELECT arm, NULL::text AS segment, ${RECIPIENT_AGGREGATES} FROM c GROUP BY arm
       UNION ALL
       SELECT arm, seg, ${RECIPIENT_AGGREGATES} FROM c, unnest(c.segments) seg WHERE $4 GROUP BY arm, seg`,
      [experiment.id, experiment.startAt, experiment.endAt, bySegment],
    );
  }

  /**
   * Sends (messages tagged with the experiment and the customer's arm) and, per person rather than per message,
   * the recipients among them and the unique openers, clickers and unsubscribers: a customer who opens twice,
   * or opens two messages, counts once. The experiment's messages (found through messages_experiment_idx,
   * whose expression statistics also give the planner the row counts it needs for hash joins) are joined once
   * to their events, and the event flags folded per customer before the per-arm counts.
   */
  private messageKpis(experiment: ExperimentRow, bySegment: boolean): Promise<KpiRow[]> {
    return this.dataSource.query(
      `WITH s AS (
         SELECT a.customer_id, a.arm, a.segments, msg.id
           FROM experiment_assignments a
           JOIN messages msg
             ON msg.customer_id = a.customer_id AND msg.status = 'sent'
            AND msg.context ->> 'experiment' = $2 AND msg.context ->> 'variant' = a.arm
          WHERE a.experiment_id = $1),
       f AS (
         SELECT s.customer_id, bool_or(ev.type = 'open') AS opened, bool_or(ev.type = 'click') AS clicked,
                bool_or(ev.type = 'unsubscribe') AS unsubscribed
           FROM s JOIN message_events ev ON ev.message_id = s.id
          WHERE ev.type IN ('open', 'click', 'unsubscribe')
          GROUP BY s.customer_id),
       m AS (
         SELECT s.arm, s.segments, count(*) AS sends, bool_or(f.opened) AS opened, bool_or(f.clicked) AS clicked,
                bool_or(f.unsubscribed) AS unsubscribed
           FROM s LEFT JOIN f ON f.customer_id = s.customer_id
          GROUP BY s.customer_id, s.arm, s.segments)
       SELECT arm, NULL::text AS segment, ${MESSAGE_AGGREGATES} FROM m GROUP BY arm
       UNION ALL
       SELECT arm, seg, ${MESSAGE_AGGREGATES} FROM m, unnest(m.segments) seg WHERE $3 GROUP BY arm, seg`,
      [experiment.id, experiment.key, bySegment],
    );
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
