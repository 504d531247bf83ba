/**
 * Whole plans from small inventories, every node count worked out by hand in the comments:
 * one bound by memory, one by CPU, one by max pods (where the control plane tips it over), one
 * where ambient's per-node ztunnel takes the last slot, shared-tier headroom, the upper end of
 * the intervals, sidecar requests and the SLO check.
 */
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/planning/build-plan.js';
import { parseInventoryText } from '../../src/planning/inventory-file.js';
import type { Measurements } from '../../src/planning/measurements.js';
import type { PlanResult } from '../../src/planning/plan-result.js';
import { catalogueOf } from '../../src/planning/tier-sources.js';
import { est, measurements, MiB, point, variant } from './planning-helpers.js';

function plan(yaml: string, m: Measurements): PlanResult {
  return buildPlan(parseInventoryText(yaml, 'inv.yaml', catalogueOf(m)), m, { inventoryFile: 'inv.yaml' });
}

function nodePlan(p: PlanResult, tier = 't', index = 0) {
  return p.tiers.find((t) => t.tier === tier)!.nodePlans[index];
}

describe('memory-bound plan', () => {
  // One service, 7 replicas of 250m / 2,048 MiB at 100 req/s each. Node: 4 vCPU, 8 GiB, no
  // reserve, no DaemonSets, 100% target, no control plane.
  // Sidecar at 100 req/s: 200 ms per 1k × 100 / 1,000 = 20m CPU, 256 MiB.
  //   no mesh: 8,192 / 2,048 = 4 pods per node (CPU would allow 16) → 7 pods = 4 + 3 → 2 nodes
  //   mesh:    270m, 2,304 MiB → 3 per node (6,912; 4 would be 9,216) → 3 + 3 + 1 → 3 nodes
  //   upper CI (RSS 1,024 MiB): 3,072 MiB → 2 per node → 2 + 2 + 2 + 1 → 4 nodes
  const yaml = `
name: mem
currency: EUR
services: [ { name: api, replicas: 7, peakRps: 700, cpuMillicores: 250, memoryMiB: 2048 } ]
nodeReserve: { cpuMillicores: 0, memoryMiB: 0 }
targetUtilizationPct: { cpu: 100, memory: 100 }
mesh: { controlPlane: [] }
tiers: [ { name: t, shared: false, nodePlans: [ { name: m4, vcpu: 4, memoryGiB: 8, pricePerMonth: 10 } ] } ]
`;
  const m = measurements([variant('mesh', [point({ achievedRps: 100, cpuMsPer1k: est(200), rssBytes: est(256 * MiB, 256 * MiB, 1024 * MiB) })])]);
  const p = plan(yaml, m);
  const np = nodePlan(p);

  it('needs 2 nodes without and 3 with the mesh, memory binding both times', () => {
    expect(np.withoutMesh.nodes).toBe(2);
    expect(np.withoutMesh.binding).toBe('memory');
    expect(np.withoutMesh.utilizationPct!.memory).toBeCloseTo(87.5, 6); // 14,336 / 16,384
    const v = np.variants[0];
    expect(v.withMesh.nodes).toBe(3);
    expect(v.withMesh.binding).toBe('memory');
    expect(v.meshTax).toEqual({ nodes: 1, pct: 50, moneyPerMonth: 10 });
    expect(v.withMeshAtUpperCi.nodes).toBe(4);
  });

  it('charges the sidecar at the service rate: 20m and 256 MiB per pod', () => {
    const s = p.tiers[0].variants[0].services[0];
    expect(s.cpuMillicoresPerPod).toBeCloseTo(20, 9);
    expect(s.memoryBytesPerPod).toBe(256 * MiB);
    expect(p.tiers[0].cheapest[0].overhead.sidecarMemoryBytes).toBe(7 * 256 * MiB);
  });

  it('prices it: 30 EUR a month, 42.86 EUR per 1,000 req/s', () => {
    expect(np.variants[0].withMesh.monthlyCost).toBe(30);
    expect(np.variants[0].withMesh.costPer1kRps).toBeCloseTo(30 / 0.7, 9);
  });
});

