/** Pure-function tests only: no database, no global setup. */
const base = require('./jest.config.js');
module.exports = { ...base, roots: ['<rootDir>/src'], testMatch: ['**/*.spec.ts'], globalSetup: undefined, globalTeardown: undefined };
