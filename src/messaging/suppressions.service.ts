import { textCursorAfter, textPage } from '../common/http/pagination';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../database/clock';
import type { SuppressionReason } from './messaging.dto';
import { MessagingException } from './messaging.exception';

export interface SuppressionView {
  email: string;
  reason: SuppressionReason;
  at: Date;
}

/** The suppression list: addresses (case-insensitive, stored lower-case) that are never sent marketing email. */
@Injectable()
export class SuppressionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Adds the address; an address already listed keeps its first reason and time. */
  async add(
    email: string,
    reason: SuppressionReason,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<SuppressionView> {
    await manager.query(
      `INSERT INTO suppressions (email, reason, at) VALUES (lower($1), $2, $3) ON CONFLICT (email) DO NOTHING`,
      [email, reason, this.clock.now()],
    );
    const [row] = await manager.query(`SELECT email, reason, at FROM suppressions WHERE email = lower($1)`, [
      email,
    ]);
    return row;
  }

  async get(email: string): Promise<SuppressionView> {
    const [row] = await this.dataSource.query(
      `SELECT email, reason, at FROM suppressions WHERE email = lower($1)`,
      [email],
    );
    if (!row) throw MessagingException.suppressionNotFound(email);
    return row;
  }

  async remove(email: string): Promise<void> {
    const [, count] = await this.dataSource.query(`DELETE FROM suppressions WHERE email = lower($1)`, [
      email,
    ]);
    if (!count) throw MessagingException.suppressionNotFound(email);
  }

  /** Keyset pagination on the address. */
  async list(limit = 50, cursor?: string): Promise<{ items: SuppressionView[]; nextCursor: string | null }> {
    const rows: SuppressionView[] = await this.dataSource.query(
      `SELECT email, reason, at FROM suppressions WHERE email > $1 ORDER BY email LIMIT $2`,
      [textCursorAfter(cursor), limit + 1],
    );
    return textPage(rows, limit, (r) => r.email);
  }
}
