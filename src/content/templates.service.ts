import { decodeCursor, encodeCursor } from '../common/http/pagination';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditActor, recordAudit } from '../common/audit/audit-log';
import { Page } from '../common/http/pagination';
import { isUuid } from '../common/http/uuid';
import { Clock } from '../database/clock';
import { TransactionService } from '../database/transaction.service';
import { compileTemplate, CompiledTemplate } from './compile-template';
import { ContentException } from './content.exception';
import { BlocksDefinition, validateBlocks } from './template-definition';
import { RenderableVersion, TemplateRenderer } from './template-renderer';
import type { CreateTemplateDto, ListTemplatesQuery, UpdateTemplateDto } from './templates.dto';

export interface TemplateView {
  id: string;
  key: string;
  name: string;
  /** The version shown. */
  version: number;
  latestVersion: number;
  subject: string;
  html: string;
  text: string | null;
  from: string | null;
  replyTo: string | null;
  blocks: BlocksDefinition;
  createdAt: Date;
  updatedAt: Date;
  versionCreatedAt: Date;
  archivedAt: Date | null;
}

export interface TemplateSummary {
  id: string;
  key: string;
  name: string;
  latestVersion: number;
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
}

type TemplateContent = Omit<UpdateTemplateDto, 'name'>;

const VIEW_COLUMNS = `t.id, t.key, v.name, v.version, t.version AS "latestVersion", v.subject, v.html, v.text,
  v.from_address AS "from", v.reply_to AS "replyTo", v.blocks, t.created_at AS "createdAt",
  t.updated_at AS "updatedAt", v.created_at AS "versionCreatedAt", t.archived_at AS "archivedAt"`;

