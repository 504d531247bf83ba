/**
 * A trial's load level: connections for closed loop, the requested rate for open loop.
 * Cells, gates and objectives group trials by (tier, mode, level, variant).
 */
import type { TrialRecord } from '../results/schema.js';

export type LoadMode = TrialRecord['loadMode'];

type Levelled = Pick<TrialRecord, 'loadMode' | 'connections' | 'requestedRps'>;

export function levelOf(t: Levelled): number {
  return t.loadMode === 'open' ? (t.requestedRps ?? 0) : t.connections;
}

export function levelLabel(mode: LoadMode, level: number): string {
  return mode === 'open' ? `${level.toLocaleString('en-US')} req/s` : `${level} connection${level === 1 ? '' : 's'}`;
}

/** Short form for table cells: `16` or `1,000/s`. */
export function levelShort(mode: LoadMode, level: number): string {
  return mode === 'open' ? `${level.toLocaleString('en-US')}/s` : String(level);
}

export function sameLevel(a: Levelled, b: { loadMode: LoadMode; level: number }): boolean {
  return a.loadMode === b.loadMode && levelOf(a) === b.level;
}
