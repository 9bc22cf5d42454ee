import type { EntityManager } from 'typeorm';
import type { RunRow } from './run-row';

interface RunWrite {
  id: string;
  /** Ended runs keep their node_id and phase; live ones move. */
  ended: boolean;
  status: string;
  nodeId: string;
  phase: string;
  step: number;
  nodeEnteredAt: Date;
  wakeAt: Date | null;
  waitingFor: string | null;
  context: unknown;
  endReason: string | null;
}

/** Where each run of a claimed batch stopped — parked or ended — written in one UPDATE at the end. */
export class RunWrites {
  private writes: RunWrite[] = [];

  park(run: RunRow, wakeAt: Date, waitingFor: string | null, phase: 'parked' | 'arrive' = 'parked'): void {
    this.writes.push({
      id: run.id,
      ended: false,
      status: waitingFor ? 'waiting' : 'active',
      nodeId: run.nodeId,
      phase,
      step: run.step,
      nodeEnteredAt: run.nodeEnteredAt,
      wakeAt,
      waitingFor,
      context: run.context,
      endReason: null,
    });
  }

  end(run: RunRow, status: string, reason: string): void {
    this.writes.push({
      id: run.id,
      ended: true,
      status,
      nodeId: run.nodeId,
      phase: 'arrive',
      step: run.step,
      nodeEnteredAt: run.nodeEnteredAt,
      wakeAt: null,
      waitingFor: null,
      context: run.context,
      endReason: reason,
    });
  }

  discard(runId: string): void {
    this.writes = this.writes.filter((w) => w.id !== runId);
  }

  async flush(manager: EntityManager, now: Date): Promise<void> {
    const w = this.writes;
    this.writes = [];
    if (!w.length) return;
    await manager.query(
      `UPDATE journey_runs r SET
              status = u.status,
              node_id = CASE WHEN u.ended THEN r.node_id ELSE u.node_id END,
              phase = CASE WHEN u.ended THEN r.phase ELSE u.phase END,
              node_entered_at = CASE WHEN u.ended THEN r.node_entered_at ELSE u.node_entered_at END,
              step = u.step, wake_at = u.wake_at, waiting_for = u.waiting_for, context = u.context,
              end_reason = CASE WHEN u.ended THEN u.end_reason ELSE r.end_reason END,
              ended_at = CASE WHEN u.ended THEN $12 ELSE r.ended_at END,
              attempts = 0, last_error = NULL, updated_at = $12
         FROM unnest($1::uuid[], $2::bool[], $3::text[], $4::text[], $5::text[], $6::int[], $7::timestamptz[],
                     $8::timestamptz[], $9::text[], $10::jsonb[], $11::text[])
              AS u(id, ended, status, node_id, phase, step, node_entered_at, wake_at, waiting_for, context, end_reason)
        WHERE r.id = u.id`,
      [
        w.map((x) => x.id),
        w.map((x) => x.ended),
        w.map((x) => x.status),
        w.map((x) => x.nodeId),
        w.map((x) => x.phase),
        w.map((x) => x.step),
        w.map((x) => x.nodeEnteredAt),
        w.map((x) => x.wakeAt),
        w.map((x) => x.waitingFor),
        w.map((x) => JSON.stringify(x.context)),
        w.map((x) => x.endReason),
        now,
      ],
    );
  }
}
