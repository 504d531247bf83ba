/**
 * The interim Kubernetes scenario schema: the base schema's pieces plus the pieces of
 * scenario-extension.ts, with the base schema's own cross-field checks (duplicate names,
 * unknown callees, call cycles, A/A copies) run by parsing a local-shaped view of the same
 * scenario. Tests and run-kubernetes.ts parse with it until src/scenario/schema.ts merges the
 * pieces; then the merged Scenario type replaces KubernetesScenario here.
 */
import { z } from 'zod';
import { loadYamlFile, parseYamlText } from '../../config/yaml-file.js';
import { closedLoadSchema, flagLimitsSchema, quiescenceSchema, scenarioSchema, serviceSchema, sloSchema } from '../../scenario/schema.js';
import {
  checkKubernetesVariants,
  defaultAgentImage,
  defaultEnvoyImage,
  dnsLabel,
  kubernetesSettingsSchema,
  kubernetesTierShape,
  kubernetesVariantShape,
  routePolicySchema,
  type MeshProfile,
} from './scenario-extension.js';

export const kubernetesVariantSchema = z
  .strictObject({
    name: dnsLabel,
    workers: z.number().int().min(1).max(64).default(2).describe('Proxy worker threads: Istio concurrency, Linkerd proxy-cpu-limit (whole cores), Envoy --concurrency.'),
    mode: z.enum(['tcp', 'http']).optional().describe('mesh envoy only: L4 or L7 sidecars.'),
    policy: routePolicySchema.optional().describe('Timeout and retries (Istio VirtualService; the Envoy route policy).'),
    copyOf: dnsLabel.optional().describe('A/A check: deploy exactly the named variant again under this name.'),
    injectDelayMs: z.number().min(0).max(60_000).default(0),
    ...kubernetesVariantShape,
  })
  .transform((v) => ({ ...v, mode: v.mesh === 'envoy' ? (v.mode ?? 'http') : undefined, loadgenInMesh: !v.mesh || v.mesh === 'none' ? false : (v.loadgenInMesh ?? true) }));

export const kubernetesTierSchema = z.strictObject({
  name: dnsLabel,
  description: z.string().optional(),
  ...kubernetesTierShape,
});

/**
 * The composed schema (interim, until schema.ts merges the pieces). The base schema's own
 * cross-field checks (duplicate names, unknown callees, call cycles, duplicate tiers) are
 * run by parsing a local-shaped view of the same scenario with it.
 */
export const kubernetesScenarioSchema = z
  .strictObject({
    name: dnsLabel,
    description: z.string().optional(),
    backend: z.literal('kubernetes'),
    namespace: dnsLabel.default('default').describe('Unused on Kubernetes (every variant gets its own namespace).'),
    topology: z.strictObject({ services: z.array(serviceSchema).min(1), entry: dnsLabel.optional() }),
    variants: z.array(kubernetesVariantSchema).min(1),
    load: closedLoadSchema,
    repetitions: z.number().int().min(1).max(1000).default(3),
    tiers: z.array(kubernetesTierSchema).min(1).default([{ name: 'cluster' }]),
    quiescence: quiescenceSchema.default({ foreignCpuLimitPct: 10, maxWaitSeconds: 5 }),
    flagLimits: flagLimitsSchema.default(() => flagLimitsSchema.parse({})),
    slo: sloSchema.optional(),
    seed: z.number().int().min(0).optional(),
    kubernetes: kubernetesSettingsSchema.default({ namespacePrefix: 'meshbench', images: { agent: defaultAgentImage, envoy: defaultEnvoyImage }, readyTimeoutSeconds: 300 }),
  })
  .superRefine((s, ctx) => {
    const localView = {
      name: s.name,
      topology: s.topology,
      variants: s.variants.map((v) => (v.copyOf ? { name: v.name, copyOf: v.copyOf } : v.mesh === 'none' ? { name: v.name } : { name: v.name, proxy: 'envoy' })),
      load: s.load,
      tiers: s.tiers.map((t) => ({ name: t.name })),
    };
    const base = scenarioSchema.safeParse(localView);
    if (!base.success) for (const issue of base.error.issues) if (!(issue.path.length === 1 && issue.path[0] === 'variants')) ctx.addIssue({ code: 'custom', path: issue.path as (string | number)[], message: issue.message });
    checkKubernetesVariants(s.variants, ctx);
    // The load Job has one load container, and pods get no `go` to start several at once.
    if (s.load.processes > 1)
      ctx.addIssue({ code: 'custom', path: ['load', 'processes'], message: 'backend: kubernetes runs one load-driver process per trial; processes > 1 works on the local backend only' });
  });

export type KubernetesScenario = z.output<typeof kubernetesScenarioSchema>;
export type KubernetesVariant = KubernetesScenario['variants'][number];
export type KubernetesTier = KubernetesScenario['tiers'][number];
/** A variant as deployed: a copy (A/A) is its original under its own name. */
export type DeployedVariant = KubernetesVariant & { mesh: MeshProfile };

export function effectiveKubernetesVariant(s: Pick<KubernetesScenario, 'variants'>, v: KubernetesVariant): DeployedVariant {
  const original = v.copyOf ? s.variants.find((o) => o.name === v.copyOf) : v;
  if (!original?.mesh) throw new Error(`variant ${v.name} has no mesh (the schema should have refused it)`);
  return { ...original, name: v.name, copyOf: v.copyOf, injectDelayMs: v.injectDelayMs, mesh: original.mesh };
}

export function loadKubernetesScenarioFile(file: string): Promise<KubernetesScenario> {
  return loadYamlFile(file, kubernetesScenarioSchema, 'scenario');
}

export function parseKubernetesScenarioText(text: string, file = '<inline>'): KubernetesScenario {
  return parseYamlText(text, file, kubernetesScenarioSchema, 'scenario');
}
