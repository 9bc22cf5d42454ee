import type { Template } from 'liquidjs';
import type { BlockCondition } from './blocks/conditions';
import type { TemplateProblem } from './content.exception';
import type { LiquidEngine, LiquidMode } from './liquid/engine';
import { liquidProblems } from './liquid/liquid-errors';
import type { BlocksDefinition } from './template-definition';

/** The Liquid sources of one template version. */
export interface TemplateSources {
  subject: string;
  html: string;
  /** Absent: the text body is generated from the rendered HTML. */
  text: string | null;
  blocks: BlocksDefinition;
}

export interface CompiledVariant {
  when?: BlockCondition;
  templates: Template[];
}

/** A version parsed once: rendering it never parses again. */
export interface CompiledTemplate {
  subject: Template[];
  html: Template[];
  text: Template[] | null;
  blocks: Record<string, CompiledVariant[]>;
}

/**
 * Parses every source of a version (subject and text as plain text, HTML and block variants as HTML) and checks
 * what they refer to. Reports every problem, with its path (`subject`, `html`, `text`, `blocks.hero[1].html`) and
 * the Liquid line and column, or returns the compiled template when there is none.
 */
export function compileTemplate(
  engine: LiquidEngine,
  sources: TemplateSources,
): { compiled: CompiledTemplate | null; problems: TemplateProblem[] } {
  const problems: TemplateProblem[] = [];
  const blockNames = new Set(Object.keys(sources.blocks));
  const parse = (source: string, mode: LiquidMode, path: string): Template[] => {
    try {
      const templates = engine.parse(source, mode);
      problems.push(...engine.checkReferences(templates, mode, path, blockNames));
      return templates;
    } catch (error) {
      problems.push(...liquidProblems(error, path, engine.templatesDir));
      return [];
    }
  };
  const subject = parse(sources.subject, 'plain', 'subject');
  const html = parse(sources.html, 'html', 'html');
  const text = sources.text === null ? null : parse(sources.text, 'plain', 'text');
  const blocks: Record<string, CompiledVariant[]> = {};
  for (const [name, variants] of Object.entries(sources.blocks)) {
    blocks[name] = variants.map((variant, i) => ({
      ...(variant.when === undefined ? {} : { when: variant.when }),
      templates: parse(variant.html, 'html', `blocks.${name}[${i}].html`),
    }));
  }
  if (problems.length) return { compiled: null, problems };
  return { compiled: { subject, html, text, blocks }, problems };
}
