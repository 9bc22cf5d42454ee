import {
  Context,
  filters as builtInFilters,
  IncludeTag,
  LayoutTag,
  Liquid,
  LiquidOptions,
  LookupType,
  RenderTag,
  Template,
  toValueSync,
} from 'liquidjs';
import type { TemplateProblem } from '../content.exception';
import { BlockForTag, HtmlOnlyBlockForTag } from './block-for.tag';
import {
  addUtm,
  formatDateStyle,
  formatMoney,
  isDateStyle,
  isValidTimeZone,
  pluralize,
  UtmParams,
} from './filters';
import { liquidProblems } from './liquid-errors';
import { RenderState, renderStateOf } from './render-state';
import { findTemplatesDir } from './templates-dir';
import { TEMPLATE_EXTENSION, TemplatesFs } from './templates-fs';

/**
 * The Liquid engine: two liquidjs instances sharing one configuration, `html` (every `{{ }}` HTML-escaped unless
 * it ends in `| raw`) and `plain` for the subject and the text body (no escaping: they are not HTML). Both read
 * layouts, partials and shared blocks only from templates/, refuse unknown filters at parse time, and run under
 * parse, render-time and memory limits. `parseCount` counts parses of marketer sources, so tests can prove that
 * rendering a stored version does not parse again.
 */

export type LiquidMode = 'html' | 'plain';

export interface LiquidLimits {
  /** Characters parsed in one `parse()` call (a source, or a partial file). */
  parseLimit: number;
  /** Milliseconds one render (subject, HTML or text) may take. */
  renderLimit: number;
  /** Allocation units (string and array sizes) one render may use. */
  memoryLimit: number;
}

export const DEFAULT_LIMITS: LiquidLimits = {
  parseLimit: 1_000_000,
  renderLimit: 2_000,
  memoryLimit: 20_000_000,
};

export interface LiquidEngineOptions {
  templatesDir?: string;
  limits?: Partial<LiquidLimits>;
  /** Parsed files of templates/ kept (LRU); they are parsed once, not per render. */
  fileCacheSize?: number;
}

/** What a filter gets as `this` (liquidjs' FilterImpl, which the package does not export). */
interface FilterImpl {
  context: Context;
}

const builtInDate = builtInFilters.date as unknown as (
  this: FilterImpl,
  value: unknown,
  format?: string,
  timeZone?: string | number,
) => unknown;

const DEFAULT_STATE = {
  locale: 'en-US',
  timeZone: 'UTC',
  currency: 'USD',
  utm: { source: 'waymark', medium: 'email' },
};

export class LiquidEngine {
  readonly templatesDir: string;
  readonly limits: LiquidLimits;
  /** Parses of marketer sources since start (files of templates/ are cached by liquidjs and not counted). */
  parseCount = 0;
  private readonly engines: Record<LiquidMode, Liquid>;

  constructor(options: LiquidEngineOptions = {}) {
    this.templatesDir = options.templatesDir ?? findTemplatesDir();
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    const dir = this.templatesDir;
    const common: LiquidOptions = {
      root: [dir],
      partials: [dir],
      layouts: [dir],
      extname: TEMPLATE_EXTENSION,
      relativeReference: false,
      fs: new TemplatesFs(dir),
      cache: options.fileCacheSize ?? 500,
      strictFilters: true,
      strictVariables: false,
      lenientIf: true,
      ownPropertyOnly: true,
      jekyllInclude: false,
      timezoneOffset: 0,
      locale: 'en-US',
      ...this.limits,
    };
    this.engines = {
      html: new Liquid({ ...common, outputEscape: 'escape' }),
      plain: new Liquid(common),
    };
    for (const liquid of Object.values(this.engines)) registerFilters(liquid);
    this.engines.html.registerTag('block_for', BlockForTag);
    this.engines.plain.registerTag('block_for', HtmlOnlyBlockForTag);
  }

  /** Parses a marketer source; throws liquidjs' ParseError / TokenizationError (with line and column). */
  parse(source: string, mode: LiquidMode): Template[] {
    this.parseCount++;
    return this.engines[mode].parse(source);
  }

  /**
   * Renders parsed templates synchronously (block choices were made before). `globals` is the render context plus
   * the render state under its symbol; in strict mode undefined variables throw, and every error is collected.
   */
  render(templates: Template[], mode: LiquidMode, globals: object, strict = false): string {
    const liquid = this.engines[mode];
    const opts = strict ? { ...liquid.options, catchAllErrors: true } : liquid.options;
    const ctx = new Context({}, opts, { sync: true, globals, strictVariables: strict }, { liquid });
    return String(liquid.renderSync(templates, ctx) ?? '');
  }

