/**
 * compare.md: the same scenario measured on several machines, side by side. The header says
 * what each machine is (CPU, vCPUs, virtualization, NVMe, the steal it actually showed), then
 * per load level one table of overheads and one of cost, with a column per tier.
 */
import type { Overhead } from '../analysis/overhead.js';
import { minimumRepetitions } from '../analysis/verdict.js';
import { loadLevel, variantOrder } from './charts/style.js';
import type { ComparedRun, Comparison } from './compare.js';
import { fixed, integer, megabytes, signed, withInterval } from './format.js';
import { chartImageLines, type ChartImage } from './markdown-images.js';

export function renderComparisonMarkdown(c: Comparison, images: readonly ChartImage[] = [], htmlFile = 'compare.html'): string {
  const tiers = c.runs.flatMap((r) => [...r.tierLabels.values()]);
  const out: string[] = [`# meshbench comparison: ${c.scenarioName}`, ''];
  out.push(
    `${c.runs.length} result folders, tiers ${tiers.map((t) => `\`${t}\``).join(', ')}. Each folder is analysed against its own baseline, on its own machine; only the results are put side by side.${c.excludeFlagged ? ' Flagged trials are left out (--exclude-flagged).' : ''}`,
    '',
  );
  if (c.differences.length)
    out.push('**Compared with --force although the scenarios differ:**', '', ...c.differences.map((d) => `- ${d}`), '');
  else out.push('The scenarios match: same topology, variants and load.', '');
  for (const note of c.notes) out.push(`**Note:** ${note}`, '');

  out.push(...hostTable(c.runs), '');
  out.push(...headline(c, tiers), '');
  if (images.length) out.push(...chartImageLines(images, htmlFile));

  out.push('## Side by side', '');
  const levels = [...new Map(c.cells.map((cell) => [loadLevel(cell).order, loadLevel(cell)])).values()].sort((a, b) => a.order - b.order);
  const variants = variantOrder(c.cells);
  for (const level of levels) {
    const atLevel = c.cells.filter((cell) => loadLevel(cell).order === level.order);
    const cell = (variant: string, tier: string) => atLevel.find((x) => x.variant === variant && x.tier === tier);
    out.push(`### ${level.label}`, '');
    out.push(
      ...table(
        ['variant', ...tiers.map((t) => `Δp50 ms [CI @conf] \`${t}\``), ...tiers.map((t) => `Δp99 ms [CI @conf] \`${t}\``), ...tiers.map((t) => `Δp99 % \`${t}\``)],
        variants.map((v) => [
          v,
          ...tiers.map((t) => delta(cell(v, t)?.overhead.latencyP50Ms)),
          ...tiers.map((t) => delta(cell(v, t)?.overhead.latencyP99Ms)),
          ...tiers.map((t) => signed(cell(v, t)?.overhead.latencyP99Ms?.relativePct, 1)),
        ]),
      ),
      '',
    );
    out.push(
      ...table(
        ['variant', ...tiers.map((t) => `p99 ms \`${t}\``), ...tiers.map((t) => `req/s \`${t}\``), ...tiers.map((t) => `proxy CPU ms/1k req \`${t}\``), ...tiers.map((t) => `proxy RSS MB \`${t}\``)],
        variants.map((v) => [
          v,
          ...tiers.map((t) => fixed(cell(v, t)?.pooled?.latencyP99Ms, 3)),
          ...tiers.map((t) => integer(cell(v, t)?.achievedRpsMean)),
          ...tiers.map((t) => fixed(cell(v, t)?.proxyCpuMsPer1kRequestsMedian, 1)),
          ...tiers.map((t) => megabytes(cell(v, t)?.proxyRssPeakBytesMedian)),
        ]),
      ),
      '',
    );
  }
  out.push(
    '## How to read this',
    '',
    '- Δ columns are medians of per-repetition differences (variant − baseline, same tier, level and repetition) with exact order-statistic intervals, each printed with the confidence it reaches; each tier against its own baseline.',
    '- A tier that shows a larger Δ with a wider interval is usually a noisier machine: check its steal, foreign CPU and flagged trials in the header before blaming the mesh.',
    '- Proxy CPU per 1,000 requests (= µs per request) carries across machines best; req/s depends on how many cores the load generator, app and proxies share.',
    '',
  );
  return out.join('\n');
}

