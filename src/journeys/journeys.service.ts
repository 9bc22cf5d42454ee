import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Page, PageQuery, textCursorAfter, textPage } from '../common/http/pagination';
import { isUuid } from '../common/http/uuid';
import { Clock } from '../database/clock';
import { TransactionService } from '../database/transaction.service';
import { JOURNEY_RUNS_CHANNEL } from './engine/advance-runs.usecase';
import type { JourneyDefinition } from './graph/definition';
import { journeyReferences, validateJourney } from './graph/validate';
import { loadReferences, pinReferences } from './journey-references';
import { JourneyVersionsRepository } from './journey-versions.repository';
import { refreshWatches } from './journey-watches';
import { JOURNEY_COLUMNS, type JourneyRow, type JourneyStatus } from './journey.types';
import type { CreateJourneyDto, UpdateJourneyDto } from './journeys.dto';
import { JourneysErrorCode, JourneysException } from './journeys.exception';

/** Journey definitions: drafts, immutable published versions, and the live/paused/archived lifecycle. */
@Injectable()
export class JourneysService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionService,
    private readonly clock: Clock,
    private readonly versions: JourneyVersionsRepository,
  ) {}

  async create(dto: CreateJourneyDto): Promise<JourneyRow> {
    const now = this.clock.now();
    const rows: JourneyRow[] = await this.dataSource.query(
      `INSERT INTO journeys (key, name, description, draft, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (key) DO NOTHING RETURNING ${JOURNEY_COLUMNS}`,
      [dto.key, dto.name, dto.description ?? null, dto.definition, now],
    );
    if (!rows.length)
      throw new JourneysException(
        JourneysErrorCode.JOURNEY_KEY_TAKEN,
        `A journey with key "${dto.key}" already exists`,
      );
    return rows[0];
  }

  async list(query: PageQuery): Promise<Page<JourneyRow>> {
    const limit = query.limit ?? 50;
    const rows: JourneyRow[] = await this.dataSource.query(
      `SELECT ${JOURNEY_COLUMNS} FROM journeys WHERE key > $1 ORDER BY key LIMIT $2`,
      [textCursorAfter(query.cursor), limit + 1],
    );
    return textPage(rows, limit, (j) => j.key);
  }

  /** `ref` is the journey's id or key. */
  async get(
    ref: string,
    manager: EntityManager = this.dataSource.manager,
    lock = false,
  ): Promise<JourneyRow> {
    const rows: JourneyRow[] = await manager.query(
      // $1 is typed text first: a key may look like a uuid, and an untyped $1 would take uuid from the first cast.
      `SELECT ${JOURNEY_COLUMNS} FROM journeys WHERE ${isUuid(ref) ? 'id = $1::text::uuid OR ' : ''}key = $1::text
        ${lock ? 'FOR UPDATE' : ''}`,
      [ref],
    );
    if (!rows.length) throw JourneysException.notFound(ref);
    return rows[0];
  }

  async update(ref: string, dto: UpdateJourneyDto): Promise<JourneyRow> {
    return this.tx.run(async (manager) => {
      const journey = await this.get(ref, manager, true);
      if (journey.status === 'archived') throw JourneysException.archived(journey.key);
      const [rows] = await manager.query(
        `UPDATE journeys SET name = COALESCE($2, name), description = COALESCE($3, description),
                draft = COALESCE($4, draft), updated_at = $5
          WHERE id = $1 RETURNING ${JOURNEY_COLUMNS}`,
        [journey.id, dto.name ?? null, dto.description ?? null, dto.definition ?? null, this.clock.now()],
      );
      return rows[0];
    });
  }

  /**
   * Validates the draft against the templates, segments and experiments that exist now, freezes it as the next
   * version with its templates pinned, and makes the journey live. Runs already under way keep their version.
   */
  async publish(ref: string): Promise<JourneyRow & { version: number }> {
    return this.tx.run(async (manager) => {
      const journey = await this.get(ref, manager, true);
      if (journey.status === 'archived') throw JourneysException.archived(journey.key);
      const draft = journey.definition;
      const refs = await loadReferences(manager, journeyReferences(draft));
      const problems = validateJourney(draft, refs.known);
      if (problems.length) throw JourneysException.invalid(problems);
      const definition = draft as JourneyDefinition;
      const { pinned, problems: pinProblems } = await pinReferences(
        manager,
        definition,
        refs.templates,
        refs.segmentIds,
      );
      if (pinProblems.length) throw JourneysException.invalid(pinProblems);
      const version = (journey.currentVersion ?? 0) + 1;
      const now = this.clock.now();
      await this.versions.insert(manager, journey.id, version, definition, pinned, now);
      const status: JourneyStatus = journey.status === 'paused' ? 'paused' : 'live';
      const [rows] = await manager.query(
        `UPDATE journeys SET current_version = $2, status = $3, updated_at = $4 WHERE id = $1
         RETURNING ${JOURNEY_COLUMNS}`,
        [journey.id, version, status, now],
      );
      await this.refreshWatches(manager);
      return { ...rows[0], version };
    });
  }

  /** No new entries and no steps while paused; runs hold where they are and continue on resume. */
  pause(ref: string): Promise<JourneyRow> {
    return this.setStatus(ref, 'paused', ['live']);
  }

  resume(ref: string): Promise<JourneyRow> {
    return this.setStatus(ref, 'live', ['paused']);
  }

  /** Ends every live run (exited, "journey archived") and stops the journey for good. */
  async archive(ref: string): Promise<void> {
    await this.tx.run(async (manager) => {
      const journey = await this.get(ref, manager, true);
      if (journey.status === 'archived') return;
      const now = this.clock.now();
      await manager.query(
        `UPDATE journey_runs SET status = 'exited', end_reason = 'journey archived', ended_at = $2, updated_at = $2,
                wake_at = NULL
          WHERE journey_id = $1 AND status IN ('active', 'waiting')`,
        [journey.id, now],
      );
      await manager.query(
        `UPDATE journeys SET status = 'archived', archived_at = $2, updated_at = $2 WHERE id = $1`,
        [journey.id, now],
      );
      await this.refreshWatches(manager);
    });
  }

  async versionsOf(ref: string) {
    const journey = await this.get(ref);
    const rows: { version: number }[] = await this.dataSource.query(
      `SELECT version FROM journey_versions WHERE journey_id = $1 ORDER BY version`,
      [journey.id],
    );
    return Promise.all(rows.map((r) => this.versions.get(journey.id, r.version)));
  }

  private async setStatus(ref: string, to: JourneyStatus, from: JourneyStatus[]): Promise<JourneyRow> {
    return this.tx.run(async (manager) => {
      const journey = await this.get(ref, manager, true);
      if (journey.status === to) return journey;
      if (journey.status === 'draft')
        throw new JourneysException(
          JourneysErrorCode.JOURNEY_NOT_PUBLISHED,
          `Journey "${journey.key}" has not been published yet`,
        );
      if (!from.includes(journey.status)) throw JourneysException.archived(journey.key);
      const [rows] = await manager.query(
        `UPDATE journeys SET status = $2, updated_at = $3 WHERE id = $1 RETURNING ${JOURNEY_COLUMNS}`,
        [journey.id, to, this.clock.now()],
      );
      await this.tx.notifyOnCommit(manager, JOURNEY_RUNS_CHANNEL);
      return rows[0];
    });
  }

  private refreshWatches(manager: EntityManager): Promise<void> {
    return refreshWatches(manager, (ids) =>
      Promise.all(ids.map((v) => this.versions.get(v.journeyId, v.version, manager))),
    );
  }
}
