/**
 * Turns an inventory and measured sidecar costs into a node plan per tier, node plan and
 * variant: pods (the app's requests plus its sidecar's cost at the service's peak rate) packed
 * first-fit decreasing onto nodes, once without the mesh and once with it, and the difference
 * in nodes and money. Pure: reads nothing, prints nothing.
 */
import { InvalidInputError } from '../errors.js';
import { checkSloAtPeak, type CapacityAtSlo } from './capacity-at-slo.js';
import { costAtRate, costModelFor, type SidecarCostModel } from './cost-model.js';
import { tierHeadroom } from './headroom.js';
import type { Inventory, InventoryTier, NodePlan } from './inventory-schema.js';
import type { Measurements } from './measurements.js';
import { packFirstFitDecreasing, type NodeCapacity, type PodDemand } from './packing.js';
import type {
  CheapestChoice,
  ControlPlanePod,
  MeshOverhead,
  NodePlanResult,
  PackingSummary,
  PlanResult,
  ServiceSidecarCost,
  TierPlan,
  VariantCosts,
  VariantPlan,
} from './plan-result.js';
import { publishedIstiod, publishedSource } from './published-figures.js';
import { catalogueOf, resolveTierSources, type TierSource } from './tier-sources.js';

const mebibyte = 2 ** 20;
const gibibyte = 2 ** 30;

export interface PlanContext {
  /** Shown in the output and in error messages. */
  inventoryFile: string;
}

export function buildPlan(inventory: Inventory, measurements: Measurements, context: PlanContext): PlanResult {
  const { sources, problems } = resolveTierSources(inventory, catalogueOf(measurements));
  if (problems.length)
    throw new InvalidInputError(
      `inventory ${context.inventoryFile} does not match the results`,
      problems.map((p) => `${context.inventoryFile}: ${p.path.join('.')}: ${p.message}`),
    );
  const warnings: string[] = [...measurements.notes];
  const services = inventory.services.map((s) => ({ ...s, perPodRps: s.peakRps / s.replicas }));
  const peakRpsTotal = sum(services.map((s) => s.peakRps));
  const controlPlane: ControlPlanePod[] = inventory.mesh.controlPlane
    ? inventory.mesh.controlPlane.map((p) => ({ name: p.name, replicas: p.replicas, cpuMillicores: p.cpuMillicores, memoryBytes: p.memoryMiB * mebibyte, source: 'inventory' }))
    : [{ ...publishedIstiod, source: 'published' }];
  const capacities: CapacityAtSlo[] = (inventory.slo?.capacityPerPodRps ?? []).map((c) => ({
    tier: c.tier,
    variant: c.variant,
    latencyP99Ms: inventory.slo!.latencyP99Ms,
    maxRpsPerPod: c.rps,
    source: 'inventory',
  }));
  const sidecarRequests = inventory.mesh.sidecarRequests
    ? { cpuMillicores: inventory.mesh.sidecarRequests.cpuMillicores, memoryBytes: inventory.mesh.sidecarRequests.memoryMiB * mebibyte }
    : null;
  const shared = { inventory, services, peakRpsTotal, controlPlane, capacities, sidecarRequests, measurements, warnings };

  const tiers = inventory.tiers.map((tier) => planTier(tier, sources.find((s) => s.tier === tier.name)!, shared));
  const planned = new Set(sources.map((s) => s.costsFrom));
  for (const t of measurements.tiers) if (!planned.has(t)) warnings.push(`tier "${t}" was measured but no inventory tier uses it`);

  return {
    inventory: {
      name: inventory.name,
      description: inventory.description ?? null,
      file: context.inventoryFile,
      currency: inventory.currency,
      services: services.length,
      meshedServices: services.filter((s) => s.meshed).length,
      pods: sum(services.map((s) => s.replicas)),
      meshedPods: sum(services.filter((s) => s.meshed).map((s) => s.replicas)),
      peakRpsTotal,
      targetUtilizationPct: inventory.targetUtilizationPct,
      daemonSets: inventory.daemonSets.map((d) => ({ name: d.name, cpuMillicores: d.cpuMillicores, memoryBytes: d.memoryMiB * mebibyte })),
      perNodeAgents: inventory.mesh.perNodeAgents.map((d) => ({ name: d.name, cpuMillicores: d.cpuMillicores, memoryBytes: d.memoryMiB * mebibyte })),
      controlPlane,
      sidecarRequests,
      sloLatencyP99Ms: inventory.slo?.latencyP99Ms ?? null,
    },
    runs: measurements.runs,
    tiers,
    rules: planRules(inventory, controlPlane),
    warnings: unique(warnings),
  };
}

