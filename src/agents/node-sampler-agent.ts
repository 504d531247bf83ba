/**
 * The node sampler agent (one pod per node, from a DaemonSet): once a second it prints one
 * JSON line with the node's raw /proc counters (the same Snapshot the local sampler takes,
 * with no process groups) and every container's cgroup v2 CPU and memory counters. It sends
 * counters, not rates, so meshbench can cut any window out of the stream exactly as the
 * local backend does (diffSnapshots), aligned by the wall-clock `wallMs` of each line.
 *
 * Configured by MESHBENCH_SAMPLER (JSON, NodeSamplerAgentConfig); the node's name comes from
 * NODE_NAME (downward API). First line: `{"event":"ready",...}`; then `{"event":"sample",...}`.
 */
import { readContainerCgroups, isCgroupV2, type ContainerReading } from '../backends/kubernetes/cgroup-containers.js';
import { ProcSession, clockTicksPerSecond } from '../sampling/proc-reader.js';
import { takeSnapshot, type Snapshot } from '../sampling/window.js';
import { isMainModule } from './main-module.js';

export interface NodeSamplerAgentConfig {
  procRoot: string;
  cgroupRoot: string;
  intervalMs: number;
}

export interface NodeSamplerReady {
  event: 'ready';
  node: string;
  clockTicksPerSecond: number;
  cgroupV2: boolean;
}

export interface NodeSamplerLine {
  event: 'sample';
  node: string;
  /** Date.now() when the counters were read: lines up with the load agent's log timestamps. */
  wallMs: number;
  snapshot: Snapshot;
  containers: ContainerReading[];
}

export async function runNodeSampler(config: NodeSamplerAgentConfig, node: string, emit: (line: object) => void, signal: AbortSignal): Promise<void> {
  const ticks = await clockTicksPerSecond();
  const cgroupV2 = isCgroupV2(config.cgroupRoot);
  emit({ event: 'ready', node, clockTicksPerSecond: ticks.ticksPerSecond, cgroupV2 } satisfies NodeSamplerReady);
  const session = new ProcSession(config.procRoot);
  try {
    while (!signal.aborted) {
      const wallMs = Date.now();
      const snapshot = await takeSnapshot([], { session });
      const containers = cgroupV2 ? readContainerCgroups(config.cgroupRoot) : [];
      emit({ event: 'sample', node, wallMs, snapshot, containers } satisfies NodeSamplerLine);
      // Aim at whole intervals from the start, so a slow read does not shift every later sample.
      const waitMs = config.intervalMs - ((Date.now() - wallMs) % config.intervalMs);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  } finally {
    session.close();
  }
}

async function main(): Promise<void> {
  const raw = process.env.MESHBENCH_SAMPLER;
  if (!raw) {
    process.stderr.write('node-sampler: set MESHBENCH_SAMPLER to its JSON config\n');
    process.exit(2);
  }
  const config = JSON.parse(raw) as NodeSamplerAgentConfig;
  const stop = new AbortController();
  process.on('SIGTERM', () => stop.abort());
  process.on('SIGINT', () => stop.abort());
  await runNodeSampler(config, process.env.NODE_NAME ?? 'unknown', (line) => process.stdout.write(JSON.stringify(line) + '\n'), stop.signal);
  process.exit(0);
}

// Wrapped rather than top-level await: the agent is also bundled to CommonJS.
if (isMainModule(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`node-sampler: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