function hostTable(runs: readonly ComparedRun[]): string[] {
  const header = ['', ...runs.map((r) => [...r.tierLabels.values()].map((t) => `tier \`${t}\``).join(', '))];
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  const rows: [string, (r: ComparedRun) => string][] = [
    ['folder', (r) => `\`${r.dir}\``],
    ['run', (r) => `\`${r.run.runId}\` · ${r.run.status} · ${r.analysis.trials.length} of ${r.run.plannedTrials} trials`],
    ['started', (r) => r.run.startedAt],
    ['CPU', (r) => r.run.host.cpuModel],
    ['vCPUs', (r) => `${r.run.host.cpuCount} (${r.run.host.physicalCores} physical core${r.run.host.physicalCores === 1 ? '' : 's'})`],
    ['virtualization', (r) => r.run.host.virtualization ?? 'none detected'],
    ['memory', (r) => gib(r.run.host.memTotalBytes)],
    ['NVMe', (r) => (r.run.host.disks.some((d) => d.nvme) ? `yes (${r.run.host.disks.filter((d) => d.nvme).map((d) => d.name).join(', ')})` : `no (${r.run.host.disks.map((d) => `${d.name} ${d.type}`).join(', ') || 'no disks seen'})`)],
    ['kernel', (r) => r.run.host.kernel],
    ['proxies', (r) => Object.entries(r.run.host.proxies).map(([k, v]) => `${k} ${v}`).join(', ') || '–'],
    ['measured steal % (mean / max over trials)', (r) => meanMax(r.analysis.trials.map((t) => t.node.stealPct))],
    ['foreign CPU % (mean / max)', (r) => meanMax(r.analysis.trials.map((t) => t.node.foreignCpuPct))],
    ['flagged trials', (r) => `${r.analysis.flaggedTrials} of ${r.analysis.trials.length}`],
  ];
  return ['## Hosts', '', ...table(header, rows.map(([name, value]) => [`**${name}**`, ...runs.map((r) => escapeCell(value(r)))]), 'text')];
}

/** Per variant, at the heaviest level every tier measured: p99 overhead and proxy CPU per tier. */
function headline(c: Comparison, tiers: readonly string[]): string[] {
  const lines = ['## Summary', ''];
  for (const variant of variantOrder(c.cells.filter((x) => !x.isBaseline))) {
    const ofVariant = c.cells.filter((x) => x.variant === variant && !x.isBaseline);
    const orderOf = (x: (typeof ofVariant)[number]) => loadLevel(x).order;
    const shared = [...new Set(ofVariant.map(orderOf))].filter((order) => tiers.every((t) => ofVariant.some((x) => x.tier === t && orderOf(x) === order)));
    if (!shared.length) continue;
    const heaviest = Math.max(...shared);
    const parts = tiers.map((t) => {
      const cell = ofVariant.find((x) => x.tier === t && orderOf(x) === heaviest)!;
      const p99 = cell.overhead.latencyP99Ms;
      return `\`${t}\` ${p99 ? `${signed(p99.deltaMedian, 2)} ms p99` : 'no p99 overhead'}${cell.proxyCpuMsPer1kRequestsMedian !== null ? `, ${fixed(cell.proxyCpuMsPer1kRequestsMedian, 1)} ms proxy CPU per 1k req` : ''}`;
    });
    lines.push(`- **${variant}** at ${loadLevel(ofVariant.find((x) => orderOf(x) === heaviest)!).label}: ${parts.join(' · ')}.`);
  }
  return lines;
}

function delta(o: Overhead | undefined): string {
  if (!o) return '–';
  return o.pairs >= minimumRepetitions ? withInterval(o.deltaMedian, o.deltaLow, o.deltaHigh, 3, o.confidence) : `${signed(o.deltaMedian, 3)} (n=${o.pairs})`;
}

function meanMax(values: readonly number[]): string {
  if (!values.length) return '–';
  return `${fixed(values.reduce((a, b) => a + b, 0) / values.length, 2)} / ${fixed(Math.max(...values), 2)}`;
}

/** 'numbers': right-aligned after the first column; 'text': all left-aligned. */
function table(header: readonly string[], rows: readonly (readonly string[])[], kind: 'numbers' | 'text' = 'numbers'): string[] {
  const align = header.map((_, i) => (i === 0 || kind === 'text' ? ' --- ' : ' ---: '));
  return [`| ${header.join(' | ')} |`, `|${align.join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

