import type { EntityManager } from 'typeorm';

export interface AuditActor {
  id: string;
  name: string;
}

export interface AuditEntry {
  action: string;
  subjectType: string;
  subjectId: string;
  /** Never personal data: ids, counts, reasons. */
  details?: Record<string, unknown>;
}

/** Appends to the audit log inside the caller's transaction, so the entry exists exactly when the change does. */
export async function recordAudit(
  manager: EntityManager,
  actor: AuditActor | undefined,
  entry: AuditEntry,
): Promise<void> {
  await manager.query(
    `INSERT INTO audit_log (actor_key_id, actor_name, action, subject_type, subject_id, details) VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      actor?.id ?? null,
      actor?.name ?? null,
      entry.action,
      entry.subjectType,
      entry.subjectId,
      entry.details ?? {},
    ],
  );
}
