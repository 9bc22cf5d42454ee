import { parseIsoInstant } from './iso-time';

describe('parseIsoInstant', () => {
  it.each<[string, string | undefined]>([
    ['2026-01-31', '2026-01-31T00:00:00.000Z'],
    ['2026-01-31T10:00Z', '2026-01-31T10:00:00.000Z'],
    ['2026-01-31T10:00:05.5Z', '2026-01-31T10:00:05.500Z'],
    ['2026-01-31T10:00:00+02:00', '2026-01-31T08:00:00.000Z'],
    ['2026-01-31T10:00:00', undefined], // local time: which zone?
    ['2026-02-29', undefined],
    ['2028-02-29', '2028-02-29T00:00:00.000Z'],
    ['2026-01-31T24:00:00Z', undefined],
    ['2026-01-31T10:00:00.1234Z', undefined],
    ['0001-01-01T00:30:00+01:00', undefined], // year 0
    ['9999-12-31T23:59:59.999Z', undefined], // one millisecond later would be year 10000
    ['20260131', undefined],
    ['yesterday', undefined],
  ])('%s', (text, expected) => {
    const ms = parseIsoInstant(text);
    expect(ms === undefined ? undefined : new Date(ms).toISOString()).toBe(expected);
  });
});
