/**
 * Real neighbours on this host: CPU hogs and synchronous writers start in their own cgroups,
 * do their work, and stop without leaving processes, cgroups or files. A tier's whole
 * contention is undone by stop() (what Ctrl-C runs), and what a killed meshbench left behind
 * is found and removed by the leftover functions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { detectCgroupSupport } from '../../src/backends/local/contention/cgroup-support.js';
import { startCpuNeighbour } from '../../src/backends/local/contention/cpu-neighbour.js';
import { startIoNeighbour } from '../../src/backends/local/contention/io-neighbour.js';
import { findContentionLeftovers, removeContentionLeftovers } from '../../src/backends/local/contention/leftovers.js';
import { findStressNg } from '../../src/backends/local/contention/neighbour-commands.js';
import { checkSlowDiskSupport } from '../../src/backends/local/contention/slow-disk.js';
import { startTierContention } from '../../src/backends/local/contention/tier-contention.js';

const support = await detectCgroupSupport();
const canUseCgroups = support.writable && support.cpu !== null;
const skipReason = canUseCgroups ? '' : ` (skipped: ${support.unavailableReason})`;
const slowDiskProblem = await checkSlowDiskSupport().then(
  () => null,
  (error: Error) => error.message,
);
const implementations = findStressNg() ? (['stress-ng', 'builtin'] as const) : (['builtin'] as const);

let root: string;
const cleanups: Array<() => Promise<unknown>> = [];
const runIds: string[] = [];
let counter = 0;

function newRunId(label: string): string {
  const id = `it-neighbours-${process.pid}-${++counter}-${label}`;
  runIds.push(id);
  return id;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'meshbench-neighbours-'));
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

afterAll(async () => {
  // Whatever a failed test left: cleaned here, and the test run fails loudly if anything remains.
  for (const runId of runIds) {
    const left = await findContentionLeftovers(runId, { support, searchDirs: [root] });
    await removeContentionLeftovers(left, { support });
  }
  await rm(root, { recursive: true, force: true });
});

function cpuTicks(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function writeBytes(pid: number): number {
  try {
    return Number(/^write_bytes: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function alive(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function expectNothingLeft(runId: string): Promise<void> {
  const left = await findContentionLeftovers(runId, { support, searchDirs: [root] });
  expect(left).toEqual({ cgroups: [], processes: [], ioDirs: [], slowDisks: [] });
}

describe(`neighbours on this host${skipReason}`, () => {
  describe.each(implementations)('%s', (implementation) => {
    it.skipIf(!canUseCgroups)('CPU neighbour: hogs pinned in their own cgroup burn CPU, and stop leaves nothing', async () => {
      const runId = newRunId(`cpu-${implementation}`);
      const neighbour = await startCpuNeighbour({ runId, logDir: join(root, runId, 'logs'), dutyPct: 50, cpus: [0], weight: 100, implementation, support });
      cleanups.push(() => neighbour.stop());
      expect(neighbour.settings).toMatchObject({ implementation, dutyPct: 50, periodMs: 100, workers: 1 });
      expect(neighbour.settings.cgroup).toMatchObject({ name: 'neighbour-cpu', weight: 100, cpus: [0] });

      // stress-ng forks its worker a moment after starting.
      await waitFor(async () => (await neighbour.pids()).length >= (implementation === 'stress-ng' ? 2 : 1));
      const pids = await neighbour.pids();
      const before = pids.reduce((sum, pid) => sum + cpuTicks(pid), 0);
      await sleep(1_000);
      expect(pids.reduce((sum, pid) => sum + cpuTicks(pid), 0)).toBeGreaterThan(before);
      for (const pid of pids) expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Cpus_allowed_list:\s+0$/m);

      const found = await findContentionLeftovers(runId, { support, searchDirs: [root] });
      expect(found.processes.map((p) => p.pid).sort()).toEqual([...pids].sort());

      await neighbour.stop();
      for (const pid of pids) expect(alive(pid)).toBe(false);
      await expectNothingLeft(runId);
    });

    it.skipIf(!canUseCgroups)('I/O neighbour: writes with fsync under the work dir, and stop removes its files', async () => {
      const runId = newRunId(`io-${implementation}`);
      const dir = join(root, runId);
      const neighbour = await startIoNeighbour({ runId, logDir: join(dir, 'logs'), dir, fileBytes: 4 << 20, implementation, support });
      cleanups.push(() => neighbour.stop());
      expect(neighbour.settings).toMatchObject({ implementation, fsync: true, dir: join(dir, `meshbench-io-${runId}`) });
      expect(existsSync(neighbour.settings.dir)).toBe(true);

      await waitFor(async () => (await neighbour.pids()).length >= (implementation === 'stress-ng' ? 2 : 1));
      const written = async () => (await neighbour.pids()).reduce((sum, pid) => sum + writeBytes(pid), 0);
      // write_bytes counts what reached the block layer: page-cache-only writes would not add up this fast.
      await waitFor(async () => (await written()) > 256 * 1024);

      const pids = await neighbour.pids();
      await neighbour.stop();
      for (const pid of pids) expect(alive(pid)).toBe(false);
      expect(existsSync(neighbour.settings.dir)).toBe(false);
      await expectNothingLeft(runId);
    });
  });

  it.skipIf(!canUseCgroups)("a tier's contention (Ctrl-C path): start everything, then stop() leaves no cgroup, process or file", async () => {
    const runId = newRunId('tier');
    const workDir = join(root, runId);
    const contention = await startTierContention({
      runId,
      tier: 'shared-vcpu',
      workDir,
      settings: {
        cpuQuotaCores: 0.5,
        cpuNeighbour: { dutyPct: 30 },
        ioNeighbour: { fsync: true, fileBytes: 1 << 20, blockBytes: 4096 },
        pinning: { podCpus: [0], loadgenCpus: [os.availableParallelism() > 1 ? 1 : 0] },
      },
      support,
    });
    cleanups.push(() => contention.stop());
    const pod = spawn('sleep', ['60'], { stdio: 'ignore' });
    cleanups.push(async () => pod.kill('SIGKILL'));
    await contention.pods.addPid(pod.pid!);

    expect(contention.record.tier).toBe('shared-vcpu');
    expect(contention.record.pods).toMatchObject({ cpuQuotaCores: 0.5, cpus: [0] });
    expect(contention.record.cpuNeighbour?.cgroup.cpus).toEqual([0]);
    expect(contention.record.cgroupSupport).toBe(support.summary);
    const neighbourPids = await contention.neighbourPids();
    expect(neighbourPids.length).toBeGreaterThanOrEqual(2);
    const cgroupsBefore = (await findContentionLeftovers(runId, { support })).cgroups.map((c) => `${c.controller}:${c.name}`);
    expect(cgroupsBefore).toEqual(expect.arrayContaining(['cpu:pods', 'cpu:loadgen', 'cpu:neighbour-cpu', 'cpu:neighbour-io']));

    await contention.stop();
    await contention.stop(); // safe twice
    for (const pid of neighbourPids) expect(alive(pid)).toBe(false);
    // The pod was moved out, not killed: stopping pods is the backend's job.
    expect(alive(pod.pid!)).toBe(true);
    await expectNothingLeft(runId);
    expect(await readdir(workDir)).toEqual(['logs']);
  });

  it.skipIf(!canUseCgroups || slowDiskProblem !== null)(`a slow-disk tier: a buffered writer fills the throttled disk, and stop() still leaves nothing${slowDiskProblem ? ` [skipped here: ${slowDiskProblem}]` : ''}`, async () => {
    const runId = newRunId('disk');
    const workDir = join(root, runId);
    const contention = await startTierContention({
      runId,
      tier: 'slow-disk',
      workDir,
      slowDiskDir: root,
      settings: { slowDisk: { writeIops: 100, writeMBps: 1, dirtyLimitMB: 4 }, ioNeighbour: { fsync: false, fileBytes: 32 << 20 } },
      support,
    });
    cleanups.push(() => contention.stop());
    const disk = contention.record.slowDisk!;
    expect(contention.accessLogDir).toBe(disk.mountPoint);
    expect(contention.record.ioNeighbour).toMatchObject({ fsync: false, direct: false });
    expect(contention.record.ioNeighbour!.dir.startsWith(`${disk.mountPoint}/`)).toBe(true);
    // Let the writer get ahead of the 1 MiB/s disk, so stopping it has to get past the throttle.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const neighbourPids = await contention.neighbourPids();
    expect(neighbourPids.length).toBeGreaterThanOrEqual(1);
    await contention.stop();
    for (const pid of neighbourPids) expect(alive(pid)).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(disk.mountPoint);
    await expectNothingLeft(runId);
    expect((await findContentionLeftovers(runId, { searchDirs: [root] })).slowDisks).toEqual([]);
  }, 60_000);

  it.skipIf(!canUseCgroups)('a killed meshbench: its hogs die with it, and the leftover functions find and remove the rest', async () => {
    const runId = newRunId('killed');
    const workDir = join(root, runId);
    const implementation = implementations[0];
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../helpers/contention-child.ts'), runId, workDir, implementation], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(async () => child.kill('SIGKILL'));
    const podPid = await readyLine(child);
    cleanups.push(async () => process.kill(podPid, 'SIGKILL'));

    const before = await findContentionLeftovers(runId, { support, searchDirs: [root] });
    const hogPids = before.processes.map((p) => p.pid);
    expect(hogPids.length).toBeGreaterThanOrEqual(2);
    expect(before.ioDirs).toEqual([join(workDir, `meshbench-io-${runId}`)]);

    child.kill('SIGKILL');
    // The parent-death signal stops the hogs without any cleanup code running.
    await waitFor(() => hogPids.every((pid) => !alive(pid)));

    const left = await findContentionLeftovers(runId, { support, searchDirs: [root] });
    expect(left.processes).toEqual([]);
    expect(left.cgroups.map((c) => `${c.controller}:${c.name}`)).toEqual(expect.arrayContaining(['cpu:pods', 'cpu:loadgen', 'cpu:neighbour-cpu', 'cpu:neighbour-io']));
    expect(left.cgroups.find((c) => c.controller === 'cpu' && c.name === 'pods')?.pids).toEqual([podPid]);
    expect(left.ioDirs).toEqual([join(workDir, `meshbench-io-${runId}`)]);

    const cleanup = await removeContentionLeftovers(left, { support });
    expect(cleanup.problems).toEqual([]);
    expect(cleanup.movedPids).toEqual([podPid]);
    expect(cleanup.removedCgroups.length).toBe(left.cgroups.length);
    await expectNothingLeft(runId);
  });

  it.skipIf(!canUseCgroups)('a crash that left the hogs running: the leftover functions stop them and remove their cgroups', async () => {
    const runId = newRunId('orphaned');
    const workDir = join(root, runId);
    // Started and then "forgotten", as if the run crashed before its cleanup ran.
    const cpu = await startCpuNeighbour({ runId, logDir: join(workDir, 'logs'), dutyPct: 20, cpus: [0], support });
    const io = await startIoNeighbour({ runId, logDir: join(workDir, 'logs'), dir: workDir, fileBytes: 1 << 20, blockBytes: 4096, support });
    cleanups.push(() => cpu.stop(), () => io.stop());

    const found = await findContentionLeftovers(runId, { support, searchDirs: [root] });
    expect(found.processes.length).toBeGreaterThanOrEqual(2);
    expect(found.cgroups.map((c) => c.name)).toEqual(expect.arrayContaining(['neighbour-cpu', 'neighbour-io']));
    const cleanup = await removeContentionLeftovers(found, { support, graceMs: 1_000 });
    expect(cleanup.problems).toEqual([]);
    expect(cleanup.stoppedPids.sort()).toEqual(found.processes.map((p) => p.pid).sort());
    for (const p of found.processes) expect(alive(p.pid)).toBe(false);
    await expectNothingLeft(runId);
  });
});

function readyLine(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the child did not get ready within 30 s')), 30_000);
    child.once('exit', (code, signal) => reject(new Error(`the child exited (${signal ?? code}) before it was ready`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^ready (\d+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
}
