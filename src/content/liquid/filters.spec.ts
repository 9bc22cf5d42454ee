import { LiquidEngine } from './engine';
import { addUtm, formatDateStyle, formatMoney, isValidTimeZone, pluralize } from './filters';
import { RENDER_STATE, RenderState } from './render-state';

describe('money', () => {
  it.each([
    [12.5, 'EUR', 'en-US', '€12.50'],
    [12.5, 'eur', 'de-DE', '12,50\u00a0€'],
    ['1234.5', 'USD', 'en-US', '$1,234.50'],
    [1000, 'JPY', 'ja-JP', '￥1,000'],
    [0, 'GBP', 'en-GB', '£0.00'],
  ])('formats %p %s in %s', (amount, currency, locale, expected) => {
    expect(formatMoney(amount, currency, locale)).toBe(expected);
  });

  it('renders nil as empty and non-numbers as they are', () => {
    expect(formatMoney(undefined, 'EUR', 'en-US')).toBe('');
    expect(formatMoney(null, 'EUR', 'en-US')).toBe('');
    expect(formatMoney('n/a', 'EUR', 'en-US')).toBe('n/a');
  });

  it('refuses what is not a currency code or a locale', () => {
    expect(() => formatMoney(1, 'EURO', 'en-US')).toThrow(/ISO 4217/);
    expect(() => formatMoney(1, 'EUR', 'not a locale!')).toThrow(/locale/);
  });
});

describe('pluralize', () => {
  it.each([
    [0, 'items'],
    [1, 'item'],
    ['1', 'item'],
    [-1, 'item'],
    [2, 'items'],
    [1.5, 'items'],
    [undefined, 'items'],
  ])('%p → %s', (n, expected) => {
    expect(pluralize(n, 'item', 'items')).toBe(expected);
  });

  it('defaults the plural to singular + s', () => {
    expect(pluralize(3, 'shoe')).toBe('shoes');
  });
});

describe('utm', () => {
  const all = { source: 'waymark', medium: 'email', campaign: 'spring sale', content: 'hero' };

  it('appends the four parameters, encoded', () => {
    expect(addUtm('https://shop.example/p/1', all)).toBe(
      'https://shop.example/p/1?utm_source=waymark&utm_medium=email&utm_campaign=spring%20sale&utm_content=hero',
    );
  });

  it('keeps the existing query byte for byte, and the fragment last', () => {
    expect(addUtm('https://shop.example/p?q=a%20b&x=1#reviews', { source: 's', campaign: 'c' })).toBe(
      'https://shop.example/p?q=a%20b&x=1&utm_source=s&utm_campaign=c#reviews',
    );
    expect(addUtm('https://shop.example/p?', { source: 's' })).toBe('https://shop.example/p?utm_source=s');
  });

  it('never overrides utm parameters the URL already has', () => {
    expect(addUtm('http://shop.example/?utm_campaign=kept', all)).toBe(
      'http://shop.example/?utm_campaign=kept&utm_source=waymark&utm_medium=email&utm_content=hero',
    );
  });

  it.each([
    ['mailto:help@example.com'],
    ['/relative/path'],
    [''],
    ['javascript:alert(1)'],
    ['ftp://x.example/f'],
  ])('leaves %p alone', (url) => {
    expect(addUtm(url, all)).toBe(url);
  });

  it('skips empty parameters', () => {
    expect(addUtm('https://x.example', { source: 'a', medium: '', campaign: undefined })).toBe(
      'https://x.example?utm_source=a',
    );
  });
});

describe('dates', () => {
  it('formats a date style in a timezone and locale', () => {
    // 23:30 UTC on 31 Dec is already 1 Jan in Berlin.
    expect(formatDateStyle('2025-12-31T23:30:00Z', 'long', 'Europe/Berlin', 'en-US')).toBe('January 1, 2026');
    expect(formatDateStyle('2025-12-31T23:30:00Z', 'long', 'America/New_York', 'de-DE')).toBe(
      '31. Dezember 2025',
    );
    expect(formatDateStyle('not a date', 'long', 'UTC', 'en-US')).toBe('not a date');
  });

  it('knows a timezone when it sees one', () => {
    expect(isValidTimeZone('Asia/Tokyo')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone(42)).toBe(false);
  });
});

describe('filters inside Liquid', () => {
  const engine = new LiquidEngine();
  const state = (over: Partial<RenderState> = {}): RenderState => ({
    locale: 'en-US',
    timeZone: 'UTC',
    currency: 'USD',
    utm: { source: 'waymark', medium: 'email', campaign: 'cart' },
    blocks: new Map(),
    used: new Set(),
    stack: [],
    strict: false,
    ...over,
  });
  const render = (
    source: string,
    vars: object = {},
    over: Partial<RenderState> = {},
    mode: 'html' | 'plain' = 'html',
  ) => engine.render(engine.parse(source, mode), mode, { ...vars, [RENDER_STATE]: state(over) });

  it('money takes the customer currency and locale by default', () => {
    expect(render('{{ 12.5 | money: "EUR" }}')).toBe('€12.50');
    expect(render('{{ 12.5 | money }}', {}, { currency: 'EUR', locale: 'de-DE' })).toBe('12,50\u00a0€');
    expect(render('{{ 12.5 | money: "GBP", "en-GB" }}', {}, { currency: 'EUR', locale: 'de-DE' })).toBe(
      '£12.50',
    );
    expect(render('{{ 12.5 | money: "" }}', {}, { currency: 'CHF' })).toBe('CHF\u00a012.50');
  });

  it('local_date uses the customer timezone, a style or a strftime format, and an explicit zone', () => {
    const at = { at: '2025-03-01T03:00:00Z' };
    expect(render('{{ at | local_date }}', at, { timeZone: 'America/Los_Angeles' })).toBe(
      'February 28, 2025',
    );
    expect(render('{{ at | local_date: "%Y-%m-%d %H:%M" }}', at, { timeZone: 'Asia/Tokyo' })).toBe(
      '2025-03-01 12:00',
    );
    expect(render('{{ at | local_date: "%H:%M", "Europe/London" }}', at, { timeZone: 'Asia/Tokyo' })).toBe(
      '03:00',
    );
    expect(() => render('{{ at | local_date: "short", "Nowhere/Land" }}', at)).toThrow(/not a timezone/);
  });

  it('default, pluralize and utm', () => {
    expect(render('Hi {{ name | default: "there" }}')).toBe('Hi there');
    expect(render('{{ n }} {{ n | pluralize: "item", "items" }}', { n: 1 })).toBe('1 item');
    expect(render('{{ n }} {{ n | pluralize: "item", "items" }}', { n: 3 })).toBe('3 items');
    // In HTML the & between parameters is escaped, as an attribute value should be.
    expect(render('{{ "https://x.example/?a=1" | utm }}')).toBe(
      'https://x.example/?a=1&amp;utm_source=waymark&amp;utm_medium=email&amp;utm_campaign=cart',
    );
    expect(
      render('{{ "https://x.example" | utm: "news", "social", "spring", "hero" }}', {}, {}, 'plain'),
    ).toBe('https://x.example?utm_source=news&utm_medium=social&utm_campaign=spring&utm_content=hero');
    expect(render('{{ "https://x.example" | utm: content: "grid", campaign: "c2" }}', {}, {}, 'plain')).toBe(
      'https://x.example?utm_source=waymark&utm_medium=email&utm_campaign=c2&utm_content=grid',
    );
  });
});
