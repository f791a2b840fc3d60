/** Jest runs the TypeScript sources as ES modules through SWC (see shared/TOOLCHAIN.md). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
      module: { type: 'es6' },
    }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  testTimeout: 60000,
  maxWorkers: 2,
  // Each test file loads the server's modules again in its own VM context, and a worker's heap grows
  // with every file it runs; one crashed out of memory in a full run. A worker above this after a file
  // is replaced by a fresh one.
  workerIdleMemoryLimit: '1GB',
};
