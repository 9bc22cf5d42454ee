/**
 * Turns an experiment's counts into a plain-language verdict for marketers: a winner, a harmful variant,
 * or "no difference yet" with how many more recipients it would take to find one.
 *
 * Rules, in order:
 * 1. If the observed split fails the sample-ratio-mismatch check, say so and nothing else: with broken
 *    assignment a "significant" lift is as likely to be an artefact as an effect.
 * 2. Each variant is compared with the control (arms[0]); p-values are Holm-adjusted across variants so
 *    that adding variants does not add false winners. Intervals use Bonferroni's 1 - alpha / (number of
 *    variants), so an interval that excludes 0 always goes with a significant adjusted p-value (Holm is
 *    never stricter than Bonferroni) and readers never see a "significant-looking" interval on a loser.
 * 3. A variant is a winner (or harmful) when its adjusted p-value is at most alpha and the lift is positive
 *    (or negative). Several winners: the one with the highest observed rate is named.
 * 4. Otherwise, the sample needed for the requested power is estimated at the minimum detectable effect if
 *    one is configured, else at the observed effect, with Bonferroni's alpha / (number of variants) as a
 *    conservative stand-in for Holm's first step.
 */
import { assertProbability, type BinomialSummary } from './binomial';
import { holmAdjust } from './holm';
import { samplePerArmForPower } from './power';
import { liftConfidenceIntervals, twoProportionZTest, type Interval } from './proportions';
import { sequentialLook, sequentialSamplePerArm } from './sequential';
import { sampleRatioMismatch, type SrmResult } from './srm';

export interface VerdictArm extends BinomialSummary {
  name: string;
}

export type MinimumDetectableEffect = { absolute: number } | { relative: number };

export interface VerdictOptions {
  alpha?: number;
  power?: number;
  minimumDetectableEffect?: MinimumDetectableEffect;
  /** Configured allocation weights, in arm order, for the sample-ratio-mismatch check. */
  expectedWeights?: readonly number[];
  /**
   * Use always-valid p-values and intervals (sequential.ts) instead of fixed-horizon ones. Required when
   * the verdict is shown before the planned end, e.g. on a daily dashboard.
   */
  sequential?: { mixingVariance: number };
}

export type ArmStatus = 'winner' | 'harmful' | 'no-difference-yet';
export type VerdictStatus = ArmStatus | 'sample-ratio-mismatch';

export interface ArmVerdict {
  name: string;
  status: ArmStatus;
  controlRate: number;
  rate: number;
  absoluteLift: number;
  relativeLift: number | null;
  /** Interval for the absolute lift (always-valid when options.sequential is set). */
  interval: Interval;
  pValue: number;
  /** Holm-adjusted across variants. */
  adjustedPValue: number;
  /**
   * More recipients per arm needed for the requested power; 0 when there already are enough, null when
   * there is no effect to plan for (no minimum detectable effect configured and no observed difference).
   */
  additionalSamplePerArm: number | null;
  effectBasis: 'minimum-detectable-effect' | 'observed' | null;
  summary: string;
}

export interface Verdict {
  status: VerdictStatus;
  /** Name of the winning variant, when status is 'winner'. */
  winner: string | null;
  headline: string;
  method: 'fixed-horizon' | 'always-valid';
  arms: ArmVerdict[];
  srm: SrmResult | null;
}

const percent = (x: number): string => `${(x * 100).toFixed(2)}%`;
const points = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(2)} pts`;
const signedPercent = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}%`;
const count = (x: number): string => Math.round(x).toLocaleString('en-US');

