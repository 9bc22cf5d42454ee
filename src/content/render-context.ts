import type { CustomerFacts } from './blocks/conditions';
import { isCurrencyCode, isValidLocale, isValidTimeZone, UtmParams } from './liquid/filters';

/**
 * What a template sees (pure). Variables: `customer` (id, email, timezone, traits, stats, scores), `segments`
 * (keys), `event` (the triggering event's properties), `journey`, `variant`, `links` (unsubscribe, preferences,
 * viewInBrowser) and `template` (key, name, version). Conditions see the same data as facts: traits, stats, scores,
 * segments and context = { event, journey, variant }.
 */

export interface RenderCustomer {
  id: string | null;
  externalId: string | null;
  email: string | null;
  timezone: string | null;
  traits: Record<string, unknown>;
  stats: Record<string, unknown>;
  scores: Record<string, unknown>;
}

export interface Links {
  unsubscribe: string;
  preferences: string;
  viewInBrowser: string;
}

/** Per-message tokens for the links; issued by the messaging module (signed), absent in previews. */
export type LinkTokens = Partial<Links>;

export interface RenderInput {
  customer?: Partial<RenderCustomer>;
  segments?: string[];
  event?: Record<string, unknown>;
  journey?: Record<string, unknown> | null;
  variant?: string | null;
  tokens?: LinkTokens;
  /** Whole links, overriding the ones built from `tokens` (e.g. a preview with real URLs). */
  links?: Partial<Links>;
  /** Block name → index of the variant to render regardless of conditions (a journey step's choice). */
  blockOverrides?: Record<string, number>;
}

export interface TemplateRef {
  key: string;
  name: string;
  version: number;
}

export interface RenderScope {
  customer: RenderCustomer;
  segments: string[];
  event: Record<string, unknown>;
  journey: Record<string, unknown> | null;
  variant: string | null;
  links: Links;
  template: TemplateRef;
}

export interface BuiltContext {
  scope: RenderScope;
  facts: CustomerFacts;
  locale: string;
  timeZone: string;
  currency: string;
  utm: UtmParams;
}

export const PREVIEW_TOKEN = 'preview';

/** Links under PUBLIC_URL: `/u/:token` (unsubscribe), `/p/:token` (preferences), `/v/:token` (view in browser). */
export function buildLinks(publicUrl: string, tokens: LinkTokens = {}): Links {
  const base = publicUrl.replace(/\/+$/, '');
  const t = (token: string | undefined) => encodeURIComponent(token ?? PREVIEW_TOKEN);
  return {
    unsubscribe: `${base}/u/${t(tokens.unsubscribe)}`,
    preferences: `${base}/p/${t(tokens.preferences)}`,
    viewInBrowser: `${base}/v/${t(tokens.viewInBrowser)}`,
  };
}

export function buildRenderContext(
  input: RenderInput,
  publicUrl: string,
  template: TemplateRef,
): BuiltContext {
  const c = input.customer ?? {};
  const customer: RenderCustomer = {
    id: c.id ?? null,
    externalId: c.externalId ?? null,
    email: c.email ?? null,
    timezone: c.timezone ?? null,
    traits: c.traits ?? {},
    stats: c.stats ?? {},
    scores: c.scores ?? {},
  };
  const segments = [...(input.segments ?? [])];
  const event = input.event ?? {};
  const journey = input.journey ?? null;
  const variant = input.variant ?? null;
  const links = { ...buildLinks(publicUrl, input.tokens), ...definedOnly(input.links ?? {}) };
  const scope: RenderScope = { customer, segments, event, journey, variant, links, template };
  const facts: CustomerFacts = {
    traits: customer.traits,
    stats: customer.stats,
    scores: customer.scores,
    segments,
    context: { event, journey, variant },
  };
  const traits = customer.traits;
  const zone = [customer.timezone, traits.timezone].find(isValidTimeZone);
  const locale = [traits.locale, traits.language].find(isValidLocale);
  const currency = isCurrencyCode(traits.currency) ? String(traits.currency).toUpperCase() : 'USD';
  const campaign = typeof journey?.key === 'string' ? journey.key : template.key;
  return {
    scope,
    facts,
    locale: locale ?? 'en-US',
    timeZone: zone ?? 'UTC',
    currency,
    utm: { source: 'waymark', medium: 'email', campaign },
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}