describe('CPU-bound plan', () => {
  // 10 replicas of 400m / 256 MiB at 200 req/s each. Node: 2 vCPU, 16 GiB, 100m reserved,
  // CPU target 90%: (2,000 − 100) × 0.9 = 1,710m for pods.
  // Sidecar: 250 ms per 1k × 200 / 1,000 = 50m, 32 MiB.
  //   no mesh: 1,710 / 400 → 4 per node (1,600) → 4 + 4 + 2 → 3 nodes
  //   mesh:    450m → 3 per node (1,350; 4 would be 1,800) → 3 + 3 + 3 + 1 → 4 nodes
  const base = `
name: cpu
currency: EUR
services: [ { name: worker, replicas: 10, peakRps: 2000, cpuMillicores: 400, memoryMiB: 256 } ]
nodeReserve: { cpuMillicores: 100, memoryMiB: 0 }
targetUtilizationPct: { cpu: 90, memory: 100 }
tiers: [ { name: t, shared: SHARED, nodePlans: [ { name: c2, vcpu: 2, memoryGiB: 16, pricePerMonth: 5 } ] } ]
`;
  const m = measurements([variant('mesh', [point({ achievedRps: 200, cpuMsPer1k: est(250), rssBytes: est(32 * MiB) })])]);

  it('needs 3 nodes without and 4 with the mesh, CPU binding', () => {
    const np = nodePlan(plan(base.replace('SHARED', 'false') + 'mesh: { controlPlane: [] }\n', m));
    expect(np.withoutMesh.nodeCapacity.cpuMillicores).toBeCloseTo(1710, 9);
    expect(np.withoutMesh.nodes).toBe(3);
    expect(np.withoutMesh.binding).toBe('cpu');
    expect(np.variants[0].withMesh.nodes).toBe(4);
    expect(np.variants[0].withMesh.binding).toBe('cpu');
    expect(np.variants[0].meshTax!.pct).toBeCloseTo(100 / 3, 9);
  });

  it('reserves injected sidecar requests when they exceed the measured use', () => {
    // Requests 100m / 128 MiB: pod 500m → 3 per node (1,500; 4 would be 2,000) → still 4 nodes,
    // but the sidecar counts 100m, not 50m.
    const p = plan(base.replace('SHARED', 'false') + 'mesh: { controlPlane: [], sidecarRequests: { cpuMillicores: 100, memoryMiB: 128 } }\n', m);
    const s = p.tiers[0].variants[0].services[0];
    expect(s.cpuMillicoresPerPod).toBe(100);
    expect(s.memoryBytesPerPod).toBe(128 * MiB);
    expect(s.raisedToRequest).toBe(true);
    expect(nodePlan(p).variants[0].withMesh.nodes).toBe(4);
  });

  it('keeps headroom on a shared tier from its measured steal, foreign CPU and p99 spread', () => {
    // steal per trial [0,0,0,0,10]: p90 = 0 + 0.6 × 10 = 6 (type 7); foreign [1 ×5]: 1;
    // one cell with p99 [1,1,2] ms: p90 1.8 over median 1 → 80% × 0.25 = 20. Headroom 27%.
    // Pod CPU: 1,710 × 0.73 = 1,248.3m.
    //   no mesh: 3 per node (1,200) → 3 + 3 + 3 + 1 → 4 nodes
    //   mesh:    450m → 2 per node (900; 3 would be 1,350) → 5 nodes
    const noisy = measurements(m.variants, [{ tier: 't', trials: 5, stealPctByTrial: [0, 0, 0, 0, 10], foreignCpuPctByTrial: [1, 1, 1, 1, 1], p99MsByCell: [[1, 1, 2]] }]);
    const p = plan(base.replace('SHARED', 'true') + 'mesh: { controlPlane: [] }\n', noisy);
    expect(p.tiers[0].headroom.cpuPct).toBeCloseTo(27, 9);
    expect(p.tiers[0].headroom.source).toBe('rule');
    const np = nodePlan(p);
    expect(np.withoutMesh.nodeCapacity.cpuMillicores).toBeCloseTo(1248.3, 6);
    expect(np.withoutMesh.nodes).toBe(4);
    expect(np.variants[0].withMesh.nodes).toBe(5);
  });
});

