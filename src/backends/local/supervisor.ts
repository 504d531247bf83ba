/**
 * Starts the long-running processes of a local deployment (apps, proxies) and stops them
 * again, in reverse order, leaving nothing behind.
 *
 * Every child gets MESHBENCH_RUN_ID in its environment so `meshbench destroy <runId>` can
 * find it after a crash by scanning /proc. nginx overwrites its own /proc/PID/environ with
 * its process title, so its command line carries the run id instead (proxyLaunch's runId
 * option), and its workers are found as the master's descendants.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, open, readdir, readFile, readlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { EnvironmentError } from '../../errors.js';
import { withParentDeathSignal } from './parent-death.js';
import { isProcessGoneError, listPids, readPidStat } from '../../sampling/proc-reader.js';

export const runIdEnvVar = 'MESHBENCH_RUN_ID';
/** The supervisor's name for a process, so `destroy` can say what it kills. */
export const processNameEnvVar = 'MESHBENCH_PROCESS_NAME';

export interface SupervisorOptions {
  runId: string;
  /** One log file per process name is written here (stdout and stderr together). */
  logDir: string;
  /** Time between SIGTERM and SIGKILL. Default 5000. */
  stopGraceMs?: number;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  /** Added to this process's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** Wait until this port accepts TCP connections and belongs to the new process. */
  readyPort?: number;
  /** Default 127.0.0.1. */
  readyHost?: string;
  /** Default 10000. */
  readyTimeoutMs?: number;
  /** More logs whose last lines belong in a start-failure message (e.g. nginx's error.log). */
  extraLogFiles?: string[];
}

export interface SupervisedProcess {
  name: string;
  pid: number;
  command: string;
  args: string[];
  logFile: string;
  running: boolean;
  exitCode: number | null;
  exitSignal: string | null;
}

interface Entry {
  name: string;
  pid: number;
  startTicks: number | undefined;
  command: string;
  args: string[];
  logFile: string;
  child: ChildProcess;
  exit: { code: number | null; signal: string | null } | undefined;
  exited: Promise<void>;
  stopRequested: boolean;
  stopping: Promise<void> | undefined;
}

const defaultReadyTimeoutMs = 10_000;
const defaultStopGraceMs = 5_000;
/** After SIGKILL the kernel needs only moments; longer means something is badly wrong. */
const killWaitMs = 5_000;
const pollIntervalMs = 50;
const logTailLines = 20;

export class Supervisor {
  private readonly entries: Entry[] = [];
  private stopAllPromise: Promise<void> | undefined;
  /** Bumped by stopAll, so a start() that was mid-way when stopAll ran does not spawn afterwards. */
  private stopEpoch = 0;

  constructor(private readonly options: SupervisorOptions) {}

