import { BlockCondition, validateCondition } from './blocks/conditions';
import type { TemplateProblem } from './content.exception';

/**
 * The shape of a template's named content blocks and its validation (pure). Liquid syntax is checked separately,
 * by compiling the sources (compile-template.ts).
 *
 *   blocks: { hero: [ { when: { segment: "vip" }, html: "…" }, { when: { all: [...] }, html: "…" }, { html: "…" } ] }
 */

export interface BlockVariantDefinition {
  /** Absent on the default variant, used when no condition holds. */
  when?: BlockCondition;
  html: string;
}

export type BlocksDefinition = Record<string, BlockVariantDefinition[]>;

export const BLOCK_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const MAX_BLOCKS = 50;
export const MAX_VARIANTS = 20;
export const MAX_VARIANT_HTML = 200_000;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every structural problem in `blocks`, with paths like `blocks.hero[1].html` and `blocks.hero[0].when.segment`. */
export function validateBlocks(blocks: unknown): TemplateProblem[] {
  if (blocks === undefined || blocks === null) return [];
  if (!isObject(blocks)) return [{ path: 'blocks', message: 'must be an object of block name → variants' }];
  const names = Object.keys(blocks);
  if (names.length > MAX_BLOCKS) return [{ path: 'blocks', message: `has more than ${MAX_BLOCKS} blocks` }];
  const problems: TemplateProblem[] = [];
  for (const name of names) {
    const at = `blocks.${name}`;
    if (!BLOCK_NAME.test(name)) {
      problems.push({
        path: at,
        message: 'block names start with a letter, then letters, digits, _ or - (≤ 64)',
      });
      continue;
    }
    const variants = blocks[name];
    if (!Array.isArray(variants) || variants.length === 0) {
      problems.push({ path: at, message: 'must be a non-empty array of variants' });
      continue;
    }
    if (variants.length > MAX_VARIANTS) {
      problems.push({ path: at, message: `has more than ${MAX_VARIANTS} variants` });
      continue;
    }
    let defaults = 0;
    variants.forEach((variant, i) => {
      const vat = `${at}[${i}]`;
      if (!isObject(variant)) {
        problems.push({ path: vat, message: 'must be an object with `html` and an optional `when`' });
        return;
      }
      for (const key of Object.keys(variant).filter((k) => k !== 'when' && k !== 'html'))
        problems.push({ path: `${vat}.${key}`, message: 'is not allowed (a variant has `when` and `html`)' });
      if (typeof variant.html !== 'string')
        problems.push({ path: `${vat}.html`, message: 'must be a string' });
      else if (variant.html.length > MAX_VARIANT_HTML)
        problems.push({ path: `${vat}.html`, message: `is longer than ${MAX_VARIANT_HTML} characters` });
      if (variant.when === undefined) defaults++;
      else problems.push(...validateCondition(variant.when, `${vat}.when`));
    });
    if (defaults > 1)
      problems.push({ path: at, message: 'has more than one default variant (a variant without `when`)' });
  }
  return problems;
}
