import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { JourneyDefinition } from './graph/definition';
import type { PinnedReferences, PublishedVersion } from './journey.types';

const CACHE_SIZE = 1000;

/** Published versions, cached in memory: a version never changes once written, so the cache cannot go stale. */
@Injectable()
export class JourneyVersionsRepository {
  private readonly cache = new Map<string, PublishedVersion>();

  constructor(private readonly dataSource: DataSource) {}

  async get(
    journeyId: string,
    version: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<PublishedVersion> {
    const id = `${journeyId}:${version}`;
    const hit = this.cache.get(id);
    if (hit) return hit;
    const [row] = await manager.query(
      `SELECT v.journey_id AS "journeyId", j.key AS "journeyKey", v.version, v.definition, v.published_at AS "publishedAt"
         FROM journey_versions v JOIN journeys j ON j.id = v.journey_id
        WHERE v.journey_id = $1 AND v.version = $2`,
      [journeyId, version],
    );
    if (!row) throw new Error(`journey version ${id} does not exist`);
    const stored = row.definition as { definition: JourneyDefinition; pinned: PinnedReferences };
    const published: PublishedVersion = { ...row, definition: stored.definition, pinned: stored.pinned };
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(id, published);
    return published;
  }

  async insert(
    manager: EntityManager,
    journeyId: string,
    version: number,
    definition: JourneyDefinition,
    pinned: PinnedReferences,
    at: Date,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO journey_versions (journey_id, version, definition, published_at) VALUES ($1, $2, $3, $4)`,
      [journeyId, version, { definition, pinned }, at],
    );
  }

  /** The versions of live and paused journeys that can start runs: the current version of each. */
  async current(
    manager: EntityManager = this.dataSource.manager,
  ): Promise<(PublishedVersion & { status: string })[]> {
    const rows: { id: string; version: number; status: string }[] = await manager.query(
      `SELECT id, current_version AS version, status FROM journeys
        WHERE status IN ('live', 'paused') AND current_version IS NOT NULL`,
    );
    return Promise.all(
      rows.map(async (r) => ({ ...(await this.get(r.id, r.version, manager)), status: r.status })),
    );
  }
}
