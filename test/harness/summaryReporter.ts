// Ends the run with one plain "N passed, N failed, N skipped" line, and under CI fails the run when
// any test was skipped: CI must exercise every test, including those needing root, sshd or PostgreSQL.
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skippedNames: string[] = [];
    for (const m of testModules) {
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else {
          skipped++;
          skippedNames.push(`${m.moduleId}: ${t.fullName}`);
        }
      }
    }
    if (process.env.CI === 'true' && skipped > 0) {
      process.stdout.write(`\nCI=true forbids skipped tests; skipped:\n${skippedNames.map((n) => `  ${n}`).join('\n')}\n`);
      failed += skipped;
      process.exitCode = 1;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
