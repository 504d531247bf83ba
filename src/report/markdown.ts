/**
 * report.md: what the run measured, for people. Per tier and load level a table of every
 * variant against the baseline, then how the mTLS variants were verified, the host, and
 * how to read the numbers.
 */
import type { CellSummary } from '../analysis/cell-summary.js';
import type { Overhead } from '../analysis/overhead.js';
import type { CellVerdicts, RunAnalysis } from '../analysis/run-analysis.js';
import type { TierContrastRow } from '../analysis/tier-contrast.js';
import { minimumRepetitions, type VerdictResult } from '../analysis/verdict.js';
import type { RunRecord, TrialRecord } from '../results/schema.js';
import { fixed, integer, megabytes, signed, withInterval } from './format.js';
import { levelLabel, levelOf, levelShort } from '../analysis/load-level.js';
import { chartImageLines, type ChartImage } from './markdown-images.js';

export function renderMarkdownReport(input: RunAnalysis, images: readonly ChartImage[] = []): string {
  const { run, trials, cells } = input;
  const out: string[] = [];
  const scenario = run.scenario as { name?: string; description?: string; topology?: { services?: { name: string; calls?: string[] }[] } };
  out.push(`# meshbench report: ${scenario.name ?? run.runId}`, '');
  if (scenario.description) out.push(scenario.description, '');
  out.push(
    `Run \`${run.runId}\` · ${run.status}${run.statusDetail ? ` (${run.statusDetail})` : ''} · ${trials.length} of ${run.plannedTrials} trials · seed ${run.seed} · meshbench ${run.tool.version}`,
    `Scenario file: \`${run.scenarioFile}\` · started ${run.startedAt}${run.endedAt ? ` · ended ${run.endedAt}` : ''}`,
    '',
  );
  out.push(hostLine(run), '');
  if (trials.length === 0) {
    out.push('No trial finished, so there is nothing to compare yet.');
    return out.join('\n') + '\n';
  }

  out.push(...headline(cells), '');
  // ── chart images (report charts): PNG links relative to the run folder; none when called without images ──
  if (images.length) out.push(...chartImageLines(images));
  // ── end chart images ──
  for (const tier of unique(cells.map((c) => c.tier))) {
    out.push(`## Tier \`${tier}\``, '');
    const contention = describeContention(input.run.contention[tier]);
    if (contention) out.push(contention, '');
    const ofTier = cells.filter((c) => c.tier === tier);
    for (const key of unique(ofTier.map((c) => `${c.loadMode}:${c.level}`))) {
      const group = ofTier.filter((c) => `${c.loadMode}:${c.level}` === key);
      out.push(`### ${levelLabel(group[0].loadMode, group[0].level)} (${group[0].loadMode} loop)`, '');
      out.push(...cellTable(group, input.verdicts), '');
    }
  }
  if (input.rungs.length) out.push(...rungSection(input), '');
  if (input.tierContrasts.length) out.push(...tierContrastSection(input), '');
  if (input.capacities.length) out.push(...capacitySection(input), '');
  out.push(...spikeSection(input), '');
  out.push(...flagSection(input), '');
  if (input.noiseFloors.length) out.push(...noiseFloorSection(input), '');
  if (input.sloChecks.length) out.push(...sloSection(input), '');
  out.push(...verificationSection(trials), '');
  out.push(...readingNotes(input), '');
  return out.join('\n');
}

