/**
 * The marketer-facing filters' logic, as plain functions (the Liquid registration in engine.ts only supplies the
 * per-customer defaults: locale, timezone, currency, UTM campaign).
 */

const CURRENCY = /^[A-Z]{3}$/;
const formatters = new Map<string, Intl.NumberFormat>();

/** `{{ 12.5 | money: "EUR", "de-DE" }}` → `12,50 €`. Non-numbers render as they are; nil renders empty. */
export function formatMoney(amount: unknown, currency: string, locale: string): string {
  if (amount === null || amount === undefined || amount === '') return '';
  const value = typeof amount === 'number' ? amount : Number(String(amount).trim());
  if (!Number.isFinite(value)) return String(amount);
  const code = String(currency).toUpperCase();
  if (!CURRENCY.test(code)) throw new Error(`money: "${currency}" is not an ISO 4217 currency code`);
  const key = `${locale}|${code}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    try {
      formatter = new Intl.NumberFormat(locale, { style: 'currency', currency: code });
    } catch {
      throw new Error(`money: "${locale}" is not a valid locale`);
    }
    if (formatters.size < 1000) formatters.set(key, formatter);
  }
  return formatter.format(value);
}

/** `{{ n | pluralize: "item", "items" }}`: the singular for 1 (and -1), the plural otherwise; plural defaults to singular + "s". */
export function pluralize(count: unknown, singular: string, plural?: string): string {
  const n = Number(count);
  return Math.abs(n) === 1 ? String(singular) : String(plural ?? `${singular}s`);
}

export interface UtmParams {
  source?: string;
  medium?: string;
  campaign?: string;
  content?: string;
}

const UTM_ORDER: (keyof UtmParams)[] = ['source', 'medium', 'campaign', 'content'];

/**
 * Appends `utm_source`, `utm_medium`, `utm_campaign`, `utm_content` to an http(s) URL. The existing query string
 * is kept byte for byte (so are utm_* parameters it already has) and the fragment stays last. Anything that is not
 * an absolute http(s) URL (mailto:, relative paths, empty) is returned unchanged.
 */
export function addUtm(url: unknown, params: UtmParams): string {
  const text = url === null || url === undefined ? '' : String(url);
  const m = /^(\s*https?:\/\/[^?#\s]+)(\?[^#]*)?(#.*)?$/i.exec(text);
  if (!m) return text;
  const [, base, query = '', hash = ''] = m;
  const existing = new URLSearchParams(query.slice(1));
  const extra = UTM_ORDER.filter((k) => {
    const v = params[k];
    return v !== undefined && v !== null && String(v) !== '' && !existing.has(`utm_${k}`);
  }).map((k) => `utm_${k}=${encodeURIComponent(String(params[k]))}`);
  if (!extra.length) return text;
  const joined = extra.join('&');
  const newQuery = query.length > 1 ? `${query}${query.endsWith('&') ? '' : '&'}${joined}` : `?${joined}`;
  return `${base}${newQuery}${hash}`;
}

export const DATE_STYLES = ['short', 'medium', 'long', 'full'] as const;
export type DateStyle = (typeof DATE_STYLES)[number];

export function isDateStyle(format: unknown): format is DateStyle {
  return (DATE_STYLES as readonly unknown[]).includes(format);
}

/** A locale-aware date (`short` … `full`) in a timezone; invalid dates are returned as given. */
export function formatDateStyle(value: unknown, style: DateStyle, timeZone: string, locale: string): unknown {
  const date = toDate(value);
  if (!date) return value;
  return new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone }).format(date);
}

function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (value === 'now' || value === 'today') return new Date();
  if (typeof value === 'number') return new Date(value * 1000);
  if (typeof value === 'string' && value.trim()) {
    const d = /^\d+$/.test(value.trim()) ? new Date(Number(value) * 1000) : new Date(value);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

export function isValidTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || !timeZone) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export function isValidLocale(locale: unknown): locale is string {
  if (typeof locale !== 'string' || !locale) return false;
  try {
    return Intl.NumberFormat.supportedLocalesOf([locale]).length > 0;
  } catch {
    return false;
  }
}

export function isCurrencyCode(code: unknown): code is string {
  return typeof code === 'string' && CURRENCY.test(code.toUpperCase());
}
