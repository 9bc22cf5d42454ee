import { MAX_DURATION_MS, parseDuration, parseLocalTime } from './duration';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each<[string, number]>([
    ['0s', 0],
    ['90s', 90 * S],
    ['30m', 30 * M],
    ['2h', 2 * H],
    ['3d', 3 * D],
    ['1w', 7 * D],
    ['1d12h', D + 12 * H],
    ['1w2d3h4m5s', 9 * D + 3 * H + 4 * M + 5 * S],
    ['366d', 366 * D],
    ['52w2d', 366 * D],
  ])('%s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each<[string, unknown]>([
    ['empty', ''],
    ['negative', '-1h'],
    ['no unit', '30'],
    ['unknown unit', '3y'],
    ['units out of order', '12h1d'],
    ['unit twice', '1h1h'],
    ['spaces', '1d 12h'],
    ['decimal', '1.5h'],
    ['upper case', '2H'],
    ['over 366 days', '367d'],
    ['over 366 days in seconds', `${MAX_DURATION_MS / S + 1}s`],
    ['not a string', 60],
    ['null', null],
  ])('refuses %s', (_name, text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('parseLocalTime', () => {
  it.each<[string, { hour: number; minute: number }]>([
    ['00:00', { hour: 0, minute: 0 }],
    ['09:30', { hour: 9, minute: 30 }],
    ['23:59', { hour: 23, minute: 59 }],
  ])('%s', (text, time) => {
    expect(parseLocalTime(text)).toEqual(time);
  });

  it.each<unknown>(['24:00', '9:30', '09:60', '09:30:00', '', ' 09:30', 930, null])('refuses %j', (text) => {
    expect(parseLocalTime(text)).toBeNull();
  });
});
