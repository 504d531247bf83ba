/**
 * Which limits a trial crossed. A flagged trial still counts by default; reports say how
 * many were flagged and why, and whether the conclusions hold without them.
 */
import type { ProcessFigures, TrialFlag, NodeWindow } from '../results/schema.js';
import type { FlagLimits } from '../scenario/schema.js';

export interface FlagInput {
  node: NodeWindow;
  processes: readonly ProcessFigures[];
  errorRatePct: number;
  /** Open loop only: the driver's own event-loop delay. */
  openLoop?: { eventLoopDelayP99Ms: number } | null;
}

export function flagTrial(t: FlagInput, limits: FlagLimits): TrialFlag[] {
  const flags: TrialFlag[] = [];
  const check = (kind: TrialFlag['kind'], valuePct: number, limitPct: number, what: string) => {
    if (valuePct > limitPct) flags.push({ kind, valuePct, limitPct, message: `${what} ${valuePct.toFixed(1)}% > ${limitPct}%` });
  };
  const loadgenCpu = t.processes.filter((p) => p.role === 'loadgen').reduce((max, p) => Math.max(max, p.cpuPctOfCore), 0);
  // "≥ ~90% of a core": a single-threaded load generator cannot go faster than one core.
  check('loadgen-saturated', loadgenCpu, limits.loadgenCpuPctOfCore, 'load generator CPU (of one core)');
  const eventLoopDelayMs = t.openLoop?.eventLoopDelayP99Ms;
  if (eventLoopDelayMs !== undefined && eventLoopDelayMs > limits.loadgenEventLoopDelayP99Ms)
    flags.push({
      kind: 'loadgen-late',
      valuePct: eventLoopDelayMs,
      limitPct: limits.loadgenEventLoopDelayP99Ms,
      message: `open-loop driver's event loop late by ${eventLoopDelayMs.toFixed(1)} ms at p99 > ${limits.loadgenEventLoopDelayP99Ms} ms`,
    });
  check('steal', t.node.stealPct, limits.stealPct, 'CPU steal');
  check('iowait', t.node.iowaitPct, limits.iowaitPct, 'iowait');
  check('foreign-cpu', t.node.foreignCpuPct, limits.foreignCpuPct, 'foreign CPU');
  check('errors', t.errorRatePct, limits.errorRatePct, 'error rate');
  return flags;
}
