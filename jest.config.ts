import type { Config } from 'jest';

const config: Config = {
  // ARB_HANDLE_PROBE=FILE: each test file that leaves handles behind is written to FILE (test/support/handle-probe-env.ts).
  testEnvironment: process.env.ARB_HANDLE_PROBE ? '<rootDir>/test/support/handle-probe-env.ts' : 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30_000,
  // Integration tests open real sockets on loopback; two workers match the 2-core machines.
  maxWorkers: 2,
};

export default config;
