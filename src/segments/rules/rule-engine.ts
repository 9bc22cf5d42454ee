import { Almanac, Engine, Operator } from 'json-rules-engine';
import { Condition, EventsParams, isLeaf, RuleDefinition } from './definition';
import { aggregateEvents, CustomerEvent } from './customer-facts';
import { daysAgo } from './event-window';
import { factType, FactName, OPERATOR_NAMES } from './facts';
import { parseIsoInstant } from './iso-time';
import { resolvePath } from './json-path';
import { JS_OPERATORS, MsWindow } from './operators';

/** Facts only the engine sees: definitions cannot name them because validation whitelists the public ones. */
export const NOW_FACT = 'waymark:nowMs';
export const EVENT_LOG_FACT = 'waymark:events';
const WINDOW_FACT = 'waymark:window';

/**
 * A json-rules-engine Engine for one validated definition: our operators replace the built-ins, paths resolve like
 * PostgreSQL's `#>`, and every leaf is named after its path in the definition so results can be explained.
 */
export function buildEngine(rules: RuleDefinition): Engine {
  const engine = new Engine([], { allowUndefinedFacts: false, pathResolver: resolvePath });
  for (const name of OPERATOR_NAMES) engine.addOperator(new Operator(name, JS_OPERATORS[name] as never));
  engine.addFact('events', async (params: Record<string, unknown>, almanac: Almanac) => {
    const [log, nowMs] = await Promise.all([
      almanac.factValue<CustomerEvent[]>(EVENT_LOG_FACT),
      almanac.factValue<number>(NOW_FACT),
    ]);
    return aggregateEvents(log, params as unknown as EventsParams, nowMs);
  });
  // withinLastDays needs `now`, which operators never see: its value becomes a reference to this fact, resolved
  // per run, so one engine serves every `now`.
  engine.addFact(
    WINDOW_FACT,
    async (params: Record<string, unknown>, almanac: Almanac): Promise<MsWindow> => {
      const nowMs = await almanac.factValue<number>(NOW_FACT);
      return { fromMs: daysAgo(nowMs, params.days as number), toMs: nowMs + 1 };
    },
  );
  engine.addRule({ conditions: toEngine(rules, 'rules') as never, event: { type: 'match' } });
  return engine;
}

/** Rebuilt from whitelisted keys only, so nothing a definition carries reaches the engine unexamined. */
function toEngine(node: Condition, path: string): Record<string, unknown> {
  if (isLeaf(node)) {
    return {
      name: path,
      fact: node.fact,
      ...(node.path !== undefined && { path: node.path }),
      ...(node.params !== undefined && { params: node.params }),
      operator: node.operator,
      value: engineValue(node.fact as FactName, node.path, node.operator, node.value),
    };
  }
  if ('all' in node) return { all: node.all.map((child, i) => toEngine(child, `${path}.all[${i}]`)) };
  if ('any' in node) return { any: node.any.map((child, i) => toEngine(child, `${path}.any[${i}]`)) };
  return { not: toEngine(node.not, `${path}.not`) };
}

function engineValue(fact: FactName, path: string | undefined, operator: string, value: unknown): unknown {
  if (factType(fact, path) !== 'timestamp') return value;
  if (operator === 'withinLastDays') return { fact: WINDOW_FACT, params: { days: value } };
  if (operator === 'before' || operator === 'after') return parseIsoInstant(value as string);
  if (operator === 'between') return (value as string[]).map((v) => parseIsoInstant(v));
  return value;
}
