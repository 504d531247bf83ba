/**
 * One trial's load: a Job running the bundled load agent (autocannon + our HDR histogram) in
 * a stock Node image, kept off the service's node by podAntiAffinity so load generation and
 * the system under test never share CPUs. The agent does not wait for `go` (there is no
 * stdin in a pod): it warms up, measures, and prints its JSON-line events and result, which
 * meshbench reads through the Log API with timestamps to place the measured window.
 */
import { Job } from 'kubernetes-models/batch/v1/Job';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { LoadAgentConfig } from '../../agents/load-agent.js';
import type { LoadLevel } from '../../load/load-generator.js';
import { agentBundleFiles, agentMountPath } from './agent-configmap.js';
import { envoyOutboundPort } from './envoy-sidecar.js';
import { checkedManifest, type KubeObject } from './manifest-checks.js';
import { loadgenPodMeshMetadata } from './mesh-profiles.js';
import { appLabel, roleLabel, runLabel, runLabelValue, serviceHost, servicePort } from './names.js';
import { agentVolume, agentVolumeMount, envoyConfigMapName, envoySidecarContainer, objectLabels, type VariantContext } from './workload-manifests.js';

export const loadContainerName = 'load';
export const loadgenPodName = 'loadgen';

export interface LoadJobOptions {
  jobName: string;
  entryService: string;
  level: LoadLevel;
  /** Node labels the load may run on (the tier's loadNodeSelector). */
  nodeSelector?: Record<string, string>;
  /** Pulling the image and starting count against this too. */
  startTimeoutSeconds: number;
}

/** Where the load agent sends requests: its own sidecar's listener when meshbench injects one. */
export function loadTargetUrl(ctx: VariantContext, entryService: string): string {
  if (ctx.variant.mesh === 'envoy' && ctx.variant.loadgenInMesh) return `http://127.0.0.1:${envoyOutboundPort(0)}/`;
  return `http://${serviceHost(entryService, ctx.namespace)}:${servicePort}/`;
}

export function loadJobManifest(ctx: VariantContext, options: LoadJobOptions): KubeObject {
  const config: LoadAgentConfig = {
    url: loadTargetUrl(ctx, options.entryService),
    connections: options.level.connections,
    durationSeconds: options.level.durationSeconds,
    warmupSeconds: options.level.warmupSeconds,
    requestTimeoutSeconds: options.level.requestTimeoutSeconds,
    waitForGo: false,
  };
  const mesh = loadgenPodMeshMetadata(ctx.variant);
  const envoy = ctx.variant.mesh === 'envoy' && ctx.variant.loadgenInMesh;
  const labels = objectLabels(ctx, 'loadgen', { [appLabel]: loadgenPodName });
  const volumes: IVolume[] = [agentVolume(), ...(envoy ? [{ name: 'envoy-config', configMap: { name: envoyConfigMapName(loadgenPodName) } }] : [])];
  const runSeconds = Math.ceil(options.level.warmupSeconds + options.level.durationSeconds + options.level.requestTimeoutSeconds);
  return checkedManifest(
    new Job({
      metadata: { name: options.jobName, namespace: ctx.namespace, labels },
      spec: {
        backoffLimit: 0,
        // A pod that never starts or hangs must not hold the run forever.
        activeDeadlineSeconds: runSeconds + options.startTimeoutSeconds,
        template: {
          metadata: { labels: { ...mesh.labels, ...labels }, annotations: mesh.annotations },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            ...(options.nodeSelector ? { nodeSelector: options.nodeSelector } : {}),
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                  {
                    labelSelector: { matchLabels: { [roleLabel]: 'sut' } },
                    // Every service pod of this run, whichever variant namespace it is in.
                    namespaceSelector: { matchLabels: { [runLabel]: runLabelValue(ctx.runId) } },
                    topologyKey: 'kubernetes.io/hostname',
                  },
                ],
              },
            },
            ...(envoy ? { initContainers: [envoySidecarContainer(ctx.settings.images.envoy, ctx.variant.workers)] } : {}),
            containers: [
              {
                name: loadContainerName,
                image: ctx.settings.images.agent,
                command: ['node', `${agentMountPath}/${agentBundleFiles.loadAgent}`],
                env: [{ name: 'MESHBENCH_LOAD', value: JSON.stringify(config) }],
                volumeMounts: [agentVolumeMount],
              },
            ],
            volumes,
          },
        },
      },
    }),
  );
}
