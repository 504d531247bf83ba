/**
 * Host facts for run.json on Kubernetes: the facts of the node the services run on, as the
 * API reports them (meshbench's own machine is not what is measured). What the Node object
 * does not say is recorded as unknown rather than guessed.
 */
import type * as k8s from '@kubernetes/client-node';
import type { HostFacts } from '../../results/schema.js';
import { unknownFact } from '../../sampling/host-facts.js';

/** "8Gi", "16384Ki", "2000m" → a number in base units. */
export function quantityToNumber(text: string | undefined): number {
  if (!text) return 0;
  const m = /^(\d+(?:\.\d+)?)([a-zA-Z]*)$/.exec(text.trim());
  if (!m) return 0;
  const factors: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  return Number(m[1]) * (factors[m[2]] ?? 1);
}

export function hostFactsFromNode(node: k8s.V1Node, clockTicksPerSecond: number, cgroupV2: boolean | undefined): HostFacts {
  const labels = node.metadata?.labels ?? {};
  const info = node.status?.nodeInfo;
  const cpus = Math.round(quantityToNumber(node.status?.capacity?.cpu));
  return {
    hostname: node.metadata?.name ?? unknownFact,
    cpuModel: labels['node.kubernetes.io/instance-type'] ?? labels['beta.kubernetes.io/instance-type'] ?? unknownFact,
    cpuVendor: unknownFact,
    cpuFlags: [],
    cpuCount: cpus,
    physicalCores: cpus,
    virtualization: null,
    memTotalBytes: quantityToNumber(node.status?.capacity?.memory),
    kernel: info?.kernelVersion ?? unknownFact,
    os: `${info?.osImage ?? unknownFact} (${info?.architecture ?? unknownFact}, kubelet ${info?.kubeletVersion ?? unknownFact}, ${info?.containerRuntimeVersion ?? unknownFact})`,
    cgroup: { version: cgroupV2 === undefined ? 'none' : cgroupV2 ? 'v2' : 'v1', controllers: [] },
    disks: [],
    clockTicksPerSecond,
    nodeVersion: unknownFact,
    proxies: {},
  };
}
