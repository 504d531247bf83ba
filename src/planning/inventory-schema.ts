/**
 * The inventory: what a user runs (services with replicas, peak rate and the app's own
 * requests) and where they could run it (node plans per hosting tier, with prices). One zod
 * schema gives the types, the validation with file:line:col errors (src/config/yaml-file.ts)
 * and the JSON Schema for editors. Nothing here defaults to a zero that could hide a
 * forgotten figure: a service's rate, a node's reserve and a tier's sharing are required.
 */
import { z } from 'zod';

const dnsLabel = z
  .string()
  .regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lower-case letters, digits and "-", starting with a letter');

export const resourcesSchema = z.strictObject({
  cpuMillicores: z.number().min(0).describe('CPU in millicores (1000 = one vCPU).'),
  memoryMiB: z.number().min(0).describe('Memory in MiB.'),
});
export type Resources = z.output<typeof resourcesSchema>;

export const inventoryServiceSchema = z.strictObject({
  name: dnsLabel,
  replicas: z.number().int().min(1).max(10_000),
  peakRps: z
    .number()
    .min(0)
    .describe('Requests per second into the service at peak, over all its replicas. 0 is allowed (no traffic), but must be written.'),
  cpuMillicores: z.number().min(0).describe("The app container's CPU request per pod, in millicores."),
  memoryMiB: z.number().min(0).describe("The app container's memory request per pod, in MiB."),
  meshed: z.boolean().default(true).describe('false for pods the mesh leaves out (e.g. a database): they get no sidecar.'),
});
export type InventoryService = z.output<typeof inventoryServiceSchema>;

export const nodePlanSchema = z.strictObject({
  name: dnsLabel,
  description: z.string().optional(),
  vcpu: z.number().positive().max(1024),
  memoryGiB: z.number().positive().max(65_536),
  pricePerMonth: z.number().min(0).describe('Price of one node per month, in the inventory currency.'),
  maxPods: z.number().int().min(1).max(10_000).default(110).describe('Pods per node (Kubernetes default 110), DaemonSets included.'),
  reserve: resourcesSchema.optional().describe('Kubelet and system reserve of this plan; overrides the inventory nodeReserve.'),
});
export type NodePlan = z.output<typeof nodePlanSchema>;

export const inventoryTierSchema = z.strictObject({
  name: dnsLabel.describe('Tier label, matched against the tier of the result folders.'),
  description: z.string().optional(),
  shared: z.boolean().describe('Shared vCPU (noisy neighbours, steal): the headroom rule applies.'),
  costsFrom: z
    .string()
    .optional()
    .describe('Take sidecar costs from another measured tier, or "published" for Istio\'s published figures. Default: this tier\'s own results.'),
  cpuHeadroomPct: z.number().min(0).max(90).optional().describe('CPU kept free on every node; overrides the headroom rule for this tier.'),
  nodePlans: z.array(nodePlanSchema).min(1),
});
export type InventoryTier = z.output<typeof inventoryTierSchema>;

export const meshPodSchema = z.strictObject({
  name: dnsLabel,
  replicas: z.number().int().min(1).max(100).default(1),
  cpuMillicores: z.number().min(0),
  memoryMiB: z.number().min(0),
});

export const agentSchema = z.strictObject({
  name: dnsLabel,
  cpuMillicores: z.number().min(0),
  memoryMiB: z.number().min(0),
});

export const headroomRuleSchema = z.strictObject({
  quantile: z
    .number()
    .gt(0)
    .max(1)
    .default(0.9)
    .describe("Which quantile of the tier's per-trial steal and foreign CPU to reserve (0.9: a bad-but-not-worst trial)."),
  stealWeight: z.number().min(0).default(1),
  foreignCpuWeight: z.number().min(0).default(1),
  p99InflationWeight: z
    .number()
    .min(0)
    .default(0.25)
    .describe('Percent of CPU kept free per percent by which a bad repetition\'s p99 exceeds the typical one on this tier.'),
  maxPct: z.number().min(0).max(90).default(50),
});
export type HeadroomRule = z.output<typeof headroomRuleSchema>;

export const defaultHeadroomRule: HeadroomRule = { quantile: 0.9, stealWeight: 1, foreignCpuWeight: 1, p99InflationWeight: 0.25, maxPct: 50 };

