/**
 * The system under test of one variant: a namespace, and per topology service a Deployment
 * running the bundled sample service in a stock Node image plus its Service. Pure: the same
 * inputs give the same objects, every one validated (manifest-checks.ts).
 */
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { SampleServiceConfig } from '../../agents/sample-service.js';
import { statsPath } from '../../agents/sample-service.js';
import type { ServiceConfig } from '../../scenario/schema.js';
import { agentBundleFiles, agentMountPath } from './agent-configmap.js';
import { appPortBehindEnvoy, envoyConfigDir, envoyConfigFile, envoyContainerArgs, envoyOutboundPort, renderPodEnvoyYaml } from './envoy-sidecar.js';
import { checkedManifest, type KubeObject } from './manifest-checks.js';
import { namespaceMeshMetadata, servicePodMeshMetadata, type MeshVariant, type Metadata } from './mesh-profiles.js';
import { agentsConfigMapName, appLabel, roleLabel, runIdAnnotation, runLabels, serviceHost, servicePort, tierLabel, variantLabel, type ObjectRole } from './names.js';
import type { DestinationRulePolicy, KubernetesSettings, RoutePolicy } from './scenario-extension.js';

export interface VariantContext {
  runId: string;
  tier: { name: string; nodeSelector?: Record<string, string> };
  /** The variant as deployed (a copy resolved to its original's configuration). */
  variant: MeshVariant & {
    name: string;
    mode?: 'tcp' | 'http';
    policy?: RoutePolicy;
    peerAuthentication?: 'STRICT' | 'PERMISSIVE';
    destinationRule?: DestinationRulePolicy;
    injectDelayMs: number;
  };
  namespace: string;
  settings: KubernetesSettings;
}

export function objectLabels(ctx: Pick<VariantContext, 'runId' | 'tier'> & { variant?: { name: string } }, role: ObjectRole, extra: Record<string, string> = {}): Record<string, string> {
  return runLabels(ctx.runId, { [tierLabel]: ctx.tier.name, ...(ctx.variant ? { [variantLabel]: ctx.variant.name } : {}), [roleLabel]: role, ...extra });
}

export function namespaceManifest(ctx: Pick<VariantContext, 'runId' | 'tier' | 'namespace'> & { variant?: VariantContext['variant'] }, role: ObjectRole, mesh: Metadata): KubeObject {
  return checkedManifest(
    new Namespace({
      metadata: {
        name: ctx.namespace,
        labels: { ...mesh.labels, ...objectLabels(ctx, role) },
        annotations: { ...mesh.annotations, [runIdAnnotation]: ctx.runId },
      },
    }),
  );
}

export function variantNamespaceManifest(ctx: VariantContext): KubeObject {
  return namespaceManifest(ctx, 'sut', namespaceMeshMetadata(ctx.variant, ctx.settings.istioRevision));
}

export function agentVolume(): IVolume {
  return { name: 'agents', configMap: { name: agentsConfigMapName } };
}

export const agentVolumeMount = { name: 'agents', mountPath: agentMountPath, readOnly: true };

/** The envoy profile's sidecar: a native sidecar (restartable init container), so it starts first and never blocks a Job. */
export function envoySidecarContainer(image: string, workers: number): IContainer {
  return {
    name: 'envoy',
    image,
    command: ['envoy'],
    args: envoyContainerArgs(workers),
    restartPolicy: 'Always',
    volumeMounts: [{ name: 'envoy-config', mountPath: envoyConfigDir, readOnly: true }],
  };
}

export function envoyConfigMapName(pod: string): string {
  return `envoy-${pod}`;
}

export function envoyConfigMap(ctx: VariantContext, pod: string, yaml: string, role: ObjectRole): KubeObject {
  return checkedManifest(
    new ConfigMap({
      metadata: { name: envoyConfigMapName(pod), namespace: ctx.namespace, labels: objectLabels(ctx, role, { [appLabel]: pod }) },
      data: { [envoyConfigFile]: yaml },
    }),
  );
}

