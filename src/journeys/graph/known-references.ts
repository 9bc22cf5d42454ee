import { segmentReferences } from '../../segments/rules/segment-references';
import { isPlainObject } from './field-checks';

/** What exists outside the journey, loaded by the service from `journeyReferences` before validating. */
export interface KnownReferences {
  /** Template keys or ids that exist. */
  templates: Set<string>;
  /** Segment keys that exist. */
  segments: Set<string>;
  /** Experiments by key, with their arm names and whether they hold customers out. */
  experiments: Map<string, { arms: string[]; hasHoldout: boolean }>;
}

export interface JourneyReferences {
  templates: string[];
  segments: string[];
  experiments: string[];
}

/**
 * The templates, segments and experiments a definition names, each once, in document order. It reads any input
 * (malformed parts are skipped) so the service can load what exists before validation reports the rest.
 */
export function journeyReferences(definition: unknown): JourneyReferences {
  const templates = new Set<string>();
  const segments = new Set<string>();
  const experiments = new Set<string>();
  if (!isPlainObject(definition)) return { templates: [], segments: [], experiments: [] };
  const trigger = definition.trigger;
  if (
    isPlainObject(trigger) &&
    (trigger.type === 'segment_entered' || trigger.type === 'segment_exited') &&
    typeof trigger.segment === 'string'
  )
    segments.add(trigger.segment);
  for (const node of Array.isArray(definition.nodes) ? definition.nodes : []) {
    if (!isPlainObject(node)) continue;
    if (node.type === 'send_email' && typeof node.template === 'string') templates.add(node.template);
    if (node.type === 'split' && typeof node.experiment === 'string') experiments.add(node.experiment);
    if (node.type === 'branch' && Array.isArray(node.branches))
      for (const branch of node.branches)
        if (isPlainObject(branch)) for (const ref of segmentReferences(branch.when)) segments.add(ref.key);
  }
  return { templates: [...templates], segments: [...segments], experiments: [...experiments] };
}
