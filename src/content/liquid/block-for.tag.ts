import {
  Context,
  Emitter,
  evalQuotedToken,
  Liquid,
  Tag,
  TagToken,
  TopLevelToken,
  TypeGuards,
} from 'liquidjs';
import { renderStateOf } from './render-state';

/**
 * `{% block_for "hero" %}` renders the variant of the template's block "hero" chosen for this customer (selection
 * happens before rendering: conditions are asynchronous, rendering is not). The name must be a quoted literal so
 * a template's references can be checked when it is saved.
 */
export class BlockForTag extends Tag {
  readonly blockName: string;

  constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid) {
    super(token, remainTokens, liquid);
    const value = this.tokenizer.readValue();
    if (!value || !TypeGuards.isQuotedToken(value))
      throw new Error('block_for takes a quoted block name, e.g. {% block_for "hero" %}');
    this.blockName = evalQuotedToken(value);
    this.tokenizer.skipBlank();
    if (!this.tokenizer.end())
      throw new Error(`unexpected "${this.tokenizer.remaining()}" after the block name`);
  }

  *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
    const state = renderStateOf(ctx);
    if (!state) throw new Error('block_for is only available when rendering a stored template');
    const name = this.blockName;
    const block = state.blocks.get(name);
    if (!block) {
      if (state.strict) throw new Error(`unknown block "${name}"`);
      return;
    }
    if (state.stack.includes(name)) throw new Error(`block "${name}" renders itself`);
    state.used.add(name);
    if (!block.templates) return;
    state.stack.push(name);
    try {
      yield this.liquid.renderer.renderTemplates(block.templates, ctx, emitter);
    } finally {
      state.stack.pop();
    }
  }
}

/** Registered in the plain-text engine (subject, text) to explain why blocks are not available there. */
export class HtmlOnlyBlockForTag extends Tag {
  constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid) {
    super(token, remainTokens, liquid);
    throw new Error('block_for is only available in the HTML body and its blocks');
  }

  render(): void {}
}
