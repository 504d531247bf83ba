/** The gate's verdict table, written to be pasted into a pull request. */
import type { GateControl, GateResult, GateRow } from '../analysis/gate.js';
import { confidenceLabel, fixed, withInterval } from './format.js';
import { levelLabel, levelShort } from '../analysis/load-level.js';
import type { GateBasis } from '../analysis/gate.js';

export interface GateReportInput {
  referenceRunId: string;
  candidateRunId: string;
  /** Variants against variants in one run (`gate RUN --map NEW=OLD`). */
  withinRun?: boolean;
  thresholdPct: number;
  excludeFlagged: boolean;
  basis: GateBasis;
  result: GateResult;
}

const metricLabels: Record<GateRow['metric'], string> = {
  latencyP50Ms: 'p50 overhead',
  latencyP99Ms: 'p99 overhead',
  proxyToAppCpuRatio: 'proxy CPU per app CPU',
  proxyCpuMsPer1kRequests: 'proxy CPU per request',
};

const controlLabels: Record<GateControl['figure'], string> = {
  latencyP50Ms: 'p50 ms',
  latencyP99Ms: 'p99 ms',
  appCpuMsPer1kRequests: 'app CPU ms/1k req',
};

const verdictLabels: Record<GateRow['verdict'], string> = {
  regression: '**regression**',
  improvement: 'improvement',
  'no-change': 'no change',
  'not-worse': 'not worse',
  inconclusive: 'inconclusive',
};

