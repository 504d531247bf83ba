/**
 * report.html: one file that opens anywhere, offline, and prints. Its text is the Markdown
 * report itself (rendered with marked, so the HTML never says something report.md does not);
 * the charts are SVG rendered on the server and inlined, each with its Vega-Lite spec beside it
 * as JSON, so nothing is fetched and nothing has to run for the page to show.
 */
import { Marked, type Token, type TokensList } from 'marked';
import { stringify as toYaml } from 'yaml';
import type { HostFacts } from '../results/schema.js';
import type { ChartDef } from './charts/report-charts.js';

export interface RenderedChart extends ChartDef {
  svg: string;
}

export interface RenderedChartGroup {
  id: string;
  title: string;
  charts: RenderedChart[];
}

export interface HtmlReportInput {
  /** The page title. */
  title: string;
  /** The Markdown report, without image links: the charts below take their place. */
  markdown: string;
  /** Shown after the Markdown's first section (title, run line, summary). */
  charts: readonly RenderedChart[];
  /** Per-trial time series, one collapsible group per cell. */
  trialCharts?: readonly RenderedChartGroup[];
  /** One column per host; a comparison has several. */
  hosts: readonly { label: string; host: HostFacts }[];
  /** The scenario as recorded in run.json. */
  scenario: Record<string, unknown>;
  /** e.g. "meshbench 0.1.0": said in the footer. */
  generator: string;
}

export function renderHtmlReport(input: HtmlReportInput): string {
  const marked = new Marked({ gfm: true, breaks: true, renderer: { html: ({ text }) => escapeHtml(text) } });
  const tokens = marked.lexer(input.markdown);
  const [head, rest] = splitAfterFirstSection(tokens);
  const body = [
    `<main>`,
    marked.parser(head),
    input.charts.length ? chartsSection(input.charts) : '',
    marked.parser(rest),
    input.trialCharts?.length ? trialSection(input.trialCharts) : '',
    hostSection(input.hosts),
    scenarioSection(input.scenario),
    `<footer>Made by ${escapeHtml(input.generator)} from the result records alone. Charts are SVG rendered when the report was built; each chart's Vega-Lite spec, data included, is embedded below it.</footer>`,
    `</main>`,
  ];
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(input.title)}</title>`,
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    ...body,
    // Closed <details> do not print; open them for printing and close them again after.
    `<script>(()=>{let opened=[];addEventListener('beforeprint',()=>{opened=[...document.querySelectorAll('details:not([open])')];opened.forEach(d=>d.open=true)});addEventListener('afterprint',()=>{opened.forEach(d=>d.open=false)})})()</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Splits before the second level-2 heading, i.e. after the summary, where the charts belong. */
function splitAfterFirstSection(tokens: TokensList): [TokensList, TokensList] {
  let seen = 0;
  let at = tokens.length;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.type === 'heading' && t.depth === 2 && ++seen === 2) {
      at = i;
      break;
    }
  }
  const withLinks = (part: Token[]): TokensList => Object.assign(part, { links: tokens.links });
  return [withLinks(tokens.slice(0, at)), withLinks(tokens.slice(at))];
}

function chartsSection(charts: readonly RenderedChart[]): string {
  return [`<section class="charts" id="charts">`, `<h2>Charts</h2>`, `<div class="chart-grid">`, ...charts.map((c) => figure(c)), `</div>`, `</section>`].join('\n');
}

function trialSection(groups: readonly RenderedChartGroup[]): string {
  return [
    `<section class="trials" id="trials">`,
    `<h2>Trials second by second</h2>`,
    `<p>Per-second p99 and requests/s of each trial above the node's steal, iowait and CPU/IO pressure (PSI), on one time axis. Open a cell to see its trials.</p>`,
    ...groups.map((g) => [`<details id="${escapeAttr(g.id)}">`, `<summary>${escapeHtml(g.title)} (${g.charts.length} trial${g.charts.length === 1 ? '' : 's'})</summary>`, ...g.charts.map((c) => figure(c, 'small')), `</details>`].join('\n')),
    `</section>`,
  ].join('\n');
}

function figure(chart: RenderedChart, size: 'large' | 'small' = 'large'): string {
  return [
    `<figure class="chart ${size}" id="chart-${escapeAttr(chart.id)}" data-chart="${escapeAttr(chart.id)}">`,
    size === 'large' ? `<figcaption><strong>${escapeHtml(chart.title)}.</strong> ${escapeHtml(chart.caption)}</figcaption>` : '',
    `<div class="svg">${scopeSvgIds(chart.svg, chart.id)}</div>`,
    `<script type="application/json" class="vega-lite-spec" data-chart="${escapeAttr(chart.id)}">${jsonForScript(chart.spec)}</script>`,
    `</figure>`,
  ].join('\n');
}

/**
 * Vega numbers its clip paths per view ("clip1", "clip2", …), so two inlined charts would point
 * at each other's clips. Prefixing every id with the chart's keeps each chart to itself.
 */
