/**
 * The zod pieces a scenario needs for `backend: kubernetes`: per tier a kube context and/or
 * node selector, per variant a mesh profile with its policy and proxy resources, and a
 * top-level `kubernetes` block (images, namespace prefix). They are exported one by one so
 * src/scenario/schema.ts can merge them; this file imports nothing from it, so the merge
 * makes no import cycle. Until then kubernetes-scenario.ts composes them with the base
 * schema's pieces.
 */
import { z } from 'zod';

export const dnsLabel = z
  .string()
  .regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lower-case letters, digits and "-", starting with a letter');

export const meshProfiles = ['none', 'istio-sidecar', 'istio-ambient', 'linkerd', 'envoy'] as const;
export type MeshProfile = (typeof meshProfiles)[number];

/** Kubernetes resource quantity (CPU "500m", "2"; memory "128Mi"). */
const quantity = z.string().regex(/^\d+(\.\d+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/, 'must be a Kubernetes quantity like 500m, 2, 128Mi');

/** Label keys/values as Kubernetes accepts them (prefix/name ≤ 63, value ≤ 63). */
const labelKey = z
  .string()
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'must be a label key like node.kubernetes.io/instance-type');
const labelValue = z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, 'must be a label value (≤ 63 letters, digits, "-", "_", ".")');
export const nodeSelectorSchema = z.record(labelKey, labelValue);

/**
 * Timeouts and retries use the base schema's `policy` shape (timeoutMs, retries.attempts,
 * retries.perTryTimeoutMs): an Istio VirtualService on istio-* meshes, the Envoy generator's
 * route policy on mesh: envoy. Only the Istio-specific objects are new here.
 */
export const routePolicySchema = z.strictObject({
  timeoutMs: z.number().int().positive().describe('Route timeout, like an Istio VirtualService `timeout`.'),
  retries: z.strictObject({
    attempts: z.number().int().min(0).max(10),
    perTryTimeoutMs: z.number().int().positive(),
  }),
});
export type RoutePolicy = z.infer<typeof routePolicySchema>;

export const peerAuthenticationModes = ['STRICT', 'PERMISSIVE'] as const;

export const destinationRuleSchema = z.strictObject({
  loadBalancer: z.enum(['LEAST_REQUEST', 'ROUND_ROBIN', 'RANDOM', 'PASSTHROUGH']).optional(),
  tlsMode: z.enum(['ISTIO_MUTUAL', 'DISABLE']).optional(),
  maxConnections: z.number().int().min(1).optional(),
});
export type DestinationRulePolicy = z.infer<typeof destinationRuleSchema>;

export const proxyResourcesSchema = z.strictObject({
  cpuRequest: quantity.optional(),
  cpuLimit: quantity.optional(),
  memoryRequest: quantity.optional(),
  memoryLimit: quantity.optional(),
});
export type ProxyResources = z.infer<typeof proxyResourcesSchema>;

/** Fields a variant gets for `backend: kubernetes` (merge into variantSchema's object). */
export const kubernetesVariantShape = {
  mesh: z.enum(meshProfiles).optional().describe('Kubernetes: none (the baseline), istio-sidecar, istio-ambient, linkerd, or envoy (meshbench injects an Envoy sidecar itself).'),
  waypoint: z.boolean().optional().describe('Kubernetes, istio-ambient: add a waypoint proxy (L7) for the variant namespace.'),
  peerAuthentication: z.enum(peerAuthenticationModes).optional().describe('Kubernetes, istio-*: PeerAuthentication mTLS mode for the variant namespace.'),
  destinationRule: destinationRuleSchema.optional().describe('Kubernetes, istio-*: a DestinationRule per service.'),
  proxyResources: proxyResourcesSchema.optional().describe('Kubernetes: the proxy container resources (Istio/Linkerd annotations; the envoy container).'),
  loadgenInMesh: z.boolean().optional().describe('Kubernetes: put the load Job in the mesh too (client-side proxy measured). Default true for mesh variants.'),
} as const;

/** Fields a tier gets for `backend: kubernetes` (merge into tierSchema's object). */
export const kubernetesTierShape = {
  context: z.string().min(1).optional().describe('Kubernetes: kubeconfig context of this tier (default: the current context or --context).'),
  nodeSelector: nodeSelectorSchema.optional().describe('Kubernetes: nodes the services of this tier run on.'),
  loadNodeSelector: nodeSelectorSchema.optional().describe('Kubernetes: nodes the load Job may run on (never the service node).'),
} as const;

