import pino from 'pino';
import { QueueDrainer } from './queue-drainer';

/** wake() without start(): the drain logic alone, no database. */
function drainer(concurrency: number | undefined, queue: { left: number }) {
  let active = 0;
  let peak = 0;
  const d = new QueueDrainer({
    notifications: { subscribe: async () => undefined },
    channel: 'unused',
    pollMs: 1000,
    logger: pino({ level: 'silent' }),
    name: 'test',
    concurrency,
    drainOnce: async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      if (queue.left <= 0) return 0;
      queue.left--;
      return 1;
    },
  });
  return { d, peak: () => peak };
}

describe('QueueDrainer', () => {
  it('runs one drain at a time by default, and a wake-up while busy makes one more pass', async () => {
    const queue = { left: 10 };
    const { d, peak } = drainer(undefined, queue);
    d.wake();
    d.wake();
    d.wake();
    await new Promise((r) => setTimeout(r, 200));
    await d.stop();
    expect(peak()).toBe(1);
    expect(queue.left).toBe(0);
  });

  it('runs up to `concurrency` drains at once, each until the queue is empty', async () => {
    const queue = { left: 20 };
    const { d, peak } = drainer(3, queue);
    for (let i = 0; i < 5; i++) d.wake();
    await new Promise((r) => setTimeout(r, 100));
    await d.stop();
    expect(peak()).toBe(3);
    expect(queue.left).toBe(0);
  });

  it('with claimSize, stops after a claim that was not full instead of confirming with an empty one', async () => {
    const claims: number[] = [];
    const queue = { left: 12 };
    const d = new QueueDrainer({
      notifications: { subscribe: async () => undefined },
      channel: 'unused',
      pollMs: 1000,
      logger: pino({ level: 'silent' }),
      name: 'test',
      claimSize: 5,
      drainOnce: async () => {
        const n = Math.min(5, queue.left);
        queue.left -= n;
        claims.push(n);
        return n;
      },
    });
    // drainOnce settles in microtasks only: one macrotask turn lets the whole drain finish.
    const settled = () => new Promise((r) => setImmediate(r));
    d.wake();
    await settled();
    expect(claims).toEqual([5, 5, 2]);
    // A wake-up (the next notification) drains what came later.
    queue.left = 3;
    d.wake();
    await settled();
    await d.stop();
    expect(claims).toEqual([5, 5, 2, 3]);
  });
});
