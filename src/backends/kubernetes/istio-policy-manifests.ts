/**
 * A variant's Istio policy as Istio objects (security.istio.io/v1 and networking.istio.io/v1,
 * served since Istio 1.22): a namespace-wide PeerAuthentication, and per service a
 * VirtualService (timeout, retries) and a DestinationRule. In ambient mode L7 policy needs a
 * waypoint, declared as a Gateway API Gateway of class istio-waypoint.
 */
import { PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { checkedManifest, type KubeObject, type Validatable } from './manifest-checks.js';
import { waypointName } from './mesh-profiles.js';
import { appLabel, serviceHost } from './names.js';
import { objectLabels, type VariantContext } from './workload-manifests.js';

export function istioPolicyManifests(ctx: VariantContext, services: readonly string[]): KubeObject[] {
  const { mesh, policy, peerAuthentication, destinationRule: dr } = ctx.variant;
  if (mesh !== 'istio-sidecar' && mesh !== 'istio-ambient') return [];
  const objects: KubeObject[] = [];
  if (mesh === 'istio-ambient' && ctx.variant.waypoint) objects.push(waypointManifest(ctx));
  const labels = objectLabels(ctx, 'policy');
  if (peerAuthentication) {
    objects.push(
      checkedManifest(
        new PeerAuthentication({
          metadata: { name: 'default', namespace: ctx.namespace, labels },
          spec: { mtls: { mode: peerAuthentication } },
        }),
      ),
    );
  }
  for (const service of services) {
    const host = serviceHost(service, ctx.namespace);
    if (policy) {
      objects.push(
        checkedManifest(
          new VirtualService({
            metadata: { name: service, namespace: ctx.namespace, labels: { ...labels, [appLabel]: service } },
            spec: {
              hosts: [host],
              http: [
                {
                  route: [{ destination: { host } }],
                  timeout: istioDuration(policy.timeoutMs),
                  retries: { attempts: policy.retries.attempts, perTryTimeout: istioDuration(policy.retries.perTryTimeoutMs) },
                },
              ],
            },
          }),
        ),
      );
    }
    if (dr) {
      objects.push(
        checkedManifest(
          new DestinationRule({
            metadata: { name: service, namespace: ctx.namespace, labels: { ...labels, [appLabel]: service } },
            spec: {
              host,
              trafficPolicy: {
                ...(dr.loadBalancer ? { loadBalancer: { simple: dr.loadBalancer } } : {}),
                ...(dr.tlsMode ? { tls: { mode: dr.tlsMode } } : {}),
                ...(dr.maxConnections ? { connectionPool: { tcp: { maxConnections: dr.maxConnections } } } : {}),
              },
            },
          }),
        ),
      );
    }
  }
  return objects;
}

/** Istio's duration syntax: whole seconds as "2s", the rest as "500ms". */
export function istioDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * The ambient waypoint. @kubernetes-models/gateway-api needs Node 22, so this object is
 * checked by hand: the fields Istio reads, with the values its docs prescribe.
 */
export function waypointManifest(ctx: VariantContext): KubeObject {
  const object = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: waypointName, namespace: ctx.namespace, labels: { ...objectLabels(ctx, 'policy'), 'istio.io/waypoint-for': 'service' } },
    spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
  };
  const model: Validatable = {
    toJSON: () => object,
    validate: () => {
      const listener = object.spec.listeners[0];
      if (object.spec.gatewayClassName !== 'istio-waypoint' || listener.port !== 15008 || listener.protocol !== 'HBONE')
        throw new Error('a waypoint is a Gateway of class istio-waypoint listening on 15008/HBONE');
    },
  };
  return checkedManifest(model);
}
