import { Engine, TopLevelCondition } from 'json-rules-engine';
import {
  BlockCondition,
  ConditionEvaluator,
  ConditionOutcome,
  CustomerFacts,
  isSegmentCondition,
  NestedCondition,
} from './conditions';

/**
 * Evaluates block conditions with json-rules-engine over the customer's facts. Pure (no Nest, no database): the
 * facts come in, the outcome goes out. A `{ segment }` condition at the top is answered directly; nested inside a
 * rules condition it becomes `{ fact: "segments", operator: "contains", value }`.
 *
 * An engine is built per evaluation: json-rules-engine keeps run status on the engine, so sharing one between
 * concurrent runs is unsafe, and building one costs no more than running it.
 */
export class JsonRulesConditionEvaluator implements ConditionEvaluator {
  async evaluate(condition: BlockCondition, facts: CustomerFacts): Promise<ConditionOutcome> {
    if (isSegmentCondition(condition)) {
      const member = facts.segments.includes(condition.segment);
      return { matched: member, detail: { segment: condition.segment, member, segments: facts.segments } };
    }
    const engine = new Engine([{ conditions: toTopLevel(condition), event: { type: 'matched' } }]);
    const { results, failureResults } = await engine.run({
      traits: facts.traits,
      stats: facts.stats,
      scores: facts.scores,
      segments: facts.segments,
      context: facts.context,
    });
    const result = results[0] ?? failureResults[0];
    return { matched: results.length > 0, detail: result?.toJSON(false).conditions };
  }
}

function toTopLevel(condition: NestedCondition): TopLevelCondition {
  const normalized = normalize(condition);
  if ('all' in normalized || 'any' in normalized || 'not' in normalized)
    return normalized as TopLevelCondition;
  return { all: [normalized] } as TopLevelCondition;
}

/** Segment conditions become fact conditions json-rules-engine understands; everything else is kept as is. */
function normalize(condition: NestedCondition): Record<string, unknown> {
  if (isSegmentCondition(condition))
    return { fact: 'segments', operator: 'contains', value: condition.segment };
  if ('all' in condition) return { all: condition.all.map(normalize) };
  if ('any' in condition) return { any: condition.any.map(normalize) };
  if ('not' in condition) return { not: normalize(condition.not) };
  return { ...condition };
}
