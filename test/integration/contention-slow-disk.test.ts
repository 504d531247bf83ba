/**
 * The emulated slow disk with the real kernel: a loop device with ext4, mounted, throttled by
 * blkio on that device only, with a strict dirty limit; and nothing of it left after remove()
 * or, for a run that died, after the leftover cleanup. Needs root and the v1 blkio controller.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findContentionLeftovers, removeContentionLeftovers } from '../../src/backends/local/contention/leftovers.js';
import { blkioMountPoint, checkSlowDiskSupport, createSlowDisk, type SlowDiskSettings } from '../../src/backends/local/contention/slow-disk.js';
import { tempDir } from '../helpers/scenario-file.js';

const problem = await checkSlowDiskSupport().then(
  () => null,
  (error: Error) => error.message,
);
const reason = problem === null ? '' : ` [skipped here: ${problem}]`;

const mounted = (mountPoint: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((line) => line.split(' ')[4] === mountPoint);
const throttleRules = (file: string) => readFileSync(`${blkioMountPoint}/${file}`, 'utf8');

function expectGone(s: SlowDiskSettings): void {
  expect(mounted(s.mountPoint)).toBe(false);
  expect(existsSync(s.image)).toBe(false);
  expect(existsSync(s.mountPoint)).toBe(false);
  expect(throttleRules('blkio.throttle.write_iops_device')).not.toContain(`${s.deviceNumber} `);
  // The loop device is detached (no backing file) and its writeback limit is back to the default.
  expect(existsSync(`/sys/class/block/${s.device.replace('/dev/', '')}/loop/backing_file`)).toBe(false);
}

describe(`the emulated slow disk${reason}`, () => {
  it.skipIf(problem !== null)('mounts a throttled ext4 with a strict dirty limit, takes writes, and remove() leaves nothing', async () => {
    const runId = `slowdisk-${process.pid}-a`;
    const disk = await createSlowDisk({ runId, dir: tempDir(), writeIops: 150, writeBytesPerSecond: 3 * 1024 * 1024, dirtyLimitBytes: 8 * 1024 * 1024 });
    const s = disk.settings;
    try {
      expect(mounted(s.mountPoint)).toBe(true);
      expect(throttleRules('blkio.throttle.write_iops_device')).toContain(`${s.deviceNumber} 150`);
      expect(throttleRules('blkio.throttle.write_bps_device')).toContain(`${s.deviceNumber} ${3 * 1024 * 1024}`);
      expect(readFileSync(`/sys/class/bdi/${s.deviceNumber}/strict_limit`, 'utf8').trim()).toBe('1');
      if (s.dirtyLimitBy === 'max_bytes') expect(Number(readFileSync(`/sys/class/bdi/${s.deviceNumber}/max_bytes`, 'utf8'))).toBeLessThanOrEqual(8 * 1024 * 1024 + 4096 * 16);
      writeFileSync(`${s.mountPoint}/probe.log`, 'x'.repeat(10_000));
      expect(readFileSync(`${s.mountPoint}/probe.log`, 'utf8')).toHaveLength(10_000);
    } finally {
      await disk.remove();
    }
    expectGone(s);
    expect(readFileSync(`/sys/class/bdi/${s.deviceNumber}/strict_limit`, 'utf8').trim()).toBe('0');
    await disk.remove(); // idempotent
  }, 60_000);

  it.skipIf(problem !== null)("a run that died without removing it: the leftover functions find the disk by run id and remove it", async () => {
    const dir = tempDir();
    const runId = `slowdisk-${process.pid}-b`;
    const disk = await createSlowDisk({ runId, dir });
    writeFileSync(`${disk.settings.mountPoint}/access.log`, 'GET / 200\n');
    const found = await findContentionLeftovers(runId, { searchDirs: [dir] });
    expect(found.slowDisks).toEqual([{ runId, image: disk.settings.image, mountPoint: disk.settings.mountPoint, devices: [disk.settings.device] }]);
    // Another run's id finds nothing of it.
    expect((await findContentionLeftovers(`${runId}-other`, { searchDirs: [dir] })).slowDisks).toEqual([]);
    const cleanup = await removeContentionLeftovers(found);
    expect(cleanup.problems).toEqual([]);
    expectGone(disk.settings);
    expect((await findContentionLeftovers(runId, { searchDirs: [dir] })).slowDisks).toEqual([]);
  }, 60_000);

  it('refuses nonsense before touching the host', async () => {
    await expect(createSlowDisk({ runId: 'x', dir: 'relative', writeIops: 0 })).rejects.toThrow(/writeIops must be an integer >= 1.*dir must be an absolute path/);
  });
});
