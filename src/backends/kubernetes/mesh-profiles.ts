/**
 * How each mesh profile is switched on and tuned, by the mesh's own conventions (istio/api
 * labels.yaml and annotations.yaml, linkerd.io proxy-configuration docs). Every profile
 * states its opt-outs too, so a `none` namespace stays out of whatever mesh the cluster runs.
 */
import type { MeshProfile, ProxyResources } from './scenario-extension.js';

export interface MeshVariant {
  mesh: MeshProfile;
  waypoint?: boolean;
  workers: number;
  proxyResources?: ProxyResources;
  loadgenInMesh: boolean;
}

export interface Metadata {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export const waypointName = 'waypoint';

const istioOut = { 'istio-injection': 'disabled', 'istio.io/dataplane-mode': 'none' };
const linkerdOut = { 'linkerd.io/inject': 'disabled' };

/** Labels and annotations of the variant namespace. */
export function namespaceMeshMetadata(variant: MeshVariant, istioRevision?: string): Metadata {
  switch (variant.mesh) {
    case 'istio-sidecar':
      return {
        // istio-injection wins over istio.io/rev when both are set, so only one is written.
        labels: istioRevision ? { 'istio.io/rev': istioRevision, 'istio.io/dataplane-mode': 'none' } : { 'istio-injection': 'enabled', 'istio.io/dataplane-mode': 'none' },
        annotations: linkerdOut,
      };
    case 'istio-ambient':
      return {
        labels: {
          'istio-injection': 'disabled',
          'istio.io/dataplane-mode': 'ambient',
          ...(variant.waypoint ? { 'istio.io/use-waypoint': waypointName } : {}),
        },
        annotations: linkerdOut,
      };
    case 'linkerd':
      return { labels: istioOut, annotations: { 'linkerd.io/inject': 'enabled' } };
    case 'none':
    case 'envoy':
      return { labels: istioOut, annotations: linkerdOut };
  }
}

/** Whole cores for Linkerd's proxy-cpu-limit; without a limit linkerd-proxy runs one worker. */
function linkerdCpuLimit(variant: MeshVariant): string {
  return variant.proxyResources?.cpuLimit ?? String(variant.workers);
}

/** Pod labels and annotations of a meshed workload (a service, or the load Job when in the mesh). */
function meshedPodMetadata(variant: MeshVariant): Metadata {
  const r = variant.proxyResources ?? {};
  switch (variant.mesh) {
    case 'istio-sidecar':
      return {
        labels: { 'sidecar.istio.io/inject': 'true' },
        annotations: {
          // Native sidecar: a Job's pod completes when its main container does.
          'sidecar.istio.io/nativeSidecar': 'true',
          'proxy.istio.io/config': JSON.stringify({ concurrency: variant.workers }),
          ...(r.cpuRequest ? { 'sidecar.istio.io/proxyCPU': r.cpuRequest } : {}),
          ...(r.cpuLimit ? { 'sidecar.istio.io/proxyCPULimit': r.cpuLimit } : {}),
          ...(r.memoryRequest ? { 'sidecar.istio.io/proxyMemory': r.memoryRequest } : {}),
          ...(r.memoryLimit ? { 'sidecar.istio.io/proxyMemoryLimit': r.memoryLimit } : {}),
        },
      };
    case 'istio-ambient':
      return { labels: { 'istio.io/dataplane-mode': 'ambient' }, annotations: {} };
    case 'linkerd':
      return {
        labels: {},
        annotations: {
          'linkerd.io/inject': 'enabled',
          'config.alpha.linkerd.io/proxy-enable-native-sidecar': 'true',
          'config.linkerd.io/proxy-cpu-limit': linkerdCpuLimit(variant),
          ...(r.cpuRequest ? { 'config.linkerd.io/proxy-cpu-request': r.cpuRequest } : {}),
          ...(r.memoryRequest ? { 'config.linkerd.io/proxy-memory-request': r.memoryRequest } : {}),
          ...(r.memoryLimit ? { 'config.linkerd.io/proxy-memory-limit': r.memoryLimit } : {}),
        },
      };
    case 'none':
    case 'envoy':
      return outOfMeshPodMetadata();
  }
}

/** Every mesh's opt-out at once: the pod is never injected or captured. */
export function outOfMeshPodMetadata(): Metadata {
  return { labels: { 'sidecar.istio.io/inject': 'false', 'istio.io/dataplane-mode': 'none' }, annotations: { ...linkerdOut } };
}

export function servicePodMeshMetadata(variant: MeshVariant): Metadata {
  return meshedPodMetadata(variant);
}

export function loadgenPodMeshMetadata(variant: MeshVariant): Metadata {
  return variant.loadgenInMesh ? meshedPodMetadata(variant) : outOfMeshPodMetadata();
}

/** Names of the proxy containers a meshed pod gets (injected by the mesh or by meshbench). */
export function proxyContainerNames(mesh: MeshProfile): string[] {
  switch (mesh) {
    case 'istio-sidecar':
      return ['istio-proxy'];
    case 'linkerd':
      return ['linkerd-proxy'];
    case 'envoy':
      return ['envoy'];
    case 'istio-ambient':
    case 'none':
      return [];
  }
}

/** What preflight looks for before anything is created. */
export interface MeshRequirement {
  /** apiVersion (group/version) → kinds that must be served (the mesh's CRDs). */
  apis: Record<string, string[]>;
  /** MutatingWebhookConfigurations whose name contains one of these (the injector). */
  injectorWebhooks: string[];
  /** A DaemonSet with this label selector must exist (ambient's ztunnel). */
  daemonSetSelector?: string;
  install: string;
}

export function meshRequirement(variant: Pick<MeshVariant, 'mesh' | 'waypoint'>, usesIstioPolicy: boolean): MeshRequirement | null {
  const istioApis = {
    'security.istio.io/v1': ['PeerAuthentication'],
    'networking.istio.io/v1': ['VirtualService', 'DestinationRule'],
  };
  switch (variant.mesh) {
    case 'istio-sidecar':
      return { apis: istioApis, injectorWebhooks: ['istio-sidecar-injector', 'istio-revision-tag'], install: 'istioctl install --set profile=default' };
    case 'istio-ambient':
      return {
        apis: { ...(usesIstioPolicy ? istioApis : { 'security.istio.io/v1': ['PeerAuthentication'] }), ...(variant.waypoint ? { 'gateway.networking.k8s.io/v1': ['Gateway'] } : {}) },
        injectorWebhooks: [],
        daemonSetSelector: 'app=ztunnel',
        install: `istioctl install --set profile=ambient${variant.waypoint ? ' (and the Gateway API CRDs for the waypoint)' : ''}`,
      };
    case 'linkerd':
      return { apis: { 'policy.linkerd.io/v1beta3': ['Server'] }, injectorWebhooks: ['linkerd-proxy-injector'], install: 'linkerd install --crds | kubectl apply -f - && linkerd install | kubectl apply -f -' };
    case 'none':
    case 'envoy':
      return null;
  }
}
