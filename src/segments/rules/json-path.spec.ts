import { resolvePath } from './json-path';

describe('resolvePath (PostgreSQL #> semantics)', () => {
  const doc = JSON.parse('{"a":{"b":[10,20,{"c":"x"}]},"n":null,"__proto__":{"p":1},"0":"zero"}');
  it.each<[string, unknown]>([
    ['$.a.b.0', 10],
    ['$.a.b.-1', { c: 'x' }],
    ['$.a.b.-3', 10],
    ['$.a.b.-4', undefined],
    ['$.a.b.007', undefined],
    ['$.a.b.01', 20],
    ['$.a.b.2.c', 'x'],
    ['$.a.b.x', undefined],
    ['$.a.b.99999999999', undefined],
    ['$.n', null],
    ['$.n.x', undefined],
    ['$.0', 'zero'],
    ['$.__proto__.p', 1],
    ['$.constructor', undefined],
    ['$.a.b.0.x', undefined],
    ['$..a', undefined],
  ])('%s', (path, expected) => {
    expect(resolvePath(doc, path)).toEqual(expected);
  });
});