function hostLine(run: RunRecord): string {
  const h = run.host;
  const c = h.calibration;
  const calibration = c
    ? `\n\n**Instrument (calibrated):** direct request p50 ${c.directLatencyP50Ms.toFixed(3)} ms / p99 ${c.directLatencyP99Ms.toFixed(3)} ms · closed-loop driver ceiling ${Math.round(c.closedLoopMaxRps).toLocaleString('en-US')} req/s · open-loop send lateness p99 ${c.openLoopSendLatenessP99Us.toFixed(0)} µs`
    : '';
  const proxies = Object.entries(h.proxies).map(([k, v]) => `${k} ${v}`);
  const disks = h.disks.map((d) => `${d.name} ${d.nvme ? 'NVMe' : d.type}`).join(', ');
  return [
    `**Host:** ${h.cpuModel}, ${h.cpuCount} vCPU${h.virtualization ? ` (${h.virtualization})` : ''}, ${(h.memTotalBytes / 2 ** 30).toFixed(1)} GiB RAM`,
    `kernel ${h.kernel}, cgroup ${h.cgroup.version}`,
    disks ? `disks: ${disks}` : null,
    `Node ${h.nodeVersion}`,
    proxies.length ? proxies.join(', ') : null,
  ]
    .filter(Boolean)
    .join(' · ') + calibration;
}

function headline(cells: readonly CellSummary[]): string[] {
  const lines = ['## Summary', ''];
  const meshed = cells.filter((c) => !c.isBaseline);
  for (const variant of unique(meshed.map((c) => c.variant))) {
    const ofVariant = meshed.filter((c) => c.variant === variant);
    const lowest = ofVariant.reduce((a, b) => (b.level < a.level ? b : a));
    const highest = ofVariant.reduce((a, b) => (b.level > a.level ? b : a));
    const p50 = lowest.overhead.latencyP50Ms;
    const parts = [
      p50 ? `adds ${signed(p50.deltaMedian, 3)} ms to p50 at ${levelLabel(lowest.loadMode, lowest.level)}` : null,
      highest.overhead.latencyP99Ms ? `${signed(highest.overhead.latencyP99Ms.deltaMedian, 2)} ms to p99 at ${levelLabel(highest.loadMode, highest.level)}` : null,
      highest.proxyCpuMsPer1kRequestsMedian !== null
        ? `costs ${fixed(highest.proxyCpuMsPer1kRequestsMedian, 1)} ms of proxy CPU per 1,000 requests (µs per request) at ${levelLabel(highest.loadMode, highest.level)}`
        : null,
      highest.proxyRssPeakBytesMedian !== null ? `${megabytes(highest.proxyRssPeakBytesMedian)} MB proxy RSS in all` : null,
    ].filter(Boolean);
    lines.push(`- **${variant}** ${parts.join(', ')}${tierSuffix(ofVariant)}.`);
  }
  return lines;
}

function tierSuffix(cells: readonly CellSummary[]): string {
  const tiers = unique(cells.map((c) => c.tier));
  return tiers.length === 1 ? ` (tier ${tiers[0]})` : '';
}

