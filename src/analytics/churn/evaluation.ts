/**
 * How well predicted probabilities separate and match 0/1 outcomes: ROC AUC (discrimination) and a
 * calibration table by quantile bins of the prediction (reliability).
 */

// Jest evaluates modules in a vm context where every global lookup costs ~100 ns: bind them once.
const { abs, floor } = Math;
const { isNaN: isNaNumber } = Number;

/**
 * Area under the ROC curve: the probability that a random positive scores above a random negative, ties
 * counting one half (the Mann–Whitney U statistic over n₊·n₋). NaN when either class is absent.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  if (labels.length !== n) throw new RangeError('scores and labels must have equal length');
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    if (isNaNumber(scores[i])) throw new RangeError(`score ${i} is NaN`);
    if (labels[i] !== 0 && labels[i] !== 1) throw new RangeError(`label ${i} must be 0 or 1`);
  }
  order.sort((i, j) => scores[i] - scores[j]);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < n;) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]] === scores[order[start]]) end++;
    // Ranks start..end (0-based) share their average, 1-based: (start + end) / 2 + 1.
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (labels[order[k]] === 1) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export interface CalibrationBin {
  /** 1 = lowest predictions. */
  bin: number;
  customers: number;
  minPredicted: number;
  maxPredicted: number;
  meanPredicted: number;
  observedRate: number;
}

export interface CalibrationReport {
  bins: CalibrationBin[];
  /** Σ (n_k / n)·|observed_k − predicted_k|: 0 for perfect calibration. */
  expectedCalibrationError: number;
}

/**
 * Sorts by prediction and cuts into `bins` groups of (nearly) equal size — deciles by default — comparing the
 * mean prediction with the observed rate in each. Fewer rows than bins give one bin per row.
 */
export function calibrationTable(
  predicted: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins = 10,
): CalibrationReport {
  const n = predicted.length;
  if (labels.length !== n) throw new RangeError('predictions and labels must have equal length');
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError('bins must be a positive integer');
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => predicted[i] - predicted[j]);
  const groups = Math.min(bins, n);
  const out: CalibrationBin[] = [];
  let error = 0;
  for (let g = 0; g < groups; g++) {
    const from = floor((g * n) / groups);
    const to = floor(((g + 1) * n) / groups);
    let sumPredicted = 0;
    let sumObserved = 0;
    for (let k = from; k < to; k++) {
      sumPredicted += predicted[order[k]];
      sumObserved += labels[order[k]];
    }
    const size = to - from;
    const meanPredicted = sumPredicted / size;
    const observedRate = sumObserved / size;
    error += (size / n) * abs(observedRate - meanPredicted);
    out.push({
      bin: g + 1,
      customers: size,
      minPredicted: predicted[order[from]],
      maxPredicted: predicted[order[to - 1]],
      meanPredicted,
      observedRate,
    });
  }
  return { bins: out, expectedCalibrationError: n ? error : NaN };
}
