import type { EntityManager } from 'typeorm';

/**
 * One run's step inside a batch transaction. The savepoint is opened only when a node is about to query (or up
 * front, run by run): a step that only gathers writes for the batch has nothing in the database to roll back.
 */
export class RunStep {
  private open = false;

  constructor(private readonly manager: EntityManager) {}

  async savepoint(): Promise<void> {
    if (this.open) return;
    await this.manager.query('SAVEPOINT run_step');
    this.open = true;
  }

  async release(): Promise<void> {
    if (this.open) await this.manager.query('RELEASE SAVEPOINT run_step');
    this.open = false;
  }

  async rollback(): Promise<void> {
    if (this.open) await this.manager.query('ROLLBACK TO SAVEPOINT run_step');
    this.open = false;
  }
}