  async start(options: StartOptions): Promise<SupervisedProcess> {
    const epoch = this.stopEpoch;
    if (options.name.trim() === '' || /[\0\n]/.test(options.name)) throw new Error(`bad process name ${JSON.stringify(options.name)}`);
    if (this.entries.some((e) => e.name === options.name)) throw new Error(`a process named "${options.name}" is already supervised`);

    await mkdir(this.options.logDir, { recursive: true });
    // Names like `mtls/echo/sidecar` become `mtls_echo_sidecar.log`.
    const logFile = join(this.options.logDir, `${options.name.replace(/[^A-Za-z0-9._-]/g, '_')}.log`);
    const log = await open(logFile, 'a');
    let child: ChildProcess;
    let spawnError: Promise<Error> | undefined;
    // Listen for 'exit' before the first await: a proxy that dies at once must not go unseen.
    let entry: Entry | undefined;
    let earlyExit: Entry['exit'];
    let exited!: Promise<void>;
    try {
      await log.write(`--- ${new Date().toISOString()} meshbench starts ${options.name}: ${[options.command, ...options.args].join(' ')}\n`);
      if (epoch !== this.stopEpoch) throw new Error(`not starting ${options.name}: the supervisor was stopped meanwhile`);
      const launch = withParentDeathSignal(options.command, options.args);
      child = spawn(launch.command, launch.args, {
        cwd: options.cwd,
        env: { ...process.env, ...options.env, [runIdEnvVar]: this.options.runId, [processNameEnvVar]: options.name },
        // Own process group: a Ctrl-C in the terminal reaches only us, and we stop the
        // children in reverse start order instead of all at once.
        detached: true,
        // The child writes its log itself: no pipes through this process, and the log keeps
        // going if the harness dies.
        stdio: ['ignore', log.fd, log.fd],
      });
      // A failed spawn reports through 'error' on the next tick.
      if (child.pid === undefined) spawnError = once(child, 'error').then(([error]) => error as Error);
      exited = new Promise<void>((resolve) => {
        child.once('exit', (code, signal) => {
          earlyExit = { code, signal };
          if (entry) entry.exit = earlyExit;
          resolve();
        });
      });
    } finally {
      await log.close();
    }

    const pid = child.pid;
    if (pid === undefined || spawnError) {
      const error = await (spawnError ?? Promise.resolve(new Error('no pid')));
      throw new EnvironmentError(`cannot start ${options.name} (${options.command}): ${error.message}`, undefined, { cause: error });
    }
    entry = {
      name: options.name,
      pid,
      startTicks: undefined,
      command: options.command,
      args: options.args,
      logFile,
      child,
      exit: earlyExit,
      exited,
      stopRequested: false,
      stopping: undefined,
    };
    // After a successful spawn, 'error' only reports failed child.kill()/send() calls, which
    // this class does not make (it signals via process.kill and checks the result there).
    child.on('error', () => undefined);
    const started = entry;
    this.entries.push(started);
    started.startTicks = (await readStat(pid))?.startTicks;

    if (options.readyPort !== undefined) {
      try {
        await this.waitReady(started, options);
      } catch (error) {
        await this.stopEntry(started);
        // Stopped for good: forget it, so the name can be used again.
        const index = this.entries.indexOf(started);
        if (index >= 0) this.entries.splice(index, 1);
        throw error;
      }
    }
    return describe(started);
  }

  /** What this supervisor runs (or ran and has not been stopped yet), in start order. */
  pids(): SupervisedProcess[] {
    return this.entries.map(describe);
  }

  /**
   * Stops every process in reverse start order: SIGTERM, then SIGKILL after the grace period,
   * for the process and every descendant (nginx workers). Safe to call again and concurrently;
   * resolves when all of them are gone.
   */
  stopAll(): Promise<void> {
    this.stopEpoch++;
    this.stopAllPromise ??= (async () => {
      const failures: string[] = [];
      for (const entry of [...this.entries].reverse()) {
        try {
          await this.stopEntry(entry);
          // A start() that failed meanwhile may have removed it already.
          const index = this.entries.indexOf(entry);
          if (index >= 0) this.entries.splice(index, 1);
        } catch (error) {
          failures.push(`${entry.name} (pid ${entry.pid}): ${(error as Error).message}`);
        }
      }
      if (failures.length > 0) throw new EnvironmentError(`could not stop every process: ${failures.join('; ')}`);
    })().finally(() => {
      this.stopAllPromise = undefined;
    });
    return this.stopAllPromise;
  }

