import { validateDefinition } from '../../segments/rules/validate';
import type { NodeType } from './definition';
import {
  checkDuration,
  checkKeys,
  checkLocalTime,
  checkNodeRef,
  checkObject,
  checkOptionalText,
  checkPositiveInteger,
  checkPropertyConditions,
  checkText200,
  checkWeekdays,
  keyPath,
  NODE_BASE_KEYS,
  NODE_ID_RE,
  Problems,
} from './field-checks';
import type { KnownReferences } from './known-references';
import { checkSplit } from './validate-split';

export const NODE_TYPES: readonly NodeType[] = [
  'wait',
  'branch',
  'split',
  'send_email',
  'update_customer',
  'exit',
];

const MAX_BRANCHES = 50;

/** Every problem of one node's own fields; whether its targets exist is the graph check's job. */
export function checkNode(node: unknown, path: string, refs: KnownReferences, problems: Problems): void {
  if (!checkObject(node, path, problems, 'a node object')) return;
  if (node.id === undefined) problems.push({ path: `${path}.id`, message: 'is required' });
  else if (typeof node.id !== 'string' || !NODE_ID_RE.test(node.id))
    problems.push({ path: `${path}.id`, message: 'must be 1 to 64 letters, digits, _ or -' });
  checkOptionalText(node.name, `${path}.name`, problems);
  const type = node.type as NodeType;
  if (!NODE_TYPES.includes(type)) {
    problems.push({
      path: `${path}.type`,
      message: `${type === undefined ? 'is required' : 'unknown node type'}; one of ${NODE_TYPES.join(', ')}`,
    });
    return;
  }
  CHECKS[type](node, path, refs, problems);
}

type Check = (node: Record<string, unknown>, path: string, refs: KnownReferences, problems: Problems) => void;

const CHECKS: Record<NodeType, Check> = {
  wait: checkWait,
  branch: checkBranch,
  split: checkSplit,
  send_email(node, path, refs, problems) {
    checkKeys(
      node,
      [...NODE_BASE_KEYS, 'template', 'version', 'blocks', 'transactional', 'next'],
      path,
      problems,
    );
    if (
      checkText200(node.template, `${path}.template`, problems) &&
      !refs.templates.has(node.template as string)
    )
      problems.push({ path: `${path}.template`, message: `unknown template "${node.template as string}"` });
    if (node.version !== undefined) checkPositiveInteger(node.version, `${path}.version`, problems);
    if (
      node.blocks !== undefined &&
      checkObject(node.blocks, `${path}.blocks`, problems, 'an object of block → variant index')
    )
      for (const [block, variant] of Object.entries(node.blocks))
        if (!Number.isInteger(variant) || (variant as number) < 0)
          problems.push({
            path: keyPath(`${path}.blocks`, block),
            message: 'must be the index (from 0) of one of the block’s variants',
          });
    if (node.transactional !== undefined && typeof node.transactional !== 'boolean')
      problems.push({ path: `${path}.transactional`, message: 'must be true or false' });
    if (node.next !== undefined) checkNodeRef(node.next, `${path}.next`, problems);
  },
  update_customer(node, path, _refs, problems) {
    checkKeys(node, [...NODE_BASE_KEYS, 'set', 'increment', 'next'], path, problems);
    if (node.set === undefined && node.increment === undefined)
      problems.push({ path, message: 'needs set or increment' });
    if (node.set !== undefined) checkObject(node.set, `${path}.set`, problems, 'an object of trait → value');
    if (
      node.increment !== undefined &&
      checkObject(node.increment, `${path}.increment`, problems, 'an object of trait → number')
    )
      for (const [trait, by] of Object.entries(node.increment))
        if (typeof by !== 'number' || !Number.isFinite(by))
          problems.push({ path: keyPath(`${path}.increment`, trait), message: 'must be a finite number' });
    if (node.next !== undefined) checkNodeRef(node.next, `${path}.next`, problems);
  },
  exit(node, path, _refs, problems) {
    checkKeys(node, NODE_BASE_KEYS, path, problems);
  },
};

const WAIT_SHAPES = ['duration', 'until', 'event'] as const;

function checkWait(
  node: Record<string, unknown>,
  path: string,
  _refs: KnownReferences,
  problems: Problems,
): void {
  const shapes = WAIT_SHAPES.filter((k) => node[k] !== undefined);
  if (shapes.length !== 1) {
    problems.push({ path, message: 'a wait needs exactly one of duration, until, event' });
    checkKeys(node, [...NODE_BASE_KEYS, ...WAIT_SHAPES, 'timeout', 'timeoutNext', 'next'], path, problems);
    return;
  }
  const shape = shapes[0];
  checkKeys(
    node,
    [...NODE_BASE_KEYS, shape, 'next', ...(shape === 'event' ? ['timeout', 'timeoutNext'] : [])],
    path,
    problems,
  );
  checkNodeRef(node.next, `${path}.next`, problems);
  if (shape === 'duration') {
    checkDuration(node.duration, `${path}.duration`, problems, false);
  } else if (shape === 'until') {
    const until = node.until;
    if (!checkObject(until, `${path}.until`, problems, 'an object { time, weekdays? }')) return;
    checkKeys(until, ['time', 'weekdays'], `${path}.until`, problems);
    checkLocalTime(until.time, `${path}.until.time`, problems);
    if (until.weekdays !== undefined) checkWeekdays(until.weekdays, `${path}.until.weekdays`, problems);
  } else {
    checkDuration(node.timeout, `${path}.timeout`, problems, true);
    checkNodeRef(node.timeoutNext, `${path}.timeoutNext`, problems);
    const event = node.event;
    if (!checkObject(event, `${path}.event`, problems, 'an object { name, where? }')) return;
    checkKeys(event, ['name', 'where'], `${path}.event`, problems);
    checkText200(event.name, `${path}.event.name`, problems);
    if (event.where !== undefined) checkPropertyConditions(event.where, `${path}.event.where`, problems);
  }
}

function checkBranch(
  node: Record<string, unknown>,
  path: string,
  refs: KnownReferences,
  problems: Problems,
): void {
  checkKeys(node, [...NODE_BASE_KEYS, 'branches', 'else'], path, problems);
  checkNodeRef(node.else, `${path}.else`, problems);
  const branches = node.branches;
  if (!Array.isArray(branches) || branches.length === 0 || branches.length > MAX_BRANCHES) {
    problems.push({ path: `${path}.branches`, message: `must be a list of 1 to ${MAX_BRANCHES} branches` });
    return;
  }
  // A journey is not a segment: only unknown segments matter, and the stub rules refer to nothing (no cycles).
  const segmentRules = (key: string) => (refs.segments.has(key) ? {} : undefined);
  branches.forEach((branch, i) => {
    const at = `${path}.branches[${i}]`;
    if (!checkObject(branch, at, problems, 'a branch { name?, when, next }')) return;
    checkKeys(branch, ['name', 'when', 'next'], at, problems);
    checkOptionalText(branch.name, `${at}.name`, problems);
    checkNodeRef(branch.next, `${at}.next`, problems);
    if (branch.when === undefined) problems.push({ path: `${at}.when`, message: 'is required' });
    else
      problems.push(
        ...validateDefinition(branch.when, { root: `${at}.when`, allowContext: true, segmentRules }),
      );
  });
}
