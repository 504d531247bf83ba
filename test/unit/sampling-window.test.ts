import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeWindowSchema, processFiguresSchema } from '../../src/results/schema.js';
import {
  ProcSession,
  clockTicksPerSecond,
  listDescendants,
  readPidStat,
  readPidStatus,
  readPressure,
  readProcStat,
} from '../../src/sampling/proc-reader.js';
import { diffSnapshots, takeSnapshot, type ProcessGroup, type Snapshot } from '../../src/sampling/window.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/proc/${name}`, import.meta.url), 'utf8');

interface FakeProcess {
  pid: number;
  ppid: number;
  comm: string;
  cpuTicks: number;
  startTimeTicks: number;
  rssKb?: number;
  hwmKb?: number;
}

const tempDirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** A /proc look-alike: host files from fixtures, one directory per fake process. */
function fakeProcRoot(state: { phase: 'before' | 'after'; uptimeSeconds: number; processes: FakeProcess[]; psi?: boolean }): string {
  const root = mkdtempSync(join(tmpdir(), 'meshbench-proc-'));
  tempDirs.push(root);
  writeFileSync(join(root, 'stat'), fixture(`stat.steal-heavy-4cpu.${state.phase}.txt`));
  writeFileSync(join(root, 'meminfo'), fixture('meminfo.kvm.txt'));
  writeFileSync(join(root, 'diskstats'), fixture(`diskstats.mixed.${state.phase}.txt`));
  writeFileSync(join(root, 'uptime'), `${state.uptimeSeconds.toFixed(2)} 1234.56\n`);
  if (state.psi !== false) {
    mkdirSync(join(root, 'pressure'));
    writeFileSync(join(root, 'pressure', 'cpu'), fixture(`pressure-cpu.contended.${state.phase}.txt`));
    writeFileSync(join(root, 'pressure', 'io'), fixture(`pressure-io.contended.${state.phase}.txt`));
    writeFileSync(join(root, 'pressure', 'memory'), fixture(`pressure-memory.kvm.${state.phase}.txt`));
  }
  for (const p of state.processes) {
    mkdirSync(join(root, String(p.pid)));
    // utime carries all the CPU; the window only ever uses utime+stime.
    const fields = [p.pid, `(${p.comm})`, 'S', p.ppid, p.pid, p.pid, 0, -1, 0, 0, 0, 0, 0, p.cpuTicks, 0, 0, 0, 20, 0, 1, 0, p.startTimeTicks, 1000000, 100];
    writeFileSync(join(root, String(p.pid), 'stat'), `${fields.join(' ')}\n`);
    writeFileSync(join(root, String(p.pid), 'status'), `Name:\t${p.comm}\nVmHWM:\t${p.hwmKb ?? 2000} kB\nVmRSS:\t${p.rssKb ?? 1000} kB\nThreads:\t1\n`);
  }
  return root;
}

/** Pins the window to exactly 1 s so PSI and per-core figures are exact. */
function oneSecondApart(before: Snapshot, after: Snapshot): [Snapshot, Snapshot] {
  return [{ ...before, monotonicMs: 0 }, { ...after, monotonicMs: 1000 }];
}

const group = (name: string, role: ProcessGroup['role'], rootPid: number): ProcessGroup => ({ name, role, pod: 'pod-a', program: name, rootPid });

