/**
 * CPU headroom for shared tiers, from what was measured there. On a shared-vCPU machine a
 * node's nominal vCPUs are not all ours: the hypervisor steals some (steal), co-tenants inside
 * the same guest take some (foreign CPU), and the tail gets noisier from one repetition to the
 * next. The rule, with weights the inventory can change (`headroom:`):
 *
 *   headroom % = stealWeight × q(steal % per trial)
 *              + foreignCpuWeight × q(foreign CPU % per trial)
 *              + p99InflationWeight × p99 inflation %,   capped at maxPct
 *
 * where q is the `quantile` (default 0.9) over every trial on the tier, and p99 inflation is,
 * per cell (run × variant × load level) with 3 or more repetitions, how far the cell's
 * q-quantile p99 lies above its median p99, then the median over cells. Dedicated tiers get no
 * headroom unless the inventory sets `cpuHeadroomPct`, which also overrides the rule.
 */
import { InvalidInputError } from '../errors.js';
import type { HeadroomRule, InventoryTier } from './inventory-schema.js';
import type { TierNoise } from './measurements.js';

export interface Headroom {
  cpuPct: number;
  source: 'rule' | 'inventory' | 'dedicated';
  /** The measured parts, when the rule was applied. */
  parts: {
    stealPct: number;
    foreignCpuPct: number;
    /** Null when no cell had 3 or more repetitions; then it adds nothing, and `explanation` says so. */
    p99InflationPct: number | null;
    trials: number;
    cells: number;
    capped: boolean;
  } | null;
  explanation: string;
}

export const minimumRepetitionsForSpread = 3;

export function tierHeadroom(tier: Pick<InventoryTier, 'name' | 'shared' | 'cpuHeadroomPct'>, rule: HeadroomRule, noise: TierNoise | undefined): Headroom {
  if (tier.cpuHeadroomPct !== undefined)
    return { cpuPct: tier.cpuHeadroomPct, source: 'inventory', parts: null, explanation: `${fmt(tier.cpuHeadroomPct)}% set in the inventory (cpuHeadroomPct)` };
  if (!tier.shared) return { cpuPct: 0, source: 'dedicated', parts: null, explanation: 'none: dedicated tier (set cpuHeadroomPct to keep some)' };
  if (!noise || noise.trials === 0)
    throw new InvalidInputError(`tier "${tier.name}" is shared but has no trials of its own to derive headroom from; set tiers[].cpuHeadroomPct for it`);

  const stealPct = quantile(noise.stealPctByTrial, rule.quantile);
  const foreignCpuPct = quantile(noise.foreignCpuPctByTrial, rule.quantile);
  const spreads = noise.p99MsByCell
    .filter((p99s) => p99s.length >= minimumRepetitionsForSpread)
    .map((p99s) => {
      const median = quantile(p99s, 0.5);
      return median > 0 ? (quantile(p99s, rule.quantile) / median - 1) * 100 : 0;
    });
  const p99InflationPct = spreads.length ? quantile(spreads, 0.5) : null;
  const raw = rule.stealWeight * stealPct + rule.foreignCpuWeight * foreignCpuPct + rule.p99InflationWeight * (p99InflationPct ?? 0);
  const cpuPct = Math.min(raw, rule.maxPct);
  const q = `p${fmt(rule.quantile * 100)}`;
  const explanation = [
    `${rule.stealWeight} × steal ${fmt(stealPct)}% (${q} of ${noise.trials} trials)`,
    `+ ${rule.foreignCpuWeight} × foreign CPU ${fmt(foreignCpuPct)}% (${q})`,
    p99InflationPct === null
      ? `+ p99 inflation not measurable (no cell with ${minimumRepetitionsForSpread}+ repetitions), counted as 0`
      : `+ ${rule.p99InflationWeight} × p99 inflation ${fmt(p99InflationPct)}% (${q} over median p99, median of ${spreads.length} cells)`,
    `= ${fmt(raw)}%${raw > rule.maxPct ? `, capped at ${fmt(rule.maxPct)}%` : ''}`,
  ].join(' ');
  return {
    cpuPct,
    source: 'rule',
    parts: { stealPct, foreignCpuPct, p99InflationPct, trials: noise.trials, cells: spreads.length, capped: raw > rule.maxPct },
    explanation,
  };
}

/** Linear interpolation between order statistics (type 7, as numpy's default). */
export function quantile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('quantile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * p;
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]);
}

function fmt(value: number): string {
  return Number(value.toFixed(2)).toString();
}
