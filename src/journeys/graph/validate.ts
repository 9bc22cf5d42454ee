import type { FieldProblem } from '../../common/errors/app.exception';
import {
  checkDuration,
  checkKeys,
  checkObject,
  checkOptionalText,
  checkPositiveInteger,
  checkPropertyConditions,
  checkText200,
  isPlainObject,
  keyPath,
  Problems,
} from './field-checks';
import type { KnownReferences } from './known-references';
import { checkGraph } from './validate-graph';
import { checkNode } from './validate-nodes';
import { checkTrigger } from './validate-trigger';

export { journeyReferences } from './known-references';
export type { JourneyReferences, KnownReferences } from './known-references';

const TOP_KEYS = ['trigger', 'start', 'nodes', 'goals', 'reentry', 'frequencyCap'];
/** Bounds the work (and the recursion of the loop search) on hostile input; real journeys are far smaller. */
export const MAX_NODES = 500;
const MAX_GOALS = 20;
const POLICIES = ['once', 'cooldown', 'always'];

/**
 * Every problem of a journey definition, each with its path (`nodes[2].next`, `trigger.segment`,
 * `goals[0].within`): field shapes, references to templates, segments and experiments that do not exist (`refs`),
 * branch conditions (rule-segment definitions plus the `context` fact), and the graph (dangling edges, unreachable
 * nodes, loops without a wait). An empty list means it is valid.
 */
export function validateJourney(definition: unknown, refs: KnownReferences): FieldProblem[] {
  if (!isPlainObject(definition)) return [{ path: '', message: 'must be a journey definition object' }];
  const problems: Problems = [];
  for (const key of Object.keys(definition))
    if (!TOP_KEYS.includes(key))
      problems.push({ path: keyPath('', key).replace(/^\./, ''), message: 'unknown key' });
  checkTrigger(definition.trigger, refs.segments, problems);

  const nodes = definition.nodes;
  if (!Array.isArray(nodes) || nodes.length === 0 || nodes.length > MAX_NODES) {
    problems.push({ path: 'nodes', message: `must be a list of 1 to ${MAX_NODES} nodes` });
  } else {
    const seen = new Map<unknown, number>();
    nodes.forEach((node, i) => {
      checkNode(node, `nodes[${i}]`, refs, problems);
      const id = isPlainObject(node) ? node.id : undefined;
      if (typeof id !== 'string') return;
      const first = seen.get(id);
      if (first !== undefined)
        problems.push({ path: `nodes[${i}].id`, message: `duplicate id "${id}" (also nodes[${first}])` });
      else seen.set(id, i);
    });
    checkGraph(definition.start, nodes, problems);
  }

  if (definition.goals !== undefined) checkGoals(definition.goals, problems);
  if (definition.reentry !== undefined) checkReentry(definition.reentry, problems);
  if (definition.frequencyCap !== undefined) {
    const cap = definition.frequencyCap;
    if (checkObject(cap, 'frequencyCap', problems, 'an object { max, within }')) {
      checkKeys(cap, ['max', 'within'], 'frequencyCap', problems);
      checkPositiveInteger(cap.max, 'frequencyCap.max', problems);
      checkDuration(cap.within, 'frequencyCap.within', problems, true);
    }
  }
  return problems;
}

function checkGoals(goals: unknown, problems: Problems): void {
  if (!Array.isArray(goals) || goals.length > MAX_GOALS) {
    problems.push({ path: 'goals', message: `must be a list of at most ${MAX_GOALS} goals` });
    return;
  }
  goals.forEach((goal, i) => {
    const path = `goals[${i}]`;
    if (!checkObject(goal, path, problems, 'a goal { name?, event, where?, within? }')) return;
    checkKeys(goal, ['name', 'event', 'where', 'within'], path, problems);
    checkOptionalText(goal.name, `${path}.name`, problems);
    checkText200(goal.event, `${path}.event`, problems);
    if (goal.where !== undefined) checkPropertyConditions(goal.where, `${path}.where`, problems);
    if (goal.within !== undefined) checkDuration(goal.within, `${path}.within`, problems, true);
  });
}

function checkReentry(reentry: unknown, problems: Problems): void {
  if (!checkObject(reentry, 'reentry', problems, 'an object { policy, cooldown? }')) return;
  checkKeys(reentry, ['policy', 'cooldown'], 'reentry', problems);
  if (!POLICIES.includes(reentry.policy as string)) {
    problems.push({ path: 'reentry.policy', message: `must be one of ${POLICIES.join(', ')}` });
  } else if (reentry.policy === 'cooldown') {
    checkDuration(reentry.cooldown, 'reentry.cooldown', problems, true);
  } else if (reentry.cooldown !== undefined) {
    problems.push({ path: 'reentry.cooldown', message: 'is only allowed with the cooldown policy' });
  }
}