  /**
   * Problems with what parsed templates refer to: `block_for` names the template does not define, and literal
   * partial / layout paths that are not template files under templates/ (dynamic paths are checked when rendered,
   * by the same file-system lock). `path` names the source (`html`, `blocks.hero[0].html`).
   */
  checkReferences(
    templates: Template[],
    mode: LiquidMode,
    path: string,
    blockNames: ReadonlySet<string>,
  ): TemplateProblem[] {
    const problems: TemplateProblem[] = [];
    for (const tpl of walk(templates)) {
      if (tpl instanceof BlockForTag) {
        if (!blockNames.has(tpl.blockName))
          problems.push(
            at(tpl, path, `unknown block "${tpl.blockName}": the template defines no such block`),
          );
        continue;
      }
      if (!(tpl instanceof RenderTag || tpl instanceof IncludeTag || tpl instanceof LayoutTag)) continue;
      const file = (tpl as unknown as { file?: unknown }).file;
      if (typeof file !== 'string') continue;
      try {
        this.engines[mode].parseFileSync(
          file,
          tpl instanceof LayoutTag ? LookupType.Layouts : LookupType.Partials,
        );
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT')
          problems.push(at(tpl, path, `"${file}" is not a template file under templates/`));
        else problems.push(...liquidProblems(error, path, this.templatesDir));
      }
    }
    return problems;
  }
}

function at(tpl: Template, path: string, message: string): TemplateProblem {
  const [line, column] = tpl.token.getPosition();
  return { path, message, line, column };
}

function* walk(templates: Template[], depth = 0): Generator<Template> {
  for (const tpl of templates) {
    yield tpl;
    if (tpl.children && depth < 100)
      yield* walk(toValueSync(tpl.children(false, true)) as Template[], depth + 1);
  }
}

function stateOf(impl: FilterImpl): Pick<RenderState, 'locale' | 'timeZone' | 'currency' | 'utm'> {
  return renderStateOf(impl.context) ?? DEFAULT_STATE;
}

/** Filter arguments come positionally or as `name: value` pairs (liquidjs passes the latter as [name, value]). */
function splitArgs(args: unknown[]): { positional: unknown[]; named: Record<string, unknown> } {
  const positional: unknown[] = [];
  const named: Record<string, unknown> = {};
  for (const arg of args) {
    if (Array.isArray(arg) && arg.length === 2 && typeof arg[0] === 'string') named[arg[0]] = arg[1];
    else positional.push(arg);
  }
  return { positional, named };
}

function registerFilters(liquid: Liquid): void {
  liquid.registerFilter(
    'money',
    function (this: FilterImpl, amount: unknown, currency?: unknown, locale?: unknown) {
      const state = stateOf(this);
      const given = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : String(v));
      return formatMoney(amount, given(currency) ?? state.currency, given(locale) ?? state.locale);
    },
  );

  liquid.registerFilter('pluralize', (count: unknown, singular: unknown, plural?: unknown) =>
    pluralize(
      count,
      String(singular ?? ''),
      plural === undefined || plural === null ? undefined : String(plural),
    ),
  );

  liquid.registerFilter(
    'local_date',
    function (this: FilterImpl, value: unknown, format?: unknown, zone?: unknown) {
      const state = stateOf(this);
      let timeZone = state.timeZone;
      if (zone !== undefined && zone !== null) {
        if (!isValidTimeZone(zone)) throw new Error(`local_date: "${String(zone)}" is not a timezone`);
        timeZone = zone;
      }
      const style = format ?? 'long';
      if (isDateStyle(style)) return formatDateStyle(value, style, timeZone, state.locale);
      return builtInDate.call(this, value, String(style), timeZone);
    },
  );

  liquid.registerFilter('utm', function (this: FilterImpl, url: unknown, ...args: unknown[]) {
    const { positional, named } = splitArgs(args);
    const keys: (keyof UtmParams)[] = ['source', 'medium', 'campaign', 'content'];
    const given: UtmParams = {};
    keys.forEach((key, i) => {
      const v = key in named ? named[key] : positional[i];
      if (v !== undefined && v !== null && v !== '') given[key] = String(v);
    });
    return addUtm(url, { ...stateOf(this).utm, ...given });
  });
}
