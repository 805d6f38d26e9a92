/** Tests run from TypeScript sources via SWC (type-checking is `npm run build`). */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // A hang guard, not a timing check: beside four CPU burners (and the load-independence test's
  // own four) a child host runs several times slower, and 60 s was not always enough.
  testTimeout: 300000,
  watchman: false,
  // Two workers on the 2-core machines: most e2e time is spent waiting on child hosts, not CPU.
  maxWorkers: 2,
  // One Azurite for the run: task hubs (Blob) and window records (Table) of every test live in it.
  globalSetup: '<rootDir>/test/support/azuriteGlobal.ts',
  globalTeardown: '<rootDir>/test/support/azuriteGlobalTeardown.ts',
  setupFiles: ['<rootDir>/test/support/env.ts'],
};
