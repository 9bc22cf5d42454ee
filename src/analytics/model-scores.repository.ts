import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { tierChanges } from './clv-model/clv-model';

/** Largest value numeric(14, 2) holds. */
const MAX_MONEY = 999_999_999_999.99;

export interface ClvScoreColumns {
  customerIds: string[];
  clv: ArrayLike<number>;
  tiers: readonly string[];
  pAlive: ArrayLike<number>;
  expectedPurchases: ArrayLike<number>;
  expectedAov: ArrayLike<number>;
}

export interface ChurnScoreColumns {
  customerIds: string[];
  probabilities: ArrayLike<number>;
}

/**
 * Writes a model's per-customer scores into customer_scores, set-based (one statement per step, rows passed as
 * arrays through unnest), always inside the transaction that makes the model current: readers see the
 * previous model's scores until it commits, the new ones after, never a mix.
 */
@Injectable()
export class ModelScoresRepository {
  /**
   * CLV columns of every customer scored by `modelId`; customers it did not score lose their CLV columns. When
   * a previous model was current, each customer whose tier differs from the one held so far gets a
   * `clv_tier_changed` transition (from/to may be null for customers entering or leaving the scored base).
   */
  async publishClv(
    manager: EntityManager,
    modelId: string,
    hadPreviousModel: boolean,
    scores: ClvScoreColumns,
    now: Date,
  ): Promise<{ scored: number; transitions: number; cleared: number }> {
    let transitions = 0;
    if (hadPreviousModel) {
      const held: { customer_id: string; clv_tier: string }[] = await manager.query(
        `SELECT customer_id, clv_tier FROM customer_scores WHERE clv_tier IS NOT NULL`,
      );
      const changes = tierChanges(
        scores.customerIds,
        scores.tiers,
        new Map(held.map((r) => [r.customer_id, r.clv_tier])),
      );
      if (changes.customerIds.length) {
        const [{ count }] = await manager.query(
          `WITH inserted AS (
             INSERT INTO score_transitions (customer_id, kind, from_value, to_value, model_id, at)
             SELECT u.customer_id, 'clv_tier_changed', u.from_value, u.to_value, $4, $5
               FROM unnest($1::uuid[], $2::text[], $3::text[]) AS u(customer_id, from_value, to_value)
              WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = u.customer_id)
             RETURNING 1)
           SELECT count(*)::int AS count FROM inserted`,
          [changes.customerIds, changes.from, changes.to, modelId, now],
        );
        transitions = count;
      }
    }

    const money = (v: number) => Math.max(-MAX_MONEY, Math.min(MAX_MONEY, v));
    // Customers erased since the summaries were read are left out rather than failing the foreign key.
    const [{ scored }] = await manager.query(
      `WITH upserted AS (
         INSERT INTO customer_scores (customer_id, clv, clv_tier, clv_model_id, p_alive, expected_purchases,
                                      expected_aov, clv_at, updated_at)
         SELECT u.customer_id, u.clv, u.tier, $7, u.p_alive, u.expected_purchases, u.expected_aov, $8, $8
           FROM unnest($1::uuid[], $2::numeric[], $3::text[], $4::float8[], $5::float8[], $6::float8[])
                AS u(customer_id, clv, tier, p_alive, expected_purchases, expected_aov)
          WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = u.customer_id)
         ON CONFLICT (customer_id) DO UPDATE SET
           clv = EXCLUDED.clv, clv_tier = EXCLUDED.clv_tier, clv_model_id = EXCLUDED.clv_model_id,
           p_alive = EXCLUDED.p_alive, expected_purchases = EXCLUDED.expected_purchases,
           expected_aov = EXCLUDED.expected_aov, clv_at = EXCLUDED.clv_at, updated_at = EXCLUDED.updated_at
         RETURNING 1)
       SELECT count(*)::int AS scored FROM upserted`,
      [
        scores.customerIds,
        Array.from(scores.clv, money),
        scores.tiers,
        Array.from(scores.pAlive),
        Array.from(scores.expectedPurchases),
        Array.from(scores.expectedAov),
        modelId,
        now,
      ],
    );
    const [, cleared] = await manager.query(
      `UPDATE customer_scores
          SET clv = NULL, clv_tier = NULL, clv_model_id = NULL, p_alive = NULL, expected_purchases = NULL,
              expected_aov = NULL, clv_at = $2, updated_at = $2
        WHERE clv_model_id IS DISTINCT FROM $1
          AND (clv IS NOT NULL OR clv_tier IS NOT NULL OR clv_model_id IS NOT NULL OR p_alive IS NOT NULL)`,
      [modelId, now],
    );
    return { scored, transitions, cleared };
  }

  /** churn_probability of every customer scored by `modelId`; others lose theirs. */
  async publishChurn(
    manager: EntityManager,
    modelId: string,
    scores: ChurnScoreColumns,
    now: Date,
  ): Promise<{ scored: number; cleared: number }> {
    const [{ scored }] = await manager.query(
      `WITH upserted AS (
         INSERT INTO customer_scores (customer_id, churn_probability, churn_model_id, churn_at, updated_at)
         SELECT u.customer_id, u.p, $3, $4, $4 FROM unnest($1::uuid[], $2::float8[]) AS u(customer_id, p)
          WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = u.customer_id)
         ON CONFLICT (customer_id) DO UPDATE SET
           churn_probability = EXCLUDED.churn_probability, churn_model_id = EXCLUDED.churn_model_id,
           churn_at = EXCLUDED.churn_at, updated_at = EXCLUDED.updated_at
         RETURNING 1)
       SELECT count(*)::int AS scored FROM upserted`,
      [scores.customerIds, Array.from(scores.probabilities), modelId, now],
    );
    const [, cleared] = await manager.query(
      `UPDATE customer_scores SET churn_probability = NULL, churn_model_id = NULL, churn_at = $2, updated_at = $2
        WHERE churn_model_id IS DISTINCT FROM $1 AND (churn_probability IS NOT NULL OR churn_model_id IS NOT NULL)`,
      [modelId, now],
    );
    return { scored, cleared };
  }
}