export function renderGateMarkdown(input: GateReportInput): string {
  const { result } = input;
  const decided = result.rows.filter((r) => r.verdict !== 'inconclusive').length;
  const level = confidenceLabel(1 - result.alpha);
  const headline =
    result.overall === 'regression'
      ? `❌ **Regression**: ${result.rows.filter((r) => r.verdict === 'regression').length} figure(s) got worse by more than ${input.thresholdPct}${input.basis === 'ratio' ? ' points' : '%'} (family-wise error ≤ ${confidenceLabel(result.alpha)}).`
      : result.overall === 'inconclusive'
        ? `⚠️ **Can't tell yet**: nothing regressed with confidence, but ${result.rows.length - decided} of ${result.rows.length} figure(s) are not decided (see the last column for how many repetitions would likely decide them).`
        : `✅ **No regression**: every figure is at least not worse by more than the threshold (${level} one-sided each).`;
  const lines = [
    '## meshbench gate',
    '',
    `${input.withinRun ? `Within run \`${input.referenceRunId}\`: each candidate variant against its reference, both in every repetition, paired by repetition` : `Reference \`${input.referenceRunId}\` → candidate \`${input.candidateRunId}\``} · threshold ${input.thresholdPct}${input.basis === 'ratio' ? ' points' : '%'} · latency as ${input.basis === 'ratio' ? 'relative overhead (ratio to the baseline)' : 'added latency over the baseline'} · ${input.excludeFlagged ? 'flagged trials left out' : 'flagged trials included'}`,
    '',
    headline,
    '',
    '| tier | load | variant | figure | reference | candidate | change [interval @conf] | verdict | why | repetitions to decide |',
    '| --- | ---: | --- | --- | ---: | ---: | ---: | --- | --- | --- |',
  ];
  for (const r of result.rows) {
    const show = (v: number) =>
      r.basis === 'overhead-pct'
        ? `${v >= 0 ? '+' : ''}${fixed(v, 1)}%`
        : r.basis === 'overhead-ms'
          ? `${v >= 0 ? '+' : ''}${fixed(v, 3)} ms`
          : r.metric === 'proxyToAppCpuRatio'
            ? `${fixed(v, 2)}×`
            : `${fixed(v, 1)} ms/1k`;
    const unit = r.basis === 'overhead-pct' ? ' pp' : '%';
    const needed = r.repetitionsNeeded?.kind === 'estimate' ? `~${r.repetitionsNeeded.repetitions}` : r.repetitionsNeeded?.kind === 'beyond-cap' ? `not below ${r.repetitionsNeeded.cap}` : r.repetitionsNeeded?.kind === 'on-threshold' ? 'never (on the threshold)' : '';
    lines.push(
      `| ${r.tier} | ${levelShort(r.loadMode, r.level)} | ${r.variant}${r.referenceVariant !== r.variant ? ` (${input.withinRun ? 'vs' : 'was'} ${r.referenceVariant})` : ''} | ${metricLabels[r.metric]} | ${show(r.referenceMedian)} | ${show(r.candidateMedian)} | ${withInterval(r.changePct, r.changeLowPct, r.changeHighPct, 1)}${unit} @${confidenceLabel(r.confidence)} | ${verdictLabels[r.verdict]} | ${r.reason} | ${needed} |`,
    );
  }
  lines.push('', result.errorControl, `Each interval's bounds are one-sided ${confidenceLabel(r0Alpha(result))} bounds (so the two-sided level shown is lower); they are exact and distribution-free (${input.withinRun ? 'order statistics of the per-repetition ratios: the sign-test interval' : "Moses' interval of the Hodges–Lehmann ratio between the two runs' repetitions"}).`);
  if (result.controls.length) {
    const moved = result.controls.filter((c) => c.moved);
    lines.push(
      '',
      moved.length
        ? `⚠️ **The baseline itself moved between the runs** (its interval excludes no change): the machine changed speed. Figures that move with the machine were judged against that move (a regression must exceed the threshold plus the machine's plausible slow-down, "not worse" must hold even if the machine got as much faster as its interval allows). Run both again back to back, or gate within one run.`
        : 'Baseline between the runs (the control: it should not move; its interval widens what figures that move with the machine must clear):',
      '',
      ...result.controls.map(
        (c) =>
          `- ${c.tier} · ${levelLabel(c.loadMode, c.level)} · baseline ${controlLabels[c.figure]}: ${fixed(c.referenceMedian, 3)} → ${fixed(c.candidateMedian, 3)}, ${withInterval(c.changePct, c.changeLowPct, c.changeHighPct, 1)}% @${confidenceLabel(c.confidence)}${c.moved ? ' ⚠️' : ''}`,
      ),
    );
  }
  if (result.unmatched.length) lines.push('', 'Not compared:', ...result.unmatched.map((u) => `- ${u}`));
  const metrics = new Set(result.rows.map((r) => r.metric));
  const cpuNotes = [
    metrics.has('proxyToAppCpuRatio')
      ? '"Proxy CPU per app CPU" is the proxies\' CPU seconds over the app\'s in the same trial (same CPU, same seconds, same requests), so a machine that got faster or slower between the runs cancels; changes are in percent of the reference.'
      : null,
    metrics.has('proxyCpuMsPer1kRequests') ? '"Proxy CPU per request" compares CPU per 1,000 requests directly, in percent of the reference; it moves with the machine\'s speed.' : null,
  ].filter((n): n is string => n !== null);
  lines.push(
    '',
    [
      input.withinRun
        ? 'Latency rows compare candidate − reference per repetition (the baseline cancels in that difference), in percent of the reference\'s added latency over the baseline; the reference and candidate columns show each one\'s added latency.'
        : input.basis === 'ratio'
        ? 'Latency rows compare relative overhead (variant over its own run\'s baseline, per repetition), so a machine that got uniformly faster or slower cancels; "pp" are percentage points.'
        : 'Latency rows compare the latency each variant adds over its own run\'s baseline (paired per repetition, so a baseline that got slower by a constant cancels); changes are in percent of the reference run\'s added latency.',
      ...cpuNotes,
    ].join(' '),
  );
  return lines.join('\n') + '\n';
}

/** The one-sided level of each bound: 1 − α, or 1 − α/2 where a control shares α. */
function r0Alpha(result: GateResult): number {
  return 1 - (result.controls.length ? result.alpha / 2 : result.alpha);
}
