/**
 * The rule-segment definition format: json-rules-engine's own condition format, restricted to the facts and
 * operators of `facts.ts`. These types describe a definition that passed `validateDefinition`; anything read from
 * a request or the database is `unknown` until then.
 */
export type Scalar = string | number | boolean;

export interface EventsParams {
  event: string;
  /** Exact property values an event must have (same JSON type and value). */
  where?: Record<string, Scalar>;
  withinDays?: number;
  /** ISO date or date-time with offset; inclusive. */
  from?: string;
  /** ISO date or date-time with offset; exclusive. */
  to?: string;
  aggregate?: 'count' | 'sum';
  property?: string;
}

export interface LeafCondition {
  fact: string;
  path?: string;
  operator: string;
  value: unknown;
  params?: EventsParams;
  name?: string;
}

export interface AllCondition {
  all: Condition[];
  name?: string;
}

export interface AnyCondition {
  any: Condition[];
  name?: string;
}

export interface NotCondition {
  not: Condition;
  name?: string;
}

export type BooleanCondition = AllCondition | AnyCondition | NotCondition;
export type Condition = LeafCondition | BooleanCondition;
/** A definition's root is always a boolean node, as json-rules-engine requires. */
export type RuleDefinition = BooleanCondition;

export function isLeaf(node: Condition): node is LeafCondition {
  return 'fact' in node;
}

/** Calls `visit` for every leaf with its path in the definition (e.g. `rules.all[2]`), in document order. */
export function forEachLeaf(
  node: Condition,
  visit: (leaf: LeafCondition, path: string) => void,
  path = 'rules',
): void {
  if (isLeaf(node)) visit(node, path);
  else if ('all' in node) node.all.forEach((child, i) => forEachLeaf(child, visit, `${path}.all[${i}]`));
  else if ('any' in node) node.any.forEach((child, i) => forEachLeaf(child, visit, `${path}.any[${i}]`));
  else forEachLeaf(node.not, visit, `${path}.not`);
}

/** Thrown when a compiler or evaluator is handed a definition that does not validate: a caller's bug. */
export class InvalidDefinitionError extends Error {
  constructor(readonly problems: { path: string; message: string }[]) {
    super(`invalid segment definition: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    this.name = 'InvalidDefinitionError';
  }
}
