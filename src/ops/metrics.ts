import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of this process; each server process is scraped on its own. */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'waymark_http_requests_total',
    help: 'HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'waymark_http_request_duration_seconds',
    help: 'HTTP request latency by method and route template',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly events = new Counter({
    name: 'waymark_events_ingested_total',
    help: 'Events stored by ingestion, by message type (duplicates excluded)',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  private readonly duplicates = new Counter({
    name: 'waymark_events_duplicate_total',
    help: 'Messages skipped because their messageId was already stored',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'waymark_' });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.latency.observe({ method, route }, seconds);
  }

  countIngested(byType: Record<string, number>, duplicates: number): void {
    for (const [type, n] of Object.entries(byType)) if (n) this.events.inc({ type }, n);
    if (duplicates) this.duplicates.inc(duplicates);
  }
}
