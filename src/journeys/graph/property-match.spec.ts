import type { PropertyCondition } from './definition';
import { matchesProperties } from './property-match';

const props = {
  total: 120.5,
  totalText: '120.5',
  category: 'shoes',
  url: 'https://shop.example/sale/boots',
  tags: ['gift', 2, true],
  gift: false,
  nothing: null,
  items: [{ sku: 'A1' }, { sku: 'B2' }],
  cart: { id: 'c-9', count: 3 },
};
const when = (path: string, operator: PropertyCondition['operator'], value?: unknown): PropertyCondition =>
  value === undefined ? { path, operator } : { path, operator, value };

describe('matchesProperties', () => {
  it.each<[string, PropertyCondition, boolean]>([
    ['equal string', when('$.category', 'equal', 'shoes'), true],
    ['equal is type-strict', when('$.totalText', 'equal', 120.5), false],
    ['equal boolean false', when('$.gift', 'equal', false), true],
    ['equal on missing', when('$.nope', 'equal', 'x'), false],
    ['notEqual', when('$.category', 'notEqual', 'hats'), true],
    ['notEqual on missing matches', when('$.nope', 'notEqual', 'x'), true],
    ['in', when('$.category', 'in', ['hats', 'shoes']), true],
    ['in is type-strict', when('$.cart.count', 'in', ['3']), false],
    ['notIn', when('$.category', 'notIn', ['hats']), true],
    ['notIn listed', when('$.category', 'notIn', ['shoes']), false],
    ['lessThan numeric, not lexical', when('$.total', 'lessThan', 1000), true],
    ['lessThanInclusive', when('$.total', 'lessThanInclusive', 120.5), true],
    ['greaterThan', when('$.total', 'greaterThan', 99), true],
    ['greaterThan: a numeric string never compares', when('$.totalText', 'greaterThan', 5), false],
    ['greaterThanInclusive', when('$.cart.count', 'greaterThanInclusive', 4), false],
    ['greaterThan on null', when('$.nothing', 'greaterThan', -1), false],
    ['contains substring', when('$.url', 'contains', '/sale/'), true],
    ['contains substring missing', when('$.url', 'contains', '/outlet/'), false],
    ['contains array element', when('$.tags', 'contains', 'gift'), true],
    ['contains array element, type-strict', when('$.tags', 'contains', '2'), false],
    ['contains on a number', when('$.total', 'contains', '1'), false],
    ['exists', when('$.cart.id', 'exists'), true],
    ['exists on null', when('$.nothing', 'exists'), false],
    ['exists false', when('$.nope', 'exists', false), true],
    ['array index path', when('$.items.1.sku', 'equal', 'B2'), true],
    ['no prototype members', when('$.constructor', 'exists'), false],
  ])('%s', (_name, condition, expected) => {
    expect(matchesProperties([condition], props)).toBe(expected);
  });

  it('needs every condition', () => {
    expect(
      matchesProperties([when('$.category', 'equal', 'shoes'), when('$.total', 'lessThan', 100)], props),
    ).toBe(false);
    expect(
      matchesProperties([when('$.category', 'equal', 'shoes'), when('$.total', 'lessThan', 200)], props),
    ).toBe(true);
  });

  it('matches anything without conditions', () => {
    expect(matchesProperties(undefined, {})).toBe(true);
    expect(matchesProperties([], {})).toBe(true);
  });
});
