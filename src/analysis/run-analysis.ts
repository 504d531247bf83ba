/**
 * Everything a report says about one run, computed once from its records: the cells with
 * their overheads and verdicts against the baseline, what flagged trials do to the
 * conclusions, A/A noise floors, and SLO checks. Markdown, CSV and HTML render this.
 */
import type { RunRecord, SampleRecord, TrialRecord } from '../results/schema.js';
import { findRunSpikes, type TrialSpikes } from './spikes.js';
import type { Slo } from '../scenario/schema.js';
import { recordedBaseline, recordedSlo, recordedVariants } from '../results/recorded-scenario.js';
import { defaultConfidence, type IntervalOptions } from './exact/interval.js';
import { summarizeCells, type CellSummary } from './cell-summary.js';
import { noiseFloorFromTrials, type NoiseFloor } from './noise-floor.js';
import { computeOverhead, type Overhead } from './overhead.js';
import * as ss from 'simple-statistics';
import { capacityResults } from './capacity.js';
import { checkSlos, type SloCheck } from './slo.js';
import { levelLabel, levelOf, sameLevel, type LoadMode } from './load-level.js';
import { decideVerdicts, defaultVerdictAlpha, type FigureToDecide, type VerdictResult } from './verdict.js';
import { computeTierContrasts, withContrastVerdict, type TierContrastRow } from './tier-contrast.js';

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
  /** The confidence every interval asks for (each states what it reaches). */
  interval: Required<IntervalOptions>;
  /** Error rate of the report's verdicts: false discovery rate across all of them (Benjamini–Hochberg). */
  verdictAlpha: number;
  /** How many figures were decided together. */
  verdictFamilySize: number;
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
  const interval = { confidence: defaultConfidence };
  const minEffectPct = options.minEffectPct ?? defaultMinEffectPct;
  const excludeFlagged = options.excludeFlagged ?? false;
  const cells = summarizeCells(trials, baselineVariant, { interval, excludeFlagged });
  const unflagged = excludeFlagged ? trials.filter((t) => t.flags.length === 0) : trials;
  const contrasts = computeTierContrasts({ run, trials: unflagged, baselineVariant, interval });
  // Every verdict of the report is decided together, so the share of wrong calls stays controlled.
  const cellFigures = cells.flatMap((c) => cellFigureList(c, minEffectPct));
  const decided = decideVerdicts([...cellFigures.map((f) => f.figure), ...contrasts.map((c) => c.figure)]);
  const verdicts = new Map<CellSummary, CellVerdicts>(cells.map((c) => [c, {}]));
  cellFigures.forEach((f, i) => (verdicts.get(f.cell)![f.metric] = decided[i]));
  const tierContrasts = contrasts.map((c, i) => withContrastVerdict(c, decided[cellFigures.length + i]));
  const flaggedTrials = trials.filter((t) => t.flags.length > 0).length;

  const changedWithoutFlagged: RunAnalysis['changedWithoutFlagged'] = [];
  if (flaggedTrials > 0 && !excludeFlagged) {
    const clean = summarizeCells(trials, baselineVariant, { interval, excludeFlagged: true });
    const cleanFigures = clean.flatMap((c) => cellFigureList(c, minEffectPct));
    const cleanDecided = decideVerdicts(cleanFigures.map((f) => f.figure));
    const cleanVerdicts = new Map<CellSummary, CellVerdicts>(clean.map((c) => [c, {}]));
    cleanFigures.forEach((f, i) => (cleanVerdicts.get(f.cell)![f.metric] = cleanDecided[i]));
    for (const cell of cells) {
      const twin = clean.find((c) => c.tier === cell.tier && c.loadMode === cell.loadMode && c.level === cell.level && c.variant === cell.variant);
      const before = verdicts.get(cell)!;
      const after = twin ? cleanVerdicts.get(twin)! : {};
      for (const metric of ['latencyP50Ms', 'latencyP99Ms'] as const) {
        const a = before[metric]?.verdict;
        const b = after[metric]?.verdict ?? 'no data';
        if (a && a !== b) changedWithoutFlagged.push({ tier: cell.tier, level: levelLabel(cell.loadMode, cell.level), variant: cell.variant, metric, withFlagged: a, without: b });
      }
    }
  }

  const slo = recordedSlo(run) as Slo | undefined;
  return {
    run,
    trials,
    baselineVariant,
    interval,
    verdictAlpha: defaultVerdictAlpha,
    verdictFamilySize: cellFigures.length + contrasts.length,
    minEffectPct,
    excludeFlagged,
    cells,
    verdicts,
    flaggedTrials,
    changedWithoutFlagged,
    noiseFloors: aaFloors(run, unflagged, interval),
    sloChecks: slo ? checkSlos(slo, cells, trials, interval) : [],
    capacities: capacityRows(trials, baselineVariant),
    spikes: options.samples ? findRunSpikes(trials, options.samples).filter((s) => s.spikeSeconds.length > 0) : [],
    rungs: rungRows(run, unflagged, interval),
    tierContrasts,
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

/**
 * The figures a cell's verdicts are decided on: relative overhead per repetition against a
 * ±minEffectPct margin when the ratio is defined, otherwise the difference in its unit
 * against 0.
 */
function cellFigureList(cell: CellSummary, minEffectPct: number): { cell: CellSummary; metric: keyof CellVerdicts; figure: FigureToDecide }[] {
  return (['latencyP50Ms', 'latencyP99Ms'] as const).flatMap((metric) => {
    const o: Overhead | undefined = cell.overhead[metric];
    if (!o) return [];
    const figure: FigureToDecide = o.relatives
      ? { evidence: { kind: 'paired', scale: 'linear', values: o.relatives }, margin: minEffectPct, higherIsWorse: o.higherIsWorse, unit: '%' }
      : { evidence: { kind: 'paired', scale: 'linear', values: o.deltas }, margin: 0, higherIsWorse: o.higherIsWorse, unit: o.unit };
    return [{ cell, metric, figure }];
  });
}

type RungMetric = 'latencyP50Ms' | 'latencyP99Ms' | 'achievedRps' | 'proxyCpuMsPer1kRequests';

function rungRows(run: RunRecord, trials: readonly TrialRecord[], interval: IntervalOptions): RungRow[] {
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
        computeOverhead({ metric, variantTrials: pick(v.name, metric), baselineTrials: pick(v.comparedTo!, metric), interval });
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

function aaFloors(run: RunRecord, trials: readonly TrialRecord[], interval: IntervalOptions): AaFloor[] {
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
          p50: noiseFloorFromTrials({ first: pick(copy.copyOf!, 'latencyP50Ms'), second: pick(copy.name, 'latencyP50Ms'), metric: 'latencyP50Ms', interval }),
          p99: noiseFloorFromTrials({ first: pick(copy.copyOf!, 'latencyP99Ms'), second: pick(copy.name, 'latencyP99Ms'), metric: 'latencyP99Ms', interval }),
        });
      } catch (err) {
        // No repetition has both copies (an interrupted run): no floor to state for this cell.
        if (!(err instanceof RangeError)) throw err;
      }
    }
  }
  return floors;
}
