/**
 * What one pod's mesh costs at a given rate, for one tier and variant: measured points where
 * there are some, Istio's published figures where not, each figure labelled with its source.
 *
 * Two rules live here and are stated in every plan:
 * - Who pays for an edge: the callee's pods carry the whole edge (their inbound sidecar and the
 *   caller's outbound sidecar). Each request into a service crosses exactly one edge into it,
 *   so cluster totals are exact; only the placement moves half an edge from callers to callees.
 *   meshbench measures the two halves together (per-process figures show they are near equal).
 * - Which measured load level: the one whose achieved rate per proxy pair is closest to the
 *   service's peak rate per pod on a log scale; a tie goes to the costlier. Cost per request
 *   falls as load rises (proxies batch work), so the nearest level is the honest one, and a
 *   service below every measured rate gets the lightest (costliest per request) level.
 */
import { cpuMsPer1kRequests, isPublishedModel, publishedSidecar, publishedZtunnel, publishedSource, type PublishedModel } from './published-figures.js';
import type { Estimate, MeasuredVariant } from './measurements.js';

export type FigureSource = 'measured' | 'published';

export interface CostPointModel {
  /** "1 connection (run …)" or "published, 1,000 req/s". */
  label: string;
  connections: number | null;
  runId: string | null;
  /** The rate the figures were taken at, per proxy pair. */
  achievedRps: number;
  /** For both sidecars of one edge together. */
  cpuMsPer1kRequestsPerEdge: Estimate;
  cpuSource: FigureSource;
  /** One pod's sidecar (one proxy process holds both directions). 0 for ambient, which has none. */
  memoryBytesPerPod: Estimate;
  memorySource: FigureSource;
  trials: number;
}

export interface NodeAgentCost {
  name: string;
  cpuMillicores: number;
  memoryBytes: number;
  source: FigureSource | 'inventory';
}

export interface SidecarCostModel {
  variant: string;
  /** Where the figures come from: a tier's results, or Istio's docs. */
  measuredOn: string | null;
  description: string;
  points: CostPointModel[];
  /** Mesh pods this variant puts on every node (ambient's ztunnel). */
  perNodeAgents: NodeAgentCost[];
  notes: string[];
}

export interface ChosenCost {
  point: CostPointModel;
  /** The service's rate lies outside the measured rates: the nearest end was used. */
  extrapolated: 'below' | 'above' | null;
}

export function measuredCostModel(measured: MeasuredVariant): SidecarCostModel {
  const notes: string[] = [];
  const points = measured.points.map((p): CostPointModel => {
    if (!p.cpuMsPer1kRequestsPerEdge) notes.push(`no proxy CPU recorded at ${p.connections} connections (run ${p.runId}): published sidecar CPU used there`);
    if (!p.rssBytesPerProxy) notes.push(`no proxy RSS recorded at ${p.connections} connections (run ${p.runId}): published sidecar memory used there`);
    if (p.trialsStartedBusy > 0)
      notes.push(`${p.trialsStartedBusy} of ${p.trials} trials at ${p.connections} connections (run ${p.runId}) started before the host went quiet`);
    return {
      label: `${p.connections} connection${p.connections === 1 ? '' : 's'} (run ${p.runId})`,
      connections: p.connections,
      runId: p.runId,
      achievedRps: p.achievedRps,
      cpuMsPer1kRequestsPerEdge: p.cpuMsPer1kRequestsPerEdge ?? exact(2 * cpuMsPer1kRequests(publishedSidecar)),
      cpuSource: p.cpuMsPer1kRequestsPerEdge ? 'measured' : 'published',
      memoryBytesPerPod: p.rssBytesPerProxy ?? exact(publishedSidecar.memoryBytes),
      memorySource: p.rssBytesPerProxy ? 'measured' : 'published',
      trials: p.trials,
    };
  });
  return {
    variant: measured.variant,
    measuredOn: measured.tier,
    description: `${measured.proxy}${measured.mode ? ` ${measured.mode}` : ''} sidecars, measured on tier ${measured.tier}`,
    points,
    perNodeAgents: [],
    notes,
  };
}

/**
 * Istio's figures as a model. Sidecar mode: two Envoys per edge at 0.20 vCPU per 1,000 req/s
 * each, 60 MB per pod. Ambient mode: two ztunnels per edge (source and destination node) at
 * 0.06 vCPU per 1,000 req/s each, carried with the pod's traffic like a sidecar's, no memory
 * in the pod, and one 12 MB ztunnel per node. Memory is taken as flat: the docs say it depends
 * on the configuration a proxy holds, not on the request rate.
 */
export function publishedCostModel(model: PublishedModel): SidecarCostModel {
  const figure = model === 'istio-sidecar' ? publishedSidecar : publishedZtunnel;
  const point: CostPointModel = {
    label: 'published, 1,000 req/s',
    connections: null,
    runId: null,
    achievedRps: 1000,
    cpuMsPer1kRequestsPerEdge: exact(2 * cpuMsPer1kRequests(figure)),
    cpuSource: 'published',
    memoryBytesPerPod: exact(model === 'istio-sidecar' ? publishedSidecar.memoryBytes : 0),
    memorySource: 'published',
    trials: 0,
  };
  return {
    variant: model,
    measuredOn: null,
    description:
      model === 'istio-sidecar'
        ? `Istio sidecar mode, published figures (${publishedSource})`
        : `Istio ambient mode (L4, ztunnel only, no waypoints), published figures (${publishedSource})`,
    points: [point],
    perNodeAgents: model === 'istio-ambient' ? [{ name: 'ztunnel', cpuMillicores: 0, memoryBytes: publishedZtunnel.memoryBytes, source: 'published' }] : [],
    notes: [],
  };
}

export function costModelFor(variant: string, measured: MeasuredVariant | undefined): SidecarCostModel {
  if (measured) return measuredCostModel(measured);
  if (isPublishedModel(variant)) return publishedCostModel(variant);
  // The inventory check (inventory-file.ts) reports this with its line; this is a guard.
  throw new RangeError(`variant "${variant}" is neither measured nor a published model`);
}

/** The measured point to use for a pod that serves `perPodRps` at peak (rule in the header). */
export function costAtRate(model: SidecarCostModel, perPodRps: number): ChosenCost {
  const points = model.points;
  if (points.length === 0) throw new RangeError(`cost model of ${model.variant} has no points`);
  const lowest = points.reduce((a, b) => (b.achievedRps < a.achievedRps ? b : a));
  const highest = points.reduce((a, b) => (b.achievedRps > a.achievedRps ? b : a));
  // Published figures have no range to leave; measured ones do.
  const extrapolated = model.measuredOn === null ? null : perPodRps < lowest.achievedRps ? 'below' : perPodRps > highest.achievedRps ? 'above' : null;
  if (perPodRps <= 0) return { point: lowest, extrapolated: null };
  let best = points[0];
  let bestDistance = Infinity;
  for (const p of points) {
    const distance = Math.abs(Math.log(perPodRps / Math.max(p.achievedRps, 1e-9)));
    const tie = Math.abs(distance - bestDistance) < 1e-12;
    if (distance < bestDistance - 1e-12 || (tie && p.cpuMsPer1kRequestsPerEdge.estimate > best.cpuMsPer1kRequestsPerEdge.estimate)) {
      best = p;
      bestDistance = distance;
    }
  }
  return { point: best, extrapolated };
}

function exact(value: number): Estimate {
  return { estimate: value, low: value, high: value, confidence: 1 };
}
