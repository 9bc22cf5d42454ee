import { Client } from 'pg';

/**
 * A dedicated connection LISTENing on a channel; calls `onNotify` for each notification and reconnects after a
 * failure. The notification is only a wake-up call: the queue table is the source of truth.
 */
export class ChangeListener {
  private client?: Client;
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onNotify: () => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  async start(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.url, application_name: 'waymark-listener' });
    client.on('notification', () => this.onNotify());
    client.on('error', (error) => {
      this.onError(error);
      this.reconnect();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      this.client = client;
      this.onNotify(); // catch up with anything queued while not listening
    } catch (error) {
      this.onError(error);
      await client.end().catch(() => undefined);
      this.reconnect();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  private reconnect(): void {
    if (this.stopped) return;
    this.client = undefined;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.start(), 1000);
  }
}