/** The scenario's route policy is already in the Envoy generator's terms. */
export function envoyPolicy(policy: RoutePolicy | undefined) {
  return policy ? { timeoutMs: policy.timeoutMs, retries: { attempts: policy.retries.attempts, perTryTimeoutMs: policy.retries.perTryTimeoutMs } } : undefined;
}

/** Deployment + Service (+ the Envoy ConfigMap for mesh: envoy) of one topology service. */
export function serviceWorkloadManifests(ctx: VariantContext, service: ServiceConfig): KubeObject[] {
  const envoy = ctx.variant.mesh === 'envoy';
  const config: SampleServiceConfig = {
    name: service.name,
    // Behind an injected Envoy the app is reachable only through it.
    host: envoy ? '127.0.0.1' : '0.0.0.0',
    port: envoy ? appPortBehindEnvoy : servicePort,
    responseBytes: service.responseBytes,
    cpuWorkUs: service.cpuWorkUs,
    // A variant's injected delay (a known regression, for checking the gate) adds to every service.
    delayMs: service.delayMs + ctx.variant.injectDelayMs,
    calls: service.calls.map((callee, i) => ({
      name: callee,
      url: envoy ? `http://127.0.0.1:${envoyOutboundPort(i)}/` : `http://${serviceHost(callee, ctx.namespace)}:${servicePort}/`,
    })),
  };
  const mesh = servicePodMeshMetadata(ctx.variant);
  const podLabels = { ...mesh.labels, ...objectLabels(ctx, 'sut', { [appLabel]: service.name }) };
  const volumes: IVolume[] = [agentVolume(), ...(envoy ? [{ name: 'envoy-config', configMap: { name: envoyConfigMapName(service.name) } }] : [])];
  const objects: KubeObject[] = [];
  if (envoy) {
    const yaml = renderPodEnvoyYaml({
      podName: service.name,
      namespace: ctx.namespace,
      mode: ctx.variant.mode ?? 'http',
      workers: ctx.variant.workers,
      inbound: true,
      calls: service.calls,
      policy: envoyPolicy(ctx.variant.policy),
    });
    objects.push(envoyConfigMap(ctx, service.name, yaml, 'sut'));
  }
  objects.push(
    checkedManifest(
      new Deployment({
        metadata: { name: service.name, namespace: ctx.namespace, labels: objectLabels(ctx, 'sut', { [appLabel]: service.name }) },
        spec: {
          replicas: 1,
          selector: { matchLabels: { [appLabel]: service.name } },
          template: {
            metadata: { labels: podLabels, annotations: mesh.annotations },
            spec: {
              ...(ctx.tier.nodeSelector ? { nodeSelector: ctx.tier.nodeSelector } : {}),
              // No service-account token: the sample service never talks to the API.
              automountServiceAccountToken: false,
              ...(envoy ? { initContainers: [envoySidecarContainer(ctx.settings.images.envoy, ctx.variant.workers)] } : {}),
              containers: [
                {
                  name: 'app',
                  image: ctx.settings.images.agent,
                  command: ['node', `${agentMountPath}/${agentBundleFiles.sampleService}`],
                  env: [{ name: 'MESHBENCH_SERVICE', value: JSON.stringify(config) }],
                  ports: [{ name: 'http', containerPort: config.port }],
                  // Through the sidecar when there is one: ready means reachable the way the load will come.
                  readinessProbe: { httpGet: { path: statsPath, port: servicePort }, periodSeconds: 2 },
                  volumeMounts: [agentVolumeMount],
                },
              ],
              volumes,
            },
          },
        },
      }),
    ),
  );
  objects.push(
    checkedManifest(
      new Service({
        metadata: { name: service.name, namespace: ctx.namespace, labels: objectLabels(ctx, 'sut', { [appLabel]: service.name }) },
        spec: {
          selector: { [appLabel]: service.name },
          // The name and appProtocol tell Istio and Linkerd this is HTTP (no protocol sniffing).
          ports: [{ name: 'http', port: servicePort, targetPort: servicePort, appProtocol: 'http' }],
        },
      }),
    ),
  );
  return objects;
}
