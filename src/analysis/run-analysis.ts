/**
 * Everything a report says about one run, computed once from its records: the cells with
 * their overheads and verdicts against the baseline, what flagged trials do to the
 * conclusions, A/A noise floors, and SLO checks. Markdown, CSV and HTML render this.
 */
import type { RunRecord, SampleRecord, TrialRecord } from '../results/schema.js';
import { findRunSpikes, type TrialSpikes } from './spikes.js';
import type { Slo } from '../scenario/schema.js';
import { recordedBaseline, recordedSlo, recordedVariants } from '../results/recorded-scenario.js';
import { defaultBootstrap, type BootstrapOptions } from './bootstrap.js';
import { summarizeCells, type CellSummary } from './cell-summary.js';
import { noiseFloorFromTrials, type NoiseFloor } from './noise-floor.js';
import { computeOverhead, type Overhead } from './overhead.js';
import * as ss from 'simple-statistics';
import { capacityResults } from './capacity.js';
import { checkSlos, type SloCheck } from './slo.js';
import { levelLabel, levelOf, sameLevel, type LoadMode } from './load-level.js';
import { decideVerdict, type VerdictResult } from './verdict.js';
import { computeTierContrasts, type TierContrastRow } from './tier-contrast.js';

/** Relative changes smaller than this are "no change" in a single run's report. */
export const defaultMinEffectPct = 2;

export interface CellVerdicts {
  latencyP50Ms?: VerdictResult;
  latencyP99Ms?: VerdictResult;
}

export interface AaFloor {
  variant: string;
  copyOf: string;
  tier: string;
  loadMode: LoadMode;
  level: number;
  p50: NoiseFloor;
  p99: NoiseFloor;
}

export interface RunAnalysis {
  run: RunRecord;
  trials: readonly TrialRecord[];
  baselineVariant: string;
  bootstrap: Required<BootstrapOptions>;
  minEffectPct: number;
  excludeFlagged: boolean;
  cells: CellSummary[];
  verdicts: Map<CellSummary, CellVerdicts>;
  flaggedTrials: number;
  /** Cells whose p50/p99 verdict differs once flagged trials are left out (only when some are flagged). */
  changedWithoutFlagged: { tier: string; level: string; variant: string; metric: string; withFlagged: string; without: string }[];
  noiseFloors: AaFloor[];
  sloChecks: SloCheck[];
  /** Capacity at SLO per tier and variant (median over repetitions), with the mesh tax against the baseline. */
  capacities: CapacityRow[];
  /** Trials with latency spikes, lined up with what the node was doing in those seconds (needs samples). */
  spikes: TrialSpikes[];
  /** What a variant adds over the one it names in `comparedTo`: one rung of the ladder. */
  rungs: RungRow[];
  /** With two tiers or more: each overhead and rung on every other tier against the first tier of the scenario. */
  tierContrasts: TierContrastRow[];
}

export interface RungRow {
  tier: string;
  loadMode: LoadMode;
  level: number;
  variant: string;
  comparedTo: string;
  p50: Overhead;
  p99: Overhead;
  /** Achieved throughput, variant − comparedTo in req/s, with the relative change in %. */
  rps: Overhead;
  proxyCpu: Overhead | null;
}

export interface CapacityRow {
  tier: string;
  variant: string;
  searches: number;
  capacityRps: number | null;
  confirmedSearches: number;
  /** Capacity lost against the baseline, in percent of the baseline's. */
  meshTaxPct: number | null;
  /** The driver's own send lateness (p99) at the rate found: how much of the p99 budget the instrument used. */
  driverLatenessP99Ms: number | null;
}

