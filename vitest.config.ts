import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The shell programs (.sh) are imported as text, as esbuild's text loader does for the bundle.
  plugins: [
    {
      name: 'sh-as-text',
      transform(code: string, id: string) {
        return id.endsWith('.sh') ? { code: `export default ${JSON.stringify(code)};`, map: null } : undefined;
      },
    },
  ],
  test: {
    include: ['plugin/**/*.test.ts', 'lib/**/*.test.ts', 'agent/**/*.test.ts', 'test/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Scenario tests drive real processes (kubectl, sshd, PostgreSQL, loop devices); two cores.
    maxWorkers: 2,
    reporters: ['default', './test/harness/summaryReporter.ts'],
  },
});
