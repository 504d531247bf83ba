/**
 * First-fit decreasing over CPU, memory and pod slots. Pods are sorted by their largest share
 * of one node (the resource they use most of, relative to what a node offers), biggest first,
 * and each goes onto the first open node with room in all three; a new node is opened when none
 * has. FFD is what cluster-autoscaler simulations approximate, stays within 11/9 of the optimum
 * plus a constant in one dimension, and is simple enough to check by hand.
 */

export type Resource = 'cpu' | 'memory' | 'pods';
export const resources: readonly Resource[] = ['cpu', 'memory', 'pods'];

export interface PodDemand {
  /** e.g. "checkout-2" */
  name: string;
  cpuMillicores: number;
  memoryBytes: number;
}

/** What one node offers to the pods being packed (after reserves, DaemonSets, target utilisation and headroom). */
export interface NodeCapacity {
  cpuMillicores: number;
  memoryBytes: number;
  pods: number;
}

export interface PackedNode {
  pods: string[];
  cpuMillicores: number;
  memoryBytes: number;
}

export type Packing =
  | {
      feasible: true;
      nodes: PackedNode[];
      /** Demand over what the packed nodes offer, per resource, in percent. */
      utilizationPct: Record<Resource, number>;
      /** The resource most used across the nodes: the one that ran out first. */
      binding: Resource;
    }
  | {
      feasible: false;
      /** The first pod that does not fit on an empty node, and why. */
      pod: PodDemand;
      reason: string;
    };

export function packFirstFitDecreasing(pods: readonly PodDemand[], capacity: NodeCapacity): Packing {
  for (const pod of pods) {
    const short = shortfall(pod, capacity);
    if (short) return { feasible: false, pod, reason: short };
  }
  const share = (p: PodDemand) => Math.max(p.cpuMillicores / capacity.cpuMillicores, p.memoryBytes / capacity.memoryBytes, 1 / capacity.pods);
  // Name as the tie-break keeps plans identical from run to run.
  const order = [...pods].sort((a, b) => share(b) - share(a) || a.name.localeCompare(b.name));
  const nodes: PackedNode[] = [];
  for (const pod of order) {
    let node = nodes.find((n) => fits(n, pod, capacity));
    if (!node) {
      node = { pods: [], cpuMillicores: 0, memoryBytes: 0 };
      nodes.push(node);
    }
    node.pods.push(pod.name);
    node.cpuMillicores += pod.cpuMillicores;
    node.memoryBytes += pod.memoryBytes;
  }
  const n = nodes.length;
  const utilizationPct: Record<Resource, number> = {
    cpu: n ? (100 * sum(pods.map((p) => p.cpuMillicores))) / (n * capacity.cpuMillicores) : 0,
    memory: n ? (100 * sum(pods.map((p) => p.memoryBytes))) / (n * capacity.memoryBytes) : 0,
    pods: n ? (100 * pods.length) / (n * capacity.pods) : 0,
  };
  const binding = resources.reduce((a, b) => (utilizationPct[b] > utilizationPct[a] + 1e-9 ? b : a));
  return { feasible: true, nodes, utilizationPct, binding };
}

/** Integer-safe comparison: sums of fractional millicores must not fail on rounding noise. */
const slack = 1e-6;

function fits(node: PackedNode, pod: PodDemand, capacity: NodeCapacity): boolean {
  return (
    node.pods.length + 1 <= capacity.pods &&
    node.cpuMillicores + pod.cpuMillicores <= capacity.cpuMillicores + slack &&
    node.memoryBytes + pod.memoryBytes <= capacity.memoryBytes + slack
  );
}

function shortfall(pod: PodDemand, capacity: NodeCapacity): string | null {
  if (capacity.pods < 1) return 'no pod slots are left on a node after DaemonSets';
  if (pod.cpuMillicores > capacity.cpuMillicores + slack)
    return `${pod.name} needs ${Math.round(pod.cpuMillicores)}m CPU, a node offers ${Math.round(capacity.cpuMillicores)}m`;
  if (pod.memoryBytes > capacity.memoryBytes + slack)
    return `${pod.name} needs ${mib(pod.memoryBytes)} MiB, a node offers ${mib(capacity.memoryBytes)} MiB`;
  return null;
}

function mib(bytes: number): string {
  return Math.round(bytes / 2 ** 20).toLocaleString('en-US');
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
