/** Tests run against the real PostgreSQL and Kafka broker that test/helpers/global-setup.mjs provides. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // The fault-injection suite has its own config (jest.faults.config.js): `npm test` runs its
  // short profile after everything else, `npm run test:faults` its long one.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/faults/'],
  transform: {
    // Type-checking is `npm run build`'s job; here TypeScript only transpiles, which keeps runs fast.
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  globalSetup: '<rootDir>/test/helpers/global-setup.mjs',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.mjs',
  testTimeout: 60000,
  maxWorkers: 2,
};