export const inventorySchema = z
  .strictObject({
    name: dnsLabel,
    description: z.string().optional(),
    currency: z.string().regex(/^[A-Z]{3}$/, 'a three-letter currency code such as EUR or USD'),
    services: z.array(inventoryServiceSchema).min(1),
    tiers: z.array(inventoryTierSchema).min(1),
    nodeReserve: resourcesSchema.optional().describe('Kubelet and system reserve per node, for plans without their own.'),
    daemonSets: z.array(agentSchema).default([]).describe('Pods on every node with or without the mesh (CNI, kube-proxy, log shipper).'),
    targetUtilizationPct: z
      .strictObject({
        cpu: z.number().gt(0).max(100).default(70),
        memory: z.number().gt(0).max(100).default(85),
      })
      .default({ cpu: 70, memory: 85 })
      .describe('Fill nodes only this far, of what is left after reserves and DaemonSets.'),
    headroom: headroomRuleSchema.default(defaultHeadroomRule).describe('Extra CPU kept free on shared tiers, from what was measured there.'),
    mesh: z
      .strictObject({
        variants: z
          .array(dnsLabel)
          .min(1)
          .optional()
          .describe('Variants to plan for: measured names, or istio-sidecar / istio-ambient (published figures). Default: every measured one.'),
        controlPlane: z.array(meshPodSchema).optional().describe("Control-plane pods. Default: istiod at Istio's published 1 vCPU and 1.5 GB."),
        perNodeAgents: z.array(agentSchema).default([]).describe('Mesh pods on every node (e.g. istio-cni); ambient adds its ztunnel itself.'),
        sidecarRequests: resourcesSchema
          .optional()
          .describe('Requests the mesh injects into every sidecar (Istio default 100m, 128Mi): the scheduler reserves max(request, use).'),
      })
      .default({ perNodeAgents: [] }),
    slo: z
      .strictObject({
        latencyP99Ms: z.number().positive(),
        capacityPerPodRps: z
          .array(z.strictObject({ tier: dnsLabel, variant: dnsLabel, rps: z.number().positive() }))
          .default([])
          .describe('Highest req/s one pod (with its sidecar) served within latencyP99Ms, per tier and variant. Result records do not carry it yet.'),
      })
      .optional(),
  })
  .superRefine((inv, ctx) => {
    duplicates(inv.services.map((s) => s.name)).forEach((i) => ctx.addIssue({ code: 'custom', path: ['services', i, 'name'], message: `duplicate service "${inv.services[i].name}"` }));
    duplicates(inv.tiers.map((t) => t.name)).forEach((i) => ctx.addIssue({ code: 'custom', path: ['tiers', i, 'name'], message: `duplicate tier "${inv.tiers[i].name}"` }));
    inv.tiers.forEach((tier, t) => {
      duplicates(tier.nodePlans.map((p) => p.name)).forEach((i) =>
        ctx.addIssue({ code: 'custom', path: ['tiers', t, 'nodePlans', i, 'name'], message: `duplicate node plan "${tier.nodePlans[i].name}"` }),
      );
      tier.nodePlans.forEach((plan, i) => {
        const where = ['tiers', t, 'nodePlans', i];
        const reserve = plan.reserve ?? inv.nodeReserve;
        if (!reserve) {
          ctx.addIssue({ code: 'custom', path: where, message: `node plan "${plan.name}" has no reserve: set its "reserve" or the inventory's "nodeReserve"` });
          return;
        }
        const daemonCpu = sum(inv.daemonSets.map((d) => d.cpuMillicores));
        const daemonMemory = sum(inv.daemonSets.map((d) => d.memoryMiB));
        if (reserve.cpuMillicores + daemonCpu >= plan.vcpu * 1000)
          ctx.addIssue({ code: 'custom', path: [...where, 'vcpu'], message: `reserve and DaemonSets take all ${plan.vcpu} vCPU of "${plan.name}"` });
        if (reserve.memoryMiB + daemonMemory >= plan.memoryGiB * 1024)
          ctx.addIssue({ code: 'custom', path: [...where, 'memoryGiB'], message: `reserve and DaemonSets take all ${plan.memoryGiB} GiB of "${plan.name}"` });
        if (inv.daemonSets.length >= plan.maxPods)
          ctx.addIssue({ code: 'custom', path: [...where, 'maxPods'], message: `${inv.daemonSets.length} DaemonSets fill all ${plan.maxPods} pod slots of "${plan.name}"` });
      });
    });
    const variants = inv.mesh.variants ?? [];
    duplicates(variants).forEach((i) => ctx.addIssue({ code: 'custom', path: ['mesh', 'variants', i], message: `"${variants[i]}" is listed twice` }));
    const tierNames = new Set(inv.tiers.map((t) => t.name));
    inv.slo?.capacityPerPodRps.forEach((c, i) => {
      if (!tierNames.has(c.tier)) ctx.addIssue({ code: 'custom', path: ['slo', 'capacityPerPodRps', i, 'tier'], message: `unknown tier "${c.tier}"` });
    });
  });

export type Inventory = z.output<typeof inventorySchema>;
export type InventoryInput = z.input<typeof inventorySchema>;

/** JSON Schema for editors; `io: 'input'` so fields with defaults are not marked required. */
export function inventoryJsonSchema(): object {
  return z.toJSONSchema(inventorySchema, { target: 'draft-2020-12', io: 'input' });
}

function duplicates(names: readonly string[]): number[] {
  const seen = new Set<string>();
  const repeated: number[] = [];
  names.forEach((name, i) => {
    if (seen.has(name)) repeated.push(i);
    seen.add(name);
  });
  return repeated;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
