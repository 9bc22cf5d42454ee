import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logging/logger.token';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.token';

/** What a queue drainer needs of the hub (a stub in unit tests). */
export interface Notifications {
  /**
   * Calls `onNotify` for each NOTIFY on `channel`, and once whenever listening (re)starts, to catch up with work
   * queued while nobody listened. Resolves once the channel is listened to (or a reconnect is scheduled).
   */
  subscribe(channel: string, onNotify: () => void): Promise<void>;
}

const RECONNECT_MS = 1000;

/**
 * One LISTEN connection per process for every work queue's channel. PostgreSQL (15) signals every backend that
 * listens to anything in the database on each NOTIFY, whatever the channel: with a connection per queue, each
 * ingested batch woke four idle backends per worker process (measured: about 8 % of PostgreSQL's CPU per
 * single-event /v1/track); with one, it wakes one. Notifications are only wake-up calls — the queue tables are the
 * source of truth — so a reconnect just listens again and lets every subscriber catch up.
 */
@Injectable()
export class NotificationHub implements Notifications, OnApplicationShutdown {
  private readonly handlers = new Map<string, (() => void)[]>();
  private client?: Client;
  private connecting?: Promise<void>;
  private retry?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async subscribe(channel: string, onNotify: () => void): Promise<void> {
    const known = this.handlers.get(channel);
    if (known) known.push(onNotify);
    else this.handlers.set(channel, [onNotify]);
    if (!this.client) return this.ensureConnecting(); // connect() listens to every channel known by then
    if (!known) await this.listen(this.client, channel).catch((error) => this.failed(error));
    onNotify();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.connecting?.catch(() => undefined);
    await this.client?.end().catch(() => undefined);
  }

  /** The connection attempt in progress, or a new one: never two at once. */
  private ensureConnecting(): Promise<void> {
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.config.databaseUrl,
      application_name: 'waymark-listener',
    });
    client.on('notification', (n) => this.handlers.get(n.channel)?.forEach((h) => h()));
    client.on('error', (error) => this.failed(error));
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await this.listen(client, channel);
      this.client = client;
    } catch (error) {
      await client.end().catch(() => undefined);
      this.failed(error);
      return;
    }
    for (const handlers of this.handlers.values()) handlers.forEach((h) => h());
  }

  private listen(client: Client, channel: string): Promise<unknown> {
    return client.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
  }

  private failed(error: unknown): void {
    if (this.stopped) return;
    this.logger.warn({ err: error }, 'notification listener failed; reconnecting');
    const broken = this.client;
    this.client = undefined;
    void broken?.end().catch(() => undefined);
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void (this.client ?? this.ensureConnecting()), RECONNECT_MS);
  }
}
