import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['plugin/**/*.test.ts', 'agent/**/*.test.ts', 'test/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Scenario tests drive real processes (kubectl, sshd, PostgreSQL, loop devices); two cores.
    maxWorkers: 2,
    reporters: ['default', './test/harness/summaryReporter.ts'],
  },
});
