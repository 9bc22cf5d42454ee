import { backoffMs, classifySendError, quietUntil } from './delivery-rules';

describe('delivery rules', () => {
  const quiet = { start: 21 * 60, end: 8 * 60 };

  it('allows sending outside quiet hours', () => {
    expect(quietUntil(new Date('2026-06-01T12:00:00Z'), 'UTC', quiet)).toBeNull();
    expect(quietUntil(new Date('2026-06-01T23:00:00Z'), 'UTC', null)).toBeNull();
  });

  it('defers to the end of quiet hours in the customer time zone', () => {
    expect(quietUntil(new Date('2026-06-01T22:30:00Z'), 'UTC', quiet)).toEqual(
      new Date('2026-06-02T08:00:00Z'),
    );
    expect(quietUntil(new Date('2026-06-02T03:15:20Z'), 'UTC', quiet)).toEqual(
      new Date('2026-06-02T08:00:00Z'),
    );
    // 12:00 UTC is 21:00 in Tokyo (UTC+9): quiet until 08:00 Tokyo = 23:00 UTC
    expect(quietUntil(new Date('2026-06-01T12:00:00Z'), 'Asia/Tokyo', quiet)).toEqual(
      new Date('2026-06-01T23:00:00Z'),
    );
    // an unknown zone counts as UTC
    expect(quietUntil(new Date('2026-06-01T22:00:00Z'), 'Mars/Base', quiet)).toEqual(
      new Date('2026-06-02T08:00:00Z'),
    );
  });

  it('handles a window that does not wrap midnight', () => {
    const lunch = { start: 12 * 60, end: 13 * 60 };
    expect(quietUntil(new Date('2026-06-01T12:30:00Z'), 'UTC', lunch)).toEqual(
      new Date('2026-06-01T13:00:00Z'),
    );
    expect(quietUntil(new Date('2026-06-01T13:00:00Z'), 'UTC', lunch)).toBeNull();
  });

  it('backs off exponentially with a cap', () => {
    expect([1, 2, 3].map(backoffMs)).toEqual([30_000, 60_000, 120_000]);
    expect(backoffMs(30)).toBe(6 * 3_600_000);
  });

  it('classifies SMTP failures', () => {
    expect(classifySendError({ responseCode: 550 })).toBe('permanent');
    expect(classifySendError({ responseCode: 451 })).toBe('transient');
    expect(classifySendError({ code: 'ECONNECTION' })).toBe('transient');
  });
});
