/**
 * The sampler against known answers on the real /proc: a process that burns a known amount of
 * CPU is read within 1%, a co-tenant outside the run at 20% duty of one CPU reads as
 * 20% / CPUs of foreign CPU (± 2 points), and a quiet window reads 0 ± 1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { diffSnapshots, takeSnapshot, type ProcessGroup } from '../../src/sampling/window.js';
import { clockTicksPerSecond } from '../../src/sampling/proc-reader.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

// Burns CPU until its own rusage says `ms` more than at "go", then reports both readings (µs).
const burner = `
const rl = require('node:readline').createInterface({ input: process.stdin });
const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };
console.log('ready');
rl.once('line', () => {
  const start = cpu();
  while (cpu() - start < ${300} * 1000) {}
  console.log(JSON.stringify({ start, end: cpu() }));
});`;

// 20% of one CPU: 10 ms busy, 40 ms asleep, for as long as it lives.
const hog = `for (;;) { const t = Date.now(); while (Date.now() - t < 10) {} Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 40); }`;

describe('CPU accounting on the real /proc', () => {
  it('reads a process that burns 300 ms of CPU within 1%', async () => {
    const clk = (await clockTicksPerSecond()).ticksPerSecond;
    const child = spawn(process.execPath, ['-e', burner], { stdio: ['pipe', 'pipe', 'inherit'] });
    cleanups.push(() => child.kill('SIGKILL'));
    const lines: string[] = [];
    child.stdout.setEncoding('utf8').on('data', (d: string) => lines.push(...d.trim().split('\n')));
    while (!lines.includes('ready')) await sleep(20);
    const group: ProcessGroup = { name: 'burner', role: 'app', pod: 'p', program: 'node', rootPid: child.pid! };
    const before = await takeSnapshot([group]);
    child.stdin.write('go\n');
    while (lines.length < 2) await sleep(20);
    const after = await takeSnapshot([group]);
    const { start, end } = JSON.parse(lines[1]) as { start: number; end: number };
    const trueSeconds = (end - start) / 1e6;
    const measured = diffSnapshots(before, after, clk).processes[0].cpuSeconds;
    console.log(`burner: rusage ${trueSeconds.toFixed(4)} s, meshbench ${measured.toFixed(4)} s`);
    expect(Math.abs(measured - trueSeconds) / trueSeconds).toBeLessThanOrEqual(0.01);
  });

  it('reads a co-tenant at 20% duty of one CPU as foreign CPU, and a quiet window as none', async () => {
    const clk = (await clockTicksPerSecond()).ticksPerSecond;
    const cpus = os.cpus().length;
    // Everything of this test run is "the run": vitest's main process and its workers.
    const run: ProcessGroup[] = [{ name: 'vitest', role: 'harness', pod: 'h', program: 'node', rootPid: process.ppid }];
    const window = async (ms: number) => {
      const before = await takeSnapshot(run);
      await sleep(ms);
      return diffSnapshots(before, await takeSnapshot(run), clk).node.foreignCpuPct;
    };
    const quiet = await window(3000);
    // Started through a shell that exits, so the hog is re-parented away from this test's tree: outside the run.
    const started = spawnSync('sh', ['-c', `${JSON.stringify(process.execPath)} -e ${JSON.stringify(hog)} >/dev/null 2>&1 & echo $!`], { encoding: 'utf8' });
    const hogPid = Number(started.stdout.trim());
    cleanups.push(() => {
      try {
        process.kill(hogPid, 'SIGKILL');
      } catch {
        // already gone
      }
    });
    await sleep(500);
    const busy = await window(3000);
    console.log(`foreign CPU: quiet ${quiet.toFixed(2)}%, with a 20%-of-one-CPU co-tenant ${busy.toFixed(2)}% of ${cpus} CPUs (expected ${(20 / cpus).toFixed(1)}%)`);
    expect(Math.abs(quiet)).toBeLessThanOrEqual(1);
    expect(Math.abs(busy - 20 / cpus)).toBeLessThanOrEqual(2);
  }, 20_000);
});
