/** /proc/meminfo: "Key:   value kB" lines. Everything returned is in bytes. */

export interface Meminfo {
  memTotalBytes: number;
  memFreeBytes: number;
  memAvailableBytes: number;
  /** memTotal - memAvailable: memory that cannot be handed out without swapping or OOM. */
  memUsedBytes: number;
  buffersBytes: number;
  /** Page cache, excluding swap cache. */
  cachedBytes: number;
  shmemBytes: number;
  swapTotalBytes: number;
  swapFreeBytes: number;
  dirtyBytes: number;
  /**
   * True when the kernel has no MemAvailable line (before 3.14) and it was estimated as
   * MemFree + Buffers + Cached, which overstates what is really available.
   */
  memAvailableEstimated: boolean;
}

export function parseMeminfo(text: string): Meminfo {
  const kib = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([^:]+):\s+(\d+)(\s+kB)?/.exec(line);
    // Lines without a kB unit (HugePages_Total, …) are counts, not sizes; none are needed.
    if (match && match[3]) kib.set(match[1], Number(match[2]));
  }
  const bytes = (key: string): number => (kib.get(key) ?? 0) * 1024;
  if (!kib.has('MemTotal')) throw new Error('/proc/meminfo has no MemTotal line');

  const memTotalBytes = bytes('MemTotal');
  const memAvailableEstimated = !kib.has('MemAvailable');
  const memAvailableBytes = memAvailableEstimated
    ? bytes('MemFree') + bytes('Buffers') + bytes('Cached')
    : bytes('MemAvailable');
  return {
    memTotalBytes,
    memFreeBytes: bytes('MemFree'),
    memAvailableBytes,
    memUsedBytes: Math.max(0, memTotalBytes - memAvailableBytes),
    buffersBytes: bytes('Buffers'),
    cachedBytes: bytes('Cached'),
    shmemBytes: bytes('Shmem'),
    swapTotalBytes: bytes('SwapTotal'),
    swapFreeBytes: bytes('SwapFree'),
    dirtyBytes: bytes('Dirty'),
    memAvailableEstimated,
  };
}
