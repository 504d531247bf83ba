/**
 * The plan as data: what `meshbench plan` computes, before it is rendered as Markdown, JSON or
 * a chart. Money is in the inventory's currency per month; memory in bytes; CPU in millicores.
 */
import type { SloCheck } from './capacity-at-slo.js';
import type { ChosenCost, FigureSource, SidecarCostModel } from './cost-model.js';
import type { Headroom } from './headroom.js';
import type { NodeCapacity, Resource } from './packing.js';

export interface PackingSummary {
  feasible: boolean;
  nodes: number | null;
  binding: Resource | null;
  utilizationPct: Record<Resource, number> | null;
  monthlyCost: number | null;
  /** Monthly cost per 1,000 req/s of peak traffic (summed over services). */
  costPer1kRps: number | null;
  /** Why no number of nodes of this plan can hold the pods (a pod larger than a node). */
  infeasibleReason: string | null;
  /** What one node offers the packed pods. */
  nodeCapacity: NodeCapacity;
}

export interface MeshTax {
  nodes: number;
  /** Relative to the nodes without mesh. */
  pct: number;
  moneyPerMonth: number;
}

export interface VariantPlan {
  variant: string;
  withMesh: PackingSummary;
  /** The same with every sidecar figure at the top of its 95% interval. */
  withMeshAtUpperCi: PackingSummary;
  /** Null when either side does not fit on this node plan. */
  meshTax: MeshTax | null;
  slo: SloCheck;
}

export interface NodePlanResult {
  name: string;
  description: string | null;
  vcpu: number;
  memoryGiB: number;
  pricePerMonth: number;
  maxPods: number;
  reserve: { cpuMillicores: number; memoryBytes: number };
  withoutMesh: PackingSummary;
  sloWithoutMesh: SloCheck;
  variants: VariantPlan[];
}

export interface ServiceSidecarCost {
  service: string;
  replicas: number;
  perPodRps: number;
  /** The measured point (or published figure) used, per the level rule. */
  point: string;
  extrapolated: ChosenCost['extrapolated'];
  cpuMillicoresPerPod: number;
  cpuMillicoresPerPodHigh: number;
  memoryBytesPerPod: number;
  memoryBytesPerPodHigh: number;
  /** The inventory's sidecar requests raised the figure (the scheduler reserves the request). */
  raisedToRequest: boolean;
}

export interface MeshOverhead {
  /** On the cheapest node plan with the mesh. */
  nodePlan: string | null;
  nodes: number | null;
  sidecarCpuMillicores: number;
  sidecarMemoryBytes: number;
  controlPlaneCpuMillicores: number;
  controlPlaneMemoryBytes: number;
  /** Per-node mesh agents over all nodes of that plan. */
  agentsCpuMillicores: number;
  agentsMemoryBytes: number;
  totalCpuMillicores: number;
  totalMemoryBytes: number;
}

export interface CheapestChoice {
  variant: string;
  withoutMesh: { nodePlan: string; nodes: number; monthlyCost: number; binding: Resource } | null;
  withMesh: { nodePlan: string; nodes: number; monthlyCost: number; binding: Resource; costPer1kRps: number | null } | null;
  /** Cheapest with mesh minus cheapest without (they may be different node plans). */
  meshTaxMoneyPerMonth: number | null;
  meshTaxPct: number | null;
  slo: SloCheck | null;
  overhead: MeshOverhead;
}

export interface VariantCosts {
  variant: string;
  model: SidecarCostModel;
  /** Which figures are not measurements. */
  sources: { cpu: FigureSource[]; memory: FigureSource[] };
  services: ServiceSidecarCost[];
}

export interface TierPlan {
  tier: string;
  description: string | null;
  shared: boolean;
  /** A measured tier, or "published". */
  costsFrom: string;
  headroom: Headroom;
  variants: VariantCosts[];
  nodePlans: NodePlanResult[];
  cheapest: CheapestChoice[];
}

export interface ControlPlanePod {
  name: string;
  replicas: number;
  cpuMillicores: number;
  memoryBytes: number;
  source: 'published' | 'inventory';
}

export interface PlanResult {
  inventory: {
    name: string;
    description: string | null;
    file: string;
    currency: string;
    services: number;
    meshedServices: number;
    pods: number;
    meshedPods: number;
    peakRpsTotal: number;
    targetUtilizationPct: { cpu: number; memory: number };
    daemonSets: { name: string; cpuMillicores: number; memoryBytes: number }[];
    perNodeAgents: { name: string; cpuMillicores: number; memoryBytes: number }[];
    controlPlane: ControlPlanePod[];
    sidecarRequests: { cpuMillicores: number; memoryBytes: number } | null;
    sloLatencyP99Ms: number | null;
  };
  runs: { runId: string; dir: string; tiers: string[] }[];
  tiers: TierPlan[];
  /** Every rule the numbers depend on, in words. */
  rules: string[];
  warnings: string[];
}
