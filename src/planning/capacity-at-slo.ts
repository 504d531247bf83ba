/**
 * Whether a plan meets the latency SLO at peak, where capacity at SLO is known: the highest
 * rate one pod with its sidecar served with p99 within the SLO, per tier and variant. Result
 * records do not carry it yet (it comes with the open-loop capacity search); until then it is
 * an optional inventory input (`slo.capacityPerPodRps`), and every plan without it says "not
 * measured" rather than guessing. When records carry it, a reader fills the same type.
 */

export interface CapacityAtSlo {
  tier: string;
  /** A variant name, or the baseline's name for the plan without mesh. */
  variant: string;
  latencyP99Ms: number;
  maxRpsPerPod: number;
  source: 'inventory' | 'records';
}

export type SloCheck =
  | { status: 'not-measured'; latencyP99Ms: number | null }
  | {
      status: 'meets' | 'fails';
      latencyP99Ms: number;
      maxRpsPerPod: number;
      source: CapacityAtSlo['source'];
      /** The meshed service with the highest per-pod peak rate. */
      busiest: { service: string; perPodRps: number };
      /** Services whose per-pod peak exceeds the capacity: add replicas or a larger node class. */
      over: { service: string; perPodRps: number }[];
    };

export function checkSloAtPeak(
  capacities: readonly CapacityAtSlo[],
  tier: string,
  variant: string,
  latencyP99Ms: number | null,
  services: readonly { name: string; perPodRps: number }[],
): SloCheck {
  const capacity = capacities.find((c) => c.tier === tier && c.variant === variant);
  if (!capacity || latencyP99Ms === null || services.length === 0) return { status: 'not-measured', latencyP99Ms };
  const over = services.filter((s) => s.perPodRps > capacity.maxRpsPerPod).map((s) => ({ service: s.name, perPodRps: s.perPodRps }));
  const busiest = services.reduce((a, b) => (b.perPodRps > a.perPodRps ? b : a));
  return {
    status: over.length ? 'fails' : 'meets',
    latencyP99Ms: capacity.latencyP99Ms,
    maxRpsPerPod: capacity.maxRpsPerPod,
    source: capacity.source,
    busiest: { service: busiest.name, perPodRps: busiest.perPodRps },
    over,
  };
}