function cellTable(cells: readonly CellSummary[], verdicts: Map<CellSummary, CellVerdicts>): string[] {
  const header = [
    'variant',
    'trials',
    'req/s',
    'p50 ms',
    'p90 ms',
    'p99 ms',
    'p99.9 ms',
    'Δp50 ms [CI @conf]',
    'Δp99 ms [CI @conf]',
    'verdict p50 / p99',
    'Δreq/s %',
    'errors %',
    'proxy CPU ms/1k req',
    'proxy RSS MB',
    'steal %',
    'iowait %',
    'softirq %',
    'foreign CPU %',
    'flagged',
  ];
  const rows = cells.map((c) => {
    const p50 = c.overhead.latencyP50Ms;
    const p99 = c.overhead.latencyP99Ms;
    return [
      c.isBaseline && c.variant !== 'baseline' ? `${c.variant} (baseline)` : c.variant,
      String(c.trials),
      integer(c.achievedRpsMean),
      fixed(c.pooled?.latencyP50Ms, 3),
      fixed(c.pooled?.latencyP90Ms, 3),
      fixed(c.pooled?.latencyP99Ms, 3),
      fixed(c.pooled?.latencyP999Ms, 3),
      delta(p50),
      delta(p99),
      c.isBaseline ? '–' : `${verdictWord(verdicts.get(c)?.latencyP50Ms)} / ${verdictWord(verdicts.get(c)?.latencyP99Ms)}`,
      signed(c.overhead.achievedRps?.relativePct, 1),
      fixed(c.errorRatePct, 3),
      fixed(c.proxyCpuMsPer1kRequestsMedian, 1),
      megabytes(c.proxyRssPeakBytesMedian),
      fixed(c.node.stealPct, 2),
      fixed(c.node.iowaitPct, 2),
      fixed(c.node.softirqPct, 1),
      fixed(c.node.foreignCpuPct, 1),
      c.flaggedTrials ? `${c.flaggedTrials}/${c.trials}` : '0',
    ];
  });
  return [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < 1 ? ' --- ' : ' ---: ')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

/** The median difference with its exact interval and the confidence that interval reaches; one pair has none. */
function delta(o: Overhead | undefined): string {
  if (!o) return '–';
  return o.pairs >= minimumRepetitions ? withInterval(o.deltaMedian, o.deltaLow, o.deltaHigh, 3, o.confidence) : `${signed(o.deltaMedian, 3)} (n=${o.pairs}, no interval)`;
}

/** The relative change in % with its interval; as delta(), no interval below three pairs. */
function relativeDelta(o: Overhead): string {
  if (o.relativePct === null || o.relativeLowPct === null || o.relativeHighPct === null) return '–';
  return o.pairs >= minimumRepetitions ? withInterval(o.relativePct, o.relativeLowPct, o.relativeHighPct, 1, o.confidence) : `${signed(o.relativePct, 1)} (n=${o.pairs}, no interval)`;
}

/** Against the baseline: "higher" means the variant adds to it. */
function verdictWord(v: VerdictResult | undefined): string {
  if (!v) return '–';
  switch (v.verdict) {
    case 'regression':
      return 'higher';
    case 'improvement':
      return 'lower';
    case 'no-change':
      return 'no change';
    case 'inconclusive':
      return v.repetitionsNeeded?.kind === 'estimate' ? `can't tell (~${v.repetitionsNeeded.repetitions} reps)` : v.repetitionsNeeded?.kind === 'beyond-cap' ? `can't tell (>${v.repetitionsNeeded.cap} reps)` : "can't tell";
  }
}

function flagSection(a: RunAnalysis): string[] {
  const lines = ['## Flagged trials', ''];
  if (a.flaggedTrials === 0) return [...lines, 'No trial crossed a limit (load generator CPU, steal, iowait, foreign CPU, error rate).'];
  const byKind = new Map<string, number>();
  for (const t of a.trials) for (const f of t.flags) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  lines.push(
    `${a.flaggedTrials} of ${a.trials.length} trials crossed a limit${a.excludeFlagged ? ' and are left out of this report (--exclude-flagged)' : ''}: ${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}.`,
  );
  if (byKind.has('loadgen-saturated'))
    lines.push('', '`loadgen-saturated`: the load generator used ~a whole core, so it, not the system under test, set the pace of those trials.');
  if (!a.excludeFlagged)
    lines.push(
      '',
      a.changedWithoutFlagged.length === 0
        ? 'Leaving the flagged trials out changes no verdict.'
        : `Leaving them out changes ${a.changedWithoutFlagged.length} verdict(s): ${a.changedWithoutFlagged.map((c) => `${c.variant} at ${c.level} (${c.metric}: ${c.withFlagged} → ${c.without})`).join('; ')}. Rebuild with \`meshbench report --exclude-flagged\` to see the figures.`,
    );
  return lines;
}

function rungSection(a: RunAnalysis): string[] {
  const lines = [
    '## Rungs of the ladder',
    '',
    'What one feature costs on its own: each variant against the variant it names in `comparedTo`, paired by repetition; exact intervals of the median per-repetition difference, each with the confidence it reaches.',
    '',
    '| tier | load | variant | over | Δp50 ms [CI @conf] | Δp99 ms [CI @conf] | Δreq/s % [CI @conf] | Δ proxy CPU ms/1k req [CI @conf] |',
    '| --- | ---: | --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const r of a.rungs)
    lines.push(
      `| ${r.tier} | ${levelShort(r.loadMode, r.level)} | ${r.variant} | ${r.comparedTo} | ${delta(r.p50)} | ${delta(r.p99)} | ${relativeDelta(r.rps)} | ${r.proxyCpu ? delta(r.proxyCpu) : '–'} |`,
    );
  return lines;
}

function tierContrastSection(a: RunAnalysis): string[] {
  const reference = a.tierContrasts[0].referenceTier;
  const lines = [
    `## Tiers against ${reference}`,
    '',
    `How much more or less each overhead and each rung costs on the other tiers than on ${reference}, the scenario's first tier: the median of the per-repetition overheads on each tier, and the shift between them (tier − ${reference}, Hodges–Lehmann) with Moses' exact interval for two independent samples, since the tiers ran separately; each interval states the confidence it reaches. For req/s the overheads are changes in %, their difference in percentage points. "larger" or "smaller" means the tier changes the cost by more than ±20% of the cost on ${reference}, "same" that it stays within that margin; verdicts are decided together with the rest of the report (see "How to read this").`,
    '',
    `| tier | load | variant | over | overhead | on ${reference} | on the tier | tier − ${reference} [CI @conf] | verdict |`,
    '| --- | ---: | --- | --- | --- | ---: | ---: | ---: | --- |',
  ];
  for (const r of a.tierContrasts) {
    const digits = r.unit === 'ms' ? 3 : 1;
    const difference =
      Math.min(r.referenceRepetitions, r.tierRepetitions) >= minimumRepetitions
        ? withInterval(r.difference, r.differenceLow, r.differenceHigh, digits, r.confidence)
        : `${signed(r.difference, digits)} (n=${r.referenceRepetitions}/${r.tierRepetitions}, no interval)`;
    lines.push(
      `| ${r.tier} | ${levelShort(r.loadMode, r.level)} | ${r.variant} | ${r.over} | ${contrastFigure(r)} | ${signed(r.referenceMedian, digits)} | ${signed(r.tierMedian, digits)} | ${difference} | ${r.verdict} |`,
    );
  }
  // No "~N reps" hint as in the per-tier tables: against a threshold of 0 an estimate near 0
  // projects to absurd numbers, and "would more repetitions show a difference" is not the question.
  const levels = new Set(a.tierContrasts.map((r) => `${r.loadMode}:${r.level}`));
  const findings = a.tierContrasts.filter((r) => r.verdict !== 'inconclusive').map((r) => contrastFinding(r, levels.size > 1));
  lines.push('', ...(findings.length ? findings : ['No tier changes an overhead with confidence.']));
  return lines;
}

function contrastFigure(r: TierContrastRow): string {
  return r.metric === 'achievedRps' ? 'Δreq/s %' : `Δ${percentileName(r)} ms`;
}

function percentileName(r: TierContrastRow): string {
  return r.metric === 'latencyP50Ms' ? 'p50' : 'p99';
}


/** "On shared-vcpu the nginx-mtls sidecar adds 3.1 ms more p99 than on dedicated [2.0, 4.4]." */
function contrastFinding(r: TierContrastRow, sayLevel: boolean): string {
  const at = sayLevel ? ` at ${levelLabel(r.loadMode, r.level)}` : '';
  const who = r.kind === 'overhead' ? `the ${r.variant} sidecar` : r.variant;
  const over = r.kind === 'rung' ? ` over ${r.over}` : '';
  if (r.verdict === 'same') {
    const d = r.unit === 'ms' ? 3 : 1;
    const within = `within ±${fixed(r.margin, d)}${r.unit === 'ms' ? ' ms' : ' points'} [${fixed(r.differenceLow, d)}, ${fixed(r.differenceHigh, d)}]`;
    return r.metric === 'achievedRps'
      ? `On ${r.tier} ${who} changes throughput${over} as on ${r.referenceTier}${at}, ${within}.`
      : `On ${r.tier} ${who} adds the same ${percentileName(r)}${over} as on ${r.referenceTier}${at}, ${within}.`;
  }
  // Oriented so that the numbers say how much more (or less) the tier costs.
  const worse = r.verdict === 'larger';
  const sign = r.higherIsWorse === worse ? 1 : -1;
  const [estimate, low, high] = sign === 1 ? [r.difference, r.differenceLow, r.differenceHigh] : [-r.difference, -r.differenceHigh, -r.differenceLow];
  const digits = Math.abs(estimate) >= 10 ? 0 : Math.abs(estimate) >= 1 ? 1 : Math.abs(estimate) >= 0.1 ? 2 : 3;
  const interval = `[${fixed(low, digits)}, ${fixed(high, digits)}]`;
  const moreOrLess = worse ? 'more' : 'less';
  return r.metric === 'achievedRps'
    ? `On ${r.tier} ${who} loses ${fixed(estimate, digits)} percentage points ${moreOrLess} throughput${over} than on ${r.referenceTier}${at} ${interval}.`
    : `On ${r.tier} ${who} adds ${fixed(estimate, digits)} ms ${moreOrLess} ${percentileName(r)}${over} than on ${r.referenceTier}${at} ${interval}.`;
}

function capacitySection(a: RunAnalysis): string[] {
  const slo = (a.run.scenario as { load?: { slo?: { latencyP99Ms?: number; errorRatePct?: number } } }).load?.slo;
  const lines = [
    '## Capacity at SLO',
    '',
    `The highest open-loop arrival rate each variant sustained with p99 ≤ ${slo?.latencyP99Ms ?? '?'} ms and errors ≤ ${slo?.errorRatePct ?? '?'}% (exponential then binary search, each step a short trial, then a longer confirmation trial at the rate found). The mesh tax is the capacity lost against the baseline.`,
    '',
    '| tier | variant | capacity req/s | confirmed | mesh tax % | driver lateness p99 ms | searches |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of a.capacities)
    lines.push(
      `| ${r.tier} | ${r.variant} | ${r.capacityRps === null ? 'below the lowest rate tried' : integer(r.capacityRps)} | ${r.confirmedSearches}/${r.searches} | ${r.meshTaxPct === null ? '–' : fixed(r.meshTaxPct, 1)} | ${fixed(r.driverLatenessP99Ms, 2)} | ${r.searches} |`,
    );
  lines.push(
    '',
    'Latency in open loop counts from each request\'s due time, so the driver\'s own send lateness is inside every p99: where it is a large share of the objective, the capacity found is partly the instrument\'s (see `meshbench calibrate`).',
  );
  return lines;
}

/** The tier's emulated contention and CPU placement in words, from what run.json recorded as applied. */
function describeContention(record: unknown): string | null {
  const r = record as
    | {
        settings?: { cpuQuotaCores?: number; cpuNeighbour?: { dutyPct: number }; ioNeighbour?: { fsync?: boolean }; pinning?: { podCpus: number[]; loadgenCpus: number[] } };
        slowDisk?: { writeIops: number; writeBytesPerSecond: number; dirtyLimitBytes: number } | null;
        cgroupSupport?: string;
        pinningNote?: string | null;
      }
    | undefined;
  if (!r?.settings) return null;
  const s = r.settings;
  const pinning = s.pinning ? `pods pinned to CPU ${s.pinning.podCpus.join(',')}, load generator to CPU ${s.pinning.loadgenCpus.join(',')}` : null;
  const contention = [
    s.cpuQuotaCores !== undefined ? `pods limited to ${s.cpuQuotaCores} CPU (CFS quota)` : null,
    s.cpuNeighbour ? `a CPU neighbour at ${s.cpuNeighbour.dutyPct}% duty on the pods' CPUs` : null,
    r.slowDisk
      ? `access logs on an emulated slow disk (${r.slowDisk.writeIops} write IOPS, ${fixed(r.slowDisk.writeBytesPerSecond / 1048576, 1)} MiB/s, ${fixed(r.slowDisk.dirtyLimitBytes / 1048576, 0)} MiB of dirty pages before writers wait)`
      : null,
    s.ioNeighbour ? `${s.ioNeighbour.fsync === false ? 'a buffered-writing' : 'an fsync-writing'} I/O neighbour on the same disk` : null,
  ].filter(Boolean);
  const how = r.cgroupSupport ? ` (${r.cgroupSupport})` : '';
  const auto = r.pinningNote ? ` (${r.pinningNote})` : '';
  if (contention.length === 0) return pinning ? `CPU placement: ${pinning}${auto}${how}.` : r.pinningNote ? `CPU placement: ${r.pinningNote}.` : `Emulated contention: none${how}.`;
  return `Emulated contention: ${[...contention, pinning].filter(Boolean).join('; ')}${auto}${how}.`;
}

function spikeSection(a: RunAnalysis): string[] {
  const lines = ['## Latency spikes against what the node was doing', ''];
  if (a.spikes.length === 0)
    return [...lines, 'No trial had a second whose p99 exceeded twice its own median per-second p99, or the run has no 1 Hz samples.'];
  lines.push(
    `${a.spikes.length} trial(s) had seconds whose p99 exceeded twice the trial's median per-second p99. For each, what steal, iowait, PSI and CPU were in those seconds compared with the others:`,
    '',
  );
  const byTrial = new Map(a.trials.map((t) => [t.trialId, t]));
  for (const s of [...a.spikes].sort((x, y) => y.spikeSeconds.length - x.spikeSeconds.length).slice(0, 12)) {
    const t = byTrial.get(s.trialId);
    lines.push(`- ${t ? `${t.tier} · ${t.variant} · ${levelLabel(t.loadMode, levelOf(t))} · rep ${t.repetition}` : s.trialId}: ${s.finding}`);
  }
  return lines;
}

function noiseFloorSection(a: RunAnalysis): string[] {
  const lines = [
    '## Noise floor (A/A)',
    '',
    'The same configuration ran twice under two names. The smallest overhead this run could have detected (80% power, at the confidence each A/A interval reaches):',
    '',
    '| copy | of | tier | load | A/A Δp50 ms [CI] | detectable p50 | A/A Δp99 ms [CI] | detectable p99 |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const f of a.noiseFloors) {
    const pct = (v: number | null) => (v === null ? '' : ` (${fixed(v, 1)}%)`);
    lines.push(
      `| ${f.variant} | ${f.copyOf} | ${f.tier} | ${levelShort(f.loadMode, f.level)} | ${withInterval(f.p50.deltaMedian, f.p50.deltaLow, f.p50.deltaHigh, 3, f.p50.confidence)} | ${fixed(f.p50.smallestDetectable, 3)} ms${pct(f.p50.smallestDetectablePct)} | ${withInterval(f.p99.deltaMedian, f.p99.deltaLow, f.p99.deltaHigh, 3, f.p99.confidence)} | ${fixed(f.p99.smallestDetectable, 3)} ms${pct(f.p99.smallestDetectablePct)} |`,
    );
  }
  if (a.noiseFloors.some((f) => f.p50.systematicDifference || f.p99.systematicDifference))
    lines.push('', 'Warning: an A/A interval excludes 0, so identical configurations measured differently; something systematic (order, warm-up) biases this run.');
  return lines;
}

function sloSection(a: RunAnalysis): string[] {
  const violated = a.sloChecks.filter((c) => c.status === 'violated');
  const lines = [
    '## Service-level objectives',
    '',
    violated.length ? `**${violated.length} objective check(s) violated with confidence** (the whole interval beyond the limit).` : 'No objective is violated with confidence.',
    '',
    '| objective | limit | tier | load | variant | estimate [interval] | status |',
    '| --- | ---: | --- | ---: | --- | ---: | --- |',
  ];
  for (const c of a.sloChecks)
    lines.push(`| ${c.objective} | ${c.limit} | ${c.tier} | ${c.level} | ${c.variant} | ${withInterval(c.estimate, c.low, c.high, 3).replace(/^\+/, '')} | ${c.status} |`);
  return lines;
}

function verificationSection(trials: readonly TrialRecord[]): string[] {
  const lines = ['## Verification before every trial', ''];
  for (const variant of unique(trials.map((t) => t.variant))) {
    const ofVariant = trials.filter((t) => t.variant === variant);
    const passedTrials = ofVariant.filter((t) => t.verification.passed).length;
    const latest = ofVariant[ofVariant.length - 1].verification;
    lines.push(`- **${variant}**: probes passed before ${passedTrials} of ${ofVariant.length} trials.`);
    for (const p of latest.probes)
      lines.push(`  - ${p.passed ? 'passed' : 'FAILED'}: ${p.name}: expected ${p.expect}, got ${p.outcome}${p.appReached ? '; app reached' : '; app not reached'}`);
    for (const note of latest.notes) lines.push(`  - note: ${note}`);
  }
  return lines;
}

function readingNotes(input: RunAnalysis): string[] {
  const cpuCount = input.run.host.cpuCount;
  const busy = input.trials.filter((t) => !t.quiescence.reached).length;
  return [
    '## How to read this',
    '',
    '- Every meshed request crosses two proxies per edge: the caller\'s outbound sidecar and the service\'s inbound sidecar, as in Istio. "proxy" figures are the sum over all sidecars of the variant.',
    `- Two different estimands: the p50/p90/p99 columns are **pooled** percentiles of the cell (all its trials' HDR histograms merged, µs resolution, never averaged), while Δ columns are the **median of per-repetition differences** (variant − \`${input.baselineVariant}\`, same tier, level and repetition). A Δ is therefore not the difference of two pooled columns.`,
    `- Every interval is exact and distribution-free (order statistics of the per-repetition differences: the sign-test interval for a median), asked for at ${Math.round(input.interval.confidence * 100)}%, and printed with the confidence it actually reaches (\`@96.9%\`): ${Math.round(input.interval.confidence * 100)}% needs at least 6 repetitions; 3 reach only 75%, 5 reach 93.8%. An interval below the asked level is still shown, with its real level.`,
    `- Verdicts against the baseline use the per-repetition relative change: "higher" (worse beyond +${input.minEffectPct}%), "lower", "no change" (within ±${input.minEffectPct}%, two one-sided tests) or "can't tell". All ${input.verdictFamilySize} verdicts of this report are decided together: exact one-sided p-values adjusted with Benjamini–Hochberg, a call made when q ≤ ${input.verdictAlpha} (at most ${Math.round(input.verdictAlpha * 100)}% of the calls are expected to be wrong). "can't tell" gives the repetitions a power calculation at the observed spread says would likely decide.`,
    '- Proxy CPU per 1,000 requests (equal to µs per request) is the steadiest figure on a small host; lead with it. It is higher at low load, where nothing is batched.',
    `- Under load, achieved req/s on this ${cpuCount}-vCPU host mostly measures the load generator, the app and the proxies sharing ${cpuCount} cores; read it as a relative number, not as proxy capacity.`,
    '- Foreign CPU is host CPU used by processes outside the run (co-tenants); steal only shows contention from the hypervisor.' +
      (busy ? ` ${busy} trial(s) started before the host went quiet (foreign CPU above the scenario's limit).` : ''),
  ];
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
