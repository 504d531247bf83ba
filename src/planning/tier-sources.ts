/**
 * Which figures each inventory tier is planned from, and which variants: the tier's own
 * results by default; another measured tier or Istio's published figures only when the
 * inventory says so (`costsFrom`). Everything that does not add up (a tier missing from the
 * results, a variant not measured there, a baseline listed as a mesh) is returned as a problem
 * with its place in the inventory, so the CLI can point at the line; nothing falls back quietly.
 */
import { isPublishedModel, publishedModels } from './published-figures.js';
import type { Inventory } from './inventory-schema.js';
import type { Measurements } from './measurements.js';

export const publishedSourceName = 'published';

/** What the result folders hold, as far as the inventory check needs it. */
export interface ResultsCatalogue {
  tiers: string[];
  meshedVariantsByTier: Map<string, string[]>;
  baselinesByTier: Map<string, string[]>;
}

export interface TierSource {
  tier: string;
  /** A measured tier, or "published". */
  costsFrom: string;
  /** Whether the tier itself has trials (the headroom rule needs them). */
  measuredItself: boolean;
  variants: { name: string; measuredOn: string | null }[];
}

export interface SourceProblem {
  path: (string | number)[];
  message: string;
}

export function catalogueOf(m: Measurements): ResultsCatalogue {
  const meshedVariantsByTier = new Map<string, string[]>();
  for (const v of m.variants) meshedVariantsByTier.set(v.tier, [...(meshedVariantsByTier.get(v.tier) ?? []), v.variant]);
  return { tiers: m.tiers, meshedVariantsByTier, baselinesByTier: m.baselinesByTier };
}

export function resolveTierSources(inv: Inventory, results: ResultsCatalogue): { sources: TierSource[]; problems: SourceProblem[] } {
  const problems: SourceProblem[] = [];
  const sources: TierSource[] = [];
  const measuredList = results.tiers.length ? results.tiers.join(', ') : 'none';
  const allBaselines = new Set([...results.baselinesByTier.values()].flat());

  inv.tiers.forEach((tier, t) => {
    const costsFrom = tier.costsFrom ?? tier.name;
    const measuredItself = results.tiers.includes(tier.name);
    if (costsFrom !== publishedSourceName && !results.tiers.includes(costsFrom)) {
      problems.push(
        tier.costsFrom
          ? { path: ['tiers', t, 'costsFrom'], message: `tier "${costsFrom}" is not in the results (measured tiers: ${measuredList})` }
          : {
              path: ['tiers', t, 'name'],
              message: `tier "${tier.name}" is not in the results (measured tiers: ${measuredList}); measure it, or set costsFrom to a measured tier to borrow its figures, or costsFrom: ${publishedSourceName} for Istio's published figures`,
            },
      );
      return;
    }
    if (tier.shared && tier.cpuHeadroomPct === undefined && !measuredItself)
      problems.push({
        path: ['tiers', t, 'shared'],
        message: `tier "${tier.name}" is shared but has no trials of its own, so its headroom cannot be derived from steal and foreign CPU; set cpuHeadroomPct for it`,
      });

    const measuredHere = costsFrom === publishedSourceName ? [] : (results.meshedVariantsByTier.get(costsFrom) ?? []);
    const baselinesHere = costsFrom === publishedSourceName ? [] : (results.baselinesByTier.get(costsFrom) ?? []);
    const listed = inv.mesh.variants;
    const names = listed ?? (costsFrom === publishedSourceName ? [...publishedModels] : measuredHere);
    if (!listed && names.length === 0)
      problems.push({ path: ['tiers', t, 'name'], message: `tier "${costsFrom}" has no measured variant with a proxy; list mesh.variants (e.g. istio-sidecar for published figures)` });
    const variants: TierSource['variants'] = [];
    names.forEach((name, j) => {
      const where = listed ? ['mesh', 'variants', j] : ['tiers', t, 'name'];
      if (baselinesHere.includes(name) || (allBaselines.has(name) && !measuredHere.includes(name)))
        problems.push({ path: where, message: `"${name}" is a baseline (no proxy): the plan without mesh is always made; list only variants with a mesh` });
      else if (measuredHere.includes(name)) variants.push({ name, measuredOn: costsFrom });
      else if (isPublishedModel(name)) variants.push({ name, measuredOn: null });
      else
        problems.push({
          path: where,
          message: `variant "${name}" was not measured on tier "${costsFrom}"${costsFrom === tier.name ? '' : ` (used for tier "${tier.name}")`} (measured there: ${measuredHere.join(', ') || 'none'}) and is not a published model (${publishedModels.join(', ')})`,
        });
    });
    sources.push({ tier: tier.name, costsFrom, measuredItself, variants });
  });

  inv.slo?.capacityPerPodRps.forEach((c, k) => {
    const source = sources.find((s) => s.tier === c.tier);
    if (!source) return;
    const baselines = results.baselinesByTier.get(source.costsFrom) ?? [];
    const known = c.variant === 'baseline' || baselines.includes(c.variant) || source.variants.some((v) => v.name === c.variant);
    if (!known)
      problems.push({
        path: ['slo', 'capacityPerPodRps', k, 'variant'],
        message: `variant "${c.variant}" is not planned on tier "${c.tier}" (planned: ${source.variants.map((v) => v.name).join(', ')}; "baseline" for the plan without mesh)`,
      });
  });
  return { sources, problems };
}
