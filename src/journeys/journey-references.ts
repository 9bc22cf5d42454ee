import type { EntityManager } from 'typeorm';
import type { FieldProblem } from '../common/errors/app.exception';
import type { JourneyDefinition } from './graph/definition';
import type { KnownReferences } from './graph/validate';
import type { PinnedReferences } from './journey.types';
import { expandFactorial } from '../experiments/assignment/experiment-definition';
import type { StoredDefinition } from '../experiments/experiment.types';

interface References {
  templates: string[];
  segments: string[];
  experiments: string[];
}

/** Loads what a definition refers to (templates, segments, experiments) in three queries. */
export async function loadReferences(
  manager: EntityManager,
  refs: References,
): Promise<{
  known: KnownReferences;
  templates: Map<string, { id: string; key: string; version: number }>;
  segmentIds: Map<string, string>;
}> {
  const templates = new Map<string, { id: string; key: string; version: number }>();
  const rows: { id: string; key: string; version: number }[] = await manager.query(
    `SELECT id, key, version FROM templates WHERE archived_at IS NULL AND (key = ANY($1) OR id::text = ANY($1))`,
    [refs.templates],
  );
  for (const r of rows) {
    templates.set(r.key, r);
    templates.set(r.id, r);
  }
  const segmentRows: { id: string; key: string }[] = await manager.query(
    `SELECT id, key FROM segments WHERE archived_at IS NULL`,
  );
  const segmentIds = new Map(segmentRows.map((s) => [s.key, s.id]));
  const experimentRows: { key: string; definition: StoredDefinition }[] = await manager.query(
    `SELECT key, definition FROM experiments WHERE key = ANY($1)`,
    [refs.experiments],
  );
  const experiments = new Map(
    experimentRows.map((e) => [e.key, { arms: armNames(e.definition), hasHoldout: !!e.definition.holdout }]),
  );
  return {
    known: {
      templates: new Set(templates.keys()),
      segments: new Set(segmentIds.keys()),
      experiments,
    },
    templates,
    segmentIds,
  };
}

function armNames(d: StoredDefinition): string[] {
  return d.arms ? d.arms.map((a) => a.name) : expandFactorial(d.factors ?? []).map((c) => c.name);
}

/** Pins each send_email node to a template version: the one named, else the newest now. */
export async function pinReferences(
  manager: EntityManager,
  definition: JourneyDefinition,
  templates: Map<string, { id: string; key: string; version: number }>,
  segmentIds: Map<string, string>,
): Promise<{ pinned: PinnedReferences; problems: FieldProblem[] }> {
  const pinned: PinnedReferences = { templates: {}, segments: Object.fromEntries(segmentIds) };
  const problems: FieldProblem[] = [];
  for (const [i, node] of definition.nodes.entries()) {
    if (node.type !== 'send_email') continue;
    const template = templates.get(node.template);
    if (!template) continue; // reported by validation
    const version = node.version ?? template.version;
    const [stored] = await manager.query(
      `SELECT blocks FROM template_versions WHERE template_id = $1 AND version = $2`,
      [template.id, version],
    );
    if (!stored) {
      problems.push({
        path: `nodes[${i}].version`,
        message: `template "${node.template}" has no version ${version}`,
      });
      continue;
    }
    const blocks = (stored.blocks ?? {}) as Record<string, unknown[]>;
    for (const [block, index] of Object.entries(node.blocks ?? {})) {
      if (!blocks[block])
        problems.push({
          path: `nodes[${i}].blocks.${block}`,
          message: `template "${node.template}" version ${version} has no block "${block}"`,
        });
      else if (index >= blocks[block].length)
        problems.push({
          path: `nodes[${i}].blocks.${block}`,
          message: `block "${block}" has ${blocks[block].length} variants (0 to ${blocks[block].length - 1})`,
        });
    }
    pinned.templates[node.id] = { id: template.id, key: template.key, version };
  }
  return { pinned, problems };
}
