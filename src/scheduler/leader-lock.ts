import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * Runs a job on one process at a time across all Waymark processes sharing the database, with a session-level
 * PostgreSQL advisory lock held on a dedicated connection for the job's duration. Others skip the run.
 */
@Injectable()
export class LeaderLock {
  constructor(private readonly dataSource: DataSource) {}

  async runExclusive<T>(job: string, work: () => Promise<T>): Promise<T | undefined> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query(
        `SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked`,
        [`job:${job}`],
      );
      if (!locked) return undefined;
      try {
        return await work();
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [`job:${job}`]);
      }
    } finally {
      await runner.release();
    }
  }
}
