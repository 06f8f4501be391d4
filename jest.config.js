/**
 * One jest project per test tier. Type-checking is `npm run typecheck` (tsc over sources and
 * tests); ts-jest only transpiles, which keeps test start-up fast.
 * @type {import('jest').Config}
 */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };

/** @returns {import('jest').Config} */
const tier = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  transform,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  ...extra,
});

module.exports = {
  projects: [
    tier('unit', { setupFilesAfterEnv: ['<rootDir>/test/support/jest-setup.ts'] }),
    tier('infra'),
    tier('integration', {
      globalSetup: '<rootDir>/test/support/moto-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/moto-global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/jest-setup.ts'],
    }),
    tier('e2e'),
    tier('contract'),
  ],
};
