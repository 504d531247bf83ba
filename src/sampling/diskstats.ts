/**
 * /proc/diskstats: "major minor name" then at least 11 counters (15 since 4.18, 17 since 5.5).
 * Sector counts are always in 512-byte units, whatever the device's real sector size.
 */

export const diskstatsSectorBytes = 512;

export interface DiskStat {
  major: number;
  minor: number;
  name: string;
  readsCompleted: number;
  readSectors: number;
  writesCompleted: number;
  writeSectors: number;
}

export function parseDiskstats(text: string): DiskStat[] {
  const disks: DiskStat[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // Kernels before 2.6.25 printed 4 counters for partitions; such lines carry nothing usable here.
    if (fields.length < 14) continue;
    disks.push({
      major: Number(fields[0]),
      minor: Number(fields[1]),
      name: fields[2],
      readsCompleted: Number(fields[3]),
      readSectors: Number(fields[5]),
      writesCompleted: Number(fields[7]),
      writeSectors: Number(fields[9]),
    });
  }
  return disks;
}

/**
 * Devices whose I/O is not disk I/O (loop, ram, zram are backed by files or memory) or is
 * counted again on the disks below them (dm-* for LVM/crypt, md* for software RAID).
 */
const notADiskPattern = /^(loop|ram|zram|dm-|md)\d/;

/**
 * Whole disks among `names` (the device names of one diskstats reading). A partition is
 * named after its disk the way the kernel names it (block/genhd.c, disk_name): the disk name
 * plus the partition number, with a "p" in between when the disk name ends in a digit
 * (sda → sda1, nvme0n1 → nvme0n1p1, mmcblk0 → mmcblk0p1). So a device is a partition when
 * such a parent is in the same listing. This needs no table of driver names, and it does
 * not mistake nvme0n10 (a namespace) for a partition of nvme0n1.
 */
export function wholeDiskNames(names: readonly string[]): string[] {
  const present = new Set(names);
  const isPartition = (name: string): boolean => {
    // The lazy head leaves all trailing digits to the number: nvme0n1p1 → "nvme0n1p" + "1".
    const match = /^(.*?)(\d+)$/.exec(name);
    if (!match) return false;
    const head = match[1];
    if (/\dp$/.test(head)) return present.has(head.slice(0, -1));
    return /[a-z]$/i.test(head) && present.has(head);
  };
  return names.filter((name) => !notADiskPattern.test(name) && !isPartition(name));
}

export interface DiskWindow {
  readBytes: number;
  writeBytes: number;
  /** The whole disks summed, present in both readings. */
  disks: string[];
}

/**
 * Bytes read and written on whole disks between two readings. A device present in only one
 * reading (hot-plugged, removed) is left out, and a counter that went backwards (device
 * re-added) counts as 0 rather than as a huge negative.
 */
export function diskWindow(before: readonly DiskStat[], after: readonly DiskStat[]): DiskWindow {
  const beforeByName = new Map(before.map((disk) => [disk.name, disk]));
  const wholeDisks = new Set(wholeDiskNames(after.map((disk) => disk.name)));
  let readSectors = 0;
  let writeSectors = 0;
  const counted: string[] = [];
  for (const disk of after) {
    const previous = beforeByName.get(disk.name);
    if (!previous || !wholeDisks.has(disk.name)) continue;
    readSectors += Math.max(0, disk.readSectors - previous.readSectors);
    writeSectors += Math.max(0, disk.writeSectors - previous.writeSectors);
    counted.push(disk.name);
  }
  return { readBytes: readSectors * diskstatsSectorBytes, writeBytes: writeSectors * diskstatsSectorBytes, disks: counted };
}
