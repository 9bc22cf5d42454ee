import { Coalescer } from './coalescer';

describe('Coalescer', () => {
  it('writes at once when idle and groups calls that arrive while writes are in flight', async () => {
    const groups: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const c = new Coalescer<number, number>(async (items) => {
      groups.push(items);
      if (groups.length === 1) await gate;
      return items.map((i) => i * 10);
    }, 1);
    const first = c.submit(1);
    const rest = [2, 3, 4].map((i) => c.submit(i));
    expect(groups).toEqual([[1]]);
    release();
    expect(await first).toBe(10);
    expect(await Promise.all(rest)).toEqual([20, 30, 40]);
    expect(groups).toEqual([[1], [2, 3, 4]]);
  });

  it('rejects every call of a failed group and keeps serving later ones', async () => {
    let fail = true;
    const c = new Coalescer<number, number>(async (items) => {
      if (fail) throw new Error('boom');
      return items;
    }, 1);
    await expect(c.submit(1)).rejects.toThrow('boom');
    fail = false;
    expect(await c.submit(2)).toBe(2);
  });

  it('never exceeds its concurrency or batch size', async () => {
    let inFlight = 0;
    let peak = 0;
    const sizes: number[] = [];
    const c = new Coalescer<number, number>(
      async (items) => {
        peak = Math.max(peak, ++inFlight);
        sizes.push(items.length);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return items;
      },
      2,
      3,
    );
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => c.submit(i)));
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBeLessThanOrEqual(2);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
  });
});