type Shared = {
  inventory: Inventory;
  services: (Inventory['services'][number] & { perPodRps: number })[];
  peakRpsTotal: number;
  controlPlane: ControlPlanePod[];
  capacities: CapacityAtSlo[];
  sidecarRequests: { cpuMillicores: number; memoryBytes: number } | null;
  measurements: Measurements;
  warnings: string[];
};

function planTier(tier: InventoryTier, source: TierSource, shared: Shared): TierPlan {
  const { inventory, measurements, warnings } = shared;
  const headroom = tierHeadroom(tier, inventory.headroom, measurements.noise.find((n) => n.tier === tier.name));
  const variants: VariantCosts[] = source.variants.map(({ name, measuredOn }) => {
    const model = costModelFor(name, measurements.variants.find((v) => v.tier === measuredOn && v.variant === name));
    for (const note of model.notes) warnings.push(`tier ${tier.name}, ${name}: ${note}`);
    if (measuredOn && measuredOn !== tier.name) warnings.push(`tier ${tier.name}: ${name} costs were measured on tier ${measuredOn} (costsFrom), not on this tier`);
    if (!measuredOn) warnings.push(`tier ${tier.name}: ${name} uses Istio's published figures, not measurements`);
    return variantCosts(model, shared, tier.name);
  });
  const baselines = [...(measurements.baselinesByTier.get(source.costsFrom) ?? []), 'baseline'];
  const nodePlans = tier.nodePlans.map((plan) => planNodePlan(plan, tier.name, headroom.cpuPct, variants, baselines, shared));
  const cheapest = variants.map((v) => cheapestChoice(v, nodePlans, shared));
  return {
    tier: tier.name,
    description: tier.description ?? null,
    shared: tier.shared,
    costsFrom: source.costsFrom,
    headroom,
    variants,
    nodePlans,
    cheapest,
  };
}

function variantCosts(model: SidecarCostModel, shared: Shared, tier: string): VariantCosts {
  const costs: ServiceSidecarCost[] = shared.services
    .filter((s) => s.meshed)
    .map((s) => {
      const chosen = costAtRate(model, s.perPodRps);
      const cpu = chosen.point.cpuMsPer1kRequestsPerEdge;
      const memory = chosen.point.memoryBytesPerPod;
      // ms of CPU per 1,000 requests × requests per second / 1,000 = ms of CPU per second = millicores.
      const measuredCpu = (cpu.estimate * s.perPodRps) / 1000;
      const measuredCpuHigh = (cpu.high * s.perPodRps) / 1000;
      const floor = shared.sidecarRequests;
      if (chosen.extrapolated === 'above')
        shared.warnings.push(
          `tier ${tier}, ${model.variant}: ${s.name} peaks at ${Math.round(s.perPodRps)} req/s per pod, above the highest measured rate (${Math.round(chosen.point.achievedRps)} req/s); the cost per request there was assumed to stay as measured`,
        );
      return {
        service: s.name,
        replicas: s.replicas,
        perPodRps: s.perPodRps,
        point: chosen.point.label,
        extrapolated: chosen.extrapolated,
        cpuMillicoresPerPod: Math.max(measuredCpu, floor?.cpuMillicores ?? 0),
        cpuMillicoresPerPodHigh: Math.max(measuredCpuHigh, floor?.cpuMillicores ?? 0),
        memoryBytesPerPod: Math.max(memory.estimate, floor?.memoryBytes ?? 0),
        memoryBytesPerPodHigh: Math.max(memory.high, floor?.memoryBytes ?? 0),
        raisedToRequest: !!floor && (floor.cpuMillicores > measuredCpu || floor.memoryBytes > memory.estimate),
      };
    });
  return {
    variant: model.variant,
    model,
    sources: { cpu: unique(model.points.map((p) => p.cpuSource)), memory: unique(model.points.map((p) => p.memorySource)) },
    services: costs,
  };
}

