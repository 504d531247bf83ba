import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** End-to-end tests run the real CLI (bin/meshbench.js → dist/), so build it once first. */
export default function setup(): void {
  // For a quick local rerun when dist/ is known to be fresh; CI never sets it.
  if (process.env.MESHBENCH_TEST_SKIP_BUILD === '1') return;
  const tsc = path.resolve('node_modules/typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
