/**
 * The gate within one run: a candidate variant against a reference variant that ran beside
 * it, both in every repetition in a shuffled order (say the new and the old proxy version,
 * each with its own `binary`). Their trials are seconds apart, so a machine that changes
 * speed between two runs minutes apart, which the two-run gate can only detect and report,
 * hits both alike here and cancels in the paired difference. This is the way to gate an
 * upgrade on a cloud VM.
 *
 * Per repetition: latency as candidate − reference (the baseline cancels in that difference),
 * in percent of the reference's added latency over the baseline; CPU figures as candidate −
 * reference, in percent of the reference. The median of the paired differences gets a paired
 * bootstrap interval, and the same one-sided decision as the two-run gate.
 */
import * as ss from 'simple-statistics';
import type { TrialRecord } from '../results/schema.js';
import { pairedDifferences, medianDifferenceCi, resolveOptions, type BootstrapOptions, type Observation } from './bootstrap.js';
import { gateDecision, inCell, overallVerdict, trialFigure, type GateMetric, type GateResult, type GateRow } from './gate.js';
import { levelLabel, levelOf, type LoadMode } from './load-level.js';

export interface InRunGateOptions {
  metrics: readonly GateMetric[];
  thresholdPct: number;
  /** candidate variant → reference variant, both in this run. */
  pairs: Record<string, string>;
  excludeFlagged: boolean;
  bootstrap?: BootstrapOptions;
}

type Trials = readonly TrialRecord[];

export function compareVariantsInRun(trials: Trials, baseline: string, options: InRunGateOptions): GateResult {
  const bootstrap = resolveOptions(options.bootstrap ?? {});
  const kept = trials.filter((t) => !t.capacityStep && (!options.excludeFlagged || t.flags.length === 0));
  const rows: GateRow[] = [];
  const unmatched: string[] = [];
  for (const [candidate, reference] of Object.entries(options.pairs)) {
    const cells = [...new Set(kept.filter((t) => t.variant === candidate).map((t) => JSON.stringify([t.tier, t.loadMode, levelOf(t)])))];
    for (const cell of cells) {
      const [tier, loadMode, level] = JSON.parse(cell) as [string, LoadMode, number];
      const where = `${tier} · ${levelLabel(loadMode, level)} · ${candidate}`;
      const observe = (variant: string, metric: GateMetric): Observation[] =>
        inCell(kept, { tier, loadMode, level }, variant).flatMap((t) => {
          const value = trialFigure(t, metric);
          return value === null ? [] : [{ repetition: t.repetition, value }];
        });
      for (const metric of options.metrics) {
        const latency = metric === 'latencyP50Ms' || metric === 'latencyP99Ms';
        const cand = observe(candidate, metric);
        const ref = observe(reference, metric);
        const { pairs } = pairedDifferences(cand, ref);
        if (pairs.length === 0) {
          unmatched.push(`${where} · ${metric}: no repetition ran both ${candidate} and ${reference}`);
          continue;
        }
        // What a change is a percentage of: the reference's added latency, or its own figure.
        const base = latency ? observe(baseline, metric) : [];
        const refShown = latency ? pairedDifferences(ref, base).pairs.map((p) => p.difference) : ref.map((o) => o.value);
        const candShown = latency ? pairedDifferences(cand, base).pairs.map((p) => p.difference) : cand.map((o) => o.value);
        const refMedian = refShown.length > 0 ? ss.median(refShown) : NaN;
        if (!(refMedian > 0)) {
          unmatched.push(`${where} · ${metric}: ${reference} shows no ${latency ? 'added latency over the baseline' : 'figure'} to compare against`);
          continue;
        }
        const scale = 100 / refMedian;
        const ci = medianDifferenceCi(pairs, bootstrap);
        const decision = gateDecision({ deltaLow: ci.low * scale, deltaHigh: ci.high * scale, threshold: options.thresholdPct, higherIsWorse: true, n: pairs.length, unit: '%' });
        rows.push({
          tier,
          loadMode,
          level,
          variant: candidate,
          referenceVariant: reference,
          metric,
          basis: latency ? 'overhead-ms' : 'value',
          referenceMedian: refMedian,
          candidateMedian: candShown.length > 0 ? ss.median(candShown) : NaN,
          changePct: ci.estimate * scale,
          changeLowPct: ci.low * scale,
          changeHighPct: ci.high * scale,
          referenceRepetitions: pairs.length,
          candidateRepetitions: pairs.length,
          verdict: decision.verdict,
          reason: decision.reason,
          repetitionsNeeded: decision.repetitionsNeeded,
          control: null,
        });
      }
    }
  }
  return { rows, controls: [], overall: overallVerdict(rows), unmatched };
}
