/**
 * Pressure stall information, /proc/pressure/{cpu,io,memory}:
 *   some avg10=2.84 avg60=2.85 avg300=1.52 total=6352824
 *   full avg10=0.00 avg60=0.00 avg300=0.00 total=0
 * avgN are kernel-smoothed percentages that lag by design; `total` is cumulative stall time
 * in microseconds, so a window's share is exact from two readings' totals.
 */

export interface PressureLine {
  avg10: number;
  avg60: number;
  avg300: number;
  totalUs: number;
}

export interface Pressure {
  some: PressureLine;
  /** Absent for cpu before kernel 5.13. System-wide cpu "full" is always 0 where present. */
  full?: PressureLine;
}

export type PressureResource = 'cpu' | 'io' | 'memory';

function parseLine(line: string): PressureLine {
  const values = new Map<string, number>();
  for (const pair of line.trim().split(/\s+/).slice(1)) {
    const [key, value] = pair.split('=');
    values.set(key, Number(value));
  }
  const get = (key: string): number => {
    const value = values.get(key);
    if (value === undefined || Number.isNaN(value)) throw new Error(`pressure line lacks ${key}: "${line}"`);
    return value;
  };
  return { avg10: get('avg10'), avg60: get('avg60'), avg300: get('avg300'), totalUs: get('total') };
}

export function parsePressure(text: string): Pressure {
  let some: PressureLine | undefined;
  let full: PressureLine | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('some ')) some = parseLine(line);
    else if (line.startsWith('full ')) full = parseLine(line);
  }
  if (!some) throw new Error('pressure file has no "some" line');
  return full ? { some, full } : { some };
}

export interface PressureWindow {
  /** Share of the window in which at least one task stalled on the resource, percent; null without PSI. */
  somePct: number | null;
  /** Share in which all non-idle tasks stalled at once, percent; null when the kernel has no "full" line. */
  fullPct: number | null;
}

function stallPct(beforeUs: number, afterUs: number, windowMs: number): number {
  const pct = ((afterUs - beforeUs) / (windowMs * 1000)) * 100;
  // The file and the clock are read a few microseconds apart, so a fully stalled window can
  // come out a hair above 100; a counter never goes backwards, so below 0 is a reset.
  return Math.min(100, Math.max(0, pct));
}

/**
 * Turns two readings into shares of the window. Either reading null (the file is missing
 * because the kernel lacks PSI or it was disabled with psi=0) gives nulls, not zeros: "not
 * measured" must not read as "no pressure".
 */
export function pressureWindow(before: Pressure | null, after: Pressure | null, windowMs: number): PressureWindow {
  if (!before || !after || windowMs <= 0) return { somePct: null, fullPct: null };
  return {
    somePct: stallPct(before.some.totalUs, after.some.totalUs, windowMs),
    fullPct: before.full && after.full ? stallPct(before.full.totalUs, after.full.totalUs, windowMs) : null,
  };
}
