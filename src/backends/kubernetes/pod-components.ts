/**
 * What is measured in a variant's pods: the app and load containers and every proxy, each
 * by its container id (the key of its cgroup on the node), named by the logical pod (the
 * service, or `loadgen`) so records compare across variants whatever the pod's random name.
 * Also the proof that the mesh took hold of the pods, recorded as the trial's verification.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Probe, ProcessRole, Verification } from '../../results/schema.js';
import { containerIdFromStatus } from './cgroup-containers.js';
import { proxyContainerNames } from './mesh-profiles.js';
import type { MeshProfile } from './scenario-extension.js';

export interface ContainerComponent {
  name: string;
  role: ProcessRole;
  pod: string;
  program: string;
  containerId: string | null;
  node: string;
}

const programs: Record<string, string> = { 'istio-proxy': 'envoy', envoy: 'envoy', 'linkerd-proxy': 'linkerd2-proxy', app: 'node', load: 'node' };

/** Sidecars: containers the mesh or meshbench added, native (restartable init) or classic. */
function isProxy(container: string, mesh: MeshProfile): boolean {
  return proxyContainerNames(mesh).includes(container) || container === 'istio-proxy' || container === 'linkerd-proxy';
}

export function podComponents(pod: k8s.V1Pod, logicalPod: string, mainRole: 'app' | 'loadgen', mesh: MeshProfile): ContainerComponent[] {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const restartable = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name);
  const names = [...restartable, ...(pod.spec?.containers ?? []).map((c) => c.name)];
  return names.map((container) => ({
    name: `${logicalPod}/${container}`,
    role: isProxy(container, mesh) ? 'proxy' : mainRole,
    pod: logicalPod,
    program: programs[container] ?? container,
    containerId: containerIdFromStatus(statuses.find((s) => s.name === container)?.containerID),
    node: pod.spec?.nodeName ?? 'unknown',
  }));
}

/** Ambient mode's node proxy (ztunnel) on the given nodes, as proxy components. */
export function ztunnelComponents(pods: k8s.V1Pod[], nodes: ReadonlySet<string>): ContainerComponent[] {
  return pods
    .filter((p) => nodes.has(p.spec?.nodeName ?? ''))
    .flatMap((p) =>
      (p.status?.containerStatuses ?? []).map((s) => ({
        name: `ztunnel@${p.spec?.nodeName}/${s.name}`,
        role: 'proxy' as const,
        pod: `ztunnel@${p.spec?.nodeName}`,
        program: 'ztunnel',
        containerId: containerIdFromStatus(s.containerID),
        node: p.spec?.nodeName ?? 'unknown',
      })),
    );
}

/**
 * Did the mesh take hold? Sidecar profiles: every service pod runs the proxy container; the
 * ambient profile: Istio's CNI marked every pod as redirected; none: no proxy was injected.
 */
export function verifyMeshPods(mesh: MeshProfile, pods: { service: string; pod: k8s.V1Pod }[]): Verification {
  const probes: Probe[] = pods.map(({ service, pod }) => {
    const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name);
    if (mesh === 'istio-ambient') {
      const redirected = pod.metadata?.annotations?.['ambient.istio.io/redirection'] === 'enabled';
      return { name: `${service}: ambient redirection`, expect: 'accepted', passed: redirected, outcome: redirected ? 'ambient.istio.io/redirection: enabled' : 'the pod is not captured by ztunnel', appReached: false };
    }
    const expected = proxyContainerNames(mesh);
    if (expected.length === 0) {
      const injected = containers.filter((c) => c === 'istio-proxy' || c === 'linkerd-proxy');
      return { name: `${service}: no mesh proxy`, expect: 'rejected', passed: injected.length === 0, outcome: injected.length ? `injected anyway: ${injected.join(', ')}` : 'no proxy container', appReached: false };
    }
    const missing = expected.filter((c) => !containers.includes(c));
    return { name: `${service}: ${expected.join(', ')} injected`, expect: 'accepted', passed: missing.length === 0, outcome: missing.length ? `missing ${missing.join(', ')}` : `containers: ${containers.join(', ')}`, appReached: false };
  });
  return {
    passed: probes.every((p) => p.passed),
    probes,
    notes: ['On Kubernetes meshbench checks that the mesh took hold of every service pod (injected proxy, or ambient redirection); it does not probe mTLS enforcement itself.'],
  };
}
