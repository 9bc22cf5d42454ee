import { Engine, TopLevelCondition } from 'json-rules-engine';
import {
  BlockCondition,
  ConditionEvaluator,
  ConditionOutcome,
  CustomerFacts,
  isSegmentCondition,
  NestedCondition,
} from './conditions';
import { resolveFactPath } from './fact-path';

/**
 * Evaluates block conditions with json-rules-engine over the customer's facts. Pure (no Nest, no database): the
 * facts come in, the outcome goes out. A `{ segment }` condition at the top is answered directly; nested inside a
 * rules condition it becomes `{ fact: "segments", operator: "contains", value }`.
 *
 * json-rules-engine keeps run status on the engine, so one engine never runs two evaluations at once: engines are
 * kept per condition object (compiled templates are cached, so a block's condition is the same object from message
 * to message) and each is lent to one evaluation at a time. A fresh engine's first run costs about three times a
 * later one (measured: 142 µs against 42 µs for the bench's `any` condition).
 */
export class JsonRulesConditionEvaluator implements ConditionEvaluator {
  private readonly idle = new WeakMap<object, Engine[]>();

  async evaluate(condition: BlockCondition, facts: CustomerFacts): Promise<ConditionOutcome> {
    if (isSegmentCondition(condition)) {
      const member = facts.segments.includes(condition.segment);
      return { matched: member, detail: { segment: condition.segment, member, segments: facts.segments } };
    }
    let idle = this.idle.get(condition);
    if (!idle) this.idle.set(condition, (idle = []));
    const engine =
      idle.pop() ??
      new Engine([{ conditions: toTopLevel(condition), event: { type: 'matched' } }], {
        pathResolver: resolveFactPath,
      });
    // A run that throws leaves its engine out of the pool.
    const { results, failureResults } = await engine.run({
      traits: facts.traits,
      stats: facts.stats,
      scores: facts.scores,
      segments: facts.segments,
      context: facts.context,
    });
    const result = results[0] ?? failureResults[0];
    const outcome = { matched: results.length > 0, detail: result?.toJSON(false).conditions };
    if (idle.length < MAX_IDLE_ENGINES) idle.push(engine);
    return outcome;
  }
}

/** Idle engines kept per condition: about the evaluations of one condition in flight at once. */
const MAX_IDLE_ENGINES = 16;

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
