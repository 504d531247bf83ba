import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function tempDir(prefix = 'meshbench-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A small scenario in a temp file; durations short enough for a test. */
export function writeScenario(dir: string, yaml: string, name = 'scenario.yaml'): string {
  const file = path.join(dir, name);
  writeFileSync(file, yaml);
  return file;
}