export function scopeSvgIds(svg: string, scope: string): string {
  const prefix = `${scope.replace(/[^A-Za-z0-9_-]/g, '-')}-`;
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${prefix}${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${prefix}${id})`)
    .replace(/(\s(?:xlink:)?href)="#([^"]+)"/g, (_, attr: string, id: string) => `${attr}="#${prefix}${id}"`);
}

function hostSection(hosts: readonly { label: string; host: HostFacts }[]): string {
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  const rows: [string, (h: HostFacts) => string][] = [
    ['hostname', (h) => h.hostname],
    ['CPU', (h) => `${h.cpuModel} (${h.cpuVendor})`],
    ['vCPUs / physical cores', (h) => `${h.cpuCount} / ${h.physicalCores}`],
    ['virtualization', (h) => h.virtualization ?? 'none detected'],
    ['memory', (h) => gib(h.memTotalBytes)],
    ['disks', (h) => h.disks.map((d) => `${d.name} ${d.nvme ? 'NVMe' : d.type} ${gib(d.sizeBytes)}`).join(', ') || '–'],
    ['kernel', (h) => h.kernel],
    ['OS', (h) => h.os],
    ['cgroup', (h) => `${h.cgroup.version}${h.cgroup.controllers.length ? ` (${h.cgroup.controllers.join(', ')})` : ''}`],
    ['Node.js', (h) => h.nodeVersion],
    ['proxies', (h) => Object.entries(h.proxies).map(([k, v]) => `${k} ${v}`).join(', ') || '–'],
    ['CPU flags', (h) => `${h.cpuFlags.length} flags${h.cpuFlags.includes('aes') ? ', AES-NI' : ''}${h.cpuFlags.some((f) => f.startsWith('avx512')) ? ', AVX-512' : h.cpuFlags.includes('avx2') ? ', AVX2' : ''}`],
  ];
  return [
    `<section class="host" id="host">`,
    `<h2>Host${hosts.length === 1 ? '' : 's'}</h2>`,
    `<table class="facts"><thead><tr><th></th>${hosts.map((h) => `<th>${escapeHtml(h.label)}</th>`).join('')}</tr></thead><tbody>`,
    ...rows.map(([name, value]) => `<tr><th>${escapeHtml(name)}</th>${hosts.map((h) => `<td>${escapeHtml(value(h.host))}</td>`).join('')}</tr>`),
    `</tbody></table>`,
    `</section>`,
  ].join('\n');
}

function scenarioSection(scenario: Record<string, unknown>): string {
  return [`<section class="scenario" id="scenario">`, `<h2>Scenario</h2>`, `<pre>${escapeHtml(toYaml(scenario))}</pre>`, `</section>`].join('\n');
}

/** JSON inside <script> must not contain "</script" or "<!--"; \u003c keeps it valid JSON. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function escapeAttr(text: string): string {
  return escapeHtml(text).replace(/'/g, '&#39;');
}

const css = `
:root { color-scheme: light; --fg: #1d1d1f; --muted: #5a5a5a; --line: #dcdcdc; --head: #f4f5f7; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff; font: 14px/1.5 "DejaVu Sans", Verdana, Arial, sans-serif; }
main { max-width: 1400px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 24px; margin: 0 0 8px; }
h2 { font-size: 19px; margin: 32px 0 8px; padding-top: 8px; border-top: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 6px; }
p, li { max-width: 100ch; }
code { font: 12.5px/1.4 "DejaVu Sans Mono", Menlo, Consolas, monospace; background: var(--head); padding: 0 3px; border-radius: 3px; }
table { display: block; overflow-x: auto; border-collapse: collapse; margin: 8px 0 16px; font-size: 12.5px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 3px 7px; white-space: nowrap; }
thead th { background: var(--head); font-weight: 600; }
table.facts th { text-align: left; background: var(--head); font-weight: 600; }
table.facts td { white-space: normal; }
/* Charts keep their natural size and wrap; a chart wider than the page scales down. */
.chart-grid { display: flex; flex-wrap: wrap; gap: 0 40px; align-items: flex-start; }
figure.chart { margin: 16px 0 28px; break-inside: avoid; page-break-inside: avoid; width: min-content; max-width: 100%; }
figure.chart .svg { width: max-content; max-width: 100%; }
figure.chart figcaption { color: var(--muted); max-width: 100ch; margin-bottom: 6px; }
figure.chart .svg svg { max-width: 100%; height: auto; }
figure.chart.small { margin: 8px 0 16px; }
details { margin: 6px 0; }
details > summary { cursor: pointer; font-weight: 600; }
pre { background: var(--head); padding: 10px 12px; overflow-x: auto; font: 12px/1.45 "DejaVu Sans Mono", Menlo, Consolas, monospace; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print {
  @page { margin: 14mm; }
  body { font-size: 10.5px; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .chart-grid { display: block; }
  table { display: table; font-size: 9px; }
  th, td { padding: 1px 4px; }
  details > summary { list-style: none; }
  figure.chart .svg svg { max-height: 240mm; width: auto; }
}
`;