function planNodePlan(plan: NodePlan, tier: string, headroomPct: number, variants: VariantCosts[], baselines: string[], shared: Shared): NodePlanResult {
  const { inventory, services, controlPlane, capacities } = shared;
  const reserve = plan.reserve ?? inventory.nodeReserve!;
  const reserveBytes = { cpuMillicores: reserve.cpuMillicores, memoryBytes: reserve.memoryMiB * mebibyte };
  const daemonSets = inventory.daemonSets.map((d) => ({ cpuMillicores: d.cpuMillicores, memoryBytes: d.memoryMiB * mebibyte }));
  const capacityWith = (agents: { cpuMillicores: number; memoryBytes: number }[]): NodeCapacity => {
    const taken = [reserveBytes, ...daemonSets, ...agents];
    const cpuLeft = plan.vcpu * 1000 - sum(taken.map((t) => t.cpuMillicores));
    const memoryLeft = plan.memoryGiB * gibibyte - sum(taken.map((t) => t.memoryBytes));
    return {
      cpuMillicores: Math.max(0, cpuLeft * (inventory.targetUtilizationPct.cpu / 100) * (1 - headroomPct / 100)),
      memoryBytes: Math.max(0, memoryLeft * (inventory.targetUtilizationPct.memory / 100)),
      pods: plan.maxPods - daemonSets.length - agents.length,
    };
  };
  const appPods = (s: Shared['services'][number]) => replicasOf(s.name, s.replicas, { cpuMillicores: s.cpuMillicores, memoryBytes: s.memoryMiB * mebibyte });
  const withoutMesh = summarize(
    packFirstFitDecreasing(services.flatMap(appPods), capacityWith([])),
    capacityWith([]),
    plan,
    shared.peakRpsTotal,
  );
  const meshedRates = services.filter((s) => s.meshed).map((s) => ({ name: s.name, perPodRps: s.perPodRps }));
  const latency = inventory.slo?.latencyP99Ms ?? null;
  const baselineCapacity = baselines.map((b) => checkSloAtPeak(capacities, tier, b, latency, meshedRates)).find((c) => c.status !== 'not-measured');

  const variantPlans = variants.map((v): VariantPlan => {
    const agents = [
      ...inventory.mesh.perNodeAgents.map((a) => ({ cpuMillicores: a.cpuMillicores, memoryBytes: a.memoryMiB * mebibyte })),
      ...v.model.perNodeAgents.map((a) => ({ cpuMillicores: a.cpuMillicores, memoryBytes: a.memoryBytes })),
    ];
    const capacity = capacityWith(agents);
    const podsAt = (high: boolean): PodDemand[] => [
      ...services.flatMap((s) => {
        const cost = v.services.find((c) => c.service === s.name);
        if (!cost) return appPods(s);
        return replicasOf(s.name, s.replicas, {
          cpuMillicores: s.cpuMillicores + (high ? cost.cpuMillicoresPerPodHigh : cost.cpuMillicoresPerPod),
          memoryBytes: s.memoryMiB * mebibyte + (high ? cost.memoryBytesPerPodHigh : cost.memoryBytesPerPod),
        });
      }),
      ...controlPlane.flatMap((p) => replicasOf(p.name, p.replicas, { cpuMillicores: p.cpuMillicores, memoryBytes: p.memoryBytes })),
    ];
    const withMesh = summarize(packFirstFitDecreasing(podsAt(false), capacity), capacity, plan, shared.peakRpsTotal);
    const withMeshAtUpperCi = summarize(packFirstFitDecreasing(podsAt(true), capacity), capacity, plan, shared.peakRpsTotal);
    return {
      variant: v.variant,
      withMesh,
      withMeshAtUpperCi,
      meshTax: withMesh.nodes !== null && withoutMesh.nodes !== null ? tax(withMesh.nodes, withoutMesh.nodes, plan.pricePerMonth) : null,
      slo: checkSloAtPeak(capacities, tier, v.variant, latency, meshedRates),
    };
  });
  return {
    name: plan.name,
    description: plan.description ?? null,
    vcpu: plan.vcpu,
    memoryGiB: plan.memoryGiB,
    pricePerMonth: plan.pricePerMonth,
    maxPods: plan.maxPods,
    reserve: reserveBytes,
    withoutMesh,
    sloWithoutMesh: baselineCapacity ?? { status: 'not-measured', latencyP99Ms: latency },
    variants: variantPlans,
  };
}

