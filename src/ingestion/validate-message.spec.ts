import type { FieldProblem } from '../common/errors/app.exception';
import { orderAmount, validateMessage } from './validate-message';

const received = new Date('2026-05-01T12:00:00.000Z');
const validate = (raw: unknown) => {
  const problems: FieldProblem[] = [];
  return { message: validateMessage(raw, '', received, {}, problems), problems };
};

describe('validateMessage', () => {
  it.each([
    [
      'client timestamp and sentAt: skew removed',
      { timestamp: '2026-05-01T11:59:00Z', sentAt: '2026-05-01T11:59:30Z' },
      '2026-05-01T11:59:30.000Z',
    ],
    [
      'originalTimestamp is read when timestamp is absent',
      { originalTimestamp: '2026-04-01T00:00:00Z' },
      '2026-04-01T00:00:00.000Z',
    ],
    ['no timestamp: receivedAt', {}, '2026-05-01T12:00:00.000Z'],
    ['sentAt alone changes nothing', { sentAt: '2020-01-01T00:00:00Z' }, '2026-05-01T12:00:00.000Z'],
  ])('%s', (_name, fields, expected) => {
    const { message } = validate({ type: 'track', userId: 'u', event: 'E', ...fields });
    expect(message?.timestamp.toISOString()).toBe(expected);
  });

  it('accepts numeric userIds as strings and generates a messageId when absent', () => {
    const { message } = validate({ type: 'track', userId: 42, event: 'E' });
    expect(message).toMatchObject({
      userId: '42',
      generatedMessageId: true,
      messageId: expect.stringMatching(/^wm-/),
    });
  });

  it.each([
    [{ revenue: 10 }, 10],
    [{ revenue: '10.5' }, 10.5],
    [{ total: 7 }, 7],
    [{ revenue: 3, total: 99 }, 3],
    [{}, undefined],
  ])('order amount of %j is %s', (properties, expected) => {
    expect(orderAmount(properties)).toBe(expected);
  });

  it('lists every problem of a message', () => {
    const { message, problems } = validate({
      type: 'track',
      userId: [],
      event: '',
      properties: 'x',
      timestamp: 'soon',
    });
    expect(message).toBeUndefined();
    expect(problems.map((p) => p.path).sort()).toEqual(['event', 'properties', 'timestamp', 'userId']);
  });

  it.each([
    ['userId', { userId: 'a\ud800' }],
    ['anonymousId', { anonymousId: '\udc00b' }],
    ['properties', { userId: 'u', properties: { note: 'x\ud83d' } }],
    ['properties', { userId: 'u', properties: { ['k\udfff']: 1 } }],
    ['context', { userId: 'u', context: { page: { title: ['\ud800'] } } }],
  ])('refuses a lone surrogate in %s, which PostgreSQL cannot take in', (path, fields) => {
    const { message, problems } = validate({ type: 'track', event: 'E', ...fields });
    expect(message).toBeUndefined();
    expect(problems).toEqual([{ path, message: expect.stringMatching(/well-formed Unicode/) }]);
  });

  it('keeps a surrogate pair (an emoji) as it is', () => {
    const { message, problems } = validate({ type: 'track', userId: 'u\ud83d\ude00', event: 'E' });
    expect(problems).toEqual([]);
    expect(message?.userId).toBe('u😀');
  });
});
