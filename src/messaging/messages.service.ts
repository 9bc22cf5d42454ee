import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.token';
import { CustomersException } from '../customers/customers.exception';
import { CustomersService } from '../customers/customers.service';
import { TemplatesService } from '../content/templates.service';
import { Clock } from '../database/clock';
import { TransactionService } from '../database/transaction.service';
import { isUuid } from '../common/http/uuid';
import { publicHost } from './delivery-rules';
import type { CreateMessageDto } from './messaging.dto';
import { MessagingException } from './messaging.exception';

export const MESSAGES_CHANNEL = 'waymark_messages';

export const MESSAGE_KINDS = ['marketing', 'transactional'] as const;
/** Transactional mail (receipts, password resets) ignores consent, frequency caps and quiet hours, never a suppression. */
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** A per-journey (per-campaign) frequency cap: at most `max` sent messages with this key per customer per `withinMs`. */
export interface MessageCap {
  key: string;
  max: number;
  withinMs: number;
}

export type MessageStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'bounced' | 'suppressed' | 'skipped';

export interface MessageView {
  id: string;
  idempotencyKey: string;
  customerId: string;
  templateId: string;
  templateVersion: number;
  kind: MessageKind;
  journeyId: string | null;
  nodeId: string | null;
  cap: MessageCap | null;
  toEmail: string | null;
  status: MessageStatus;
  skipReason: string | null;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  subject: string | null;
  providerMessageId: string | null;
  messageIdHeader: string;
  context: Record<string, unknown>;
  createdAt: Date;
  sentAt: Date | null;
}

export const MESSAGE_VIEW_COLUMNS = `id, idempotency_key AS "idempotencyKey", customer_id AS "customerId",
  template_id AS "templateId", template_version AS "templateVersion", kind, journey_id AS "journeyId",
  node_id AS "nodeId",
  CASE WHEN cap_key IS NULL THEN NULL
       ELSE jsonb_build_object('key', cap_key, 'max', cap_max, 'withinMs', cap_within_ms) END AS cap, to_email AS "toEmail", status,
  skip_reason AS "skipReason", attempts, next_attempt_at AS "nextAttemptAt", last_error AS "lastError", subject,
  provider_message_id AS "providerMessageId", message_id_header AS "messageIdHeader", context,
  created_at AS "createdAt", sent_at AS "sentAt"`;

export interface EnqueueInput {
  customerId: string;
  templateId: string;
  templateVersion: number;
  context?: Record<string, unknown>;
  idempotencyKey?: string;
  /** Default marketing. */
  kind?: MessageKind;
  /** The journey (campaign) and node that sent it, for reports; no foreign key. */
  journeyId?: string;
  nodeId?: string;
  /** Checked at send time for marketing messages, against earlier messages with the same cap key. */
  cap?: MessageCap;
}

