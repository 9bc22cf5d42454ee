import { isValidTimezone, nextLocalTime } from './local-time';

const at = (iso: string) => new Date(iso);
const next = (now: string, tz: string | null, hhmm: string, weekdays?: number[]) => {
  const [hour, minute] = hhmm.split(':').map(Number);
  return nextLocalTime(at(now), tz, { hour, minute }, weekdays).toISOString();
};

describe('nextLocalTime', () => {
  it.each<[string, string, string | null, string, number[] | undefined, string]>([
    ['later today, UTC', '2026-06-10T08:00:00.000Z', null, '09:30', undefined, '2026-06-10T09:30:00.000Z'],
    [
      'passed today: tomorrow',
      '2026-06-10T10:00:00.000Z',
      null,
      '09:30',
      undefined,
      '2026-06-11T09:30:00.000Z',
    ],
    ['exactly now', '2026-06-10T09:30:00.000Z', null, '09:30', undefined, '2026-06-10T09:30:00.000Z'],
    [
      'within that minute: now',
      '2026-06-10T09:30:42.123Z',
      null,
      '09:30',
      undefined,
      '2026-06-10T09:30:42.123Z',
    ],
    [
      'a minute late: tomorrow',
      '2026-06-10T09:31:00.000Z',
      null,
      '09:30',
      undefined,
      '2026-06-11T09:30:00.000Z',
    ],
    [
      'unknown zone reads UTC',
      '2026-06-10T08:00:00.000Z',
      'Mars/Olympus',
      '09:30',
      undefined,
      '2026-06-10T09:30:00.000Z',
    ],
    [
      'New York summer',
      '2026-06-10T12:00:00.000Z',
      'America/New_York',
      '09:00',
      undefined,
      '2026-06-10T13:00:00.000Z',
    ],
    [
      'New York winter',
      '2026-01-10T12:00:00.000Z',
      'America/New_York',
      '09:00',
      undefined,
      '2026-01-10T14:00:00.000Z',
    ],
    // The local date, not the UTC date, decides "today": 23:00 in New York is already tomorrow in UTC.
    [
      'local date, not UTC',
      '2026-06-11T03:00:00.000Z',
      'America/New_York',
      '23:30',
      undefined,
      '2026-06-11T03:30:00.000Z',
    ],
    [
      'Kolkata half-hour offset',
      '2026-06-10T00:00:00.000Z',
      'Asia/Kolkata',
      '09:00',
      undefined,
      '2026-06-10T03:30:00.000Z',
    ],
    // 2026-06-10 is a Wednesday (3).
    [
      'allowed weekday later this week',
      '2026-06-10T12:00:00.000Z',
      null,
      '09:00',
      [5],
      '2026-06-12T09:00:00.000Z',
    ],
    [
      'same weekday, passed: next week',
      '2026-06-10T12:00:00.000Z',
      null,
      '09:00',
      [3],
      '2026-06-17T09:00:00.000Z',
    ],
    ['same weekday, later today', '2026-06-10T08:00:00.000Z', null, '09:00', [3], '2026-06-10T09:00:00.000Z'],
    [
      'weekday of the local date',
      '2026-06-13T02:00:00.000Z',
      'America/New_York',
      '23:00',
      [5],
      '2026-06-13T03:00:00.000Z',
    ],
    [
      'weekend only',
      '2026-06-10T12:00:00.000Z',
      'Europe/Berlin',
      '10:00',
      [6, 7],
      '2026-06-13T08:00:00.000Z',
    ],
  ])('%s', (_name, now, tz, time, weekdays, expected) => {
    expect(next(now, tz, time, weekdays)).toBe(expected);
  });

  describe('DST in America/New_York (2026-03-08 spring forward, 2026-11-01 fall back, at 02:00 local)', () => {
    it.each<[string, string, string, string]>([
      [
        '09:00 EST passed: 09:00 EDT the next day',
        '2026-03-07T15:00:00.000Z',
        '09:00',
        '2026-03-08T13:00:00.000Z',
      ],
      [
        '02:30 does not exist: 03:30 EDT that day',
        '2026-03-08T05:00:00.000Z',
        '02:30',
        '2026-03-08T07:30:00.000Z',
      ],
      ['02:00 does not exist: 03:00 EDT', '2026-03-08T05:00:00.000Z', '02:00', '2026-03-08T07:00:00.000Z'],
      ['03:00 exists: 03:00 EDT', '2026-03-08T05:00:00.000Z', '03:00', '2026-03-08T07:00:00.000Z'],
      ['01:59 before the gap, EST', '2026-03-08T05:00:00.000Z', '01:59', '2026-03-08T06:59:00.000Z'],
      ['02:30 the next day exists again', '2026-03-08T08:00:00.000Z', '02:30', '2026-03-09T06:30:00.000Z'],
      ['01:30 twice: the first (EDT)', '2026-11-01T04:00:00.000Z', '01:30', '2026-11-01T05:30:00.000Z'],
      [
        '01:30 twice, first passed: the second (EST)',
        '2026-11-01T05:45:00.000Z',
        '01:30',
        '2026-11-01T06:30:00.000Z',
      ],
      ['01:30 twice, both passed: tomorrow', '2026-11-01T06:45:00.000Z', '01:30', '2026-11-02T06:30:00.000Z'],
      ['09:00 after fall back is EST', '2026-11-01T04:00:00.000Z', '09:00', '2026-11-01T14:00:00.000Z'],
    ])('%s', (_name, now, time, expected) => {
      expect(next(now, 'America/New_York', time)).toBe(expected);
    });
  });

  describe('DST in Europe/Berlin (2026-03-29 02:00→03:00, 2026-10-25 03:00→02:00)', () => {
    it.each<[string, string, string, string]>([
      ['02:30 does not exist: 03:30 CEST', '2026-03-28T23:30:00.000Z', '02:30', '2026-03-29T01:30:00.000Z'],
      ['09:00 that day is CEST', '2026-03-28T23:30:00.000Z', '09:00', '2026-03-29T07:00:00.000Z'],
      ['09:00 the day before is CET', '2026-03-27T23:30:00.000Z', '09:00', '2026-03-28T08:00:00.000Z'],
      ['02:30 twice: the first (CEST)', '2026-10-24T22:30:00.000Z', '02:30', '2026-10-25T00:30:00.000Z'],
      [
        '02:30 twice, first passed: the second (CET)',
        '2026-10-25T00:45:00.000Z',
        '02:30',
        '2026-10-25T01:30:00.000Z',
      ],
      ['09:00 after fall back is CET', '2026-10-24T22:30:00.000Z', '09:00', '2026-10-25T08:00:00.000Z'],
      ['02:30 in the week before is CET', '2026-03-26T12:00:00.000Z', '02:30', '2026-03-27T01:30:00.000Z'],
    ])('%s', (_name, now, time, expected) => {
      expect(next(now, 'Europe/Berlin', time)).toBe(expected);
    });

    it('a weekday-only wait lands on the gap day shifted forward', () => {
      // 2026-03-29 is a Sunday (7).
      expect(next('2026-03-26T12:00:00.000Z', 'Europe/Berlin', '02:30', [7])).toBe(
        '2026-03-29T01:30:00.000Z',
      );
    });
  });
});

describe('isValidTimezone', () => {
  it.each<[unknown, boolean]>([
    ['Europe/Berlin', true],
    ['America/New_York', true],
    ['UTC', true],
    ['Mars/Olympus', false],
    ['', false],
    [null, false],
    [42, false],
  ])('%j → %s', (tz, valid) => {
    expect(isValidTimezone(tz)).toBe(valid);
  });
});