  private async waitReady(entry: Entry, options: StartOptions): Promise<void> {
    const host = options.readyHost ?? '127.0.0.1';
    const port = options.readyPort!;
    const timeoutMs = options.readyTimeoutMs ?? defaultReadyTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    let foreignListener = false;
    for (;;) {
      if (entry.stopRequested) throw new Error(`${entry.name} was stopped while waiting for it to listen on ${host}:${port}`);
      if (entry.exit) {
        const how = entry.exit.signal ? `signal ${entry.exit.signal}` : `code ${entry.exit.code}`;
        throw new EnvironmentError(
          `${entry.name} exited (${how}) before it listened on ${host}:${port}.\n${await logTails(entry.logFile, options.extraLogFiles)}`,
        );
      }
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) {
        const why = foreignListener ? ` (another process is listening on ${host}:${port})` : '';
        throw new EnvironmentError(
          `${entry.name} (pid ${entry.pid}) did not listen on ${host}:${port} within ${timeoutMs} ms${why}.\n${await logTails(entry.logFile, options.extraLogFiles)}`,
        );
      }
      if (await canConnect(host, port, Math.min(500, remainingMs))) {
        // A connect alone could reach some other process on that port (port race, a stale
        // proxy from a crashed run) while ours is failing to bind.
        const owned = await listensOn(entry.pid, port);
        if (owned !== false) return;
        foreignListener = true;
      }
      await Promise.race([sleep(pollIntervalMs), entry.exited]);
    }
  }

  private stopEntry(entry: Entry): Promise<void> {
    entry.stopRequested = true;
    entry.stopping ??= (async () => {
      const self: ProcRef = { pid: entry.pid, startTicks: entry.startTicks };
      // The child leads its own process group, and nginx workers stay in it. Group members
      // find workers even when the master already died and they were re-parented.
      const group = entry.startTicks === undefined ? [] : await groupMembers(entry.pid, entry.startTicks);
      const selfAlive = await isAlive(self);
      await terminate({
        // SIGTERM only the leader while it lives: nginx's master stops its workers itself, and
        // a worker that dies first could be respawned by a master that has not yet seen TERM.
        signal: selfAlive ? [self] : group,
        track: [self, ...group],
        graceMs: this.options.stopGraceMs ?? defaultStopGraceMs,
        done: () => entry.exit !== undefined,
      });
      // Reap our direct child so it does not linger as a zombie.
      await Promise.race([entry.exited, sleep(killWaitMs)]);
      if (!entry.exit) throw new Error('the process did not exit after SIGKILL');
    })();
    return entry.stopping;
  }
}

function describe(entry: Entry): SupervisedProcess {
  return {
    name: entry.name,
    pid: entry.pid,
    command: entry.command,
    args: entry.args,
    logFile: entry.logFile,
    running: entry.exit === undefined,
    exitCode: entry.exit?.code ?? null,
    exitSignal: entry.exit?.signal ?? null,
  };
}

// ---------------------------------------------------------------------------------------
// Process trees from /proc.

export interface ProcRef {
  pid: number;
  /** Start time in clock ticks since boot: tells a process from a later one with the same pid. */
  startTicks: number | undefined;
}

export interface ProcStat {
  state: string;
  ppid: number;
  /** Process group id. */
  pgrp: number;
  startTicks: number;
}

async function readStat(pid: number): Promise<ProcStat | undefined> {
  const stat = await readPidStat(pid);
  return stat ? { state: stat.state, ppid: stat.ppid, pgrp: stat.pgrp, startTicks: stat.startTimeTicks } : undefined;
}

async function isAlive(proc: ProcRef): Promise<boolean> {
  const stat = await readStat(proc.pid);
  if (!stat) return false;
  if (proc.startTicks !== undefined && stat.startTicks !== proc.startTicks) return false;
  // A zombie has finished; only its parent can reap it.
  return stat.state !== 'Z' && stat.state !== 'X';
}

/** Every living process with its parent, read once. */
async function processTable(): Promise<Map<number, ProcStat>> {
  const table = new Map<number, ProcStat>();
  for (const pid of await listPids()) {
    const stat = await readStat(pid);
    if (stat) table.set(pid, stat);
  }
  return table;
}

/** Descendants of `roots` (children, grandchildren, …), not the roots themselves. */
export async function descendantsOf(roots: number[], table?: Map<number, ProcStat>): Promise<ProcRef[]> {
  const procs = table ?? (await processTable());
  const children = new Map<number, number[]>();
  for (const [pid, stat] of procs) {
    const list = children.get(stat.ppid) ?? [];
    list.push(pid);
    children.set(stat.ppid, list);
  }
  const found: ProcRef[] = [];
  const seen = new Set(roots);
  const queue = [...roots];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      found.push({ pid: child, startTicks: procs.get(child)!.startTicks });
      queue.push(child);
    }
  }
  return found;
}

/** Living members of process group `pgid` that started no earlier than its leader did. */
async function groupMembers(pgid: number, leaderStartTicks: number): Promise<ProcRef[]> {
  const members: ProcRef[] = [];
  for (const [pid, stat] of await processTable()) {
    if (pid !== pgid && stat.pgrp === pgid && stat.startTicks >= leaderStartTicks) members.push({ pid, startTicks: stat.startTicks });
  }
  return members;
}

