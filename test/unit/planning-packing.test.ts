/**
 * First-fit decreasing on its own, with capacities and pods small enough to pack by hand.
 */
import { describe, expect, it } from 'vitest';
import { packFirstFitDecreasing, type PodDemand } from '../../src/planning/packing.js';

const MiB = 2 ** 20;
const lots = { memoryBytes: 1024 * 1024 * MiB, pods: 1000 };

function pods(prefix: string, cpuMillicores: number[], memoryBytes = 0): PodDemand[] {
  return cpuMillicores.map((cpu, i) => ({ name: `${prefix}-${i}`, cpuMillicores: cpu, memoryBytes }));
}

describe('packFirstFitDecreasing', () => {
  it('packs the textbook case optimally: 3.7 vCPU of pods on 1-vCPU nodes in 4', () => {
    // Sorted: 700 600 500 500 500 400 200 200 100.
    // node 1: 700 + 200 + 100 = 1000; node 2: 600 + 400; node 3: 500 + 500; node 4: 500 + 200.
    // 3,700m needs at least 4 nodes of 1,000m, so 4 is optimal.
    const p = packFirstFitDecreasing(pods('p', [500, 700, 500, 200, 400, 200, 500, 100, 600]), { cpuMillicores: 1000, ...lots });
    expect(p.feasible).toBe(true);
    if (!p.feasible) return;
    expect(p.nodes.map((n) => n.cpuMillicores)).toEqual([1000, 1000, 1000, 700]);
    expect(p.binding).toBe('cpu');
    expect(p.utilizationPct.cpu).toBeCloseTo(92.5, 6); // 3,700 / 4,000
  });

  it('is bound by memory when pods are memory-heavy', () => {
    // 8 GiB nodes, 3 GiB pods: two per node (6 GiB; three would be 9). Five pods → 3 nodes.
    const p = packFirstFitDecreasing(pods('m', [100, 100, 100, 100, 100], 3 * 1024 * MiB), { cpuMillicores: 4000, memoryBytes: 8 * 1024 * MiB, pods: 110 });
    expect(p.feasible && p.nodes.length).toBe(3);
    expect(p.feasible && p.binding).toBe('memory');
  });

  it('is bound by pod slots when pods are tiny', () => {
    // 6 slots per node, 13 tiny pods → 3 nodes (6 + 6 + 1).
    const p = packFirstFitDecreasing(pods('s', Array(13).fill(10), 10 * MiB), { cpuMillicores: 8000, memoryBytes: 32 * 1024 * MiB, pods: 6 });
    expect(p.feasible && p.nodes.map((n) => n.pods.length)).toEqual([6, 6, 1]);
    expect(p.feasible && p.binding).toBe('pods');
  });

  it('weighs each resource by its share of a node, so a memory-heavy pod sorts before a CPU-light one', () => {
    // Capacity 1,000m / 1,000 MiB. "big-mem" is 10% CPU but 90% memory: it goes first, and the
    // CPU-heavy pod (60% CPU, 10% memory) joins it; the second CPU-heavy pod opens node 2.
    const p = packFirstFitDecreasing(
      [
        { name: 'cpu-a', cpuMillicores: 600, memoryBytes: 100 * MiB },
        { name: 'cpu-b', cpuMillicores: 600, memoryBytes: 100 * MiB },
        { name: 'big-mem', cpuMillicores: 100, memoryBytes: 900 * MiB },
      ],
      { cpuMillicores: 1000, memoryBytes: 1000 * MiB, pods: 10 },
    );
    expect(p.feasible && p.nodes.map((n) => n.pods)).toEqual([['big-mem', 'cpu-a'], ['cpu-b']]);
  });

  it('says which pod cannot fit on an empty node instead of returning a count', () => {
    const p = packFirstFitDecreasing(pods('x', [300, 1500]), { cpuMillicores: 1000, ...lots });
    expect(p.feasible).toBe(false);
    expect(!p.feasible && p.reason).toBe('x-1 needs 1500m CPU, a node offers 1000m');
  });

  it('needs no node for no pods', () => {
    const p = packFirstFitDecreasing([], { cpuMillicores: 1000, ...lots });
    expect(p.feasible && p.nodes).toEqual([]);
  });
});
