/**
 * A noisy I/O neighbour on the disk under `dir`. By default synchronous writers (fsync after
 * every write), so the time they block shows as iowait and PSI io (lab §8c measured 2–7 %
 * iowait here; libaio writers produce none). With `fsync: false` buffered writers instead,
 * which on a slow disk keep its dirty-page allowance full (see slow-disk.ts). Files live in a directory named with the run id, and
 * the directory is removed when the neighbour stops, or by the leftover cleanup.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvironmentError, InvalidInputError } from '../../../errors.js';
import { checkRunIdForCgroup, neighbourNamePrefix } from './cgroup-names.js';
import { detectCgroupSupport, type CgroupSupport } from './cgroup-support.js';
import { chooseImplementation, findStressNg, writerCommand, type NeighbourImplementation, type NeighbourImplementationChoice } from './neighbour-commands.js';
import { startNeighbourProcess } from './neighbour-process.js';
import { createPodCgroup, type PodCgroup, type PodCgroupSettings } from './pod-cgroup.js';

export const ioNeighbourName = `${neighbourNamePrefix}io`;
export const ioDirPrefix = 'meshbench-io-';

/** The directory the writer owns under `dir`. */
export function ioNeighbourDir(dir: string, runId: string): string {
  checkRunIdForCgroup(runId);
  return join(dir, `${ioDirPrefix}${runId}`);
}

export interface IoNeighbourOptions {
  runId: string;
  logDir: string;
  /** A directory on the disk to load: the run's work dir, where access logs go too. */
  dir: string;
  /** Synchronous (default) or buffered writes. */
  fsync?: boolean;
  /** Writer threads (stress-ng instances). Default 1. */
  writers?: number;
  /** Size of each write. Default 64 KiB (stress-ng's default). */
  blockBytes?: number;
  /** Each writer cycles over a file this big. Default 64 MiB. */
  fileBytes?: number;
  /** stress-ng only: O_DIRECT as well as fsync, as measured in lab §8c. Default true. */
  direct?: boolean;
  /** CPUs for the writer; unpinned when absent (lab §8c ran it unpinned). */
  cpus?: number[];
  implementation?: NeighbourImplementationChoice;
  support?: CgroupSupport;
  stopGraceMs?: number;
}

export interface IoNeighbourSettings {
  implementation: NeighbourImplementation;
  command: string[];
  dir: string;
  writers: number;
  blockBytes: number;
  fileBytes: number;
  /** Every write is followed by fsync/fdatasync (what makes it show as iowait on a fast disk), or none are. */
  fsync: boolean;
  direct: boolean;
  /** null when the host offers no usable cgroups; the writer then runs without one. */
  cgroup: PodCgroupSettings | null;
}

export interface IoNeighbour {
  readonly settings: IoNeighbourSettings;
  readonly pid: number;
  pids(): Promise<number[]>;
  /** Stops the writers, removes their cgroup and their directory. Safe to call more than once. */
  stop(): Promise<void>;
}

export async function startIoNeighbour(o: IoNeighbourOptions): Promise<IoNeighbour> {
  const writers = o.writers ?? 1;
  const blockBytes = o.blockBytes ?? 64 * 1024;
  const fileBytes = o.fileBytes ?? 64 * 1024 * 1024;
  const problems: string[] = [];
  if (!Number.isInteger(writers) || writers < 1) problems.push(`writers must be an integer >= 1, got ${writers}`);
  // stress-ng's limits for --hdd-write-size.
  if (!Number.isInteger(blockBytes) || blockBytes < 512 || blockBytes > 4 * 1024 * 1024) problems.push(`blockBytes must be from 512 to 4194304, got ${blockBytes}`);
  if (!Number.isInteger(fileBytes) || fileBytes < blockBytes) problems.push(`fileBytes must be an integer >= blockBytes, got ${fileBytes}`);
  if (!o.dir.startsWith('/')) problems.push(`dir must be an absolute path, got "${o.dir}"`);
  if (problems.length > 0) throw new InvalidInputError(`invalid I/O neighbour: ${problems.join('; ')}`, problems);

  const chosen = chooseImplementation(o.implementation ?? 'auto', findStressNg());
  if (!chosen) throw new EnvironmentError('the I/O neighbour asks for stress-ng, which is not installed', 'sudo apt-get install -y stress-ng, or use implementation: builtin');
  const fsync = o.fsync ?? true;
  // Buffered writes are the point of fsync: false, so no O_DIRECT then.
  const direct = fsync && (o.direct ?? true);
  const dir = ioNeighbourDir(o.dir, o.runId);
  const support = o.support ?? (await detectCgroupSupport());

  await mkdir(dir, { recursive: true, mode: 0o700 });
  let cgroup: PodCgroup | null = null;
  const removeDir = () => rm(dir, { recursive: true, force: true });
  try {
    if (support.writable) cgroup = await createPodCgroup(o.runId, ioNeighbourName, { cpus: o.cpus, support });
  } catch (error) {
    await removeDir();
    throw error;
  }
  const launch = writerCommand({ ...chosen, dir, writers, blockBytes, fileBytes, direct, fsync });
  let proc: Awaited<ReturnType<typeof startNeighbourProcess>>;
  try {
    proc = await startNeighbourProcess({ runId: o.runId, logDir: o.logDir, name: ioNeighbourName, cgroup, launch, stopGraceMs: o.stopGraceMs });
  } catch (error) {
    await removeDir();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    settings: {
      implementation: chosen.implementation,
      command: [launch.command, ...launch.args],
      dir,
      writers,
      blockBytes,
      fileBytes,
      fsync,
      direct: chosen.implementation === 'stress-ng' && direct,
      cgroup: cgroup?.settings ?? null,
    },
    pid: proc.pid,
    pids: proc.pids,
    stop: () =>
      (stopping ??= (async () => {
        // The directory goes even when stopping the process failed: its files are ours alone.
        try {
          await proc.stop();
        } finally {
          await removeDir();
        }
      })()),
  };
}
