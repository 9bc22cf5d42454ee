/** Rule segments: the definition format, its validation, and two evaluators (SQL and json-rules-engine) that agree. */
export { compileForCustomers, compileSegmentSql, FULL_REFRESH_SETTINGS } from './compile-sql';
export type { CompiledSql, CompileOptions } from './compile-sql';
export type { CustomerEvent, CustomerFacts, CustomerScoresFacts, CustomerStatsFacts } from './customer-facts';
export { InvalidDefinitionError } from './definition';
export type { Condition, EventsParams, LeafCondition, RuleDefinition } from './definition';
export { createEvaluator, evaluate, eventsNeeded } from './evaluate';
export type { Evaluation, EventsNeeded, ExplainedCondition, RuleEvaluator } from './evaluate';
export {
  CONTEXT_FACT,
  FACT_NAMES,
  LIMITS,
  OPERATOR_NAMES,
  OPERATORS_BY_TYPE,
  SCORES_FIELDS,
  STATS_FIELDS,
} from './facts';
export { segmentReferences } from './segment-references';
export { structureProblems, validateDefinition } from './validate';
export type { StructureOptions, ValidateOptions } from './validate';
