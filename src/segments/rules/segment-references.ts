import type { FieldProblem } from '../../common/errors/app.exception';
import { isPlainObject } from './value-checks';

export interface SegmentReference {
  key: string;
  /** Path of the condition's value, e.g. `rules.all[1].value`. */
  path: string;
}

/**
 * The segment keys a definition refers to (`segments contains|doesNotContain <key>`), read defensively: stored
 * definitions of other segments are walked too, and they are not re-validated here.
 */
export function segmentReferences(node: unknown, path = 'rules', depth = 0): SegmentReference[] {
  if (!isPlainObject(node) || depth > 64) return [];
  if (node.fact === 'segments')
    return typeof node.value === 'string' &&
      (node.operator === 'contains' || node.operator === 'doesNotContain')
      ? [{ key: node.value, path: `${path}.value` }]
      : [];
  const out: SegmentReference[] = [];
  for (const op of ['all', 'any'] as const) {
    const children = node[op];
    if (Array.isArray(children))
      children.forEach((child, i) => out.push(...segmentReferences(child, `${path}.${op}[${i}]`, depth + 1)));
  }
  if (node.not !== undefined) out.push(...segmentReferences(node.not, `${path}.not`, depth + 1));
  return out;
}

export interface ReferenceOptions {
  /** The stored rules of another segment by key; undefined when no such segment exists. */
  segmentRules: (key: string) => unknown;
  /** The key of the segment being validated: its new rules replace whatever `segmentRules` has for it. */
  selfKey?: string;
}

/**
 * Unknown segments, and cycles of segments referring to each other (a refresh order must exist, and a
 * membership may not depend on itself). Cycles are found by following references through `segmentRules`.
 */
export function referenceProblems(rules: unknown, options: ReferenceOptions, root = 'rules'): FieldProblem[] {
  const { segmentRules, selfKey } = options;
  const problems: FieldProblem[] = [];
  // Segments from which no cycle (and no way back to this segment) is reachable: keeps the search linear.
  const acyclic = new Set<string>();
  const keysOf = (key: string) => {
    const stored = segmentRules(key);
    return stored === undefined ? [] : segmentReferences(stored).map((r) => r.key);
  };

  const findCycle = (start: string): string[] | undefined => {
    const stack: string[] = selfKey === undefined ? [] : [selfKey];
    const visit = (key: string): string[] | undefined => {
      const at = stack.indexOf(key);
      if (at >= 0) return [...stack.slice(at), key];
      if (acyclic.has(key)) return undefined;
      stack.push(key);
      for (const next of keysOf(key)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
      stack.pop();
      acyclic.add(key);
      return undefined;
    };
    return visit(start);
  };

  for (const ref of segmentReferences(rules, root)) {
    if (ref.key === selfKey) {
      problems.push({ path: ref.path, message: `a segment cannot refer to itself ("${ref.key}")` });
    } else if (segmentRules(ref.key) === undefined) {
      problems.push({ path: ref.path, message: `unknown segment "${ref.key}"` });
    } else {
      const cycle = findCycle(ref.key);
      if (cycle)
        problems.push({ path: ref.path, message: `segments refer to each other: ${cycle.join(' → ')}` });
    }
  }
  return problems;
}