/** Templates and their immutable versions: a PUT adds a version, DELETE archives; nothing is edited in place. */
@Injectable()
export class TemplatesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionService,
    private readonly clock: Clock,
    private readonly renderer: TemplateRenderer,
  ) {}

  async create(dto: CreateTemplateDto, actor: AuditActor | undefined): Promise<TemplateView> {
    const compiled = this.validate(dto);
    const now = this.clock.now();
    const id = await this.tx.run(async (manager) => {
      const inserted = await manager.query(
        `INSERT INTO templates (key, name, version, created_at, updated_at) VALUES ($1, $2, 1, $3, $3)
         ON CONFLICT (key) DO NOTHING RETURNING id`,
        [dto.key, dto.name, now],
      );
      if (!inserted.length) throw ContentException.keyTaken(dto.key);
      const templateId: string = inserted[0].id;
      await this.insertVersion(manager, templateId, 1, dto.name, dto, actor, now);
      await recordAudit(manager, actor, {
        action: 'template.created',
        subjectType: 'template',
        subjectId: templateId,
        details: { key: dto.key, version: 1 },
      });
      return templateId;
    });
    const view = await this.get(id);
    this.renderer.remember(toRenderable(view), compiled);
    return view;
  }

  async update(ref: string, dto: UpdateTemplateDto, actor: AuditActor | undefined): Promise<TemplateView> {
    const compiled = this.validate(dto);
    const now = this.clock.now();
    const id = await this.tx.run(async (manager) => {
      const id = await this.resolveId(ref, manager);
      const [current] = await manager.query(
        `SELECT key, name, version, archived_at FROM templates WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (current.archived_at) throw ContentException.archived(ref);
      const version = current.version + 1;
      const name = dto.name ?? current.name;
      await this.insertVersion(manager, id, version, name, dto, actor, now);
      await manager.query(`UPDATE templates SET version = $2, name = $3, updated_at = $4 WHERE id = $1`, [
        id,
        version,
        name,
        now,
      ]);
      await recordAudit(manager, actor, {
        action: 'template.versioned',
        subjectType: 'template',
        subjectId: id,
        details: { key: current.key, version },
      });
      return id;
    });
    const view = await this.get(id);
    this.renderer.remember(toRenderable(view), compiled);
    return view;
  }

  async archive(ref: string, actor: AuditActor | undefined): Promise<void> {
    await this.tx.run(async (manager) => {
      const id = await this.resolveId(ref, manager);
      // An UPDATE answers [rows, rowCount].
      const [archived] = await manager.query(
        `UPDATE templates SET archived_at = $2, updated_at = $2 WHERE id = $1 AND archived_at IS NULL RETURNING key`,
        [id, this.clock.now()],
      );
      if (!archived.length) return; // already archived: DELETE is idempotent
      await recordAudit(manager, actor, {
        action: 'template.archived',
        subjectType: 'template',
        subjectId: id,
        details: { key: archived[0].key },
      });
    });
  }

  /** The newest version, or `version`; archived templates are still readable (queued messages need them). */
  async get(ref: string, version?: number): Promise<TemplateView> {
    const id = await this.resolveId(ref);
    const [row] = await this.dataSource.query(
      `SELECT ${VIEW_COLUMNS} FROM templates t
         JOIN template_versions v ON v.template_id = t.id AND v.version = COALESCE($2::int, t.version)
        WHERE t.id = $1`,
      [id, version ?? null],
    );
    if (!row) throw ContentException.notFound(ref, version);
    return row;
  }

  /** A version ready for the renderer. */
  async findVersion(ref: string, version?: number): Promise<RenderableVersion & TemplateView> {
    const view = await this.get(ref, version);
    return { ...view, ...toRenderable(view) };
  }

  /** Keyset pagination on (created_at, id), like every list; archived templates only when asked. */
  async list(query: ListTemplatesQuery): Promise<Page<TemplateSummary>> {
    const limit = query.limit ?? 50;
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const rows: (TemplateSummary & { createdAt: Date })[] = await this.dataSource.query(
      `SELECT id, key, name, version AS "latestVersion", created_at AS "createdAt", updated_at AS "updatedAt",
              archived_at AS "archivedAt"
         FROM templates
        WHERE ($1::boolean OR archived_at IS NULL)
          AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
        ORDER BY created_at, id
        LIMIT $4`,
      [query.includeArchived ?? false, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null };
  }

  /** Structure first, then Liquid: 422 INVALID_TEMPLATE listing every problem with line and column. */
  private validate(dto: TemplateContent): CompiledTemplate {
    const problems = validateBlocks(dto.blocks);
    if (problems.length) throw ContentException.invalid(problems);
    const { compiled, problems: liquid } = compileTemplate(this.renderer.engine, {
      subject: dto.subject,
      html: dto.html,
      text: dto.text ?? null,
      blocks: dto.blocks ?? {},
    });
    if (!compiled) throw ContentException.invalid(liquid);
    return compiled;
  }

  private async insertVersion(
    manager: EntityManager,
    templateId: string,
    version: number,
    name: string,
    dto: TemplateContent,
    actor: AuditActor | undefined,
    now: Date,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO template_versions
         (template_id, version, name, subject, html, text, from_address, reply_to, blocks, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        templateId,
        version,
        name,
        dto.subject,
        dto.html,
        dto.text ?? null,
        dto.from ?? null,
        dto.replyTo ?? null,
        JSON.stringify(dto.blocks ?? {}),
        actor?.id && isUuid(actor.id) ? actor.id : null,
        now,
      ],
    );
  }

  /** `ref` is the template's id or its key. */
  private async resolveId(ref: string, manager: EntityManager = this.dataSource.manager): Promise<string> {
    if (isUuid(ref)) {
      const byId = await manager.query(`SELECT id FROM templates WHERE id = $1`, [ref]);
      if (byId.length) return byId[0].id;
    }
    const byKey = await manager.query(`SELECT id FROM templates WHERE key = $1`, [ref]);
    if (byKey.length) return byKey[0].id;
    throw ContentException.notFound(ref);
  }
}

function toRenderable(view: TemplateView): RenderableVersion {
  return {
    templateId: view.id,
    key: view.key,
    name: view.name,
    version: view.version,
    subject: view.subject,
    html: view.html,
    text: view.text,
    blocks: view.blocks,
  };
}