export function analyzeRun(
  run: RunRecord,
  trials: readonly TrialRecord[],
  options: { excludeFlagged?: boolean; minEffectPct?: number; where?: string; samples?: readonly SampleRecord[] } = {},
): RunAnalysis {
  const baselineVariant = recordedBaseline(run, options.where ?? run.runId);
  // The run's seed also seeds the bootstrap, so a rebuilt report shows the same intervals.
  const bootstrap = { ...defaultBootstrap, seed: run.seed };
  const minEffectPct = options.minEffectPct ?? defaultMinEffectPct;
  const excludeFlagged = options.excludeFlagged ?? false;
  const cells = summarizeCells(trials, baselineVariant, { bootstrap, excludeFlagged });
  const verdicts = new Map(cells.map((c) => [c, cellVerdicts(c, minEffectPct)]));
  const flaggedTrials = trials.filter((t) => t.flags.length > 0).length;

  const changedWithoutFlagged: RunAnalysis['changedWithoutFlagged'] = [];
  if (flaggedTrials > 0 && !excludeFlagged) {
    const clean = summarizeCells(trials, baselineVariant, { bootstrap, excludeFlagged: true });
    for (const cell of cells) {
      const twin = clean.find((c) => c.tier === cell.tier && c.loadMode === cell.loadMode && c.level === cell.level && c.variant === cell.variant);
      const before = verdicts.get(cell)!;
      const after = twin ? cellVerdicts(twin, minEffectPct) : {};
      for (const metric of ['latencyP50Ms', 'latencyP99Ms'] as const) {
        const a = before[metric]?.verdict;
        const b = after[metric]?.verdict ?? 'no data';
        if (a && a !== b) changedWithoutFlagged.push({ tier: cell.tier, level: levelLabel(cell.loadMode, cell.level), variant: cell.variant, metric, withFlagged: a, without: b });
      }
    }
  }

  const slo = recordedSlo(run) as Slo | undefined;
  const unflagged = excludeFlagged ? trials.filter((t) => t.flags.length === 0) : trials;
  return {
    run,
    trials,
    baselineVariant,
    bootstrap,
    minEffectPct,
    excludeFlagged,
    cells,
    verdicts,
    flaggedTrials,
    changedWithoutFlagged,
    noiseFloors: aaFloors(run, unflagged, bootstrap),
    sloChecks: slo ? checkSlos(slo, cells, trials, bootstrap) : [],
    capacities: capacityRows(trials, baselineVariant),
    spikes: options.samples ? findRunSpikes(trials, options.samples).filter((s) => s.spikeSeconds.length > 0) : [],
    rungs: rungRows(run, unflagged, bootstrap),
    tierContrasts: computeTierContrasts({ run, trials: unflagged, baselineVariant, bootstrap }),
  };
}

function capacityRows(trials: readonly TrialRecord[], baselineVariant: string): CapacityRow[] {
  const results = capacityResults(trials);
  const rows: CapacityRow[] = [];
  for (const key of new Set(results.map((r) => JSON.stringify([r.tier, r.variant])))) {
    const [tier, variant] = JSON.parse(key) as [string, string];
    const mine = results.filter((r) => r.tier === tier && r.variant === variant);
    const found = mine.map((r) => r.capacityRps).filter((c): c is number => c !== null);
    const lateness = mine.map((r) => r.driverLatenessP99Ms).filter((l): l is number => l !== null);
    rows.push({
      tier,
      variant,
      searches: mine.length,
      capacityRps: found.length ? ss.median(found) : null,
      confirmedSearches: mine.filter((r) => r.confirmed).length,
      meshTaxPct: null,
      driverLatenessP99Ms: lateness.length ? ss.median(lateness) : null,
    });
  }
  for (const row of rows) {
    const base = rows.find((r) => r.tier === row.tier && r.variant === baselineVariant)?.capacityRps;
    if (row.variant !== baselineVariant && base && row.capacityRps !== null) row.meshTaxPct = (1 - row.capacityRps / base) * 100;
  }
  return rows;
}