interface TerminateOptions {
  /** Get SIGTERM first. */
  signal: ProcRef[];
  /** Must all be gone at the end, with their descendants (get SIGKILL after the grace period). */
  track: ProcRef[];
  graceMs: number;
  /** A further condition to wait for during the grace period. */
  done?: () => boolean;
}

/**
 * SIGTERM, wait up to graceMs for every tracked process and all its descendants to go, then
 * SIGKILL whatever is left (descendants rescanned each round, since orphaned nginx workers
 * would otherwise keep the ports). Throws when something survives SIGKILL or cannot be
 * signalled.
 */
async function terminate(options: TerminateOptions): Promise<{ killed: ProcRef[] }> {
  const done = options.done ?? (() => true);
  // Remember the tree now: once a parent dies its children are re-parented and no longer
  // show up as its descendants.
  const tracked = new Map<number, ProcRef>();
  const track = (refs: ProcRef[]) => refs.forEach((r) => tracked.set(r.pid, r));
  track(options.signal);
  track(options.track);
  track(await descendantsOf([...tracked.keys()]));

  const alive = async () => {
    const living: ProcRef[] = [];
    for (const ref of tracked.values()) if (await isAlive(ref)) living.push(ref);
    return living;
  };
  const errors: string[] = [];
  for (const target of options.signal) if (await isAlive(target)) signal(target.pid, 'SIGTERM', errors);

  const graceDeadline = Date.now() + options.graceMs;
  let living = await alive();
  while ((living.length > 0 || !done()) && Date.now() < graceDeadline) {
    await sleep(pollIntervalMs);
    track(await descendantsOf(living.map((r) => r.pid)));
    living = await alive();
  }

  const killed: ProcRef[] = [];
  const killDeadline = Date.now() + killWaitMs;
  while (living.length > 0) {
    if (Date.now() >= killDeadline) {
      errors.push(`still running after SIGKILL: ${living.map((r) => r.pid).join(', ')}`);
      break;
    }
    track(await descendantsOf(living.map((r) => r.pid)));
    for (const ref of await alive()) {
      if (!killed.some((k) => k.pid === ref.pid)) killed.push(ref);
      signal(ref.pid, 'SIGKILL', errors);
    }
    await sleep(pollIntervalMs);
    living = await alive();
  }
  if (errors.length > 0) throw new EnvironmentError([...new Set(errors)].join('; '));
  return { killed };
}

function signal(pid: number, name: NodeJS.Signals, errors: string[]): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    // ESRCH: it went away on its own between our check and the signal.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') errors.push(`${name} to ${pid}: ${(error as Error).message}`);
  }
}

/**
 * true when a LISTEN socket on `port` is held by `pid` or one of its descendants, false when
 * not, undefined when /proc cannot tell (not Linux).
 */
