/**
 * One Jest run covers unit, component and end-to-end tests. The real Kafka broker is started once
 * per run in globalSetup (unless KAFKA_BROKERS points at one) and PostgreSQL is the server at
 * DATABASE_URL; every test file creates and drops its own databases and topics.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/services', '<rootDir>/gateway', '<rootDir>/schemas', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.base.json', diagnostics: false }],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  // Two queries at once on one pg client fail the test (pg 9 refuses them).
  setupFilesAfterEnv: ['<rootDir>/test/support/pg-strict.ts'],
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
