import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** End-to-end tests run the real CLI (bin/meshbench.js → dist/), so build it once first. */
export default function setup(): void {
  const tsc = path.resolve('node_modules/typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
