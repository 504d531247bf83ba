/**
 * An emulated slow disk: a file-backed loop device with its own ext4, throttled to a few
 * hundred write IOPS and a few MB/s (blkio, on this device only), and with a small strict
 * dirty-page limit on its writeback device (bdi), as the kernel gives slow devices. The tier's
 * access logs and its I/O neighbour both go there.
 *
 * Why not just an fsync writer on the host disk: that disk is fast (virtio, ~100 k IOPS), and
 * buffered log appends never wait for it; measured here, an fsync neighbour left a buffered
 * appender's p99.9 unchanged. What makes logs hurt on a slow disk is writeback falling behind:
 * once the device's dirty pages reach its limit, every task dirtying pages on it is paused in
 * balance_dirty_pages (counted as iowait), proxies writing access logs included.
 *
 * Everything is named after the run id (`meshbench-disk-<runId>.img` and the mount point
 * `meshbench-disk-<runId>`), so `meshbench destroy` can find what a killed run left behind.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, rmdir, truncate, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { EnvironmentError, InvalidInputError } from '../../../errors.js';
import { checkRunIdForCgroup } from './cgroup-names.js';

const run = promisify(execFile);

export const slowDiskPrefix = 'meshbench-disk-';
/** v1 blkio throttling applies to every bio sent to one device, whoever sends it. */
export const blkioMountPoint = '/sys/fs/cgroup/blkio';

export interface SlowDiskOptions {
  runId: string;
  /** Where the image file and the mount point go (the OS temp dir). */
  dir: string;
  /** Write operations per second the device accepts. Default 200 (a busy HDD or a small cloud volume). */
  writeIops?: number;
  /** Write bytes per second. Default 4 MiB/s. */
  writeBytesPerSecond?: number;
  /** Dirty page cache the device may hold before writers are paused. Default 16 MiB. */
  dirtyLimitBytes?: number;
  /** Size of the file system. Default 512 MiB (sparse: it takes what is written). */
  sizeBytes?: number;
  /** The blkio v1 hierarchy; tests may point elsewhere. */
  blkioDir?: string;
}

/** For run.json: what the emulated disk was. */
export interface SlowDiskSettings {
  device: string;
  /** major:minor */
  deviceNumber: string;
  mountPoint: string;
  image: string;
  writeIops: number;
  writeBytesPerSecond: number;
  dirtyLimitBytes: number;
  sizeBytes: number;
  /** How the dirty limit was applied: `max_bytes` (Linux ≥ 6.2) or `max_ratio`. */
  dirtyLimitBy: 'max_bytes' | 'max_ratio';
}

export interface SlowDisk {
  readonly settings: SlowDiskSettings;
  /**
   * Lets the device run at full speed again. Call before stopping its writers: a killed writer
   * stays in uninterruptible sleep until its dirty pages have drained through the throttle.
   */
  liftThrottle(): Promise<void>;
  /** Unmounts, detaches, lifts the throttle and deletes the image. Safe to call more than once. */
  remove(): Promise<void>;
}

export function slowDiskPaths(dir: string, runId: string): { image: string; mountPoint: string } {
  checkRunIdForCgroup(runId);
  return { image: join(dir, `${slowDiskPrefix}${runId}.img`), mountPoint: join(dir, `${slowDiskPrefix}${runId}`) };
}

