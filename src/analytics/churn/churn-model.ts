/**
 * Churn propensity: P(no order in the next N days) from recency, frequency, monetary, engagement and tenure
 * features, by L2 logistic regression on log1p + z-scored features (the prep pipeline, fitted on the training
 * part only). Trained on a time split — features as of a cut-off, label from the N days after it — with a
 * random held-out share of customers for ROC AUC and a calibration table.
 */
import { PipelineParams, applyPipeline, fitPipeline } from '../prep/pipeline';
import type { Row } from '../prep/row';
import { sampleIndices } from '../prep/sample';
import { CalibrationReport, calibrationTable, rocAuc } from './evaluation';
import {
  LogisticModel,
  brierScore,
  fitLogisticRegression,
  logLoss,
  predictLogistic,
} from './logistic-regression';

export const CHURN_FEATURES = [
  'recencyDays',
  'frequency',
  'monetary',
  'emailOpens',
  'emailClicks',
  'productViews',
  'tenureDays',
] as const;

export type ChurnFeature = (typeof CHURN_FEATURES)[number];

/** One buyer's features as of a date: days since last / first order, orders, mean order value, engagement counts. */
export type ChurnFeatures = Record<ChurnFeature, number>;

export interface LabelledChurnRow extends ChurnFeatures {
  /** No order in the label window after the cut-off. */
  churned: boolean;
}

export interface ChurnSettings {
  /** Share of customers held out for evaluation. Default 0.25. */
  holdoutShare: number;
  /** L2 penalty on the standardised coefficients. Default 1. */
  l2: number;
  /** Seed of the held-out sample, so a refit on the same data splits the same way. */
  seed: number;
  /** Fewest labelled customers to train on. Default 50. */
  minRows: number;
  maxIterations?: number;
}

export const DEFAULT_CHURN_SETTINGS: ChurnSettings = { holdoutShare: 0.25, l2: 1, seed: 1, minRows: 50 };

export class ChurnDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChurnDataError';
  }
}

export interface ChurnEvaluation {
  /** ROC AUC on the held-out customers. */
  auc: number;
  trainAuc: number;
  calibration: CalibrationReport;
  brierScore: number;
  logLoss: number;
  trainSize: number;
  testSize: number;
  trainChurnRate: number;
  testChurnRate: number;
}

export interface ChurnTraining {
  /** log1p then z-score, fitted on the training rows; replayed on the rows scored later. */
  transform: PipelineParams;
  model: LogisticModel;
  evaluation: ChurnEvaluation;
}

// Jest evaluates modules in a vm context where every global lookup costs ~100 ns: bind them once.
const { isFinite: isFiniteNumber } = Number;

const TRANSFORM_STEPS = [
  { type: 'log1p' as const, columns: CHURN_FEATURES },
  { type: 'z-score' as const, columns: CHURN_FEATURES },
];

export function trainChurnModel(rows: readonly LabelledChurnRow[], settings: ChurnSettings): ChurnTraining {
  const n = rows.length;
  if (n < settings.minRows) {
    throw new ChurnDataError(
      `need at least ${settings.minRows} customers with orders before the cut-off, got ${n}`,
    );
  }
  if (!(settings.holdoutShare > 0 && settings.holdoutShare < 1)) {
    throw new RangeError('holdoutShare must be between 0 and 1');
  }
  const testIndices = sampleIndices(n, Math.round(n * settings.holdoutShare), settings.seed);
  const isTest = new Uint8Array(n);
  for (const i of testIndices) isTest[i] = 1;
  const train: LabelledChurnRow[] = [];
  const test: LabelledChurnRow[] = [];
  rows.forEach((row, i) => (isTest[i] ? test : train).push(row));
  for (const [part, subset] of [
    ['training', train],
    ['held-out', test],
  ] as const) {
    const churned = subset.filter((r) => r.churned).length;
    if (churned === 0 || churned === subset.length) {
      throw new ChurnDataError(
        `the ${part} customers (${subset.length}) all have the same outcome (${churned ? 'no order' : 'an order'} in the label window)`,
      );
    }
  }

  const transform = fitPipeline(TRANSFORM_STEPS, train.map(featuresOf)).params;
  const trainX = designMatrix(transform, train);
  const trainY = labels(train);
  const model = fitLogisticRegression(trainX, trainY, CHURN_FEATURES.length, {
    l2: settings.l2,
    maxIterations: settings.maxIterations,
  });
  const testY = labels(test);
  const testP = predictLogistic(model, designMatrix(transform, test), CHURN_FEATURES.length);
  const trainP = predictLogistic(model, trainX, CHURN_FEATURES.length);
  return {
    transform,
    model,
    evaluation: {
      auc: rocAuc(testP, testY),
      trainAuc: rocAuc(trainP, trainY),
      calibration: calibrationTable(testP, testY, 10),
      brierScore: brierScore(testP, testY),
      logLoss: logLoss(testP, testY),
      trainSize: train.length,
      testSize: test.length,
      trainChurnRate: mean(trainY),
      testChurnRate: mean(testY),
    },
  };
}

/** P(churn) for each row, with the stored transform and coefficients. */
export function scoreChurn(
  training: { transform: PipelineParams; model: Pick<LogisticModel, 'intercept' | 'coefficients'> },
  rows: readonly ChurnFeatures[],
): Float64Array {
  return predictLogistic(training.model, designMatrix(training.transform, rows), CHURN_FEATURES.length);
}

/** Transformed features, row-major, in CHURN_FEATURES order. */
export function designMatrix(transform: PipelineParams, rows: readonly ChurnFeatures[]): Float64Array {
  const transformed = applyPipeline(transform, rows.map(featuresOf));
  const d = CHURN_FEATURES.length;
  const x = new Float64Array(rows.length * d);
  transformed.forEach((row, i) => {
    CHURN_FEATURES.forEach((feature, j) => {
      const value = row[feature];
      if (typeof value !== 'number' || !isFiniteNumber(value)) {
        throw new RangeError(`row ${i}: feature ${feature} is not a finite number`);
      }
      x[i * d + j] = value;
    });
  });
  return x;
}

function featuresOf(row: ChurnFeatures): Row {
  const out: Record<string, number> = {};
  for (const feature of CHURN_FEATURES) out[feature] = row[feature];
  return out;
}

function labels(rows: readonly LabelledChurnRow[]): Uint8Array {
  return Uint8Array.from(rows, (r) => (r.churned ? 1 : 0));
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}
