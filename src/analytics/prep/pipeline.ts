import {
  applyFillImputer,
  FillImputerParams,
  fitMedianImputer,
  fitMissingCategoryImputer,
  fitModeImputer,
  ImputeColumnsOptions,
  MissingCategoryOptions,
} from './impute-fill';
import { applyKnnImputer, fitKnnImputer, KnnImputerOptions, KnnImputerParams } from './impute-knn';
import { applyLog1p, fitLog1p, Log1pOptions, Log1pParams } from './log1p';
import { applyMinMaxScaler, fitMinMaxScaler, MinMaxOptions, MinMaxParams } from './min-max-scale';
import { MutableRow, Row } from './row';
import { applyWinsorizer, fitWinsorizer, WinsorizeOptions, WinsorizeParams } from './winsorize';
import { applyZScoreScaler, fitZScoreScaler, ZScoreOptions, ZScoreParams } from './z-score-scale';

/**
 * An ordered list of transforms over records (see `row.ts`). Each step is fitted on the output of the steps
 * before it, as in scikit-learn, so e.g. a scaler after log1p learns the spread of the logged values.
 *
 * The fitted parameters are plain JSON — no functions, NaN or Infinity — so they can be stored next to a
 * model and replayed on customers who arrive later with `applyPipeline`, which never refits.
 */
export type PipelineStep =
  | ({ type: 'impute-median' } & ImputeColumnsOptions)
  | ({ type: 'impute-mode' } & ImputeColumnsOptions)
  | ({ type: 'impute-missing-category' } & MissingCategoryOptions)
  | ({ type: 'impute-knn' } & KnnImputerOptions)
  | ({ type: 'winsorize' } & WinsorizeOptions)
  | ({ type: 'log1p' } & Log1pOptions)
  | ({ type: 'min-max' } & MinMaxOptions)
  | ({ type: 'z-score' } & ZScoreOptions);

export type StepParams =
  FillImputerParams | KnnImputerParams | WinsorizeParams | Log1pParams | MinMaxParams | ZScoreParams;

export interface PipelineParams {
  /** Bumped if the parameter shapes ever change, so stored pipelines from older releases are recognised. */
  version: 1;
  steps: StepParams[];
}

export interface FittedPipeline {
  params: PipelineParams;
  /** The training rows transformed along the way, which the caller usually needs next anyway. */
  rows: MutableRow[];
}

const STEP_TYPES: ReadonlySet<string> = new Set<StepParams['type']>([
  'impute-median',
  'impute-mode',
  'impute-missing-category',
  'impute-knn',
  'winsorize',
  'log1p',
  'min-max',
  'z-score',
]);

export function fitPipeline(steps: readonly PipelineStep[], rows: readonly Row[]): FittedPipeline {
  const fitted: StepParams[] = [];
  let current: readonly Row[] = rows;
  steps.forEach((step, index) => {
    const params = withStepContext(index, step.type, () => fitStep(step, current));
    current = withStepContext(index, step.type, () => applyStep(params, current));
    fitted.push(params);
  });
  return { params: { version: 1, steps: fitted }, rows: current.map((row) => ({ ...row })) };
}

export function applyPipeline(params: PipelineParams, rows: readonly Row[]): MutableRow[] {
  checkPipelineParams(params);
  let current: readonly Row[] = rows;
  params.steps.forEach((step, index) => {
    current = withStepContext(index, step.type, () => applyStep(step, current));
  });
  return current.map((row) => ({ ...row }));
}

/** A shallow guard for parameters read back from storage; it catches a wrong document, not a tampered one. */
export function checkPipelineParams(value: unknown): asserts value is PipelineParams {
  const params = value as Partial<PipelineParams> | null;
  if (typeof params !== 'object' || params === null)
    throw new TypeError('pipeline parameters must be an object');
  if (params.version !== 1)
    throw new TypeError(`unsupported pipeline parameter version ${String(params.version)}`);
  if (!Array.isArray(params.steps)) throw new TypeError('pipeline parameters have no steps array');
  params.steps.forEach((step: unknown, index) => {
    const type = (step as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || !STEP_TYPES.has(type)) {
      throw new TypeError(`pipeline step ${index} has unknown type ${JSON.stringify(type)}`);
    }
  });
}

function fitStep(step: PipelineStep, rows: readonly Row[]): StepParams {
  switch (step.type) {
    case 'impute-median':
      return fitMedianImputer(rows, step);
    case 'impute-mode':
      return fitModeImputer(rows, step);
    case 'impute-missing-category':
      return fitMissingCategoryImputer(rows, step);
    case 'impute-knn':
      return fitKnnImputer(rows, step);
    case 'winsorize':
      return fitWinsorizer(rows, step);
    case 'log1p':
      return fitLog1p(rows, step);
    case 'min-max':
      return fitMinMaxScaler(rows, step);
    case 'z-score':
      return fitZScoreScaler(rows, step);
  }
}

function applyStep(params: StepParams, rows: readonly Row[]): MutableRow[] {
  switch (params.type) {
    case 'impute-median':
    case 'impute-mode':
    case 'impute-missing-category':
      return applyFillImputer(params, rows);
    case 'impute-knn':
      return applyKnnImputer(params, rows);
    case 'winsorize':
      return applyWinsorizer(params, rows);
    case 'log1p':
      return applyLog1p(params, rows);
    case 'min-max':
      return applyMinMaxScaler(params, rows);
    case 'z-score':
      return applyZScoreScaler(params, rows);
  }
}

// Errors from deep inside a ten-step pipeline are only actionable if they say which step raised them.
function withStepContext<T>(index: number, type: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof Error) error.message = `pipeline step ${index} (${type}): ${error.message}`;
    throw error;
  }
}
