/**
 * Whether two runs measured the same thing: same topology, same load, same variants (by
 * name, proxy, mode and workers), and the same contention and CPU placement on every tier
 * both ran (a pinned run against an unpinned one differs by the scheduler, not the mesh).
 * Comparing anything else would put a number on a difference in setup. A renamed variant can
 * be mapped explicitly.
 */
import type { RecordedVariant } from './recorded-scenario.js';
import type { RunRecord } from './schema.js';

interface RecordedScenario {
  topology?: unknown;
  load?: unknown;
  variants?: RecordedVariant[];
  tiers?: Array<{ name: string; contention?: unknown }>;
}

/** Differences that make two runs incomparable; empty when they match. */
export function scenarioDifferences(reference: RunRecord, candidate: RunRecord, variantMap: Record<string, string> = {}): string[] {
  const a = reference.scenario as RecordedScenario;
  const b = candidate.scenario as RecordedScenario;
  const problems: string[] = [];
  if (stableJson(a.topology) !== stableJson(b.topology)) problems.push('the topologies differ (services, sizes, calls)');
  const [loadA, loadB] = [recordedLoad(a.load), recordedLoad(b.load)];
  if (stableJson(loadA) !== stableJson(loadB)) problems.push(`the load differs: ${stableJson(loadA)} vs ${stableJson(loadB)}`);
  const refTiers = new Map((a.tiers ?? []).map((t) => [t.name, t]));
  for (const t of b.tiers ?? []) {
    const ref = refTiers.get(t.name);
    if (ref && stableJson(ref.contention ?? null) !== stableJson(t.contention ?? null))
      problems.push(`tier "${t.name}": contention and CPU placement differ: ${stableJson(ref.contention ?? 'none')} vs ${stableJson(t.contention ?? 'none')}`);
  }
  const refVariants = new Map((a.variants ?? []).map((v) => [v.name, v]));
  for (const v of b.variants ?? []) {
    const refName = variantMap[v.name] ?? v.name;
    const ref = refVariants.get(refName);
    if (!ref) {
      problems.push(`variant "${v.name}" is not in the reference run${variantMap[v.name] ? ` (mapped to "${refName}")` : ''}`);
      continue;
    }
    // An explicit mapping says "this is the upgrade of that one": its proxy may differ.
    if (variantMap[v.name]) continue;
    for (const field of ['proxy', 'mesh', 'mode', 'workers', 'copyOf', 'binary'] as const)
      if (v[field] !== ref[field]) problems.push(`variant "${v.name}": ${field} ${String(ref[field])} → ${String(v[field])}`);
  }
  return problems;
}

/** Runs recorded before `load.processes` existed ran one load-driver process. */
function recordedLoad(load: unknown): unknown {
  return load && typeof load === 'object' && !Array.isArray(load) ? { processes: 1, ...load } : load;
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => x.localeCompare(y))) : v,
  );
}
