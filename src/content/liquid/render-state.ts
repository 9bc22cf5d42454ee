import type { Context, Template } from 'liquidjs';
import type { UtmParams } from './filters';

/**
 * Per-render state the custom tag and filters read. It lives in the render's `globals` under a symbol key: globals
 * reach every partial and layout (unlike registers), and no Liquid expression can name a symbol.
 */
export const RENDER_STATE = Symbol('waymark.renderState');

export interface RenderBlock {
  /** The chosen variant's parsed HTML, or null when the block renders nothing. */
  templates: Template[] | null;
}

export interface RenderState {
  locale: string;
  timeZone: string;
  currency: string;
  utm: UtmParams;
  blocks: ReadonlyMap<string, RenderBlock>;
  /** Names of the blocks a `block_for` tag rendered. */
  used: Set<string>;
  /** Blocks being rendered, innermost last: a block may not render itself. */
  stack: string[];
  strict: boolean;
}

export function renderStateOf(ctx: Context): RenderState | undefined {
  return (ctx.globals as Record<symbol, RenderState | undefined>)[RENDER_STATE];
}
