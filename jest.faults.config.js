/** The fault-injection suite alone (`npm run test:faults`, and the short run at the end of `npm test`). */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testPathIgnorePatterns: ['/node_modules/'],
  // The suite brings its own broker and PostgreSQL cluster; it needs neither shared service.
  globalSetup: undefined,
  globalTeardown: undefined,
  // kafkajs may schedule a consumer restart after a crash that outlives disconnect().
  forceExit: true,
};
