import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { isUuid } from '../common/http/uuid';
import { Page, textCursorAfter, textPage } from '../common/http/pagination';
import { Clock } from '../database/clock';
import { TransactionService } from '../database/transaction.service';
import { compileSegmentSql } from './rules/compile-sql';
import { validateDefinition } from './rules/validate';
import type { CreateSegmentDto, ListSegmentsQuery, MembersQuery, UpdateSegmentDto } from './segments.dto';
import { SegmentsErrorCode, SegmentsException } from './segments.exception';
import { segmentReferences } from './rules/segment-references';
import { SEGMENT_COLUMNS, SegmentRow } from './segment.types';
import { lockSegmentRefresh } from './membership-writers';

@Injectable()
export class SegmentsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionService,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateSegmentDto): Promise<SegmentRow> {
    return this.tx.run(async (manager) => {
      await this.lockDefinitions(manager);
      await this.validate(manager, dto.rules, dto.key);
      const now = this.clock.now();
      const rows: SegmentRow[] = await manager.query(
        `INSERT INTO segments (key, name, description, rules, min_dwell_seconds, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (key) DO NOTHING RETURNING ${SEGMENT_COLUMNS}`,
        [dto.key, dto.name, dto.description ?? null, dto.rules, dto.minDwellSeconds ?? 0, now],
      );
      if (!rows.length) {
        throw new SegmentsException(
          SegmentsErrorCode.SEGMENT_KEY_TAKEN,
          `A segment with key "${dto.key}" already exists`,
        );
      }
      await manager.query(
        `INSERT INTO segment_versions (segment_id, version, rules, created_at) VALUES ($1, 1, $2, $3)`,
        [rows[0].id, dto.rules, now],
      );
      return rows[0];
    });
  }

  async list(query: ListSegmentsQuery): Promise<Page<SegmentRow>> {
    const limit = query.limit ?? 50;
    const rows: SegmentRow[] = await this.dataSource.query(
      `SELECT ${SEGMENT_COLUMNS} FROM segments WHERE key > $1 AND ($2 OR archived_at IS NULL) ORDER BY key LIMIT $3`,
      [textCursorAfter(query.cursor), query.includeArchived ?? false, limit + 1],
    );
    return textPage(rows, limit, (s) => s.key);
  }

  /** `ref` is the segment's id or key. */
  async get(ref: string, manager: EntityManager = this.dataSource.manager): Promise<SegmentRow> {
    const rows: SegmentRow[] = await manager.query(
      `SELECT ${SEGMENT_COLUMNS} FROM segments WHERE ${isUuid(ref) ? 'id = $1::uuid' : 'key = $1'}`,
      [ref],
    );
    if (!rows.length) throw SegmentsException.notFound(ref);
    return rows[0];
  }

  /** A segment that is still evaluated: archived ones are refused with 409. */
  async active(ref: string): Promise<SegmentRow> {
    const segment = await this.get(ref);
    if (segment.archivedAt) throw SegmentsException.archived(segment.key);
    return segment;
  }

  async activeSegments(manager: EntityManager = this.dataSource.manager): Promise<SegmentRow[]> {
    return manager.query(`SELECT ${SEGMENT_COLUMNS} FROM segments WHERE archived_at IS NULL ORDER BY key`);
  }

  /** A change of rules makes a new immutable version; name, description and dwell are edited in place. */
  async update(ref: string, dto: UpdateSegmentDto): Promise<SegmentRow> {
    return this.tx.run(async (manager) => {
      await this.lockDefinitions(manager);
      const current = await this.get(ref, manager);
      if (dto.key !== undefined && dto.key !== current.key) {
        throw SegmentsException.invalid([
          { path: 'key', message: 'cannot be changed: journeys and rules refer to it' },
        ]);
      }
      const rulesChanged =
        dto.rules !== undefined && JSON.stringify(dto.rules) !== JSON.stringify(current.rules);
      if (rulesChanged) await this.validate(manager, dto.rules!, current.key);
      const now = this.clock.now();
      const version = rulesChanged ? current.version + 1 : current.version;
      const [[updated]]: [SegmentRow[], number] = await manager.query(
        `UPDATE segments SET name = $2, description = $3, rules = $4, min_dwell_seconds = $5, version = $6, updated_at = $7
          WHERE id = $1 RETURNING ${SEGMENT_COLUMNS}`,
        [
          current.id,
          dto.name ?? current.name,
          dto.description === undefined ? current.description : dto.description,
          rulesChanged ? dto.rules : current.rules,
          dto.minDwellSeconds ?? current.minDwellSeconds,
          version,
          now,
        ],
      );
      if (rulesChanged) {
        await manager.query(
          `INSERT INTO segment_versions (segment_id, version, rules, created_at) VALUES ($1, $2, $3, $4)`,
          [current.id, version, dto.rules, now],
        );
      }
      return updated;
    });
  }

  async versions(ref: string) {
    const segment = await this.get(ref);
    return this.dataSource.query(
      `SELECT version, rules, created_at AS "createdAt" FROM segment_versions WHERE segment_id = $1 ORDER BY version`,
      [segment.id],
    );
  }

  /** Archiving keeps history (transitions, reports) but stops evaluation; refused while other segments use it. */
  async archive(ref: string): Promise<void> {
    await this.tx.run(async (manager) => {
      await this.lockDefinitions(manager);
      const segment = await this.get(ref, manager);
      const dependants = (await this.activeSegments(manager)).filter(
        (s) => s.id !== segment.id && segmentReferences(s.rules).some((r) => r.key === segment.key),
      );
      if (dependants.length) {
        throw new SegmentsException(
          SegmentsErrorCode.SEGMENT_IN_USE,
          `Segment "${segment.key}" is used by ${dependants.map((s) => `"${s.key}"`).join(', ')}`,
        );
      }
      // A refresh writing this segment's memberships finishes first; later ones see it archived.
      await lockSegmentRefresh(manager, segment.id);
      await manager.query(`UPDATE segments SET archived_at = $2 WHERE id = $1`, [
        segment.id,
        this.clock.now(),
      ]);
      await manager.query(`DELETE FROM segment_memberships WHERE segment_id = $1`, [segment.id]);
    });
  }

  async members(ref: string, query: MembersQuery) {
    const segment = await this.get(ref);
    const limit = query.limit ?? 50;
    const after = query.cursor
      ? Buffer.from(query.cursor, 'base64url').toString('utf8')
      : '00000000-0000-0000-0000-000000000000';
    if (!isUuid(after))
      throw SegmentsException.invalid([
        { path: 'cursor', message: 'is not a cursor returned by this endpoint' },
      ]);
    const rows = await this.dataSource.query(
      `SELECT c.id, c.external_id AS "externalId", c.email, m.entered_at AS "enteredAt"
         FROM segment_memberships m JOIN customers c ON c.id = m.customer_id
        WHERE m.segment_id = $1 AND m.customer_id > $2 ORDER BY m.customer_id LIMIT $3`,
      [segment.id, after, limit + 1],
    );
    const items = rows.slice(0, limit);
    const nextCursor =
      rows.length > limit ? Buffer.from(items[items.length - 1].id).toString('base64url') : null;
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM segment_memberships WHERE segment_id = $1`,
      [segment.id],
    );
    return { segment: segment.key, total, items, nextCursor };
  }

  /** Size and a sample of a definition, computed now, without saving anything. */
  async preview(rules: Record<string, unknown>, sample = 20) {
    await this.validate(this.dataSource.manager, rules, undefined);
    const { sql, params } = compileSegmentSql(rules, { now: this.clock.now() });
    const started = Date.now();
    const [{ size }] = await this.dataSource.query(`SELECT count(*)::int AS size FROM (${sql}) t`, params);
    const rows = sample
      ? await this.dataSource.query(
          `SELECT c.id, c.external_id AS "externalId", c.email FROM (${sql}) t JOIN customers c ON c.id = t.customer_id
            ORDER BY c.id LIMIT $${params.length + 1}`,
          [...params, sample],
        )
      : [];
    return { size, sample: rows, ms: Date.now() - started };
  }

  private async validate(manager: EntityManager, rules: unknown, selfKey: string | undefined) {
    const others = new Map((await this.activeSegments(manager)).map((s) => [s.key, s.rules]));
    const problems = validateDefinition(rules, { segmentRules: (key) => others.get(key), selfKey });
    if (problems.length) throw SegmentsException.invalid(problems);
  }

  /** Definitions are validated against each other (cycles): one writer at a time. */
  private async lockDefinitions(manager: EntityManager) {
    await manager.query(`SELECT pg_advisory_xact_lock(7236003)`);
  }
}
