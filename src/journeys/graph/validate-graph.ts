import { parseDuration } from './duration';
import { isPlainObject, keyPath, NODE_ID_RE, Problems } from './field-checks';

interface Edge {
  /** Path of the field naming the target, e.g. `nodes[2].branches[0].next`. */
  path: string;
  target: string;
}

/**
 * Problems of the graph as a whole: `start` and edges naming no node, nodes no run can reach, and loops a run could
 * go round without ever pausing (the engine would spin, sending mail each lap). Read tolerantly: field problems are
 * reported by the node checks, here a malformed field simply contributes no edge.
 */
export function checkGraph(start: unknown, nodes: readonly unknown[], problems: Problems): void {
  const index = new Map<string, number>();
  nodes.forEach((node, i) => {
    const id = isPlainObject(node) ? node.id : undefined;
    if (typeof id === 'string' && NODE_ID_RE.test(id) && !index.has(id)) index.set(id, i);
  });
  const edges = nodes.map((node, i) => edgesOf(node, `nodes[${i}]`));
  const targets = edges.map((list) =>
    list.flatMap((edge) => {
      const to = index.get(edge.target);
      if (to === undefined && NODE_ID_RE.test(edge.target))
        problems.push({ path: edge.path, message: `no node "${edge.target}"` });
      return to === undefined ? [] : [to];
    }),
  );

  let first: number | undefined = nodes.length > 0 ? 0 : undefined;
  if (start !== undefined) {
    first = typeof start === 'string' ? index.get(start) : undefined;
    if (typeof start !== 'string' || !NODE_ID_RE.test(start))
      problems.push({ path: 'start', message: 'must be a node id' });
    else if (first === undefined) problems.push({ path: 'start', message: `no node "${start}"` });
  }
  if (first !== undefined) unreachable(first, nodes, targets, index, problems);
  loopsWithoutWait(nodes, targets, problems);
}

function edgesOf(node: unknown, path: string): Edge[] {
  if (!isPlainObject(node)) return [];
  const edges: Edge[] = [];
  const add = (target: unknown, at: string) => {
    if (typeof target === 'string') edges.push({ path: at, target });
  };
  add(node.next, `${path}.next`);
  if (node.type === 'wait') add(node.timeoutNext, `${path}.timeoutNext`);
  if (node.type === 'branch') {
    if (Array.isArray(node.branches))
      node.branches.forEach((b, i) => isPlainObject(b) && add(b.next, `${path}.branches[${i}].next`));
    add(node.else, `${path}.else`);
  }
  if (node.type === 'split') {
    if (isPlainObject(node.arms))
      for (const [arm, target] of Object.entries(node.arms)) add(target, keyPath(`${path}.arms`, arm));
    add(node.holdout, `${path}.holdout`);
    if (Array.isArray(node.variants))
      node.variants.forEach((v, i) => isPlainObject(v) && add(v.next, `${path}.variants[${i}].next`));
  }
  return edges;
}

function unreachable(
  first: number,
  nodes: readonly unknown[],
  targets: number[][],
  index: Map<string, number>,
  problems: Problems,
): void {
  const seen = new Set([first]);
  const queue = [first];
  while (queue.length > 0)
    for (const to of targets[queue.shift()!]) if (!seen.has(to) && seen.add(to)) queue.push(to);
  const startId = (nodes[first] as { id: string }).id;
  for (const [id, i] of index)
    if (!seen.has(i))
      problems.push({ path: `nodes[${i}]`, message: `"${id}" cannot be reached from "${startId}"` });
}

/** A wait that really pauses: a positive duration, a time of day, or an event (with its timeout). */
function pauses(node: unknown): boolean {
  if (!isPlainObject(node) || node.type !== 'wait') return false;
  if (node.until !== undefined || node.event !== undefined) return true;
  return (parseDuration(node.duration) ?? 0) > 0;
}

/**
 * Strongly connected components of the graph without its pausing waits (Tarjan): each one with a loop in it is a
 * loop that never pauses, reported once at its first node.
 */
function loopsWithoutWait(nodes: readonly unknown[], targets: number[][], problems: Problems): void {
  const active = nodes.map((node) => !pauses(node));
  const order = new Array<number>(nodes.length).fill(-1);
  const low = new Array<number>(nodes.length).fill(0);
  const onStack = new Array<boolean>(nodes.length).fill(false);
  const stack: number[] = [];
  let counter = 0;

  const visit = (v: number) => {
    order[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = true;
    for (const w of targets[v]) {
      if (!active[w]) continue;
      if (order[w] < 0) {
        visit(w);
        low[v] = Math.min(low[v], low[w]);
      } else if (onStack[w]) low[v] = Math.min(low[v], order[w]);
    }
    if (low[v] !== order[v]) return;
    const component: number[] = [];
    let w: number;
    do {
      w = stack.pop()!;
      onStack[w] = false;
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || targets[v].includes(v)) {
      component.sort((a, b) => a - b);
      const ids = component.map((i) => `"${(nodes[i] as { id: unknown }).id as string}"`);
      problems.push({
        path: `nodes[${component[0]}]`,
        message: `loops through ${ids.join(', ')} without a wait: a run would go round without pausing`,
      });
    }
  };
  nodes.forEach((_, v) => active[v] && order[v] < 0 && visit(v));
}
