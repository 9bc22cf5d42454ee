/**
 * Customer lifetime value: pure model mathematics (no framework, database or I/O). Typical use:
 * summarizeTransactions → fitBgNbd / fitParetoNbd + fitGammaGamma → customerLifetimeValues → assignValueTiers.
 */
export * from './bgnbd';
export * from './clv';
export * from './fit-errors';
export * from './gamma-gamma';
export type { FitOptions, ModelFit } from './model-fit';
export * from './pareto-nbd';
export type { RfmObservation } from './rfm';
export * from './summary';