/** Verdict of a variant against the baseline, on the relative interval when there is one. */
function cellVerdicts(cell: CellSummary, minEffectPct: number): CellVerdicts {
  const decide = (o: Overhead | undefined): VerdictResult | undefined => {
    if (!o) return undefined;
    if (o.relativeLowPct !== null && o.relativeHighPct !== null)
      return decideVerdict({ deltaLow: o.relativeLowPct, deltaHigh: o.relativeHighPct, threshold: minEffectPct, higherIsWorse: o.higherIsWorse, n: o.pairs, unit: '%' });
    return decideVerdict({ deltaLow: o.deltaLow, deltaHigh: o.deltaHigh, threshold: 0, higherIsWorse: o.higherIsWorse, n: o.pairs, unit: o.unit });
  };
  return { latencyP50Ms: decide(cell.overhead.latencyP50Ms), latencyP99Ms: decide(cell.overhead.latencyP99Ms) };
}

type RungMetric = 'latencyP50Ms' | 'latencyP99Ms' | 'achievedRps' | 'proxyCpuMsPer1kRequests';

function rungRows(run: RunRecord, trials: readonly TrialRecord[], bootstrap: Required<BootstrapOptions>): RungRow[] {
  const rows: RungRow[] = [];
  for (const v of recordedVariants(run).filter((x) => x.comparedTo)) {
    const cells = new Set(trials.filter((t) => t.variant === v.name && !t.capacityStep).map((t) => JSON.stringify([t.tier, t.loadMode, levelOf(t)])));
    for (const cell of cells) {
      const [tier, loadMode, level] = JSON.parse(cell) as [string, LoadMode, number];
      const pick = (variant: string, metric: RungMetric) =>
        trials
          .filter((t) => t.variant === variant && t.tier === tier && !t.capacityStep && sameLevel(t, { loadMode, level }) && t[metric] !== null)
          .map((t) => ({ repetition: t.repetition, value: t[metric] as number }));
      const overhead = (metric: RungMetric) =>
        computeOverhead({ metric, variantTrials: pick(v.name, metric), baselineTrials: pick(v.comparedTo!, metric), bootstrap });
      try {
        const hasCpu = pick(v.name, 'proxyCpuMsPer1kRequests').length > 0 && pick(v.comparedTo!, 'proxyCpuMsPer1kRequests').length > 0;
        rows.push({ tier, loadMode, level, variant: v.name, comparedTo: v.comparedTo!, p50: overhead('latencyP50Ms'), p99: overhead('latencyP99Ms'), rps: overhead('achievedRps'), proxyCpu: hasCpu ? overhead('proxyCpuMsPer1kRequests') : null });
      } catch (err) {
        // No repetition has both variants (an interrupted run): nothing to state for this cell.
        if (!(err instanceof RangeError)) throw err;
      }
    }
  }
  return rows;
}

function aaFloors(run: RunRecord, trials: readonly TrialRecord[], bootstrap: Required<BootstrapOptions>): AaFloor[] {
  const floors: AaFloor[] = [];
  for (const copy of recordedVariants(run).filter((v) => v.copyOf)) {
    const cells = new Set(trials.filter((t) => t.variant === copy.name && !t.capacityStep).map((t) => JSON.stringify([t.tier, t.loadMode, levelOf(t)])));
    for (const cell of cells) {
      const [tier, loadMode, level] = JSON.parse(cell) as [string, LoadMode, number];
      const pick = (variant: string, metric: 'latencyP50Ms' | 'latencyP99Ms') =>
        trials
          .filter((t) => t.variant === variant && t.tier === tier && !t.capacityStep && sameLevel(t, { loadMode, level }))
          .map((t) => ({ repetition: t.repetition, value: t[metric] }));
      try {
        floors.push({
          variant: copy.name,
          copyOf: copy.copyOf!,
          tier,
          loadMode,
          level,
          p50: noiseFloorFromTrials({ first: pick(copy.copyOf!, 'latencyP50Ms'), second: pick(copy.name, 'latencyP50Ms'), metric: 'latencyP50Ms', bootstrap }),
          p99: noiseFloorFromTrials({ first: pick(copy.copyOf!, 'latencyP99Ms'), second: pick(copy.name, 'latencyP99Ms'), metric: 'latencyP99Ms', bootstrap }),
        });
      } catch (err) {
        // No repetition has both copies (an interrupted run): no floor to state for this cell.
        if (!(err instanceof RangeError)) throw err;
      }
    }
  }
  return floors;
}
