import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const created: string[] = [];
// Temporary folders of a test file go when its worker exits, so test runs leave no litter.
process.once('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'meshbench-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** A small scenario in a temp file; durations short enough for a test. */
export function writeScenario(dir: string, yaml: string, name = 'scenario.yaml'): string {
  const file = path.join(dir, name);
  writeFileSync(file, yaml);
  return file;
}