export async function createSlowDisk(o: SlowDiskOptions): Promise<SlowDisk> {
  const writeIops = o.writeIops ?? 200;
  const writeBytesPerSecond = o.writeBytesPerSecond ?? 4 * 1024 * 1024;
  const dirtyLimitBytes = o.dirtyLimitBytes ?? 16 * 1024 * 1024;
  const sizeBytes = o.sizeBytes ?? 512 * 1024 * 1024;
  const blkioDir = o.blkioDir ?? blkioMountPoint;
  const problems: string[] = [];
  if (!Number.isInteger(writeIops) || writeIops < 1) problems.push(`writeIops must be an integer >= 1, got ${writeIops}`);
  if (!Number.isInteger(writeBytesPerSecond) || writeBytesPerSecond < 4096) problems.push(`writeBytesPerSecond must be an integer >= 4096, got ${writeBytesPerSecond}`);
  if (!Number.isInteger(dirtyLimitBytes) || dirtyLimitBytes < 1024 * 1024) problems.push(`dirtyLimitBytes must be an integer >= 1 MiB, got ${dirtyLimitBytes}`);
  if (!Number.isInteger(sizeBytes) || sizeBytes < 64 * 1024 * 1024) problems.push(`sizeBytes must be an integer >= 64 MiB, got ${sizeBytes}`);
  if (!o.dir.startsWith('/')) problems.push(`dir must be an absolute path, got "${o.dir}"`);
  if (problems.length > 0) throw new InvalidInputError(`invalid slow disk: ${problems.join('; ')}`, problems);
  await checkSlowDiskSupport(blkioDir);

  const { image, mountPoint } = slowDiskPaths(o.dir, o.runId);
  const undo: Array<() => Promise<void>> = [];
  const undoAll = async () => {
    const failures: string[] = [];
    for (const step of undo.splice(0).reverse()) await step().catch((error: Error) => failures.push(error.message));
    if (failures.length > 0) throw new EnvironmentError(`removing the slow disk of run ${o.runId} failed: ${failures.join('; ')}`);
  };
  try {
    await writeFile(image, '', { mode: 0o600, flag: 'wx' });
    undo.push(() => rm(image, { force: true }));
    await truncate(image, sizeBytes);
    // Direct I/O to the backing file, so the host's page cache does not absorb what the throttle should slow.
    const device = (await tool('losetup', ['--find', '--show', '--direct-io=on', image])).trim();
    undo.push(() => detachLoop(device));
    // Initialise inode tables and journal now: lazy init would write in the background during trials.
    await tool('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0', device]);
    await mkdir(mountPoint, { mode: 0o755 });
    undo.push(() => rmdir(mountPoint));
    await tool('mount', [device, mountPoint]);
    undo.push(() => unmount(mountPoint));
    const deviceNumber = await deviceNumberOf(device);
    if (!deviceNumber) throw new EnvironmentError(`cannot read the device number of ${device}`);
    let lifting: Promise<void> | undefined;
    const liftThrottle = () =>
      (lifting ??= (async () => {
        await setThrottle(blkioDir, deviceNumber, { writeIops: 0, writeBytesPerSecond: 0 });
        await resetDirtyLimit(deviceNumber);
      })());
    undo.push(liftThrottle);
    await setThrottle(blkioDir, deviceNumber, { writeIops, writeBytesPerSecond });
    const dirtyLimitBy = await limitDirtyPages(deviceNumber, dirtyLimitBytes);

    let removing: Promise<void> | undefined;
    return {
      settings: { device, deviceNumber, mountPoint, image, writeIops, writeBytesPerSecond, dirtyLimitBytes, sizeBytes, dirtyLimitBy },
      liftThrottle,
      remove: () => (removing ??= undoAll()),
    };
  } catch (error) {
    await undoAll().catch(() => undefined);
    throw error;
  }
}

/** Throws an EnvironmentError saying what is missing, or returns when a slow disk can be made here. */
export async function checkSlowDiskSupport(blkioDir = blkioMountPoint): Promise<void> {
  if (process.getuid?.() !== 0) throw new EnvironmentError('an emulated slow disk needs root (loop device, mount, blkio throttle)', 'run as root, or drop slowDisk from the tier');
  try {
    await readFile(join(blkioDir, 'blkio.throttle.write_iops_device'), 'utf8');
  } catch {
    throw new EnvironmentError(
      `an emulated slow disk needs the cgroup v1 blkio controller (${blkioDir}/blkio.throttle.write_iops_device is missing); on a cgroup v2-only host this is not supported yet`,
      'run the slow-disk tier on a host with the v1 blkio hierarchy, or on a real slow disk',
    );
  }
  for (const name of ['losetup', 'mkfs.ext4', 'mount', 'umount']) {
    try {
      await run('sh', ['-c', `command -v ${name}`]);
    } catch {
      throw new EnvironmentError(`an emulated slow disk needs ${name}, which is not installed`, 'apt-get install -y util-linux mount e2fsprogs');
    }
  }
}

async function tool(command: string, args: string[]): Promise<string> {
  try {
    return (await run(command, args)).stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new EnvironmentError(`${command} ${args.join(' ')} failed: ${(e.stderr || e.message).trim()}`);
  }
}

/** Writing 0 lifts a rule. */
async function setThrottle(blkioDir: string, deviceNumber: string, limits: { writeIops: number; writeBytesPerSecond: number }): Promise<void> {
  await writeFile(join(blkioDir, 'blkio.throttle.write_iops_device'), `${deviceNumber} ${limits.writeIops}\n`);
  await writeFile(join(blkioDir, 'blkio.throttle.write_bps_device'), `${deviceNumber} ${limits.writeBytesPerSecond}\n`);
}

/**
 * strict_limit makes the device's own share count even when the whole machine is far below
 * its dirty threshold (24 GiB of RAM would otherwise allow GiBs of dirty pages first). The bdi
 * belongs to the loop device, which outlives us, so removal puts its defaults back.
 */
async function limitDirtyPages(deviceNumber: string, bytes: number): Promise<'max_bytes' | 'max_ratio'> {
  const bdi = `/sys/class/bdi/${deviceNumber}`;
  await writeFile(join(bdi, 'strict_limit'), '1\n');
  try {
    await writeFile(join(bdi, 'max_bytes'), `${bytes}\n`);
    return 'max_bytes';
  } catch {
    // Before Linux 6.2 only a percentage of the global limit can be set: 1% is the smallest.
    await writeFile(join(bdi, 'max_ratio'), '1\n');
    return 'max_ratio';
  }
}

async function resetDirtyLimit(deviceNumber: string): Promise<void> {
  const bdi = `/sys/class/bdi/${deviceNumber}`;
  await writeFile(join(bdi, 'strict_limit'), '0\n').catch(() => undefined);
  // max_ratio 100 also lifts max_bytes (they are two views of one limit).
  await writeFile(join(bdi, 'max_ratio'), '100\n').catch(() => undefined);
}

