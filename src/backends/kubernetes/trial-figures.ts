/**
 * The node and per-container figures of one trial, cut out of the node samplers' 1 Hz
 * counter streams (pure, so the arithmetic is tested without a cluster). The window is the
 * load agent's measured window, placed by the log timestamps of its `warmed-up` and
 * `measured` lines; it is widened to the sampler lines around it, so node figures cover up
 * to a second more on each side (the price of sampling in the cluster at 1 Hz).
 */
import type { NodeSamplerLine } from '../../agents/node-sampler-agent.js';
import type { NodeWindow, ProcessFigures, SampleRecord } from '../../results/schema.js';
import { resultSchemaVersion } from '../../results/schema.js';
import { diffSnapshots } from '../../sampling/window.js';
import type { ContainerComponent } from './pod-components.js';

export interface TrialWindowInput {
  runId: string;
  trialId: string;
  /** The node whose figures the record carries (where the entry service runs). */
  node: string;
  linesByNode: ReadonlyMap<string, readonly NodeSamplerLine[]>;
  clockTicksPerSecond: number;
  windowStartMs: number;
  windowEndMs: number;
  components: readonly ContainerComponent[];
  /** Container ids of every pod the run has on the node (not foreign CPU). */
  runContainerIds: ReadonlySet<string>;
}

export interface TrialWindowFigures {
  node: NodeWindow;
  processes: ProcessFigures[];
  samples: SampleRecord[];
  /** The sampler window actually used (wall clock). */
  sampledFromMs: number;
  sampledToMs: number;
}

/** The sampler lines bracketing [startMs, endMs]: the last at or before the start, the first at or after the end. */
export function bracket(lines: readonly NodeSamplerLine[], startMs: number, endMs: number): { before: NodeSamplerLine; after: NodeSamplerLine; inside: NodeSamplerLine[] } | null {
  if (lines.length < 2) return null;
  let beforeIndex = 0;
  for (let i = 0; i < lines.length; i++) if (lines[i].wallMs <= startMs) beforeIndex = i;
  let afterIndex = lines.length - 1;
  for (let i = lines.length - 1; i > beforeIndex; i--) if (lines[i].wallMs >= endMs) afterIndex = i;
  if (afterIndex <= beforeIndex) return null;
  return { before: lines[beforeIndex], after: lines[afterIndex], inside: lines.slice(beforeIndex, afterIndex + 1) };
}

function containerCpuSeconds(before: NodeSamplerLine, after: NodeSamplerLine, id: string): number | null {
  const a = before.containers.find((c) => c.id === id);
  const b = after.containers.find((c) => c.id === id);
  if (!b) return null;
  // A container that started inside the window counts from 0, as window.ts does for processes.
  return Math.max(0, b.cpuUsageUsec - (a?.cpuUsageUsec ?? 0)) / 1e6;
}

/** Node figures between two sampler lines, foreign CPU net of the run's own containers. */
export function nodeWindowBetween(before: NodeSamplerLine, after: NodeSamplerLine, clkTck: number, runContainerIds: ReadonlySet<string>): NodeWindow {
  const { node } = diffSnapshots(before.snapshot, after.snapshot, clkTck);
  const windowSeconds = node.windowMs / 1000;
  let runCpuSeconds = 0;
  for (const id of runContainerIds) runCpuSeconds += containerCpuSeconds(before, after, id) ?? 0;
  const runPct = windowSeconds > 0 && node.cpuCount > 0 ? (runCpuSeconds / (windowSeconds * node.cpuCount)) * 100 : 0;
  return { ...node, foreignCpuPct: Math.max(0, node.userPct + node.nicePct + node.systemPct - runPct) };
}

export function trialWindowFigures(input: TrialWindowInput): TrialWindowFigures {
  const nodeLines = input.linesByNode.get(input.node) ?? [];
  const span = bracket(nodeLines, input.windowStartMs, input.windowEndMs);
  if (!span) throw new Error(`the node sampler on ${input.node} sent too few samples to cover trial ${input.trialId}`);
  const node = nodeWindowBetween(span.before, span.after, input.clockTicksPerSecond, input.runContainerIds);

  const processes: ProcessFigures[] = [];
  for (const c of input.components) {
    if (!c.containerId) continue;
    const lines = input.linesByNode.get(c.node) ?? [];
    const own = bracket(lines, input.windowStartMs, input.windowEndMs);
    if (!own) continue;
    const cpuSeconds = containerCpuSeconds(own.before, own.after, c.containerId);
    // Not on cgroup v2, or the container is gone: no figures rather than made-up ones.
    if (cpuSeconds === null) continue;
    const readings = own.inside.map((l) => l.containers.find((x) => x.id === c.containerId)).filter((x) => x !== undefined);
    const windowSeconds = (own.after.wallMs - own.before.wallMs) / 1000;
    processes.push({
      name: c.name,
      role: c.role,
      pod: c.pod,
      program: c.program,
      pids: [],
      cpuSeconds,
      // cgroup cpu.stat has no run-queue figure per container; cpu.pressure would be the way.
      runQueueWaitSeconds: null,
      cpuPctOfCore: windowSeconds > 0 ? (cpuSeconds / windowSeconds) * 100 : 0,
      rssPeakBytes: Math.max(0, ...readings.map((r) => r.memoryCurrentBytes)),
      rssEndBytes: readings.at(-1)?.memoryCurrentBytes ?? 0,
    });
  }

  const samples: SampleRecord[] = [];
  for (let i = 1; i < span.inside.length; i++) {
    const before = span.inside[i - 1];
    const after = span.inside[i];
    const seconds = (after.wallMs - before.wallMs) / 1000;
    samples.push({
      schemaVersion: resultSchemaVersion,
      kind: 'sample',
      runId: input.runId,
      trialId: input.trialId,
      tMs: Math.round(after.wallMs - input.windowStartMs),
      node: nodeWindowBetween(before, after, input.clockTicksPerSecond, input.runContainerIds),
      processes: input.components
        .filter((c) => c.containerId && c.node === input.node)
        .flatMap((c) => {
          const cpu = containerCpuSeconds(before, after, c.containerId!);
          const reading = after.containers.find((x) => x.id === c.containerId);
          return cpu === null || !reading ? [] : [{ name: c.name, role: c.role, cpuPctOfCore: seconds > 0 ? (cpu / seconds) * 100 : 0, rssBytes: reading.memoryCurrentBytes }];
        }),
    });
  }
  return { node, processes, samples, sampledFromMs: span.before.wallMs, sampledToMs: span.after.wallMs };
}
