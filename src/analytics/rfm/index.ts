export * from './quintile-score';
export * from './segments';
export * from './score-customers';
export * from './distribution';
