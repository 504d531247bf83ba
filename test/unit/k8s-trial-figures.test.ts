/** Cutting a trial's window out of the node samplers' counter streams; cgroup v2 parsing; the agent bundle wrapper. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NodeSamplerLine } from '../../src/agents/node-sampler-agent.js';
import { containerIdFromCgroupDir, containerIdFromStatus, readContainerCgroups } from '../../src/backends/kubernetes/cgroup-containers.js';
import { bracket, trialWindowFigures } from '../../src/backends/kubernetes/trial-figures.js';
import { splitTimestamp } from '../../src/backends/kubernetes/log-follow.js';
import type { Snapshot } from '../../src/sampling/window.js';
import { tempDir } from '../helpers/scenario-file.js';
import { wrapTopLevelAwait } from '../../scripts/build-agent-bundles.mjs';

const idA = 'a'.repeat(64);
const idB = 'b'.repeat(64);

/** A node with 2 CPUs whose counters advance by `busyTicks` user ticks per CPU each second. */
function line(node: string, second: number, containers: { id: string; usec: number; mem: number }[]): NodeSamplerLine {
  const ticks = (n: number) => ({ user: n * 50, nice: 0, system: n * 10, idle: n * 140, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0 });
  const snapshot: Snapshot = {
    monotonicMs: second * 1000,
    uptimeSeconds: 1000 + second,
    cpu: { total: ticks(second * 2), perCpu: [ticks(second), ticks(second)] },
    memory: { memTotalBytes: 8e9, memAvailableBytes: 6e9, memUsedBytes: 2e9 } as Snapshot['memory'],
    pressure: { cpu: null, io: null, memory: null },
    disks: [],
    groups: [],
  };
  return { event: 'sample', node, wallMs: 1_000_000 + second * 1000, snapshot, containers: containers.map((c) => ({ id: c.id, cpuUsageUsec: c.usec, memoryCurrentBytes: c.mem, memoryPeakBytes: null })) };
}

describe('trial window figures', () => {
  const lines = [0, 1, 2, 3, 4].map((s) => line('n1', s, [{ id: idA, usec: s * 500_000, mem: 1000 + s }]));
  const loadLines = [0, 1, 2, 3, 4].map((s) => line('n2', s, [{ id: idB, usec: s * 250_000, mem: 50 }]));

  it('brackets the window with the samples around it', () => {
    const span = bracket(lines, 1_001_500, 1_003_200)!;
    expect([span.before.wallMs, span.after.wallMs]).toEqual([1_001_000, 1_004_000]);
    expect(span.inside).toHaveLength(4);
    expect(bracket(lines.slice(0, 1), 0, 1)).toBeNull();
  });

  it('turns cumulative counters into the record’s figures', () => {
    const f = trialWindowFigures({
      runId: 'r',
      trialId: 't',
      node: 'n1',
      linesByNode: new Map([
        ['n1', lines],
        ['n2', loadLines],
      ]),
      clockTicksPerSecond: 100,
      windowStartMs: 1_001_000,
      windowEndMs: 1_003_000,
      components: [
        { name: 'echo/app', role: 'app', pod: 'echo', program: 'node', containerId: idA, node: 'n1' },
        { name: 'loadgen/load', role: 'loadgen', pod: 'loadgen', program: 'node', containerId: idB, node: 'n2' },
        { name: 'echo/istio-proxy', role: 'proxy', pod: 'echo', program: 'envoy', containerId: 'c'.repeat(64), node: 'n1' },
      ],
      runContainerIds: new Set([idA]),
    });
    // 2 s at 0.5 s of CPU per second: 1 CPU-second, 50 % of a core.
    expect(f.processes.find((p) => p.name === 'echo/app')).toMatchObject({ cpuSeconds: 1, cpuPctOfCore: 50, rssEndBytes: 1003, rssPeakBytes: 1003, pids: [] });
    expect(f.processes.find((p) => p.name === 'loadgen/load')).toMatchObject({ cpuSeconds: 0.5, cpuPctOfCore: 25 });
    // A container the sampler never saw gets no invented figures.
    expect(f.processes.map((p) => p.name)).not.toContain('echo/istio-proxy');
    // user 25 % + system 5 % of the node; the run's container used 0.5 s/s of 2 CPUs = 25 %.
    expect(f.node.userPct).toBeCloseTo(25);
    expect(f.node.foreignCpuPct).toBeCloseTo(5);
    expect(f.samples.map((s) => s.tMs)).toEqual([1000, 2000]);
    expect(f.samples[0].processes).toEqual([{ name: 'echo/app', role: 'app', cpuPctOfCore: 50, rssBytes: 1002 }]);
  });
});

describe('cgroup v2 container readings', () => {
  it('finds containers under kubepods by the runtime’s scope names', () => {
    const root = tempDir();
    const pod = path.join(root, 'kubepods.slice', 'kubepods-burstable.slice', 'kubepods-burstable-pod1234_5678.slice');
    for (const [dir, usec] of [[`cri-containerd-${idA}.scope`, 1500], [`crio-${idB}.scope`, 20]] as const) {
      mkdirSync(path.join(pod, dir), { recursive: true });
      writeFileSync(path.join(pod, dir, 'cpu.stat'), `usage_usec ${usec}\nuser_usec 1\nsystem_usec 2\n`);
      writeFileSync(path.join(pod, dir, 'memory.current'), '4096\n');
    }
    const readings = readContainerCgroups(root).sort((a, b) => a.id.localeCompare(b.id));
    expect(readings).toEqual([
      { id: idA, cpuUsageUsec: 1500, memoryCurrentBytes: 4096, memoryPeakBytes: null },
      { id: idB, cpuUsageUsec: 20, memoryCurrentBytes: 4096, memoryPeakBytes: null },
    ]);
    expect(containerIdFromCgroupDir('kubepods-besteffort.slice')).toBeNull();
    expect(containerIdFromStatus(`containerd://${idA}`)).toBe(idA);
  });
});

describe('log lines and bundles', () => {
  it('splits the kubelet’s RFC3339Nano timestamp off a log line', () => {
    expect(splitTimestamp('2026-11-26T02:35:07.123456789Z {"event":"measured"}')).toEqual({ atMs: Date.parse('2026-11-26T02:35:07.123Z'), text: '{"event":"measured"}' });
  });

  it('wraps an agent’s top-level await main block for CommonJS', () => {
    const src = "const a = 1;\nif (isMainModule(import.meta.url)) {\n  const x = await f();\n  g(x);\n}\n";
    expect(wrapTopLevelAwait(src)).toBe("const a = 1;\nif (isMainModule(import.meta.url)) {\n  void (async () => {\n  const x = await f();\n  g(x);\n  })();\n}\n");
    expect(wrapTopLevelAwait('no main here')).toBe('no main here');
  });
});
