import { segmentReferences } from './rules/segment-references';
import type { SegmentRow } from './segment.types';

/** Segments in an order where every segment comes after the segments its rules refer to (validation forbids cycles). */
export function dependencyOrder(segments: SegmentRow[]): SegmentRow[] {
  const byKey = new Map(segments.map((s) => [s.key, s]));
  const done = new Set<string>();
  const ordered: SegmentRow[] = [];
  const visit = (s: SegmentRow, path: Set<string>) => {
    if (done.has(s.key) || path.has(s.key)) return;
    path.add(s.key);
    for (const { key } of segmentReferences(s.rules)) {
      const dep = byKey.get(key);
      if (dep) visit(dep, path);
    }
    done.add(s.key);
    ordered.push(s);
  };
  for (const s of segments) visit(s, new Set());
  return ordered;
}
