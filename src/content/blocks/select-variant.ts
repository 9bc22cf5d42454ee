import type { BlockCondition, ConditionEvaluator, CustomerFacts } from './conditions';

/**
 * Block variant selection: the first variant (in order) whose condition holds wins; when none holds, the default
 * (the variant without `when`) is used; without a default the block renders nothing. Conditions after the winning
 * one are not evaluated. Pure: the evaluator is passed in.
 */

export interface VariantLike {
  when?: BlockCondition;
}

export interface VariantEvaluation {
  index: number;
  matched: boolean;
  /** Why it did (not) match, from the evaluator. */
  detail: unknown;
}

export interface BlockChoice {
  name: string;
  /** Index of the chosen variant in the block's list, or null when nothing is rendered. */
  chosen: number | null;
  reason: 'condition' | 'default' | 'override' | 'none';
  /** Conditions evaluated, in order, up to and including the one that matched. */
  evaluated: VariantEvaluation[];
}

export async function selectVariant(
  name: string,
  variants: readonly VariantLike[],
  facts: CustomerFacts,
  evaluator: ConditionEvaluator,
): Promise<BlockChoice> {
  const evaluated: VariantEvaluation[] = [];
  for (let index = 0; index < variants.length; index++) {
    const when = variants[index].when;
    if (when === undefined) continue;
    const outcome = await evaluator.evaluate(when, facts);
    evaluated.push({ index, matched: outcome.matched, detail: outcome.detail });
    if (outcome.matched) return { name, chosen: index, reason: 'condition', evaluated };
  }
  const fallback = variants.findIndex((v) => v.when === undefined);
  return fallback >= 0
    ? { name, chosen: fallback, reason: 'default', evaluated }
    : { name, chosen: null, reason: 'none', evaluated };
}

/**
 * Chooses a variant for every block, blocks in parallel. `overrides` (block name → variant index, e.g. from a
 * journey step) forces a variant without evaluating its block's conditions; an index out of range is ignored.
 */
export async function selectBlocks(
  blocks: Readonly<Record<string, readonly VariantLike[]>>,
  facts: CustomerFacts,
  evaluator: ConditionEvaluator,
  overrides: Readonly<Record<string, number>> = {},
): Promise<Map<string, BlockChoice>> {
  const names = Object.keys(blocks);
  const choices = await Promise.all(
    names.map((name) => {
      const forced = overrides[name];
      return Number.isInteger(forced) && forced >= 0 && forced < blocks[name].length
        ? { name, chosen: forced, reason: 'override' as const, evaluated: [] }
        : selectVariant(name, blocks[name], facts, evaluator);
    }),
  );
  return new Map(choices.map((c) => [c.name, c]));
}
