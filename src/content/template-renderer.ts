import type { ConditionEvaluator } from './blocks/conditions';
import { BlockChoice, selectBlocks } from './blocks/select-variant';
import { CompiledTemplate, compileTemplate, TemplateSources } from './compile-template';
import { ContentException, TemplateProblem } from './content.exception';
import type { LiquidEngine, LiquidMode } from './liquid/engine';
import { htmlToText } from './liquid/html-to-text';
import { liquidProblems } from './liquid/liquid-errors';
import { RENDER_STATE, RenderBlock, RenderState } from './liquid/render-state';
import { buildRenderContext, RenderInput } from './render-context';

/** A stored, immutable template version: what a message is rendered from. */
export interface RenderableVersion extends TemplateSources {
  templateId: string;
  key: string;
  name: string;
  version: number;
}

export interface BlockReport extends BlockChoice {
  /** Whether a `block_for` tag rendered the block (a chosen block the HTML never uses is not rendered). */
  rendered: boolean;
}

export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
  /** True when the template has no `text` and the text body was generated from the HTML. */
  textGenerated: boolean;
  blocks: BlockReport[];
}

export interface RenderOptions {
  /** Undefined variables and unknown blocks are errors, all of them reported. */
  strict?: boolean;
}

export const COMPILED_CACHE_SIZE = 1_000;

/**
 * Renders template versions: block variants are chosen first (conditions are asynchronous), then subject, HTML and
 * text render synchronously from a version compiled once and kept in an LRU keyed by (template id, version) —
 * versions are immutable, so an entry never goes stale. No Nest, no database: the messaging module's sender and
 * the preview endpoint share it.
 */
export class TemplateRenderer {
  private readonly cache = new Map<string, CompiledTemplate>();

  constructor(
    readonly engine: LiquidEngine,
    private readonly evaluator: ConditionEvaluator,
    private readonly publicUrl: string,
    private readonly cacheSize = COMPILED_CACHE_SIZE,
  ) {}

  /** The compiled version, from the cache or parsed now; a stored version that no longer compiles is a 422. */
  compiled(version: RenderableVersion): CompiledTemplate {
    const key = `${version.templateId}@${version.version}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const { compiled, problems } = compileTemplate(this.engine, version);
    if (!compiled) throw ContentException.renderFailed(problems);
    this.remember(version, compiled);
    return compiled;
  }

  /** Keeps a version compiled elsewhere (validation at save compiles it already). */
  remember(version: RenderableVersion, compiled: CompiledTemplate): void {
    this.cache.set(`${version.templateId}@${version.version}`, compiled);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }

  async render(
    version: RenderableVersion,
    input: RenderInput,
    options: RenderOptions = {},
  ): Promise<RenderedMessage> {
    const strict = options.strict ?? false;
    const compiled = this.compiled(version);
    const built = buildRenderContext(input, this.publicUrl, {
      key: version.key,
      name: version.name,
      version: version.version,
    });

    let choices: Map<string, BlockChoice>;
    try {
      choices = await selectBlocks(compiled.blocks, built.facts, this.evaluator, input.blockOverrides);
    } catch (error) {
      throw ContentException.renderFailed([
        { path: 'blocks', message: `a block condition failed: ${(error as Error).message}` },
      ]);
    }
    const blocks = new Map<string, RenderBlock>();
    for (const [name, choice] of choices)
      blocks.set(name, {
        templates: choice.chosen === null ? null : compiled.blocks[name][choice.chosen].templates,
      });
    const state: RenderState = {
      locale: built.locale,
      timeZone: built.timeZone,
      currency: built.currency,
      utm: built.utm,
      blocks,
      used: new Set(),
      stack: [],
      strict,
    };
    const globals = { ...built.scope, [RENDER_STATE]: state };

    const problems: TemplateProblem[] = [];
    const part = (templates: CompiledTemplate['html'], mode: LiquidMode, path: string): string => {
      try {
        return this.engine.render(templates, mode, globals, strict);
      } catch (error) {
        problems.push(...liquidProblems(error, path, this.engine.templatesDir));
        return '';
      }
    };
    const subject = part(compiled.subject, 'plain', 'subject').replace(/\s+/g, ' ').trim();
    const html = part(compiled.html, 'html', 'html');
    const text = compiled.text ? part(compiled.text, 'plain', 'text') : htmlToText(html);
    if (problems.length) throw ContentException.renderFailed(problems);

    return {
      subject,
      html,
      text,
      textGenerated: compiled.text === null,
      blocks: [...choices.values()].map((c) => ({ ...c, rendered: state.used.has(c.name) })),
    };
  }
}
