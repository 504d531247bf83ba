/**
 * Everything one tier of a run creates, in apply order: per variant a namespace with the
 * agents ConfigMap, the services and the mesh policy; and one out-of-mesh namespace for the
 * node sampler. Per-trial load Jobs are built separately (load-job-manifest.ts).
 */
import { agentsConfigMap, type AgentBundles } from './agent-configmap.js';
import { renderPodEnvoyYaml } from './envoy-sidecar.js';
import { istioPolicyManifests } from './istio-policy-manifests.js';
import { loadgenPodName } from './load-job-manifest.js';
import type { KubeObject } from './manifest-checks.js';
import { namespaceMeshMetadata } from './mesh-profiles.js';
import { namespaceName } from './names.js';
import { nodeSamplerManifest } from './node-sampler-manifest.js';
import { effectiveKubernetesVariant, type DeployedVariant, type KubernetesScenario, type KubernetesTier, type KubernetesVariant } from './kubernetes-scenario.js';
import { entryServiceOf } from './topology.js';
import { envoyConfigMap, envoyPolicy, namespaceManifest, serviceWorkloadManifests, variantNamespaceManifest, type VariantContext } from './workload-manifests.js';

export const samplerIntervalMs = 1000;

export interface TierPlanInput {
  runId: string;
  scenario: KubernetesScenario;
  tier: KubernetesTier;
  bundles: AgentBundles;
}

export interface VariantManifests {
  variant: DeployedVariant;
  context: VariantContext;
  objects: KubeObject[];
}

export interface TierManifests {
  samplerNamespace: string;
  sampler: KubeObject[];
  variants: VariantManifests[];
  /** Every namespace of the tier, in creation order. */
  namespaces: string[];
}

export function variantContext(input: Omit<TierPlanInput, 'bundles'>, variant: KubernetesVariant): VariantContext {
  const settings = input.scenario.kubernetes;
  const deployed = effectiveKubernetesVariant(input.scenario, variant);
  return { runId: input.runId, tier: input.tier, variant: deployed, namespace: variantNamespace(input, variant.name), settings };
}

/** Tiers share nothing, so the tier's name is part of every namespace when there are several. */
function variantNamespace(input: Omit<TierPlanInput, 'bundles'>, suffix: string): string {
  const multiTier = input.scenario.tiers.length > 1;
  return namespaceName(input.scenario.kubernetes.namespacePrefix, input.runId, multiTier ? `${input.tier.name}-${suffix}` : suffix);
}

export function variantManifests(input: TierPlanInput, declared: KubernetesVariant): VariantManifests {
  const ctx = variantContext(input, declared);
  const variant = ctx.variant;
  const services = input.scenario.topology.services;
  const objects: KubeObject[] = [variantNamespaceManifest(ctx), agentsConfigMap({ namespace: ctx.namespace, runId: input.runId, tier: input.tier.name, bundles: input.bundles })];
  for (const service of services) objects.push(...serviceWorkloadManifests(ctx, service));
  if (variant.mesh === 'envoy' && variant.loadgenInMesh) {
    const yaml = renderPodEnvoyYaml({
      podName: loadgenPodName,
      namespace: ctx.namespace,
      mode: variant.mode ?? 'http',
      workers: variant.workers,
      inbound: false,
      calls: [entryServiceOf(input.scenario)],
      policy: envoyPolicy(variant.policy),
    });
    objects.push(envoyConfigMap(ctx, loadgenPodName, yaml, 'loadgen'));
  }
  objects.push(...istioPolicyManifests(ctx, services.map((s) => s.name)));
  return { variant: effectiveKubernetesVariant(input.scenario, declared), context: ctx, objects };
}

export function tierManifests(input: TierPlanInput): TierManifests {
  const samplerNamespace = variantNamespace(input, 'nodes');
  const outOfMesh = namespaceMeshMetadata({ mesh: 'none', workers: 1, loadgenInMesh: false });
  // hostPID and hostPath are refused under Pod Security's baseline and restricted levels.
  const samplerMeta = { ...outOfMesh, labels: { ...outOfMesh.labels, 'pod-security.kubernetes.io/enforce': 'privileged' } };
  const sampler = [
    namespaceManifest({ runId: input.runId, tier: input.tier, namespace: samplerNamespace }, 'sampler', samplerMeta),
    agentsConfigMap({ namespace: samplerNamespace, runId: input.runId, tier: input.tier.name, bundles: input.bundles }),
    nodeSamplerManifest({ runId: input.runId, tier: input.tier, namespace: samplerNamespace, image: input.scenario.kubernetes.images.agent, intervalMs: samplerIntervalMs }),
  ];
  const variants = input.scenario.variants.map((v) => variantManifests(input, v));
  return { samplerNamespace, sampler, variants, namespaces: [samplerNamespace, ...variants.map((v) => v.context.namespace)] };
}