function cheapestChoice(v: VariantCosts, nodePlans: NodePlanResult[], shared: Shared): CheapestChoice {
  const bestBy = <T>(items: T[], cost: (t: T) => number | null, nodes: (t: T) => number | null): T | null => {
    let best: T | null = null;
    for (const item of items) {
      const c = cost(item);
      if (c === null) continue;
      // Same price: fewer nodes (less to run); same again: the plan listed first.
      if (best === null || c < cost(best)! - 1e-9 || (Math.abs(c - cost(best)!) <= 1e-9 && nodes(item)! < nodes(best)!)) best = item;
    }
    return best;
  };
  const without = bestBy(nodePlans, (p) => p.withoutMesh.monthlyCost, (p) => p.withoutMesh.nodes);
  const withPlan = bestBy(nodePlans, (p) => p.variants.find((x) => x.variant === v.variant)!.withMesh.monthlyCost, (p) => p.variants.find((x) => x.variant === v.variant)!.withMesh.nodes);
  const withVariant = withPlan?.variants.find((x) => x.variant === v.variant) ?? null;
  const overhead = meshOverhead(v, withPlan, withVariant?.withMesh.nodes ?? null, shared);
  const withoutCost = without?.withoutMesh.monthlyCost ?? null;
  const withCost = withVariant?.withMesh.monthlyCost ?? null;
  return {
    variant: v.variant,
    withoutMesh: without ? { nodePlan: without.name, nodes: without.withoutMesh.nodes!, monthlyCost: withoutCost!, binding: without.withoutMesh.binding! } : null,
    withMesh:
      withPlan && withVariant
        ? { nodePlan: withPlan.name, nodes: withVariant.withMesh.nodes!, monthlyCost: withCost!, binding: withVariant.withMesh.binding!, costPer1kRps: withVariant.withMesh.costPer1kRps }
        : null,
    meshTaxMoneyPerMonth: withCost !== null && withoutCost !== null ? withCost - withoutCost : null,
    meshTaxPct: withCost !== null && withoutCost !== null && withoutCost > 0 ? ((withCost - withoutCost) / withoutCost) * 100 : null,
    slo: withVariant?.slo ?? null,
    overhead,
  };
}

function meshOverhead(v: VariantCosts, plan: NodePlanResult | null, nodes: number | null, shared: Shared): MeshOverhead {
  const agents = [
    ...shared.inventory.mesh.perNodeAgents.map((a) => ({ cpuMillicores: a.cpuMillicores, memoryBytes: a.memoryMiB * mebibyte })),
    ...v.model.perNodeAgents,
  ];
  const sidecarCpuMillicores = sum(v.services.map((s) => s.cpuMillicoresPerPod * s.replicas));
  const sidecarMemoryBytes = sum(v.services.map((s) => s.memoryBytesPerPod * s.replicas));
  const controlPlaneCpuMillicores = sum(shared.controlPlane.map((p) => p.cpuMillicores * p.replicas));
  const controlPlaneMemoryBytes = sum(shared.controlPlane.map((p) => p.memoryBytes * p.replicas));
  const agentsCpuMillicores = (nodes ?? 0) * sum(agents.map((a) => a.cpuMillicores));
  const agentsMemoryBytes = (nodes ?? 0) * sum(agents.map((a) => a.memoryBytes));
  return {
    nodePlan: plan?.name ?? null,
    nodes,
    sidecarCpuMillicores,
    sidecarMemoryBytes,
    controlPlaneCpuMillicores,
    controlPlaneMemoryBytes,
    agentsCpuMillicores,
    agentsMemoryBytes,
    totalCpuMillicores: sidecarCpuMillicores + controlPlaneCpuMillicores + agentsCpuMillicores,
    totalMemoryBytes: sidecarMemoryBytes + controlPlaneMemoryBytes + agentsMemoryBytes,
  };
}

function summarize(packing: ReturnType<typeof packFirstFitDecreasing>, capacity: NodeCapacity, plan: NodePlan, peakRpsTotal: number): PackingSummary {
  if (!packing.feasible)
    return { feasible: false, nodes: null, binding: null, utilizationPct: null, monthlyCost: null, costPer1kRps: null, infeasibleReason: packing.reason, nodeCapacity: capacity };
  const nodes = packing.nodes.length;
  const monthlyCost = nodes * plan.pricePerMonth;
  return {
    feasible: true,
    nodes,
    binding: packing.binding,
    utilizationPct: packing.utilizationPct,
    monthlyCost,
    costPer1kRps: peakRpsTotal > 0 ? monthlyCost / (peakRpsTotal / 1000) : null,
    infeasibleReason: null,
    nodeCapacity: capacity,
  };
}

