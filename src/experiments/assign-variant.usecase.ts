import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CustomersService } from '../customers/customers.service';
import { Clock } from '../database/clock';
import { createAssigner, type Assigner } from './assignment/hash-assign';
import { murmur3 } from './assignment/murmur3';
import { createSeededRandom } from './assignment/prng';
import { thompsonAllocation } from './assignment/thompson';
import { ExperimentResultsService } from './experiment-results.service';
import { ExperimentsErrorCode, ExperimentsException } from './experiments.exception';
import { ExperimentsService } from './experiments.service';
import type { AssignmentView, ExperimentRow } from './experiment.types';

interface AssignmentRow {
  arm: string | null;
  holdout: boolean;
  segments: string[];
  assignedAt: Date;
}

/** How long one Thompson-sampling allocation is used before it is recomputed from the results so far. */
const BANDIT_PERIOD_MS = 3_600_000;
/** Share every arm keeps under Thompson sampling, so an arm that looked bad early can recover. */
const BANDIT_FLOOR = 0.01;

const ASSIGNMENT_COLUMNS = `arm, holdout, segments, assigned_at AS "assignedAt"`;

/**
 * The customer's arm in an experiment, assigned at first exposure and stored, so it is sticky across
 * re-entries, weight changes and promotion: hashing (hash-assign.ts) decides the arm for a customer seen for
 * the first time (the promoted winner once there is one), and the stored row answers every later call.
 * Journeys' split steps call this with their own transaction's manager.
 */
@Injectable()
export class AssignVariantUseCase {
  private readonly bandits = new Map<
    string,
    { period: number; version: number; assigner: Promise<Assigner> }
  >();

  constructor(
    private readonly dataSource: DataSource,
    private readonly experiments: ExperimentsService,
    private readonly results: ExperimentResultsService,
    private readonly customers: CustomersService,
    private readonly clock: Clock,
  ) {}

  async execute(
    experimentRef: string,
    customerRef: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<AssignmentView> {
    const experiment = await this.experiments.get(experimentRef, manager);
    const customerId = await this.customers.resolveId(customerRef, manager);
    const existing = await this.find(experiment, customerId, manager);
    if (existing) return existing;
    if (experiment.status !== 'running') {
      throw new ExperimentsException(
        ExperimentsErrorCode.EXPERIMENT_NOT_RUNNING,
        `Experiment "${experiment.key}" is ${experiment.status}: it assigns no new customers`,
      );
    }
    const assigner =
      experiment.allocation === 'thompson' && !experiment.winner
        ? await this.banditAssigner(experiment)
        : this.experiments.assigner(experiment);
    const decided = assigner.assign(customerId);
    const arm = decided.holdout ? null : (experiment.winner ?? decided.arm);
    const weights = decided.holdout || experiment.winner ? null : assigner.arms.map((a) => a.weight);
    // The segment snapshot is taken in the same statement; a concurrent first exposure loses the race
    // quietly and reads the winner's row.
    const rows: AssignmentRow[] = await manager.query(
      `INSERT INTO experiment_assignments (experiment_id, customer_id, arm, holdout, segments, weights, assigned_at)
       SELECT $1, $2, $3, $4, ARRAY(
           SELECT s.key FROM segment_memberships m JOIN segments s ON s.id = m.segment_id
            WHERE m.customer_id = $2 AND s.archived_at IS NULL ORDER BY s.key), $5, $6
       ON CONFLICT (experiment_id, customer_id) DO NOTHING RETURNING ${ASSIGNMENT_COLUMNS}`,
      [experiment.id, customerId, arm, decided.holdout, weights, this.clock.now()],
    );
    if (!rows.length) return (await this.find(experiment, customerId, manager))!;
    return this.view(experiment, customerId, rows[0], true);
  }

  /** The stored assignment, without assigning; 404 when the customer has not been exposed. */
  async get(experimentRef: string, customerRef: string): Promise<AssignmentView> {
    const experiment = await this.experiments.get(experimentRef);
    const customerId = await this.customers.resolveId(customerRef);
    const found = await this.find(experiment, customerId, this.dataSource.manager);
    if (!found) {
      throw new ExperimentsException(
        ExperimentsErrorCode.ASSIGNMENT_NOT_FOUND,
        `Customer "${customerRef}" has not been assigned in experiment "${experiment.key}"`,
      );
    }
    return found;
  }

  /**
   * Thompson sampling: arm weights are the posterior probabilities of being best on the primary metric
   * (thompson.ts), recomputed every hour from a seed of the experiment key and the hour, and applied through
   * the same deterministic hashing; assignments already made are stored and never move.
   */
  private banditAssigner(experiment: ExperimentRow): Promise<Assigner> {
    const period = Math.floor(this.clock.now().getTime() / BANDIT_PERIOD_MS);
    const version = new Date(experiment.updatedAt).getTime();
    const cached = this.bandits.get(experiment.id);
    if (cached && cached.period === period && cached.version === version) return cached.assigner;
    // The promise is cached, so concurrent first exposures share one computation.
    const assigner = this.computeBandit(experiment, period);
    this.bandits.set(experiment.id, { period, version, assigner });
    assigner.catch(() => this.bandits.delete(experiment.id));
    return assigner;
  }

  private async computeBandit(experiment: ExperimentRow, period: number): Promise<Assigner> {
    const arms = this.experiments.arms(experiment);
    const weights = thompsonAllocation(await this.results.armBinomials(experiment), {
      random: createSeededRandom(murmur3(`${experiment.key}:${period}`)),
      floor: BANDIT_FLOOR * arms.length <= 1 ? BANDIT_FLOOR : 0,
    });
    return createAssigner({
      key: experiment.key,
      arms: arms.map((a, i) => ({ name: a.name, weight: weights[i] })),
      holdout: experiment.definition.holdout,
    });
  }

  private async find(
    experiment: ExperimentRow,
    customerId: string,
    manager: EntityManager,
  ): Promise<AssignmentView | null> {
    const rows: AssignmentRow[] = await manager.query(
      `SELECT ${ASSIGNMENT_COLUMNS} FROM experiment_assignments WHERE experiment_id = $1 AND customer_id = $2`,
      [experiment.id, customerId],
    );
    return rows.length ? this.view(experiment, customerId, rows[0], false) : null;
  }

  private view(
    experiment: ExperimentRow,
    customerId: string,
    row: AssignmentRow,
    created: boolean,
  ): AssignmentView {
    const factors = experiment.definition.factors;
    const cell = factors ? this.experiments.arms(experiment).find((a) => a.name === row.arm) : undefined;
    const levels =
      factors && cell?.levels ? Object.fromEntries(factors.map((f, i) => [f.name, cell.levels![i]])) : null;
    return {
      experiment: experiment.key,
      customerId,
      arm: row.arm,
      holdout: row.holdout,
      levels,
      segments: row.segments,
      assignedAt: row.assignedAt,
      created,
    };
  }
}