describe('takeSnapshot / diffSnapshots on a fake /proc', () => {
  // Harness 100 started proxy 200 (with worker 201) and app 300 (with helper 301); 400 is foreign.
  const clkTck = 100;
  const beforeProcesses: FakeProcess[] = [
    { pid: 1, ppid: 0, comm: 'init', cpuTicks: 500, startTimeTicks: 1 },
    { pid: 100, ppid: 1, comm: 'node', cpuTicks: 1000, startTimeTicks: 5000 },
    { pid: 200, ppid: 100, comm: 'haproxy', cpuTicks: 300, startTimeTicks: 6000, rssKb: 16000, hwmKb: 17000 },
    { pid: 201, ppid: 200, comm: 'haproxy', cpuTicks: 400, startTimeTicks: 6001, rssKb: 8000, hwmKb: 9000 },
    { pid: 300, ppid: 100, comm: 'node', cpuTicks: 700, startTimeTicks: 7000 },
    { pid: 301, ppid: 300, comm: 'sh', cpuTicks: 50, startTimeTicks: 7100 },
    { pid: 400, ppid: 1, comm: 'npm (install)', cpuTicks: 9000, startTimeTicks: 8000 },
  ];
  const afterProcesses: FakeProcess[] = [
    { pid: 1, ppid: 0, comm: 'init', cpuTicks: 500, startTimeTicks: 1 },
    { pid: 100, ppid: 1, comm: 'node', cpuTicks: 1010, startTimeTicks: 5000 },
    { pid: 200, ppid: 100, comm: 'haproxy', cpuTicks: 320, startTimeTicks: 6000, rssKb: 16500, hwmKb: 17000 },
    { pid: 201, ppid: 200, comm: 'haproxy', cpuTicks: 430, startTimeTicks: 6001, rssKb: 8200, hwmKb: 9100 },
    { pid: 300, ppid: 100, comm: 'node', cpuTicks: 705, startTimeTicks: 7000 },
    // 301 exited; 302 started inside the window (uptime 1000 s → 100000 ticks).
    { pid: 302, ppid: 300, comm: 'sh', cpuTicks: 7, startTimeTicks: 100050 },
    { pid: 400, ppid: 1, comm: 'npm (install)', cpuTicks: 9128, startTimeTicks: 8000 },
  ];
  const groups = [group('harness', 'harness', 100), group('sidecar', 'proxy', 200), group('app', 'app', 300)];

  async function window(options: { psi?: boolean } = {}) {
    const beforeRoot = fakeProcRoot({ phase: 'before', uptimeSeconds: 1000, processes: beforeProcesses, ...options });
    const afterRoot = fakeProcRoot({ phase: 'after', uptimeSeconds: 1001, processes: afterProcesses, ...options });
    const [before, after] = oneSecondApart(await takeSnapshot(groups, { procRoot: beforeRoot }), await takeSnapshot(groups, { procRoot: afterRoot }));
    return { before, after, ...diffSnapshots(before, after, clkTck) };
  }

  it('counts each process once, in the component of its nearest root', async () => {
    const { processes, after } = await window();
    const byName = Object.fromEntries(processes.map((p) => [p.name, p]));
    expect(after.groups.find((g) => g.name === 'harness')!.processes.map((p) => p.pid)).toEqual([100]);
    expect(byName.harness.cpuSeconds).toBeCloseTo(0.1, 9);
    expect(byName.sidecar.pids).toEqual([200, 201]);
    expect(byName.sidecar.cpuSeconds).toBeCloseTo(0.5, 9);
    expect(byName.sidecar.cpuPctOfCore).toBeCloseTo(50, 9);
    expect(byName.sidecar.rssEndBytes).toBe((16500 + 8200) * 1024);
    expect(byName.sidecar.rssPeakBytes).toBe((17000 + 9100) * 1024);
    for (const figures of processes) processFiguresSchema.parse(figures);
  });

  it('counts a process that appeared from 0 and one that vanished up to its last reading', async () => {
    const { processes } = await window();
    const app = processes.find((p) => p.name === 'app')!;
    // 300: +5 ticks; 301 vanished: nothing after its last reading; 302 new: all of its 7 ticks.
    expect(app.cpuSeconds).toBeCloseTo(0.12, 9);
    expect(app.pids).toEqual([300, 301, 302]);
  });

  it('derives node figures, with foreign CPU = host busy time (all CPUs × window − idle − iowait − steal) minus the components', async () => {
    const { node } = await window();
    nodeWindowSchema.parse(node);
    expect(node.windowMs).toBe(1000);
    expect(node.cpuCount).toBe(4);
    expect(node.stealPct).toBeCloseTo(25, 9);
    // Host: 4 CPUs × 1 s = 400 ticks, of which 188 idle+iowait+steal, so 212 busy (irq and softirq
    // included: the kernel charges softirq to whichever process it interrupted); components: 10 + 50 + 12 = 72.
    expect(node.foreignCpuPct).toBeCloseTo(((212 - 72) / 400) * 100, 9);
    expect(node.psiCpuSomePct).toBeCloseTo(85, 6);
    expect(node.psiIoSomePct).toBeCloseTo(12, 6);
    expect(node.psiIoFullPct).toBeCloseTo(6, 6);
    expect(node.diskReadBytes).toBe(5 * 1024 * 1024);
    expect(node.diskWriteBytes).toBe(10.5 * 1024 * 1024);
    expect(node.memTotalBytes).toBe(24684096 * 1024);
    expect(node.memUsedBytes + node.memAvailableBytes).toBe(node.memTotalBytes);
    const sum = node.userPct + node.nicePct + node.systemPct + node.idlePct + node.iowaitPct + node.irqPct + node.softirqPct + node.stealPct;
    expect(Math.abs(sum - 100)).toBeLessThan(0.5);
  });

  it('reports PSI as null when the kernel has no /proc/pressure', async () => {
    const { node } = await window({ psi: false });
    expect([node.psiCpuSomePct, node.psiIoSomePct, node.psiIoFullPct, node.psiMemorySomePct, node.psiMemoryFullPct]).toEqual([null, null, null, null, null]);
    nodeWindowSchema.parse(node);
  });

  it('treats a reused pid as a new process and gives 0 to one that has no baseline', async () => {
    const beforeRoot = fakeProcRoot({ phase: 'before', uptimeSeconds: 1000, processes: beforeProcesses });
    const reused = afterProcesses.map((p) => (p.pid === 201 ? { ...p, cpuTicks: 3, startTimeTicks: 100020 } : p));
    const afterRoot = fakeProcRoot({ phase: 'after', uptimeSeconds: 1001, processes: reused });
    const before = await takeSnapshot(groups, { procRoot: beforeRoot });
    // "late" was not given to the earlier snapshot: 400 has been running all along, its window share is unknown.
    const after = await takeSnapshot([...groups, group('late', 'loadgen', 400)], { procRoot: afterRoot });
    const { processes } = diffSnapshots(...oneSecondApart(before, after), clkTck);
    expect(processes.find((p) => p.name === 'sidecar')!.cpuSeconds).toBeCloseTo(0.23, 9);
    expect(processes.find((p) => p.name === 'late')!.cpuSeconds).toBe(0);
  });

  it('gives an exited root an empty component rather than an error', async () => {
    const root = fakeProcRoot({ phase: 'after', uptimeSeconds: 1001, processes: afterProcesses });
    const snapshot = await takeSnapshot([group('gone', 'app', 999)], { procRoot: root });
    expect(snapshot.groups[0].processes).toEqual([]);
  });

  it('refuses two components with the same root and a window that runs backwards', async () => {
    const root = fakeProcRoot({ phase: 'after', uptimeSeconds: 1001, processes: afterProcesses });
    await expect(takeSnapshot([group('a', 'app', 300), group('b', 'app', 300)], { procRoot: root })).rejects.toThrow(/rootPid/);
    const snapshot = await takeSnapshot([], { procRoot: root });
    expect(() => diffSnapshots(snapshot, snapshot, 100)).toThrow(/later/);
  });

  it('sees reparenting through a reused session', async () => {
    const root = fakeProcRoot({ phase: 'after', uptimeSeconds: 1001, processes: afterProcesses });
    const session = new ProcSession(root);
    try {
      expect(await listDescendants(300, { session })).toEqual([300, 302]);
      // 302's parent exits and it is reparented to init; the sampler re-reads members every tick.
      writeFileSync(join(root, '302', 'stat'), readFileSync(join(root, '302', 'stat'), 'utf8').replace('(sh) S 300', '(sh) S 1'));
      await takeSnapshot([group('app', 'app', 300)], { session });
      expect(await listDescendants(300, { session })).toEqual([300]);
    } finally {
      session.close();
    }
  });
});