function tax(withMesh: number, without: number, price: number): VariantPlan['meshTax'] {
  return { nodes: withMesh - without, pct: without > 0 ? ((withMesh - without) / without) * 100 : 0, moneyPerMonth: (withMesh - without) * price };
}

function replicasOf(name: string, replicas: number, demand: { cpuMillicores: number; memoryBytes: number }): PodDemand[] {
  return Array.from({ length: replicas }, (_, i) => ({ name: `${name}-${i + 1}`, ...demand }));
}

function planRules(inventory: Inventory, controlPlane: ControlPlanePod[]): string[] {
  const h = inventory.headroom;
  return [
    'Sidecar CPU of a pod = proxy CPU ms per 1,000 requests per edge × the pod\'s peak req/s ÷ 1,000 (in millicores). The figure per edge is the trial\'s proxy CPU per 1,000 requests divided by the edges one request crosses in the measured topology, so it covers both sidecars of an edge.',
    'Who pays for an edge: the callee\'s pods carry the whole edge (their inbound sidecar and the caller\'s outbound half). Every request into a service crosses one edge into it, so totals are exact; entry services whose callers sit outside the mesh are charged half an edge too much.',
    'Sidecar memory of a pod = peak RSS of one proxy process (a trial\'s summed proxy RSS divided by its proxy processes); one sidecar handles both directions of its pod.',
    'Load level: for each service, the measured level whose achieved req/s per proxy pair is closest to the service\'s peak req/s per pod on a log scale (ties: the costlier). Below the lightest level the lightest is used (cost per request only rises as load falls); above the heaviest, the heaviest, with a warning.',
    'Figures are medians over a level\'s trials; the "upper CI" node counts repeat the packing with every sidecar figure at the top of its exact interval (95% where the trials reach it).',
    `Node capacity for pods = (vCPU and memory − reserve − DaemonSets − per-node mesh agents) × target utilisation (CPU ${inventory.targetUtilizationPct.cpu}%, memory ${inventory.targetUtilizationPct.memory}%), CPU further × (1 − headroom); pod slots = maxPods − DaemonSets − per-node mesh agents.`,
    `Headroom on shared tiers = ${h.stealWeight} × steal + ${h.foreignCpuWeight} × foreign CPU (both the p${h.quantile * 100} over the tier's trials) + ${h.p99InflationWeight} × p99 inflation (how far a cell's p${h.quantile * 100} repetition p99 lies above its median, median over cells with 3+ repetitions), capped at ${h.maxPct}%. Dedicated tiers: none. tiers[].cpuHeadroomPct overrides; headroom: changes the weights.`,
    'Packing: first-fit decreasing over CPU, memory and pod slots (largest share of a node first), with and without the mesh on the same node plan. Binding resource = the one most used across the packed nodes.',
    controlPlane.length
      ? `With the mesh, the control plane is packed too: ${controlPlane.map((p) => `${p.name} ×${p.replicas} (${p.cpuMillicores}m, ${Math.round(p.memoryBytes / mebibyte)} MiB, ${p.source})`).join(', ')}.`
      : 'No control plane is packed (mesh.controlPlane is empty).',
    inventory.mesh.sidecarRequests
      ? `Sidecar requests from the inventory (${inventory.mesh.sidecarRequests.cpuMillicores}m, ${inventory.mesh.sidecarRequests.memoryMiB} MiB) are a floor: the scheduler reserves max(request, measured use).`
      : 'Sidecars are packed at what they use, as if their requests were set to it; a mesh that injects fixed requests (Istio: 100m, 128 MiB) reserves those instead: set mesh.sidecarRequests.',
    `Published figures (variants istio-sidecar and istio-ambient, and istiod unless mesh.controlPlane is set) come from ${publishedSource}: a sidecar 0.20 vCPU and 60 MB, a ztunnel 0.06 vCPU and 12 MB per 1,000 req/s through it, istiod 1 vCPU and 1.5 GB. Two proxies per edge; memory taken as flat per proxy (it depends on configuration, not rate); ambient's ztunnel CPU travels with the pod's traffic, its memory sits on every node; waypoints are not modelled.`,
    'Cost per 1,000 req/s = monthly cost ÷ (peak req/s summed over services ÷ 1,000); internal calls count as traffic.',
    'Mesh tax = nodes (and money) with the mesh minus without it on the same node plan; the cheapest-plan table compares the cheapest plan with and the cheapest without.',
  ];
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