async function unmount(mountPoint: string): Promise<void> {
  try {
    await run('umount', [mountPoint]);
  } catch {
    // Busy (a process not yet gone): detach it now, the kernel finishes when the last user leaves.
    await tool('umount', ['--lazy', mountPoint]);
  }
}

async function detachLoop(device: string): Promise<void> {
  const deviceNumber = await deviceNumberOf(device);
  if (deviceNumber) await resetDirtyLimit(deviceNumber);
  await tool('losetup', ['--detach', device]);
}

export interface SlowDiskLeftover {
  runId: string;
  image: string;
  mountPoint: string | null;
  /** Loop devices still backed by the image. */
  devices: string[];
}

/** Images `meshbench-disk-<runId>.img` in `dirs`, with their mounts and loop devices. Reads only. */
export async function findSlowDiskLeftovers(runId: string | null, dirs: readonly string[], listed?: { loops: LoopListing[]; mounts: string[] }): Promise<SlowDiskLeftover[]> {
  const loops = listed?.loops ?? (await listLoops());
  const mounts = listed?.mounts ?? (await listMountPoints());
  const found = new Map<string, SlowDiskLeftover>();
  const pattern = /^meshbench-disk-([A-Za-z0-9.-]+)(\.img)?$/;
  const consider = (dir: string, name: string) => {
    const match = pattern.exec(name);
    if (!match || (runId !== null && match[1] !== runId)) return;
    const id = match[1]!;
    const paths = slowDiskPaths(dir, id);
    const entry = found.get(paths.image) ?? { runId: id, image: paths.image, mountPoint: null, devices: [] };
    if (mounts.includes(paths.mountPoint)) entry.mountPoint = paths.mountPoint;
    entry.devices = loops.filter((l) => l.backingFile === paths.image || l.backingFile === `${paths.image} (deleted)`).map((l) => l.device);
    found.set(paths.image, entry);
  };
  for (const dir of dirs) {
    for (const name of await readdirSafe(dir)) consider(dir, name);
    for (const mountPoint of mounts.filter((m) => m.startsWith(`${dir}/${slowDiskPrefix}`))) consider(dir, mountPoint.slice(dir.length + 1));
  }
  return [...found.values()].sort((a, b) => a.image.localeCompare(b.image));
}

/** Lets leftover devices run at full speed, so writers stuck behind the throttle can finish and die. */
export async function liftSlowDiskLeftoverThrottles(found: readonly SlowDiskLeftover[], blkioDir = blkioMountPoint): Promise<string[]> {
  const problems: string[] = [];
  for (const device of found.flatMap((f) => f.devices)) {
    const deviceNumber = await deviceNumberOf(device);
    if (!deviceNumber) continue;
    try {
      await setThrottle(blkioDir, deviceNumber, { writeIops: 0, writeBytesPerSecond: 0 });
      await resetDirtyLimit(deviceNumber);
    } catch (error) {
      problems.push(`lift the throttle on ${device}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/** Unmounts, detaches and deletes what findSlowDiskLeftovers found (throttles lifted first); returns what failed, in words. */
export async function removeSlowDiskLeftovers(found: readonly SlowDiskLeftover[], blkioDir = blkioMountPoint): Promise<string[]> {
  const problems = await liftSlowDiskLeftoverThrottles(found, blkioDir);
  for (const leftover of found) {
    const attempt = async (what: string, step: () => Promise<unknown>) => {
      try {
        await step();
      } catch (error) {
        problems.push(`${what}: ${(error as Error).message}`);
      }
    };
    if (leftover.mountPoint) await attempt(`unmount ${leftover.mountPoint}`, () => unmount(leftover.mountPoint!));
    for (const device of leftover.devices) await attempt(`detach ${device}`, () => detachLoop(device));
    await attempt(`remove ${leftover.image}`, () => rm(leftover.image, { force: true }));
    const mountPoint = slowDiskPaths(dirname(leftover.image), leftover.runId).mountPoint;
    await attempt(`remove ${mountPoint}`, () => rmdir(mountPoint).catch(ignoreMissing));
  }
  return problems;
}

async function deviceNumberOf(device: string): Promise<string> {
  return (await readFile(`/sys/class/block/${basename(device)}/dev`, 'utf8').catch(() => '')).trim();
}

export interface LoopListing {
  device: string;
  backingFile: string;
}

async function listLoops(): Promise<LoopListing[]> {
  try {
    const { stdout } = await run('losetup', ['--list', '--json', '--output', 'NAME,BACK-FILE']);
    const parsed = JSON.parse(stdout || '{"loopdevices":[]}') as { loopdevices: Array<{ name: string; 'back-file': string | null }> };
    return parsed.loopdevices.map((l) => ({ device: l.name, backingFile: l['back-file'] ?? '' }));
  } catch (error) {
    // No loop devices at all makes losetup print nothing; a missing losetup means none of ours either.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function listMountPoints(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  // Field 5 is the mount point, with spaces and such escaped as octal.
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[4]!.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

async function readdirSafe(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
