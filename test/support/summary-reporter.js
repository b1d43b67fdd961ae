// Writes the plain "N passed, N failed" line that .ci/run prints last.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const dir = join(__dirname, '../../.data');
    mkdirSync(dir, { recursive: true });
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    writeFileSync(
      join(dir, 'test-summary.txt'),
      `${results.numPassedTests} passed, ${failed} failed\n`,
    );
  }
}
module.exports = SummaryReporter;
