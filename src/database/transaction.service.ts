import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock detected

/** The one transaction helper: runs `work` in a transaction and retries it when PostgreSQL asks for a retry. */
@Injectable()
export class TransactionService {
  constructor(private readonly dataSource: DataSource) {}

  /** `alsoRetryOn`: further SQLSTATE codes the caller knows a fresh attempt resolves. */
  async run<T>(
    work: (manager: EntityManager) => Promise<T>,
    alsoRetryOn: string[] = [],
    attempts = 5,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(work);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (!code || !(RETRYABLE.has(code) || alsoRetryOn.includes(code)) || attempt >= attempts) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
      }
    }
  }
}
