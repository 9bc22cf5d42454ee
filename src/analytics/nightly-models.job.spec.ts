import type { Logger } from 'pino';
import type { AppConfig } from '../config/config';
import type { LeaderLock } from '../scheduler/leader-lock';
import { AnalyticsErrorCode, AnalyticsException } from './analytics.exception';
import type { ChurnModelService } from './churn-model.service';
import type { ClvModelService } from './clv-model.service';
import type { ModelsRepository, ModelView } from './models.repository';
import { NightlyModelsJob, churnRefitOptions, clvRefitOptions } from './nightly-models.job';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;

function setup(
  roles: AppConfig['roles'],
  current: Partial<Record<'clv' | 'churn', Partial<ModelView>>> = {},
) {
  const calls: { kind: string; options: unknown; run: unknown }[] = [];
  const lock = { runExclusive: jest.fn((_name: string, work: () => Promise<unknown>) => work()) };
  const models = { current: async (kind: 'clv' | 'churn') => current[kind] };
  const clv = {
    fit: async (options: unknown, run: unknown) => {
      calls.push({ kind: 'clv', options, run });
      return { id: 'clv-2' };
    },
  };
  const churn = {
    fit: async (options: unknown, run: unknown) => {
      calls.push({ kind: 'churn', options, run });
      throw new AnalyticsException(AnalyticsErrorCode.INSUFFICIENT_TRAINING_DATA, 'everyone churned');
    },
  };
  const job = new NightlyModelsJob(
    { roles } as AppConfig,
    lock as unknown as LeaderLock,
    models as unknown as ModelsRepository,
    clv as unknown as ClvModelService,
    churn as unknown as ChurnModelService,
    silent,
  );
  return { job, calls, lock };
}

describe('NightlyModelsJob', () => {
  it('does nothing on a process without the scheduler role', async () => {
    const { job, calls, lock } = setup(['api', 'worker']);
    await job.onSchedule();
    expect(lock.runExclusive).not.toHaveBeenCalled();
    expect(calls).toEqual([]);
  });

  it('refits each kind under the job lock with the current options, calibrated up to today', async () => {
    const { job, calls, lock } = setup(['scheduler'], {
      clv: {
        options: {
          model: 'pareto',
          horizonMonths: 6,
          monthlyDiscount: 0.02,
          unit: 'weeks',
          tiers: { high: 0.1, medium: 0.2 },
          calibrationEnd: '2024-01-01',
          holdoutEnd: '2024-06-01',
        },
      },
    });
    const outcomes = await job.run();
    expect(lock.runExclusive).toHaveBeenCalledWith('analytics:nightly-models', expect.any(Function));
    expect(calls[0]).toEqual({
      kind: 'clv',
      options: {
        model: 'pareto',
        horizonMonths: 6,
        monthlyDiscount: 0.02,
        unit: 'weeks',
        tiers: { high: 0.1, medium: 0.2 },
      },
      run: { recordFailures: true },
    });
    // No current churn model: defaults, and a failure is only logged.
    expect(calls[1]).toEqual({ kind: 'churn', options: {}, run: { recordFailures: false } });
    expect(outcomes).toEqual([
      { kind: 'clv', modelId: 'clv-2', status: 'fitted' },
      { kind: 'churn', status: 'failed', error: 'everyone churned' },
    ]);
  });

  it('keeps only refit options', () => {
    expect(clvRefitOptions({ calibrationEnd: 'x', model: 'bgnbd', maxIterations: 10 })).toEqual({
      model: 'bgnbd',
      maxIterations: 10,
    });
    expect(churnRefitOptions({ cutoff: 'x', labelDays: 30, l2: 2 })).toEqual({ labelDays: 30, l2: 2 });
  });
});
