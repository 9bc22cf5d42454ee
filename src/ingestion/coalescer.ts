/**
 * Groups concurrent single calls into shared writes. A call is written at once when fewer than `concurrency`
 * writes are in flight; otherwise it waits for the next free slot together with every call that arrived meanwhile
 * (up to `maxBatch` items). No timer: an idle server adds no latency, a busy one writes bigger, cheaper batches.
 */
export class Coalescer<T, R> {
  private queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;

  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly concurrency = 4,
    private readonly maxBatch = 200,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length) {
      const group = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      this.write(group.map((g) => g.item))
        .then(
          (results) => group.forEach((g, i) => g.resolve(results[i])),
          (error) => group.forEach((g) => g.reject(error)),
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}
