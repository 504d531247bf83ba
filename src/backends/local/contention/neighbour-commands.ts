/**
 * The command lines of the neighbour processes: Debian's stress-ng when it is installed,
 * otherwise a small built-in node program. Pure, apart from looking stress-ng up on PATH.
 *
 * The built-ins are inline scripts, so they run the same from the sources and from dist/
 * without a bundling step. The script travels in an environment variable and a one-line
 * `node -e` loader runs it, which keeps `ps` and `destroy` output readable.
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { LaunchCommand } from './pod-cgroup.js';

/** Holds a built-in's source; the loader on the command line evaluates it. */
export const builtinScriptEnvVar = 'MESHBENCH_NEIGHBOUR_SCRIPT';

function builtinLaunch(node: string, what: string, script: string, args: string[]): LaunchCommand {
  return { command: node, args: ['-e', `/* meshbench ${what} */ eval(process.env.${builtinScriptEnvVar})`, ...args], env: { [builtinScriptEnvVar]: script } };
}

export type NeighbourImplementation = 'stress-ng' | 'builtin';
export type NeighbourImplementationChoice = NeighbourImplementation | 'auto';

/**
 * A CPU burner with a duty cycle: each worker thread spins for dutyPct of every period and
 * sleeps the rest. When starved it does not try to catch up, as a real tenant would not.
 * argv: workers dutyPct periodMs
 */
const builtinCpuHogScript = `'use strict';
const { Worker } = require('node:worker_threads');
const [workers, dutyPct, periodMs] = process.argv.slice(1).map(Number);
const burn = \`'use strict';
const { workerData } = require('node:worker_threads');
const { dutyPct, periodMs } = workerData;
const busyMs = (periodMs * dutyPct) / 100;
let next = performance.now();
function cycle() {
  const start = performance.now();
  while (performance.now() - start < busyMs) {}
  next += periodMs;
  const now = performance.now();
  if (next < now) next = now;
  setTimeout(cycle, next - now);
}
cycle();\`;
for (let i = 0; i < workers; i++) new Worker(burn, { eval: true, workerData: { dutyPct, periodMs } });
`;

/**
 * A synchronous writer: each worker thread rewrites its own file in blockBytes pieces with
 * fdatasync after every write, so the thread blocks on the disk and the time shows as
 * iowait (asynchronous libaio writes would not, lab §8c). The file is unlinked as soon as it
 * is open, so even a SIGKILL leaves no data behind.
 * argv: dir writers blockBytes fileBytes
 */
const builtinWriterScript = `'use strict';
const { Worker } = require('node:worker_threads');
const [dir, ...rest] = process.argv.slice(1);
const [writers, blockBytes, fileBytes, sync] = rest.map(Number);
const write = \`'use strict';
const fs = require('node:fs');
const { randomFillSync } = require('node:crypto');
const { workerData } = require('node:worker_threads');
const { file, blockBytes, fileBytes, sync } = workerData;
const fd = fs.openSync(file, 'w');
fs.unlinkSync(file);
const block = randomFillSync(Buffer.alloc(blockBytes));
let offset = 0;
for (;;) {
  fs.writeSync(fd, block, 0, blockBytes, offset);
  if (sync) fs.fdatasyncSync(fd);
  offset = offset + blockBytes >= fileBytes ? 0 : offset + blockBytes;
}\`;
for (let i = 0; i < writers; i++) {
  new Worker(write, { eval: true, workerData: { file: require('node:path').join(dir, 'writer-' + i + '.dat'), blockBytes, fileBytes, sync: sync === 1 } });
}
`;

export interface CpuHogCommandOptions {
  implementation: NeighbourImplementation;
  workers: number;
  dutyPct: number;
  periodMs: number;
  /** Path of stress-ng (when implementation is stress-ng) or of node (builtin). */
  binary: string;
}

export function cpuHogCommand(o: CpuHogCommandOptions): LaunchCommand {
  if (o.implementation === 'builtin') {
    return builtinLaunch(o.binary, 'built-in CPU hog', builtinCpuHogScript, [String(o.workers), String(o.dutyPct), String(o.periodMs)]);
  }
  const args = ['--cpu', String(o.workers), '--timeout', '0'];
  // stress-ng's busy slice is in ms and its idle time follows from the load, so
  // slice = period × duty gives the same cycle as the built-in.
  if (o.dutyPct < 100) args.push('--cpu-load', String(o.dutyPct), '--cpu-load-slice', String(Math.max(1, Math.round((o.periodMs * o.dutyPct) / 100))));
  return { command: o.binary, args };
}

export interface WriterCommandOptions {
  implementation: NeighbourImplementation;
  /** Directory the writer owns; removed when it stops. */
  dir: string;
  writers: number;
  blockBytes: number;
  fileBytes: number;
  /** stress-ng only: O_DIRECT writes as well as fsync (lab §8c: `--hdd-opts direct,fsync`). */
  direct: boolean;
  /** fdatasync after every write (default); false writes through the page cache only. */
  fsync?: boolean;
  binary: string;
}

export function writerCommand(o: WriterCommandOptions): LaunchCommand {
  if (o.implementation === 'builtin') {
    return builtinLaunch(o.binary, 'built-in writer', builtinWriterScript, [o.dir, String(o.writers), String(o.blockBytes), String(o.fileBytes), o.fsync === false ? '0' : '1']);
  }
  return {
    command: o.binary,
    args: [
      '--hdd', String(o.writers),
      // Without fsync: stress-ng's default buffered writes.
      ...(o.fsync === false ? [] : ['--hdd-opts', o.direct ? 'direct,fsync' : 'fsync']),
      '--hdd-write-size', String(o.blockBytes),
      '--hdd-bytes', String(o.fileBytes),
      '--temp-path', o.dir,
      '--timeout', '0',
    ],
  };
}

/** stress-ng on PATH (or in /usr/bin), or null. */
export function findStressNg(pathEnv = process.env.PATH ?? ''): string | null {
  const dirs = [...new Set([...pathEnv.split(':').filter(Boolean), '/usr/bin', '/usr/local/bin'])];
  for (const dir of dirs) {
    try {
      accessSync(join(dir, 'stress-ng'), constants.X_OK);
      return join(dir, 'stress-ng');
    } catch {
      // not here
    }
  }
  return null;
}

/** auto → stress-ng when installed, else the built-in; an explicit stress-ng that is missing → null. */
export function chooseImplementation(choice: NeighbourImplementationChoice, stressNg: string | null): { implementation: NeighbourImplementation; binary: string } | null {
  if (choice === 'builtin' || (choice === 'auto' && !stressNg)) return { implementation: 'builtin', binary: process.execPath };
  return stressNg ? { implementation: 'stress-ng', binary: stressNg } : null;
}
