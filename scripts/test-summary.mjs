// Prints the closing line CI reads: "N passed, N failed, N skipped", from vitest's JSON
// report. A type-check failure or a vitest crash counts as one more failure, never as a pass.
import { readFileSync } from 'node:fs';

const [file, statusArg] = process.argv.slice(2);
const status = Number(statusArg ?? 0);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests;
  skipped = r.numPendingTests + r.numTodoTests;
  // Files that failed to load have no failed tests of their own.
  const brokenFiles = r.testResults.filter((t) => t.status === 'failed' && t.assertionResults.every((a) => a.status !== 'failed')).length;
  failed += brokenFiles;
  if (skipped > 0) {
    for (const t of r.testResults)
      for (const a of t.assertionResults)
        if (a.status === 'skipped' || a.status === 'pending' || a.status === 'todo') console.log(`skipped: ${a.fullName}`);
  }
} catch (err) {
  console.log(`no test report (${err.message})`);
}
if (status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