export const defaultAgentImage = 'node:22-alpine';
export const defaultEnvoyImage = 'envoyproxy/envoy:v1.34.1';

export const kubernetesSettingsSchema = z.strictObject({
  namespacePrefix: z
    .string()
    .regex(/^[a-z]([-a-z0-9]{0,18}[a-z0-9])?$/, 'must be a short DNS label (≤ 20 characters)')
    .default('meshbench')
    .describe('Namespaces are <prefix>-<run>-<variant>.'),
  images: z
    .strictObject({
      agent: z.string().min(1).default(defaultAgentImage).describe('Stock Node image the bundled agents run in (override for air-gapped registries).'),
      envoy: z.string().min(1).default(defaultEnvoyImage).describe('Image of the Envoy sidecar for `mesh: envoy`.'),
    })
    .default({ agent: defaultAgentImage, envoy: defaultEnvoyImage }),
  istioRevision: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).optional().describe('Label namespaces istio.io/rev=<this> instead of istio-injection=enabled.'),
  readyTimeoutSeconds: z.number().positive().max(3600).default(300).describe('How long deployments, the sampler and each load pod may take to start.'),
});
export type KubernetesSettings = z.output<typeof kubernetesSettingsSchema>;

/** Cross-field rules of a Kubernetes scenario; call from the merged schema's superRefine. */
export function checkKubernetesVariants(
  variants: readonly {
    name: string;
    mesh?: MeshProfile;
    copyOf?: string;
    waypoint?: boolean;
    policy?: RoutePolicy;
    peerAuthentication?: string;
    destinationRule?: DestinationRulePolicy;
    mode?: string;
    proxyResources?: ProxyResources;
  }[],
  ctx: z.RefinementCtx,
): void {
  const baselines = variants.filter((v) => v.mesh === 'none' && !v.copyOf);
  if (baselines.length !== 1)
    ctx.addIssue({ code: 'custom', path: ['variants'], message: `exactly one variant must have mesh: none (the baseline overhead is measured against); found ${baselines.length}` });
  variants.forEach((v, i) => {
    const at = (...p: (string | number)[]) => ['variants', i, ...p];
    if (v.copyOf) {
      if (v.mesh) ctx.addIssue({ code: 'custom', path: at('mesh'), message: 'a copy deploys the variant it copies; leave mesh out' });
      return;
    }
    if (!v.mesh) return ctx.addIssue({ code: 'custom', path: at('mesh'), message: 'missing mesh: none, istio-sidecar, istio-ambient, linkerd or envoy' });
    const mesh = v.mesh;
    const istio = mesh === 'istio-sidecar' || mesh === 'istio-ambient';
    if (v.waypoint && mesh !== 'istio-ambient') ctx.addIssue({ code: 'custom', path: at('waypoint'), message: 'a waypoint needs mesh: istio-ambient' });
    if (v.mode && mesh !== 'envoy') ctx.addIssue({ code: 'custom', path: at('mode'), message: '"mode" applies to mesh: envoy only (the other meshes choose their own)' });
    if (v.proxyResources && mesh === 'none') ctx.addIssue({ code: 'custom', path: at('proxyResources'), message: 'mesh: none has no proxy to give resources to' });
    for (const key of ['peerAuthentication', 'destinationRule'] as const)
      if (v[key] && !istio) ctx.addIssue({ code: 'custom', path: at(key), message: `${key} is an Istio object; mesh: ${mesh} cannot apply it` });
    if (v.policy && !istio && mesh !== 'envoy') ctx.addIssue({ code: 'custom', path: at('policy'), message: `timeouts and retries need an Istio mesh or mesh: envoy; mesh: ${mesh} cannot apply them` });
    if (v.policy && mesh === 'envoy' && v.mode === 'tcp') ctx.addIssue({ code: 'custom', path: at('policy'), message: 'timeouts and retries need mode: http' });
    if (mesh === 'istio-ambient' && (v.policy || v.destinationRule) && !v.waypoint)
      ctx.addIssue({ code: 'custom', path: at(v.policy ? 'policy' : 'destinationRule'), message: 'in ambient mode L7 policy (timeout, retries, DestinationRule) needs waypoint: true' });
  });
}

/** The baseline of a Kubernetes scenario (the report needs this instead of "no proxy"). */
export function isKubernetesBaseline(v: { mesh?: MeshProfile; copyOf?: string }): boolean {
  return v.mesh === 'none' && !v.copyOf;
}
