import { asLocation } from './location';

describe('asLocation', () => {
  it.each([
    ['https://shop.example/日本?n=José', 'https://shop.example/%E6%97%A5%E6%9C%AC?n=Jos%C3%A9'],
    ['https://shop.example/p?a=1&b=2', 'https://shop.example/p?a=1&b=2'],
    ['https://shop.example/already%20encoded', 'https://shop.example/already%20encoded'],
    ['https://bücher.example/', 'https://xn--bcher-kva.example/'],
  ])('%s → %s (ASCII only, as a browser requests it)', (url, location) => {
    expect(asLocation(url)).toBe(location);
    expect(/^[\x21-\x7e]+$/.test(asLocation(url))).toBe(true);
  });
});

describe('asLocation for what the URL parser refuses', () => {
  it.each([
    ['https://bad host/ü?x=%20', 'https://bad%20host/%C3%BC?x=%20'],
    ['https://bad host/\ud800', 'https://bad%20host/%EF%BF%BD'],
  ])('%s → %s (ASCII, existing escapes kept, no throw)', (url, location) => {
    expect(asLocation(url)).toBe(location);
  });
});