function formatP(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p < 0.01 ? p.toFixed(4) : p.toFixed(3)}`;
}

type LiftFacts = Omit<ArmVerdict, 'summary' | 'status' | 'additionalSamplePerArm' | 'effectBasis'>;

function describeLift(arm: LiftFacts, intervalLabel: string): string {
  const relative = arm.relativeLift === null ? '' : `, ${signedPercent(arm.relativeLift)}`;
  return (
    `${percent(arm.rate)} vs ${percent(arm.controlRate)} (${points(arm.absoluteLift)}${relative}; ` +
    `${intervalLabel} ${points(arm.interval.lower)} to ${points(arm.interval.upper)}), ${formatP(arm.adjustedPValue)}`
  );
}

export function experimentVerdict(arms: readonly VerdictArm[], options: VerdictOptions = {}): Verdict {
  const { alpha = 0.05, power = 0.8, minimumDetectableEffect, expectedWeights, sequential } = options;
  assertProbability(alpha, 'alpha');
  assertProbability(power, 'power');
  if (arms.length < 2)
    throw new RangeError(`a verdict needs a control and at least one variant (got ${arms.length})`);
  if (minimumDetectableEffect) {
    const value =
      'absolute' in minimumDetectableEffect
        ? minimumDetectableEffect.absolute
        : minimumDetectableEffect.relative;
    if (!(value > 0) || !Number.isFinite(value)) {
      throw new RangeError(`minimumDetectableEffect must be finite and > 0 (got ${value})`);
    }
  }
  const method = sequential ? 'always-valid' : 'fixed-horizon';
  const bonferroniAlpha = alpha / (arms.length - 1);
  const intervalLabel = `${Math.round((1 - bonferroniAlpha) * 1000) / 10}% ${sequential ? 'always-valid interval' : 'CI'}`;
  const control = arms[0];
  const variants = arms.slice(1);

  let srm: SrmResult | null = null;
  if (expectedWeights) {
    srm = sampleRatioMismatch(
      arms.map((a) => a.n),
      expectedWeights,
    );
  }

  const compared = variants.map((variant) => {
    const lift = liftConfidenceIntervals(control, variant, 1 - bonferroniAlpha);
    if (sequential) {
      const look = sequentialLook(control, variant, {
        alpha: bonferroniAlpha,
        mixingVariance: sequential.mixingVariance,
      });
      return { variant, lift, pValue: look.pValue, interval: look.interval };
    }
    return {
      variant,
      lift,
      pValue: twoProportionZTest(control, variant).pValue,
      interval: lift.absoluteInterval,
    };
  });
  const { adjusted } = holmAdjust(
    compared.map((c) => c.pValue),
    alpha,
  );

  const armVerdicts = compared.map(({ variant, lift, pValue, interval }, i): ArmVerdict => {
    const base = {
      name: variant.name,
      controlRate: control.conversions / control.n,
      rate: variant.conversions / variant.n,
      absoluteLift: lift.absolute,
      relativeLift: lift.relative,
      interval,
      pValue,
      adjustedPValue: adjusted[i],
    };
    const significant = adjusted[i] <= alpha;
    if (significant && lift.absolute !== 0) {
      const status: ArmStatus = lift.absolute > 0 ? 'winner' : 'harmful';
      const verb = status === 'winner' ? 'beats' : 'is worse than';
      return {
        ...base,
        status,
        additionalSamplePerArm: null,
        effectBasis: null,
        summary: `${variant.name} ${verb} ${control.name}: ${describeLift(base, intervalLabel)}.`,
      };
    }
    const plan = planSample(control, variant, lift.absolute, {
      minimumDetectableEffect,
      power,
      planningAlpha: bonferroniAlpha,
      sequential,
    });
    return {
      ...base,
      status: 'no-difference-yet',
      ...plan,
      summary: noDifferenceSummary(control, variant, base, plan, power, intervalLabel),
    };
  });

  const winners = armVerdicts.filter((a) => a.status === 'winner').sort((a, b) => b.rate - a.rate);
  const harmful = armVerdicts.filter((a) => a.status === 'harmful');
  let status: VerdictStatus;
  let headline: string;
  if (srm?.mismatch) {
    status = 'sample-ratio-mismatch';
    headline =
      `Don't trust these results yet: the arms received ${arms.map((a) => count(a.n)).join(' / ')} recipients, ` +
      `which does not match the configured split (${formatP(srm.pValue)}). Fix assignment or tracking first.`;
  } else if (winners.length > 0) {
    status = 'winner';
    headline = `${winners[0].name} wins: ${describeLift(winners[0], intervalLabel)}.`;
    if (winners.length > 1) {
      headline += ` ${winners
        .slice(1)
        .map((w) => w.name)
        .join(', ')} also beat ${control.name}.`;
    }
  } else if (harmful.length > 0) {
    status = 'harmful';
    const details = harmful.map((h) => `${h.name}: ${describeLift(h, intervalLabel)}`).join('; ');
    headline =
      harmful.length === variants.length
        ? `Keep ${control.name}: every variant converts worse (${details}).`
        : `No variant beats ${control.name}, and some convert worse (${details}).`;
  } else {
    status = 'no-difference-yet';
    const needs = armVerdicts.map((a) => a.additionalSamplePerArm);
    const known = needs.filter((n): n is number => n !== null);
    if (known.length > 0 && known.every((n) => n === 0) && minimumDetectableEffect) {
      headline =
        `No significant difference, and the test already has ${Math.round(power * 100)}% power for the minimum ` +
        `detectable effect: any real difference is probably smaller than that.`;
    } else if (known.length > 0) {
      headline =
        `No significant difference yet. About ${count(Math.max(...known))} more recipients per arm would give ` +
        `${Math.round(power * 100)}% power to detect ${minimumDetectableEffect ? 'the minimum detectable effect' : 'the observed difference'}.`;
    } else {
      headline = 'No difference so far. Set a minimum detectable effect to estimate how much longer to run.';
    }
  }

  return {
    status,
    winner: status === 'winner' ? winners[0].name : null,
    headline,
    method,
    arms: armVerdicts,
    srm,
  };
}