/** The outbox: `POST /v1/messages` and, through `enqueue(manager, …)`, any step that sends in its own transaction. */
@Injectable()
export class MessagesService {
  private readonly host: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly tx: TransactionService,
    private readonly clock: Clock,
    private readonly customers: CustomersService,
    private readonly templates: TemplatesService,
  ) {
    this.host = publicHost(config.publicUrl);
  }

  async create(dto: CreateMessageDto): Promise<{ message: MessageView; created: boolean }> {
    const template = await this.templates.findVersion(dto.template);
    const customerId = await this.customers.resolveId(dto.customer);
    const { id, created } = await this.tx.run((manager) =>
      this.enqueue(manager, {
        customerId,
        templateId: template.templateId,
        templateVersion: template.version,
        context: { ...dto.context },
        idempotencyKey: dto.idempotencyKey,
        kind: dto.kind,
      }),
    );
    return { message: await this.get(id), created };
  }

  /**
   * Writes one queued message in the caller's transaction; a repeated idempotency key returns the message already
   * there (created: false) and writes nothing. Wakes the senders when the transaction commits.
   */
  async enqueue(manager: EntityManager, input: EnqueueInput): Promise<{ id: string; created: boolean }> {
    const id = randomUUID();
    const now = this.clock.now();
    const key = input.idempotencyKey ?? id;
    checkEnqueueInput(input);
    const cap = input.cap;
    await manager.query(
      `INSERT INTO messages (id, idempotency_key, customer_id, template_id, template_version, to_email, status,
                             next_attempt_at, message_id_header, context, created_at, updated_at,
                             kind, journey_id, node_id, cap_key, cap_max, cap_within_ms)
       SELECT $1, $2, c.id, $4, $5, c.email, 'queued', $6, $7, $8, $6, $6, $9, $10, $11, $12, $13, $14
         FROM customers c WHERE c.id = $3
       ON CONFLICT (idempotency_key) DO NOTHING`,
      [
        id,
        key,
        input.customerId,
        input.templateId,
        input.templateVersion,
        now,
        `<${id}@${this.host}>`,
        input.context ?? {},
        input.kind ?? 'marketing',
        input.journeyId ?? null,
        input.nodeId ?? null,
        cap?.key ?? null,
        cap?.max ?? null,
        cap?.withinMs ?? null,
      ],
    );
    // A concurrent insert of the same key waited for the other transaction; this statement sees its row.
    const [row] = await manager.query(`SELECT id FROM messages WHERE idempotency_key = $1`, [key]);
    if (!row) throw CustomersException.notFound(input.customerId); // erased meanwhile
    const existing = row.id as string;
    if (existing === id) await this.tx.notifyOnCommit(manager, MESSAGES_CHANNEL);
    return { id: existing, created: existing === id };
  }

  /**
   * `enqueue` for many messages in two statements (a batch of journey steps): the same rows, idempotency and
   * wake-up. An entry is null when its customer no longer exists.
   */
  async enqueueMany(
    manager: EntityManager,
    inputs: (EnqueueInput & { idempotencyKey: string })[],
  ): Promise<({ id: string; created: boolean } | null)[]> {
    if (!inputs.length) return [];
    inputs.forEach(checkEnqueueInput);
    const now = this.clock.now();
    const ids = inputs.map(() => randomUUID());
    await manager.query(
      `INSERT INTO messages (id, idempotency_key, customer_id, template_id, template_version, to_email, status,
                             next_attempt_at, message_id_header, context, created_at, updated_at,
                             kind, journey_id, node_id, cap_key, cap_max, cap_within_ms)
       SELECT u.id, u.key, c.id, u.template_id, u.template_version, c.email, 'queued', $14, u.header, u.context, $14, $14,
              u.kind, u.journey_id, u.node_id, u.cap_key, u.cap_max, u.cap_within_ms
         FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::int[], $6::text[], $7::jsonb[],
                     $8::text[], $9::uuid[], $10::text[], $11::text[], $12::int[], $13::bigint[])
              AS u(id, key, customer_id, template_id, template_version, header, context,
                   kind, journey_id, node_id, cap_key, cap_max, cap_within_ms)
         JOIN customers c ON c.id = u.customer_id
       ON CONFLICT (idempotency_key) DO NOTHING`,
      [
        ids,
        inputs.map((i) => i.idempotencyKey),
        inputs.map((i) => i.customerId),
        inputs.map((i) => i.templateId),
        inputs.map((i) => i.templateVersion),
        ids.map((id) => `<${id}@${this.host}>`),
        inputs.map((i) => JSON.stringify(i.context ?? {})),
        inputs.map((i) => i.kind ?? 'marketing'),
        inputs.map((i) => i.journeyId ?? null),
        inputs.map((i) => i.nodeId ?? null),
        inputs.map((i) => i.cap?.key ?? null),
        inputs.map((i) => i.cap?.max ?? null),
        inputs.map((i) => i.cap?.withinMs ?? null),
        now,
      ],
    );
    const rows: { id: string; key: string }[] = await manager.query(
      `SELECT id, idempotency_key AS key FROM messages WHERE idempotency_key = ANY($1::text[])`,
      [inputs.map((i) => i.idempotencyKey)],
    );
    const byKey = new Map(rows.map((r) => [r.key, r.id]));
    const out = inputs.map((input, k) => {
      const existing = byKey.get(input.idempotencyKey);
      return existing === undefined ? null : { id: existing, created: existing === ids[k] };
    });
    if (out.some((o) => o?.created)) await this.tx.notifyOnCommit(manager, MESSAGES_CHANNEL);
    return out;
  }

  async get(id: string): Promise<MessageView> {
    if (!isUuid(id)) throw MessagingException.messageNotFound(id);
    const [row] = await this.dataSource.query(`SELECT ${MESSAGE_VIEW_COLUMNS} FROM messages WHERE id = $1`, [
      id,
    ]);
    if (!row) throw MessagingException.messageNotFound(id);
    return row;
  }
}

/** Internal callers' mistakes, not user input: a plain error (a 500 names a bug). */
function checkEnqueueInput(input: EnqueueInput): void {
  if (input.journeyId !== undefined && !isUuid(input.journeyId))
    throw new Error(`enqueue: journeyId "${input.journeyId}" is not a uuid`);
  const cap = input.cap;
  if (
    cap &&
    !(
      cap.key &&
      Number.isInteger(cap.max) &&
      cap.max >= 1 &&
      Number.isInteger(cap.withinMs) &&
      cap.withinMs >= 1
    )
  )
    throw new Error(
      `enqueue: a cap needs a key, an integer max ≥ 1 and withinMs ≥ 1 (got ${JSON.stringify(cap)})`,
    );
}
