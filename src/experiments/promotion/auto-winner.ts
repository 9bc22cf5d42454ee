/**
 * When the automatic winner policy may promote an arm, decided from an experiment's overall results
 * (experiment-results.service.ts) alone. All of these must hold:
 *
 * 1. every arm, the control included, has reached the minimum sample per arm;
 * 2. the always-valid sequential verdict (Holm-adjusted across variants, sample-ratio check first) names a
 *    winner, i.e. a variant significantly better than the control; a harmful-only verdict, "no difference
 *    yet" or a sample-ratio mismatch promotes nothing (the control already is what everyone gets);
 * 3. no guardrail metric is significantly worse for that winner than for the control.
 *
 * Pure: no Nest or database import.
 */

export interface AutoWinnerInput {
  minSamplePerArm: number;
  arms: ReadonlyArray<{ name: string; exposures: number }>;
  verdict: { status: string; winner: string | null; method: string } | null;
  guardrails: ReadonlyArray<{ metric: string; arms: ReadonlyArray<{ arm: string; harmful: boolean }> }>;
}

export type AutoWinnerDecision = { winner: string; reason: string } | { winner: null; reason: string };

export function decideAutoWinner(input: AutoWinnerInput): AutoWinnerDecision {
  const short = input.arms.filter((a) => a.exposures < input.minSamplePerArm);
  if (short.length > 0) {
    return {
      winner: null,
      reason:
        `minimum sample of ${input.minSamplePerArm} per arm not reached: ` +
        short.map((a) => `${a.name} has ${a.exposures}`).join(', '),
    };
  }
  const verdict = input.verdict;
  if (!verdict) return { winner: null, reason: 'no verdict yet: an arm has no data' };
  if (verdict.method !== 'always-valid') {
    return {
      winner: null,
      reason: `the verdict is ${verdict.method}, automatic promotion needs always-valid`,
    };
  }
  if (verdict.status !== 'winner' || verdict.winner === null) {
    return {
      winner: null,
      reason: `the sequential test is not decisive for a variant (verdict: ${verdict.status})`,
    };
  }
  const winner = verdict.winner;
  const harmed = input.guardrails
    .filter((g) => g.arms.some((a) => a.arm === winner && a.harmful))
    .map((g) => g.metric);
  if (harmed.length > 0) {
    return { winner: null, reason: `${winner} wins but significantly harms guardrail ${harmed.join(', ')}` };
  }
  return {
    winner,
    reason: `the always-valid test is decisive for ${winner}, every arm has at least ${input.minSamplePerArm} and no guardrail is harmed`,
  };
}