describe('proc-reader', () => {
  it('returns null for a process that has exited, and throws other errors', async () => {
    const child = spawn('true');
    await once(child, 'exit');
    expect(await readPidStat(child.pid!)).toBeNull();
    expect(await readPidStatus(child.pid!)).toBeNull();
    expect(await listDescendants(child.pid!)).toBeNull();

    const root = mkdtempSync(join(tmpdir(), 'meshbench-proc-'));
    tempDirs.push(root);
    mkdirSync(join(root, '42', 'stat'), { recursive: true });
    await expect(readPidStat(42, root)).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(readProcStat(root)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readPressure('cpu', root)).toBeNull();
  });

  it('keeps files open across snapshots, and reads null once a measured process exits', async () => {
    const openFds = () => readdirSync('/proc/self/fd').length;
    const fdsAtStart = openFds();
    const child = spawn('sleep', ['30']);
    children.push(child);
    const session = new ProcSession();
    const groups = [group('sleeper', 'app', child.pid!)];
    const first = await takeSnapshot(groups, { session });
    expect(first.groups[0].processes.map((p) => p.pid)).toEqual([child.pid]);
    const fdsWhileSampling = openFds();
    await takeSnapshot(groups, { session });
    expect(openFds()).toBe(fdsWhileSampling);

    child.kill('SIGKILL');
    await once(child, 'exit');
    // The kept descriptors now read ESRCH (or the path is gone): the process is reported gone, not an error.
    expect(session.readProcessText(child.pid!, 'stat')).toBeNull();
    const after = await takeSnapshot(groups, { session });
    expect(after.groups[0].processes).toEqual([]);
    // The next snapshot releases what nobody reads any more; close() releases the rest.
    await takeSnapshot([], { session });
    session.close();
    expect(openFds()).toBe(fdsAtStart);
    await expect(takeSnapshot([], { session })).rejects.toThrow(/closed/);
  });

  it('leaves no descriptors open after a snapshot without a session', async () => {
    const openFds = () => readdirSync('/proc/self/fd').length;
    const fdsAtStart = openFds();
    await takeSnapshot([group('self', 'harness', process.pid)]);
    expect(openFds()).toBe(fdsAtStart);
  });

  it('reads clock ticks per second from getconf', async () => {
    const ticks = await clockTicksPerSecond();
    expect(ticks.source).toBe('getconf');
    expect(ticks.ticksPerSecond).toBeGreaterThan(0);
  });

  it('listDescendants finds a child of a child', async () => {
    const shell = spawn('sh', ['-c', 'sleep 30 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(shell);
    const [line] = (await once(shell.stdout!, 'data')) as [Buffer];
    const sleepPid = Number(line.toString().trim());
    try {
      const fromUs = await listDescendants(process.pid);
      expect(fromUs?.[0]).toBe(process.pid);
      expect(fromUs).toEqual(expect.arrayContaining([shell.pid, sleepPid]));
      expect(await listDescendants(shell.pid!)).toEqual([shell.pid, sleepPid]);
    } finally {
      process.kill(sleepPid, 'SIGKILL');
    }
  });
});

describe('takeSnapshot / diffSnapshots on this machine', () => {
  it('measures a busy child process and node shares that add up', async () => {
    const { ticksPerSecond } = await clockTicksPerSecond();
    // Burns 0.5 s of its own CPU time (not wall time, so a busy box only makes it slower), says so, then idles.
    const burn = `const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
      while (cpuMs() < 500) {} process.stdout.write('done'); setTimeout(() => {}, 30000);`;
    const busy = spawn(process.execPath, ['-e', burn], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(busy);
    const groups = [group('busy', 'app', busy.pid!)];
    const session = new ProcSession();
    const before = await takeSnapshot(groups, { session });
    await once(busy.stdout!, 'data');
    const after = await takeSnapshot(groups, { session });
    session.close();
    const { node, processes } = diffSnapshots(before, after, ticksPerSecond);

    nodeWindowSchema.parse(node);
    const [figures] = processes;
    processFiguresSchema.parse(figures);
    expect(figures.pids).toEqual([busy.pid]);
    expect(figures.cpuSeconds).toBeGreaterThan(0.2);
    expect(figures.cpuPctOfCore).toBeCloseTo((figures.cpuSeconds / (node.windowMs / 1000)) * 100, 9);
    expect(figures.rssEndBytes).toBeGreaterThan(0);
    expect(figures.rssPeakBytes).toBeGreaterThanOrEqual(figures.rssEndBytes);
    const sum = node.userPct + node.nicePct + node.systemPct + node.idlePct + node.iowaitPct + node.irqPct + node.softirqPct + node.stealPct;
    expect(Math.abs(sum - 100)).toBeLessThan(0.5);
    expect(node.foreignCpuPct).toBeGreaterThanOrEqual(0);
    expect(node.cpuCount).toBe(after.cpu.perCpu.length);
    expect(node.windowMs).toBeGreaterThan(0);
  });
});