interface SamplePlan {
  additionalSamplePerArm: number | null;
  effectBasis: ArmVerdict['effectBasis'];
}

function planSample(
  control: BinomialSummary,
  variant: BinomialSummary,
  observedLift: number,
  context: {
    minimumDetectableEffect?: MinimumDetectableEffect;
    power: number;
    planningAlpha: number;
    sequential?: { mixingVariance: number };
  },
): SamplePlan {
  // Planning needs a rate strictly inside (0, 1); shrink a 0 % or 100 % control by half a conversion.
  const baseline = (control.conversions + 0.5) / (control.n + 1);
  let effect: number;
  let effectBasis: SamplePlan['effectBasis'];
  if (context.minimumDetectableEffect) {
    const mde = context.minimumDetectableEffect;
    effect = 'absolute' in mde ? mde.absolute : mde.relative * baseline;
    effectBasis = 'minimum-detectable-effect';
  } else if (observedLift !== 0) {
    effect = Math.abs(observedLift);
    effectBasis = 'observed';
  } else {
    return { additionalSamplePerArm: null, effectBasis: null };
  }
  // Size for a change in the observed direction; flip it only if that would push the rate out of (0, 1).
  const direction = observedLift < 0 ? -1 : 1;
  let target = baseline + direction * effect;
  if (!(target > 0 && target < 1)) target = baseline - direction * effect;
  if (!(target > 0 && target < 1)) return { additionalSamplePerArm: null, effectBasis };
  const required = context.sequential
    ? sequentialSamplePerArm(
        { controlRate: baseline, variantRate: target, power: context.power },
        { alpha: context.planningAlpha, mixingVariance: context.sequential.mixingVariance },
      )
    : samplePerArmForPower({
        controlRate: baseline,
        variantRate: target,
        alpha: context.planningAlpha,
        power: context.power,
      });
  if (!Number.isFinite(required)) return { additionalSamplePerArm: null, effectBasis };
  return { additionalSamplePerArm: Math.max(0, required - Math.min(control.n, variant.n)), effectBasis };
}

function noDifferenceSummary(
  control: VerdictArm,
  variant: VerdictArm,
  base: LiftFacts,
  plan: SamplePlan,
  power: number,
  intervalLabel: string,
): string {
  const observed = `${variant.name} vs ${control.name}: ${describeLift(base, intervalLabel)}, not significant.`;
  if (plan.additionalSamplePerArm === null) return `${observed} Nothing to size the test against yet.`;
  const effect =
    plan.effectBasis === 'observed'
      ? 'a difference as large as the observed one'
      : 'the minimum detectable effect';
  if (plan.additionalSamplePerArm === 0) {
    return `${observed} There is already ${Math.round(power * 100)}% power to detect ${effect}.`;
  }
  return `${observed} About ${count(plan.additionalSamplePerArm)} more recipients per arm for ${Math.round(power * 100)}% power to detect ${effect}.`;
}
