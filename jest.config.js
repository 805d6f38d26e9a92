/** Tests run from TypeScript sources via SWC (type-checking is `npm run build`). */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 60000,
  watchman: false,
  // One Azurite (Blob) for the run; the devhost integration tests persist task hubs in it.
  globalSetup: '<rootDir>/test/support/azuriteGlobal.ts',
  globalTeardown: '<rootDir>/test/support/azuriteGlobalTeardown.ts',
};
