import { Injectable } from '@nestjs/common';
import { scoreRfm, rfmGroupDistribution, RfmOptions } from '../../analytics/rfm';
import { Clock } from '../../database/clock';
import { TransactionService } from '../../database/transaction.service';

const DAY_MS = 86_400_000;
const WRITE_CHUNK = 10_000;

export interface RfmRun {
  scoredAt: Date;
  scored: number;
  withoutOrders: number;
  groups: ReturnType<typeof rfmGroupDistribution>;
  ms: number;
}

/**
 * Recomputes RFM quintile scores for every customer from customer_stats (recency from the last order, frequency
 * = orders, monetary = revenue) and stores them in customer_scores. Scores are relative to the whole base, so
 * they are recomputed together, in one transaction; customers without orders get no RFM scores.
 */
@Injectable()
export class ScoreRfmUseCase {
  constructor(
    private readonly tx: TransactionService,
    private readonly clock: Clock,
  ) {}

  async execute(options: RfmOptions = {}): Promise<RfmRun> {
    const started = Date.now();
    const now = this.clock.now();
    return this.tx.run(async (manager) => {
      const rows: {
        customer_id: string;
        last_order_at: Date | null;
        orders_count: number;
        revenue: string;
      }[] = await manager.query(
        `SELECT customer_id, last_order_at, orders_count, revenue_total AS revenue FROM customer_stats
            WHERE orders_count > 0 ORDER BY customer_id`,
      );
      const { scored, withoutOrders } = scoreRfm(
        rows.map((r) => ({
          customerId: r.customer_id,
          recencyDays: r.last_order_at
            ? Math.max(0, (now.getTime() - r.last_order_at.getTime()) / DAY_MS)
            : null,
          orderCount: r.orders_count,
          revenue: Number(r.revenue),
        })),
        options,
      );
      // Customers who no longer have orders (erased history, merges) lose their old RFM scores.
      await manager.query(
        `UPDATE customer_scores SET rfm_recency = NULL, rfm_frequency = NULL, rfm_monetary = NULL, rfm_code = NULL,
                rfm_group = NULL, rfm_at = $1, updated_at = $1
          WHERE rfm_code IS NOT NULL AND customer_id NOT IN (SELECT customer_id FROM customer_stats WHERE orders_count > 0)`,
        [now],
      );
      for (let i = 0; i < scored.length; i += WRITE_CHUNK) {
        const chunk = scored.slice(i, i + WRITE_CHUNK);
        await manager.query(
          `INSERT INTO customer_scores AS s (customer_id, rfm_recency, rfm_frequency, rfm_monetary, rfm_code, rfm_group, rfm_at, updated_at)
           SELECT c, r, f, m, code, grp, $7, $7 FROM unnest($1::uuid[], $2::smallint[], $3::smallint[], $4::smallint[], $5::text[], $6::text[])
             AS t(c, r, f, m, code, grp)
           ON CONFLICT (customer_id) DO UPDATE SET rfm_recency = EXCLUDED.rfm_recency, rfm_frequency = EXCLUDED.rfm_frequency,
             rfm_monetary = EXCLUDED.rfm_monetary, rfm_code = EXCLUDED.rfm_code, rfm_group = EXCLUDED.rfm_group,
             rfm_at = EXCLUDED.rfm_at, updated_at = EXCLUDED.updated_at`,
          [
            chunk.map((s) => s.customerId),
            chunk.map((s) => s.recency),
            chunk.map((s) => s.frequency),
            chunk.map((s) => s.monetary),
            chunk.map((s) => s.code),
            chunk.map((s) => s.group),
            now,
          ],
        );
      }
      return {
        scoredAt: now,
        scored: scored.length,
        withoutOrders: withoutOrders.length,
        groups: rfmGroupDistribution(scored),
        ms: Date.now() - started,
      };
    });
  }
}
