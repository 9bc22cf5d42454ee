import type { EntityManager } from 'typeorm';
import type { RunRow } from './run-row';

interface StepRow {
  runId: string;
  journeyId: string;
  nodeId: string;
  step: number;
  outcome: string;
  detail: Record<string, unknown>;
  enteredAt: Date;
  leftAt: Date;
}

/** The timeline rows of one claimed batch, written in one statement at the end of its transaction. */
export class StepLog {
  private rows: StepRow[] = [];

  add(run: RunRow, outcome: string, detail: Record<string, unknown>, at: Date): void {
    this.rows.push({
      runId: run.id,
      journeyId: run.journeyId,
      nodeId: run.nodeId,
      step: run.step,
      outcome,
      detail,
      enteredAt: run.nodeEnteredAt,
      leftAt: at,
    });
  }

  /** Drops the rows of a run whose step was rolled back. */
  discard(runId: string): void {
    this.rows = this.rows.filter((r) => r.runId !== runId);
  }

  async flush(manager: EntityManager): Promise<void> {
    if (!this.rows.length) return;
    const r = this.rows;
    await manager.query(
      `INSERT INTO journey_steps (run_id, journey_id, node_id, step, outcome, detail, entered_at, left_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::jsonb[],
                            $7::timestamptz[], $8::timestamptz[])`,
      [
        r.map((x) => x.runId),
        r.map((x) => x.journeyId),
        r.map((x) => x.nodeId),
        r.map((x) => x.step),
        r.map((x) => x.outcome),
        r.map((x) => JSON.stringify(x.detail)),
        r.map((x) => x.enteredAt),
        r.map((x) => x.leftAt),
      ],
    );
    this.rows = [];
  }
}
