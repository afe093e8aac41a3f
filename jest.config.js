// Two projects: fast unit specs beside the code, and integration tests in test/
// that start real servers, child processes and the database chain.
// @oclif/core is CommonJS but loads wsl-utils (ESM-only) with import(); transpiling it turns that into require.
const esmOnly = ['agenda', '@agendajs/mongo-backend', '@oclif/core'];

const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  // agenda ships ESM only; jest runs CommonJS, so those files are transpiled.
  '^.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', isolatedModules: true } }],
};
const shared = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'json'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/cli/**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/setup-env.ts'],
    },
  ],
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
  collectCoverageFrom: ['src/**/*.ts', 'cli/**/*.ts', '!**/*.test.ts', '!**/*.d.ts'],
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: { global: { statements: 90, branches: 80, functions: 90, lines: 90 } },
  testTimeout: 30000,
  // What outlives stop(): agenda 6.2.6 (latest) starts a ref'd "is the job still alive" timer of
  // max(processEvery, lockLifetime) / 2 for every job run and never clears it
  // (JobProcessor.runOrRetry -> checkIfJobIsStillAlive -> delay): 30 s for event jobs, 5 min for
  // the reprice job (lockLifetime 10 min). jest's --detectOpenHandles does not list them (no user
  // frame in their stack). Every file whose app runs jobs would sit that long after its last test;
  // the app itself exits through process.exit on shutdown. Every suite has finished by this point.
  forceExit: true,
};
