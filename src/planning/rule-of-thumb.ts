/**
 * The plan's mesh memory set against the rules of thumb that circulate ("20 services add 2–4 GB
 * for the mesh"; "budget at least 100 MB RAM per pod extra"), so a reader can see where their
 * own measurements land and why.
 */
import type { PlanResult } from './plan-result.js';

const gigabyte = 1e9;
const megabyte = 1e6;

/** "20 services add 2–4 GB": 0.1–0.2 GB per service. */
export const perServiceRuleBytes = { low: (2 * gigabyte) / 20, high: (4 * gigabyte) / 20 } as const;
/** "at least 100 MB per pod". */
export const perPodRuleBytes = 100 * megabyte;

export interface RuleOfThumbRow {
  /** The tier whose figures these are (a borrowing tier repeats its source, so it is listed once). */
  costsFrom: string;
  variant: string;
  /** Where the sidecar memory figures come from. */
  memorySource: string;
  sidecarBytes: number;
  sidecarBytesPerPodMin: number;
  sidecarBytesPerPodMax: number;
  controlPlaneBytes: number;
  agentsBytes: number;
  totalBytes: number;
  versusServiceRule: 'below' | 'within' | 'above';
}

export interface RuleOfThumbComparison {
  meshedServices: number;
  meshedPods: number;
  serviceRuleLowBytes: number;
  serviceRuleHighBytes: number;
  podRuleBytes: number;
  controlPlaneSource: string;
  rows: RuleOfThumbRow[];
}

export function compareWithRulesOfThumb(plan: PlanResult): RuleOfThumbComparison {
  const { meshedServices, meshedPods } = plan.inventory;
  const low = perServiceRuleBytes.low * meshedServices;
  const high = perServiceRuleBytes.high * meshedServices;
  const rows: RuleOfThumbRow[] = [];
  for (const tier of plan.tiers)
    for (const choice of tier.cheapest) {
      const v = tier.variants.find((x) => x.variant === choice.variant)!;
      const source = v.model.measuredOn ?? 'published';
      if (rows.some((r) => r.costsFrom === source && r.variant === choice.variant)) continue;
      const perPod = v.services.map((s) => s.memoryBytesPerPod);
      const o = choice.overhead;
      rows.push({
        costsFrom: source,
        variant: choice.variant,
        memorySource: v.sources.memory.join('+'),
        sidecarBytes: o.sidecarMemoryBytes,
        sidecarBytesPerPodMin: perPod.length ? Math.min(...perPod) : 0,
        sidecarBytesPerPodMax: perPod.length ? Math.max(...perPod) : 0,
        controlPlaneBytes: o.controlPlaneMemoryBytes,
        agentsBytes: o.agentsMemoryBytes,
        totalBytes: o.totalMemoryBytes,
        versusServiceRule: o.totalMemoryBytes < low ? 'below' : o.totalMemoryBytes > high ? 'above' : 'within',
      });
    }
  return {
    meshedServices,
    meshedPods,
    serviceRuleLowBytes: low,
    serviceRuleHighBytes: high,
    podRuleBytes: perPodRuleBytes * meshedPods,
    controlPlaneSource: [...new Set(plan.inventory.controlPlane.map((p) => p.source))].join('+'),
    rows,
  };
}
