import { createRng, sampleExponential } from '../clv/random';
import {
  CHURN_FEATURES,
  ChurnDataError,
  DEFAULT_CHURN_SETTINGS,
  LabelledChurnRow,
  scoreChurn,
  trainChurnModel,
} from './churn-model';

/**
 * Buyers whose chance to order again falls with the time since their last order and rises with email
 * clicks; everything else is noise.
 */
function population(n: number, seed: number): LabelledChurnRow[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const recencyDays = sampleExponential(rng, 1 / 60);
    const emailClicks = Math.floor(sampleExponential(rng, 1 / 2));
    const eta = 1.5 * Math.log1p(recencyDays) - 0.8 * Math.log1p(emailClicks) - 5;
    return {
      recencyDays,
      frequency: 1 + Math.floor(sampleExponential(rng, 1 / 2)),
      monetary: 20 + 40 * rng(),
      emailOpens: Math.floor(sampleExponential(rng, 1 / 4)),
      emailClicks,
      productViews: Math.floor(sampleExponential(rng, 1 / 3)),
      tenureDays: recencyDays + 400 * rng(),
      churned: rng() < 1 / (1 + Math.exp(-eta)),
    };
  });
}

describe('trainChurnModel', () => {
  const rows = population(4_000, 1);
  const training = trainChurnModel(rows, DEFAULT_CHURN_SETTINGS);

  it('learns the signal: recency raises and clicks lower the churn probability', () => {
    const coefficients = Object.fromEntries(
      CHURN_FEATURES.map((f, j) => [f, training.model.coefficients[j]]),
    );
    expect(training.model.converged).toBe(true);
    expect(coefficients.recencyDays).toBeGreaterThan(0.5);
    expect(coefficients.emailClicks).toBeLessThan(-0.2);
    for (const noise of ['monetary', 'productViews'] as const) {
      expect(Math.abs(coefficients[noise])).toBeLessThan(0.15);
    }
  });

  it('evaluates on a held-out quarter: AUC well above chance, calibrated deciles', () => {
    const { evaluation } = training;
    expect(evaluation.testSize).toBe(1_000);
    expect(evaluation.trainSize).toBe(3_000);
    expect(evaluation.auc).toBeGreaterThan(0.7);
    expect(Math.abs(evaluation.trainAuc - evaluation.auc)).toBeLessThan(0.05);
    expect(evaluation.calibration.bins).toHaveLength(10);
    expect(evaluation.calibration.expectedCalibrationError).toBeLessThan(0.06);
    const first = evaluation.calibration.bins[0];
    const last = evaluation.calibration.bins[9];
    expect(last.observedRate).toBeGreaterThan(first.observedRate);
    expect(evaluation.brierScore).toBeLessThan(0.25);
  });

  it('splits deterministically by seed and scores new rows with the stored transform', () => {
    const again = trainChurnModel(rows, DEFAULT_CHURN_SETTINGS);
    expect(again.model.coefficients).toEqual(training.model.coefficients);
    const stored = JSON.parse(JSON.stringify({ transform: training.transform, model: training.model }));
    const scores = scoreChurn(stored, rows.slice(0, 5));
    const direct = scoreChurn(training, rows.slice(0, 5));
    expect(Array.from(scores)).toEqual(Array.from(direct));
    for (const p of scores) expect(p > 0 && p < 1).toBe(true);
  });

  it('refuses too few rows and a single outcome with a typed error', () => {
    expect(() => trainChurnModel(rows.slice(0, 10), DEFAULT_CHURN_SETTINGS)).toThrow(ChurnDataError);
    const allChurned = rows.map((r) => ({ ...r, churned: true }));
    expect(() => trainChurnModel(allChurned, DEFAULT_CHURN_SETTINGS)).toThrow(/same outcome/);
  });
});
