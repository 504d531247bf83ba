/**
 * Figures from Istio's documentation, used only where meshbench has no measurement of its own
 * and always labelled "published" in the output. They come from Istio's load test (1,000 HTTP
 * requests per second of 1 KB, proxies with 2 worker threads, mTLS), not from the user's
 * hardware, so a plan built on them is a starting point, not a measurement.
 */

export const publishedSource =
  'Istio 1.24 docs, "Performance and Scalability" (istio.io/latest/docs/ops/deployment/performance-and-scalability): 1,000 HTTP req/s of 1 KB, 2 proxy worker threads';

/** "MB" in the docs, read as 10^6 bytes. */
const megabyte = 1_000_000;

export interface PublishedProxyFigure {
  /** vCPU one proxy uses per 1,000 req/s going through it. */
  vcpuPer1kRps: number;
  memoryBytes: number;
}

/** One Envoy sidecar: about 0.20 vCPU and 60 MB at 1,000 req/s. */
export const publishedSidecar: PublishedProxyFigure = { vcpuPer1kRps: 0.2, memoryBytes: 60 * megabyte };

/** One ztunnel (ambient mode, one per node): about 0.06 vCPU and 12 MB at 1,000 req/s. */
export const publishedZtunnel: PublishedProxyFigure = { vcpuPer1kRps: 0.06, memoryBytes: 12 * megabyte };

/** istiod: about 1 vCPU and 1.5 GB for 1,000 services and 2,000 sidecars (far more than a small mesh needs). */
export const publishedIstiod = { name: 'istiod', replicas: 1, cpuMillicores: 1000, memoryBytes: 1500 * megabyte } as const;

/**
 * CPU ms per 1,000 requests for one proxy: 0.20 vCPU at 1,000 req/s is 200 ms of CPU per
 * second spent on 1,000 requests.
 */
export function cpuMsPer1kRequests(figure: PublishedProxyFigure): number {
  return figure.vcpuPer1kRps * 1000;
}

/** Mesh models meshbench can plan from published figures alone, by variant name. */
export const publishedModels = ['istio-sidecar', 'istio-ambient'] as const;
export type PublishedModel = (typeof publishedModels)[number];

export function isPublishedModel(name: string): name is PublishedModel {
  return (publishedModels as readonly string[]).includes(name);
}