async function listensOn(pid: number, port: number): Promise<boolean | undefined> {
  const inodes = new Set<string>();
  let readAny = false;
  for (const file of ['tcp', 'tcp6']) {
    let text: string;
    try {
      // The process's own view: correct even if it runs in another network namespace.
      text = await readFile(`/proc/${pid}/net/${file}`, 'utf8');
      readAny = true;
    } catch (error) {
      if (isProcessGoneError(error)) continue;
      throw error;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue;
      if (parseInt(f[1]!.split(':').pop()!, 16) === port) inodes.add(f[9]!);
    }
  }
  if (!readAny) return (await readStat(pid)) ? undefined : false;
  if (inodes.size === 0) return false;
  for (const p of [pid, ...(await descendantsOf([pid])).map((r) => r.pid)]) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${p}/fd`);
    } catch (error) {
      if (isProcessGoneError(error)) continue;
      throw error;
    }
    for (const fd of fds) {
      try {
        const target = await readlink(`/proc/${p}/fd/${fd}`);
        if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1))) return true;
      } catch (error) {
        if (!isProcessGoneError(error)) throw error;
      }
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// For `meshbench destroy`: find and stop what a crashed run left behind.

export interface RunProcess {
  pid: number;
  ppid: number;
  runId: string;
  /** The supervisor's name for it, when its environment still says. */
  name: string | null;
  cmdline: string;
  startTicks: number;
}

/** Processes of one run (or of every meshbench run, with null), descendants included. */
export async function findProcessesByRunId(runId: string | null): Promise<RunProcess[]> {
  const table = await processTable();
  const found = new Map<number, RunProcess>();
  for (const [pid, stat] of table) {
    if (pid === process.pid) continue;
    const environ = await readProcText(pid, 'environ');
    const cmdline = await readProcText(pid, 'cmdline');
    if (environ === undefined || cmdline === undefined) continue;
    const env = environ.split('\0');
    const envRunId = env.find((v) => v.startsWith(`${runIdEnvVar}=`))?.slice(runIdEnvVar.length + 1);
    const cmdRunId = new RegExp(`${runIdEnvVar}=([A-Za-z0-9._-]+)`).exec(cmdline)?.[1];
    const id = envRunId ?? cmdRunId;
    if (id === undefined || (runId !== null && id !== runId)) continue;
    const name = env.find((v) => v.startsWith(`${processNameEnvVar}=`))?.slice(processNameEnvVar.length + 1) ?? null;
    found.set(pid, { pid, ppid: stat.ppid, runId: id, name, cmdline: cmdline.replaceAll('\0', ' ').trim(), startTicks: stat.startTicks });
  }
  for (const root of [...found.values()]) {
    for (const d of await descendantsOf([root.pid], table)) {
      if (found.has(d.pid) || d.pid === process.pid) continue;
      const cmdline = (await readProcText(d.pid, 'cmdline')) ?? '';
      found.set(d.pid, {
        pid: d.pid,
        ppid: table.get(d.pid)!.ppid,
        runId: root.runId,
        name: root.name,
        cmdline: cmdline.replaceAll('\0', ' ').trim(),
        startTicks: d.startTicks!,
      });
    }
  }
  return [...found.values()].sort((a, b) => a.pid - b.pid);
}

export interface KillResult {
  /** Gone after SIGTERM within the grace period. */
  terminated: number[];
  /** Needed SIGKILL. */
  killed: number[];
  /** Already gone before we started. */
  alreadyGone: number[];
}

/** SIGTERM, then SIGKILL after graceMs, for the given processes and their descendants. */
export async function killProcesses(pids: number[] | RunProcess[], options: { graceMs?: number } = {}): Promise<KillResult> {
  const refs: Array<ProcRef & { ppid: number }> = [];
  const alreadyGone: number[] = [];
  for (const p of pids) {
    const pid = typeof p === 'number' ? p : p.pid;
    const stat = await readStat(pid);
    const startTicks = typeof p === 'number' ? stat?.startTicks : p.startTicks;
    if (stat && (await isAlive({ pid, startTicks }))) refs.push({ pid, startTicks, ppid: stat.ppid });
    else alreadyGone.push(pid);
  }
  // TERM only the top of each tree (an nginx master stops its own workers); the rest is
  // tracked and killed if it outlives the grace period.
  const pidSet = new Set(refs.map((r) => r.pid));
  const roots = refs.filter((r) => !pidSet.has(r.ppid));
  const { killed } = await terminate({ signal: roots, track: refs, graceMs: options.graceMs ?? defaultStopGraceMs });
  const killedPids = new Set(killed.map((k) => k.pid));
  return { terminated: refs.map((r) => r.pid).filter((p) => !killedPids.has(p)), killed: [...killedPids], alreadyGone };
}

async function readProcText(pid: number, file: string): Promise<string | undefined> {
  try {
    return await readFile(`/proc/${pid}/${file}`, 'latin1');
  } catch (error) {
    // Gone meanwhile, or another user's process that we may not read (and could not kill).
    if (isProcessGoneError(error) || (error as NodeJS.ErrnoException).code === 'EACCES') return undefined;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------


function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    // Refused or unreachable just means "not yet".
    socket.once('error', () => done(false));
  });
}

async function logTails(logFile: string, extra: string[] = []): Promise<string> {
  const parts: string[] = [];
  for (const file of [logFile, ...extra]) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        parts.push(`${file}: (no such file)`);
        continue;
      }
      throw error;
    }
    const lines = text.trimEnd().split('\n').slice(-logTailLines);
    parts.push(`Last lines of ${file}:\n${lines.map((l) => `  ${l}`).join('\n')}`);
  }
  return parts.join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