describe('max-pods-bound plan', () => {
  // Node: 8 vCPU, 32 GiB, maxPods 8, two DaemonSets → 6 slots for pods. Pods are tiny
  // (100m / 128 MiB), so slots bind. Sidecar: 100 ms per 1k × 10 req/s = 1m, 16 MiB.
  const inventory = (replicas: number[]) => `
name: slots
currency: USD
services:
${replicas.map((r, i) => `  - { name: s${i}, replicas: ${r}, peakRps: ${10 * r}, cpuMillicores: 100, memoryMiB: 128 }`).join('\n')}
nodeReserve: { cpuMillicores: 0, memoryMiB: 0 }
daemonSets: [ { name: cni, cpuMillicores: 50, memoryMiB: 64 }, { name: logs, cpuMillicores: 50, memoryMiB: 64 } ]
targetUtilizationPct: { cpu: 100, memory: 100 }
mesh: { variants: [mesh, istio-ambient], controlPlane: [ { name: istiod, cpuMillicores: 500, memoryMiB: 1024 } ] }
tiers: [ { name: t, shared: false, nodePlans: [ { name: big, vcpu: 8, memoryGiB: 32, maxPods: 8, pricePerMonth: 40 } ] } ]
`;
  const m = measurements([variant('mesh', [point({ achievedRps: 10, cpuMsPer1k: est(100), rssBytes: est(16 * MiB) })])]);

  it('lets the control plane pod tip 12 pods onto a third node', () => {
    //   no mesh: 12 pods / 6 slots → 2 nodes, slots 100% used
    //   mesh:    12 + istiod = 13 pods → 6 + 6 + 1 → 3 nodes
    const np = nodePlan(plan(inventory([4, 4, 4]), m));
    expect(np.withoutMesh.nodeCapacity.pods).toBe(6);
    expect(np.withoutMesh.nodes).toBe(2);
    expect(np.withoutMesh.binding).toBe('pods');
    expect(np.withoutMesh.utilizationPct!.pods).toBe(100);
    const sidecar = np.variants.find((v) => v.variant === 'mesh')!;
    expect(sidecar.withMesh.nodes).toBe(3);
    expect(sidecar.withMesh.binding).toBe('pods');
    expect(sidecar.meshTax).toEqual({ nodes: 1, pct: 50, moneyPerMonth: 40 });
  });

  it("counts ambient's per-node ztunnel against max pods", () => {
    // 11 pods: no mesh 2 nodes (6 + 5); sidecars 11 + istiod = 12 → 2 nodes (6 + 6);
    // ambient: the ztunnel takes a slot on every node → 5 slots → 12 pods = 5 + 5 + 2 → 3 nodes.
    const np = nodePlan(plan(inventory([4, 4, 3]), m));
    expect(np.withoutMesh.nodes).toBe(2);
    expect(np.variants.find((v) => v.variant === 'mesh')!.withMesh.nodes).toBe(2);
    const ambient = np.variants.find((v) => v.variant === 'istio-ambient')!;
    expect(ambient.withMesh.nodeCapacity.pods).toBe(5);
    expect(ambient.withMesh.nodes).toBe(3);
  });
});

describe('capacity at SLO', () => {
  // Per-pod peak 200 req/s; the meshed pod held p99 ≤ 20 ms up to 150 req/s, the bare one to 500.
  const yaml = `
name: slo
currency: EUR
services: [ { name: api, replicas: 2, peakRps: 400, cpuMillicores: 100, memoryMiB: 128 }, { name: quiet, replicas: 1, peakRps: 5, cpuMillicores: 100, memoryMiB: 128 } ]
nodeReserve: { cpuMillicores: 0, memoryMiB: 0 }
mesh: { controlPlane: [] }
tiers: [ { name: t, shared: false, nodePlans: [ { name: n, vcpu: 4, memoryGiB: 8, pricePerMonth: 10 } ] } ]
slo:
  latencyP99Ms: 20
  capacityPerPodRps: [ { tier: t, variant: mesh, rps: 150 }, { tier: t, variant: baseline, rps: 500 } ]
`;
  const m = measurements([variant('mesh', [point({ achievedRps: 200, cpuMsPer1k: est(200), rssBytes: est(20 * MiB) })])]);

  it('fails the meshed plan at peak, names the service, and passes the plan without mesh', () => {
    const np = nodePlan(plan(yaml, m));
    const slo = np.variants[0].slo;
    expect(slo.status).toBe('fails');
    expect(slo.status !== 'not-measured' && slo.over).toEqual([{ service: 'api', perPodRps: 200 }]);
    expect(np.sloWithoutMesh.status).toBe('meets');
  });

  it('says "not measured" where no capacity is given', () => {
    const np = nodePlan(plan(yaml.replace(/slo:[\s\S]*$/, ''), m));
    expect(np.variants[0].slo).toEqual({ status: 'not-measured', latencyP99Ms: null });
  });
});

describe('published figures', () => {
  it('plans istio-sidecar from the published 0.20 vCPU and 60 MB per sidecar, marked published', () => {
    // 1,000 req/s per pod through two sidecars per edge: 2 × 200 ms per 1k × 1,000 / 1,000 = 400m; 60 MB.
    const yaml = `
name: pub
currency: EUR
services: [ { name: api, replicas: 1, peakRps: 1000, cpuMillicores: 100, memoryMiB: 128 } ]
nodeReserve: { cpuMillicores: 0, memoryMiB: 0 }
tiers: [ { name: t, shared: false, costsFrom: published, nodePlans: [ { name: n, vcpu: 4, memoryGiB: 8, pricePerMonth: 10 } ] } ]
`;
    const p = plan(yaml, measurements([], []));
    const v = p.tiers[0].variants.find((x) => x.variant === 'istio-sidecar')!;
    expect(v.model.measuredOn).toBeNull();
    expect(v.sources).toEqual({ cpu: ['published'], memory: ['published'] });
    expect(v.services[0].cpuMillicoresPerPod).toBeCloseTo(400, 9);
    expect(v.services[0].memoryBytesPerPod).toBe(60_000_000);
    expect(p.inventory.controlPlane).toEqual([{ name: 'istiod', replicas: 1, cpuMillicores: 1000, memoryBytes: 1_500_000_000, source: 'published' }]);
    expect(p.tiers[0].variants.map((x) => x.variant)).toEqual(['istio-sidecar', 'istio-ambient']);
  });
});
