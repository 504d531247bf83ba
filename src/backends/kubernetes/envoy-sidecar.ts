/**
 * The `envoy` mesh profile: meshbench injects an Envoy sidecar itself, configured by the same
 * generator the local backend uses (src/proxies/envoy.ts), with no control plane. In a pod
 * the inbound listener must take traffic from other pods (0.0.0.0) while the outbound ones
 * stay on loopback, and upstreams are Services reached by DNS name, not loopback ports; the
 * generator speaks of one host and static endpoints, so its output is adjusted here and then
 * checked against Envoy's API like every generated config.
 */
import { stringify } from 'yaml';
import { envoyLaunchArgs, renderEnvoyBootstrap, type EnvoyOptions } from '../../proxies/envoy.js';
import { assertValidEnvoyBootstrap } from '../../proxies/envoy-validate.js';
import type { SidecarSpec } from '../../proxies/sidecar-spec.js';
import { serviceHost, servicePort } from './names.js';

/** Istio's ports, so dashboards and habits carry over. */
export const envoyAdminPort = 15000;
export const envoyOutboundBasePort = 15001;
/** Behind the sidecar the app listens here, on loopback only. */
export const appPortBehindEnvoy = 8081;
export const envoyConfigDir = '/etc/envoy';
export const envoyConfigFile = 'envoy.yaml';

export interface EnvoyPodSpec {
  podName: string;
  namespace: string;
  mode: 'tcp' | 'http';
  workers: number;
  /** Serve the pod's own app on servicePort (absent for the load Job). */
  inbound: boolean;
  /** Services this pod calls, each through its own loopback listener. */
  calls: string[];
  policy?: EnvoyOptions['policy'];
}

/** Loopback port of the outbound listener for the i-th callee. */
export function envoyOutboundPort(index: number): number {
  return envoyOutboundBasePort + index;
}

type Json = Record<string, unknown>;

export function renderPodEnvoyBootstrap(pod: EnvoyPodSpec): Json {
  const spec: SidecarSpec = {
    podName: pod.podName,
    mode: pod.mode,
    host: '127.0.0.1',
    workDir: '/tmp',
    inbound: pod.inbound ? { listenPort: servicePort, appPort: appPortBehindEnvoy } : undefined,
    outbound: pod.calls.map((service, i) => ({
      service,
      listenPort: envoyOutboundPort(i),
      upstreamPort: servicePort,
      upstreamDnsName: serviceHost(service, pod.namespace),
      upstreamSpiffeId: `spiffe://cluster.local/ns/${pod.namespace}/sa/${service}`,
    })),
    workers: pod.workers,
    adminPort: envoyAdminPort,
  };
  const bootstrap = renderEnvoyBootstrap(spec, pod.policy ? { policy: pod.policy } : {});
  const resources = bootstrap.static_resources as { listeners: Json[]; clusters: Json[] };
  for (const listener of resources.listeners) {
    if (listener.traffic_direction === 'INBOUND') listener.address = { socket_address: { address: '0.0.0.0', port_value: servicePort } };
  }
  pod.calls.forEach((service) => {
    const cluster = resources.clusters.find((c) => c.name === `outbound_${service.replace(/[^A-Za-z0-9_]/g, '_')}`);
    if (!cluster) throw new Error(`envoy bootstrap for ${pod.podName} has no cluster for ${service}`);
    // A Service's ClusterIP behind its DNS name; STRICT_DNS re-resolves it as kube-dns changes.
    cluster.type = 'STRICT_DNS';
    cluster.dns_lookup_family = 'V4_ONLY';
    cluster.load_assignment = {
      cluster_name: cluster.name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: serviceHost(service, pod.namespace), port_value: servicePort } } } }] }],
    };
  });
  assertValidEnvoyBootstrap(bootstrap, `pod ${pod.podName} in ${pod.namespace}`);
  return bootstrap;
}

export function renderPodEnvoyYaml(pod: EnvoyPodSpec): string {
  return `# meshbench envoy sidecar for ${pod.namespace}/${pod.podName}. Generated; do not edit.\n${stringify(renderPodEnvoyBootstrap(pod), { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

/** argv of the sidecar container (after the image's `envoy` entrypoint). */
export function envoyContainerArgs(workers: number): string[] {
  return envoyLaunchArgs({ configPath: `${envoyConfigDir}/${envoyConfigFile}`, baseId: 0, concurrency: workers });
}
