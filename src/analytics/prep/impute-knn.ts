import { MutableRow, readNumber, requireColumns, Row } from './row';
import { sampleIndices } from './sample';

/**
 * k-nearest-neighbour imputation for numeric features. A row's missing features are filled with the mean of
 * those features over the k reference rows nearest to it, where nearness is Euclidean distance over the
 * features the row does have, each divided by its fitted range so that revenue in euros does not drown out
 * order counts.
 *
 * Fit keeps the references (complete rows of the training data, at most `sampleSize` of them, sampled with a
 * seeded generator) in the parameters, so new customers are imputed against the same population the model was
 * trained on, and apply costs O(references × features) per incomplete row.
 */
export interface KnnImputerOptions {
  columns: readonly string[];
  /** Neighbours averaged per row; 5 as in scikit-learn's KNNImputer. Fewer when there are fewer references. */
  k?: number;
  /** Cap on stored reference rows: the parameters are stored as JSON and apply scans them all. */
  sampleSize?: number;
  seed?: number;
}

export interface KnnImputerParams {
  type: 'impute-knn';
  columns: string[];
  k: number;
  /** Per column, max − min of the observed training values; 1 for a constant column, which cannot rank neighbours. */
  scales: number[];
  /** Complete rows, values in `columns` order, in training-row order (which breaks distance ties). */
  references: number[][];
}

export function fitKnnImputer(
  rows: readonly Row[],
  { columns, k = 5, sampleSize = 10_000, seed = 1 }: KnnImputerOptions,
): KnnImputerParams {
  requireColumns(columns);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer (got ${k})`);
  if (!Number.isInteger(sampleSize) || sampleSize < 1) {
    throw new RangeError(`sampleSize must be a positive integer (got ${sampleSize})`);
  }
  const min = columns.map(() => Infinity);
  const max = columns.map(() => -Infinity);
  const complete: number[][] = [];
  rows.forEach((row, index) => {
    const values = columns.map((column) => readNumber(row, column, index));
    values.forEach((value, j) => {
      if (value === undefined) return;
      if (!Number.isFinite(value)) {
        throw new RangeError(`row ${index}, column '${columns[j]}': kNN imputation needs finite values`);
      }
      min[j] = Math.min(min[j], value);
      max[j] = Math.max(max[j], value);
    });
    if (values.every((value) => value !== undefined)) complete.push(values as number[]);
  });
  if (complete.length === 0)
    throw new RangeError('kNN imputation needs at least one row with every column observed');
  const references = sampleIndices(complete.length, sampleSize, seed).map((i) => complete[i]);
  const scales = columns.map((_, j) => (max[j] > min[j] ? max[j] - min[j] : 1));
  return { type: 'impute-knn', columns: [...columns], k, scales, references };
}

export function applyKnnImputer(params: KnnImputerParams, rows: readonly Row[]): MutableRow[] {
  const { columns, k, scales, references } = params;
  if (references.length === 0) throw new RangeError('kNN parameters hold no reference rows');
  const neighbours = Math.min(k, references.length);
  const bestDistance = new Float64Array(neighbours);
  const bestIndex = new Int32Array(neighbours);
  // A row with nothing observed has no nearest neighbours: every reference is equally far. Use them all.
  const referenceMeans = columns.map((_, j) => mean(references, j));

  return rows.map((row, rowIndex) => {
    const values = columns.map((column) => readNumber(row, column, rowIndex));
    const missing = values.flatMap((value, j) => (value === undefined ? [j] : []));
    const out: MutableRow = { ...row };
    if (missing.length === 0) return out;
    const observed = values.flatMap((value, j) => (value === undefined ? [] : [j]));
    if (observed.length === 0) {
      for (const j of missing) out[columns[j]] = referenceMeans[j];
      return out;
    }

    let found = 0;
    for (let r = 0; r < references.length; r++) {
      const reference = references[r];
      let distance = 0;
      for (const j of observed) {
        const d = ((values[j] as number) - reference[j]) / scales[j];
        distance += d * d;
      }
      // Insert into the sorted top-k; strict comparison keeps the earlier reference on a tie.
      if (found === neighbours && distance >= bestDistance[neighbours - 1]) continue;
      let slot = found < neighbours ? found++ : neighbours - 1;
      while (slot > 0 && bestDistance[slot - 1] > distance) {
        bestDistance[slot] = bestDistance[slot - 1];
        bestIndex[slot] = bestIndex[slot - 1];
        slot--;
      }
      bestDistance[slot] = distance;
      bestIndex[slot] = r;
    }
    for (const j of missing) {
      let sum = 0;
      for (let n = 0; n < neighbours; n++) sum += references[bestIndex[n]][j];
      out[columns[j]] = sum / neighbours;
    }
    return out;
  });
}

function mean(references: readonly number[][], j: number): number {
  let sum = 0;
  for (const reference of references) sum += reference[j];
  return sum / references.length;
}
