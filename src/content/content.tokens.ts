/** The block-condition evaluator (json-rules-engine now; the segments module's evaluator can replace it). */
export const CONDITION_EVALUATOR = Symbol('CONDITION_EVALUATOR');
