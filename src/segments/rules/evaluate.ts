import { Engine } from 'json-rules-engine';
import { CustomerFacts, scoresFact, statsFact } from './customer-facts';
import { EventsParams, forEachLeaf, LeafCondition, RuleDefinition } from './definition';
import { buildEngine, EVENT_LOG_FACT, NOW_FACT } from './rule-engine';
import { assertValidStructure } from './validate';

export { eventsNeeded } from './event-window';
export type { EventsNeeded } from './event-window';

/** One leaf condition of a definition as it was evaluated for one customer. */
export interface ExplainedCondition {
  /** Where the condition sits in the definition, e.g. `rules.all[2]`. */
  path: string;
  name?: string;
  fact: string;
  factPath?: string;
  params?: EventsParams;
  operator: string;
  value: unknown;
  /** What the condition compared: null when missing; timestamps as ISO strings. */
  factValue: unknown;
  matched: boolean;
}

export interface Evaluation {
  matched: boolean;
  /** Every leaf in document order. */
  explanation: ExplainedCondition[];
}

/** A definition ready to evaluate many customers: build it once (per segment version) and reuse it. */
export interface RuleEvaluator {
  evaluate(facts: CustomerFacts, now: Date): Promise<Evaluation>;
}

/**
 * Compiles a definition; throws InvalidDefinitionError when its structure does not validate. The `context` fact is
 * accepted here (journeys' branches); segment definitions never carry it because their validation refuses it.
 */
export function createEvaluator(rules: unknown): RuleEvaluator {
  assertValidStructure(rules, { allowContext: true });
  const definition = structuredClone(rules);
  const leaves: { leaf: LeafCondition; path: string }[] = [];
  forEachLeaf(definition, (leaf, path) => leaves.push({ leaf, path }));
  // json-rules-engine keeps a run status on the Engine, and a run that finishes marks it finished for every run
  // still in flight (their rules are then skipped). So an engine serves one run at a time; idle ones are reused.
  const idle: Engine[] = [];

  return {
    async evaluate(facts, now) {
      const engine = idle.pop() ?? buildEngine(definition);
      try {
        return await run(engine, leaves, facts, now);
      } finally {
        if (idle.length < MAX_IDLE_ENGINES) idle.push(engine);
      }
    },
  };
}

const MAX_IDLE_ENGINES = 16;
const CACHE_SIZE = 500;
const cache = new Map<string, RuleEvaluator>();

/**
 * Evaluates a definition for one customer at `now`, with an evaluator cached per definition (by its JSON), so
 * repeated calls do not rebuild the engine.
 */
export function evaluate(rules: RuleDefinition, facts: CustomerFacts, now: Date): Promise<Evaluation> {
  const key = JSON.stringify(rules);
  let evaluator = cache.get(key);
  if (evaluator) {
    cache.delete(key); // re-inserted below: the Map's order is then least recently used first
  } else {
    evaluator = createEvaluator(rules);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  cache.set(key, evaluator);
  return evaluator.evaluate(facts, now);
}

async function run(
  engine: Engine,
  leaves: { leaf: LeafCondition; path: string }[],
  facts: CustomerFacts,
  now: Date,
): Promise<Evaluation> {
  const nowMs = now.getTime();
  const { results, failureResults } = await engine.run({
    traits: facts.traits ?? {},
    stats: statsFact(facts.stats, nowMs),
    scores: scoresFact(facts.scores),
    segments: [...facts.segments],
    // Every fact must exist for the engine (allowUndefinedFacts: false); an empty object reads as missing paths.
    context: facts.context ?? {},
    [EVENT_LOG_FACT]: facts.events,
    [NOW_FACT]: nowMs,
  });
  const result = results[0] ?? failureResults[0];
  // An engine that skipped its rule would read as "no match"; never let that pass silently.
  if (!result) throw new Error('json-rules-engine did not evaluate the rule');
  const outcomes = new Map<string, { factResult: unknown; result: boolean }>();
  collectLeaves(result.conditions, outcomes);
  return {
    matched: results.length > 0,
    explanation: leaves.map(({ leaf, path }) => {
      const outcome = outcomes.get(path);
      return {
        path,
        ...(leaf.name !== undefined && { name: leaf.name }),
        fact: leaf.fact,
        ...(leaf.path !== undefined && { factPath: leaf.path }),
        ...(leaf.params !== undefined && { params: leaf.params }),
        operator: leaf.operator,
        value: leaf.value,
        factValue: shown(outcome?.factResult),
        matched: outcome?.result === true,
      };
    }),
  };
}

/** Walks the engine's result tree, where each leaf carries the name (= path) we gave it and its outcome. */
function collectLeaves(node: unknown, out: Map<string, { factResult: unknown; result: boolean }>): void {
  if (node === null || typeof node !== 'object') return;
  const n = node as Record<string, unknown>;
  if (Array.isArray(n.all)) n.all.forEach((child) => collectLeaves(child, out));
  else if (Array.isArray(n.any)) n.any.forEach((child) => collectLeaves(child, out));
  else if (n.not !== undefined) collectLeaves(n.not, out);
  else if (typeof n.name === 'string')
    out.set(n.name, { factResult: n.factResult, result: n.result === true });
}

function shown(value: unknown): unknown {
  if (value === undefined) return null;
  return value instanceof Date ? value.toISOString() : value;
}
