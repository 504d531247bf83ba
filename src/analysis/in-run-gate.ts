/**
 * The gate within one run: a candidate variant against a reference variant that ran beside it,
 * both in every repetition in a shuffled order (say the new and the old proxy version, each
 * with its own `binary`). Their trials are seconds apart, so a machine that changes speed
 * between runs hits both alike and cancels in the per-repetition ratio. This is the way to gate
 * an upgrade on a cloud VM.
 *
 * Per repetition: latency as the candidate's added latency over the reference's (both over the
 * baseline of the same repetition); CPU figures as candidate over reference. The median of the
 * per-repetition ratios gets the sign test's exact interval (no distribution assumed), and the
 * same decisions as the two-run gate (Holm for regressions, every figure not worse for a pass).
 */
import * as ss from 'simple-statistics';
import type { TrialRecord } from '../results/schema.js';
import { pairedDifferences, type Observation } from './pairing.js';
import { decideGate } from './gate-decision.js';
import { defaultGateAlpha, defaultGateMaxRepetitions, errorControlText, overallVerdict, type GateResult, type GateRow } from './gate.js';
import { inCell, isLatency, trialFigure, type GateMetric } from './gate-figures.js';
import type { Evidence } from './gate-evidence.js';
import { levelLabel, levelOf, type LoadMode } from './load-level.js';

export interface InRunGateOptions {
  metrics: readonly GateMetric[];
  thresholdPct: number;
  /** candidate variant → reference variant, both in this run. */
  pairs: Record<string, string>;
  excludeFlagged: boolean;
  alpha?: number;
  maxRepetitions?: number;
}

type Trials = readonly TrialRecord[];

export function compareVariantsInRun(trials: Trials, baseline: string, options: InRunGateOptions): GateResult {
  const alpha = options.alpha ?? defaultGateAlpha;
  const kept = trials.filter((t) => !t.capacityStep && (!options.excludeFlagged || t.flags.length === 0));
  const pending: (Omit<GateRow, keyof ReturnType<typeof decideGate>[number] | 'verdict'> & { evidence: Evidence })[] = [];
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
        const latency = isLatency(metric);
        // What is compared per repetition: added latency over the baseline, or the figure itself.
        const shown = (variant: string): Observation[] => (latency ? pairedDifferences(observe(variant, metric), observe(baseline, metric)).pairs.map((p) => ({ repetition: p.repetition, value: p.difference })) : observe(variant, metric));
        const candShown = shown(candidate);
        const refShown = shown(reference);
        const { pairs } = pairedDifferences(candShown, refShown);
        if (pairs.length === 0) {
          unmatched.push(`${where} · ${metric}: no repetition ran both ${candidate} and ${reference}${latency ? ` and ${baseline}` : ''}`);
          continue;
        }
        if (!pairs.every((p) => p.variant > 0 && p.baseline > 0)) {
          unmatched.push(`${where} · ${metric}: ${latency ? 'the added latency over the baseline' : 'the figure'} is not positive in every repetition, so no change in percent can be stated`);
          continue;
        }
        pending.push({
          tier,
          loadMode,
          level,
          variant: candidate,
          referenceVariant: reference,
          metric,
          basis: latency ? 'overhead-ms' : 'value',
          referenceMedian: ss.median(refShown.map((o) => o.value)),
          candidateMedian: ss.median(candShown.map((o) => o.value)),
          referenceRepetitions: pairs.length,
          candidateRepetitions: pairs.length,
          control: null,
          evidence: { kind: 'paired', scale: 'log', values: pairs.map((p) => Math.log(p.variant / p.baseline)) },
        });
      }
    }
  }
  const decisions = decideGate(
    pending.map((p) => ({ evidence: p.evidence })),
    { thresholdPct: options.thresholdPct, alpha, maxRepetitions: options.maxRepetitions ?? defaultGateMaxRepetitions },
  );
  const rows: GateRow[] = pending.map(({ evidence: _e, ...row }, i) => ({ ...row, ...decisions[i] }));
  return { rows, controls: [], overall: overallVerdict(rows), unmatched, alpha, thresholdPct: options.thresholdPct, errorControl: errorControlText(rows.length, alpha, false) };
}
