/**
 * The node sampler: a DaemonSet whose pod on each node prints, once a second, the node's
 * /proc counters and every container's cgroup v2 CPU and memory counters as one JSON line.
 * It needs the host's view: hostPID, and the host's /proc and /sys/fs/cgroup mounted
 * read-only (a container's own cgroup directory is namespaced).
 */
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { NodeSamplerAgentConfig } from '../../agents/node-sampler-agent.js';
import { agentBundleFiles, agentMountPath } from './agent-configmap.js';
import { checkedManifest, type KubeObject } from './manifest-checks.js';
import { appLabel, samplerDaemonSetName } from './names.js';
import { agentVolume, agentVolumeMount, objectLabels } from './workload-manifests.js';

export const samplerContainerName = 'sampler';
export const hostProcMount = '/host/proc';
export const hostCgroupMount = '/host/sys/fs/cgroup';

export interface NodeSamplerOptions {
  runId: string;
  tier: { name: string };
  namespace: string;
  image: string;
  intervalMs: number;
}

export function nodeSamplerManifest(options: NodeSamplerOptions): KubeObject {
  const config: NodeSamplerAgentConfig = { procRoot: hostProcMount, cgroupRoot: hostCgroupMount, intervalMs: options.intervalMs };
  const labels = objectLabels(options, 'sampler', { [appLabel]: samplerDaemonSetName });
  return checkedManifest(
    new DaemonSet({
      metadata: { name: samplerDaemonSetName, namespace: options.namespace, labels },
      spec: {
        selector: { matchLabels: { [appLabel]: samplerDaemonSetName } },
        template: {
          metadata: { labels: { ...labels, 'sidecar.istio.io/inject': 'false', 'istio.io/dataplane-mode': 'none' }, annotations: { 'linkerd.io/inject': 'disabled' } },
          spec: {
            hostPID: true,
            automountServiceAccountToken: false,
            // Sample every node, tainted ones included: the service may run on a dedicated pool.
            tolerations: [{ operator: 'Exists' }],
            containers: [
              {
                name: samplerContainerName,
                image: options.image,
                command: ['node', `${agentMountPath}/${agentBundleFiles.nodeSampler}`],
                env: [
                  { name: 'MESHBENCH_SAMPLER', value: JSON.stringify(config) },
                  { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                ],
                resources: { requests: { cpu: '20m', memory: '48Mi' }, limits: { memory: '128Mi' } },
                securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
                volumeMounts: [
                  agentVolumeMount,
                  { name: 'host-proc', mountPath: hostProcMount, readOnly: true },
                  { name: 'host-cgroup', mountPath: hostCgroupMount, readOnly: true },
                ],
              },
            ],
            volumes: [
              agentVolume(),
              { name: 'host-proc', hostPath: { path: '/proc', type: 'Directory' } },
              { name: 'host-cgroup', hostPath: { path: '/sys/fs/cgroup', type: 'Directory' } },
            ],
          },
        },
      },
    }),
  );
}
