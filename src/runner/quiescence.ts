/**
 * Before a trial: wait (bounded) until the host is quiet, i.e. processes outside the run use
 * little CPU. On a shared machine co-tenants, not steal, are the main source of noise, and a
 * trial started while one is busy is measured against a different machine.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Component } from '../backends/backend.js';
import { diffSnapshots, takeSnapshot } from '../sampling/window.js';

export interface QuiescenceResult {
  waitedMs: number;
  foreignCpuPct: number;
  limitPct: number;
  reached: boolean;
}

export async function waitForQuiet(options: {
  runProcesses: () => Component[];
  limitPct: number;
  maxWaitMs: number;
  clockTicksPerSecond: number;
  signal: AbortSignal;
  onWaiting?: (foreignCpuPct: number) => void;
  checkWindowMs?: number;
}): Promise<QuiescenceResult> {
  // 300 ms is 60 clock ticks on two CPUs: fine enough to tell a busy host from a quiet one.
  const checkWindowMs = options.checkWindowMs ?? 300;
  const started = performance.now();
  for (;;) {
    const before = await takeSnapshot(options.runProcesses());
    await sleep(checkWindowMs, undefined, { signal: options.signal });
    const after = await takeSnapshot(options.runProcesses());
    const { node } = diffSnapshots(before, after, options.clockTicksPerSecond);
    const waitedMs = performance.now() - started;
    const quiet = node.foreignCpuPct <= options.limitPct;
    if (quiet || waitedMs >= options.maxWaitMs)
      return { waitedMs: Math.round(waitedMs), foreignCpuPct: node.foreignCpuPct, limitPct: options.limitPct, reached: quiet };
    options.onWaiting?.(node.foreignCpuPct);
  }
}
