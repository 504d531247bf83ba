/**
 * report.html must work offline and on paper: nothing fetched, the Markdown's text in it,
 * charts inlined with their specs, ids of one chart never clashing with another's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HostFacts } from '../../src/results/schema.js';
import { escapeHtml, renderHtmlReport, scopeSvgIds, type RenderedChart } from '../../src/report/html.js';

const host = (JSON.parse(readFileSync('fixtures/runs/quickstart-this-host/run.json', 'utf8')) as { host: HostFacts }).host;

const svg = (text: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><defs><clipPath id="clip1"><rect width="10" height="10"/></clipPath></defs><g clip-path="url(#clip1)"><text>${text}</text></g></svg>`;

const chart = (id: string): RenderedChart => ({
  id,
  title: `Chart ${id}`,
  caption: 'What it shows.',
  spec: { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', data: { values: [{ a: '</script><b>' }] }, mark: 'point' },
  svg: svg(id),
});

const markdown = [
  '# meshbench report: demo',
  '',
  'Run `r1` · completed',
  'Scenario file: `demo.yaml`',
  '',
  '## Summary',
  '',
  '- **mtls** adds +0.2 ms <script>alert(1)</script>',
  '',
  '## Tier `this-host`',
  '',
  '| variant | p99 ms |',
  '| --- | ---: |',
  '| baseline | 0.356 |',
  '',
].join('\n');

function render() {
  return renderHtmlReport({
    title: 'demo <report>',
    markdown,
    charts: [chart('overhead'), chart('node-cpu')],
    trialCharts: [{ id: 'series-a', title: 'mtls · 16 connections', charts: [chart('series-t1')] }],
    hosts: [{ label: 'host-a', host }],
    scenario: { name: 'demo', variants: [{ name: 'baseline' }] },
    generator: 'meshbench 0.0.0-test',
  });
}

describe('renderHtmlReport', () => {
  const html = render();

  it('refers to nothing outside the file', () => {
    expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/\s(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\((['"])?https?:/i);
    expect(html).not.toMatch(/<script[^>]+src=/i);
  });

  it('puts the charts after the summary and before the tables', () => {
    const summary = html.indexOf('<h2>Summary</h2>');
    const charts = html.indexOf('<h2>Charts</h2>');
    const tier = html.indexOf('<h2>Tier <code>this-host</code></h2>');
    expect(summary).toBeGreaterThan(-1);
    expect(summary).toBeLessThan(charts);
    expect(charts).toBeLessThan(tier);
    expect(html).toContain('<td align="right">0.356</td>');
  });

  it('inlines each chart as SVG with its spec, safely embedded', () => {
    expect(html.match(/<figure class="chart/g)).toHaveLength(3);
    const specs = [...html.matchAll(/<script type="application\/json" class="vega-lite-spec" data-chart="([^"]+)">([^<]*)<\/script>/g)];
    expect(specs.map((m) => m[1])).toEqual(['overhead', 'node-cpu', 'series-t1']);
    expect(JSON.parse(specs[0][2]).data.values[0].a).toBe('</script><b>');
  });

  it('keeps each chart\'s SVG ids to itself', () => {
    expect(html).toContain('id="overhead-clip1"');
    expect(html).toContain('url(#node-cpu-clip1)');
    expect(html).not.toContain('"clip1"');
    expect(scopeSvgIds('<use xlink:href="#a"/><g id="a"/>', 'x')).toBe('<use xlink:href="#x-a"/><g id="x-a"/>');
  });

  it('escapes raw HTML from the Markdown and the title', () => {
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('<title>demo &lt;report&gt;</title>');
    expect(escapeHtml('a & "b"')).toBe('a &amp; &quot;b&quot;');
  });

  it('has host facts, the scenario, collapsible trial series and print styles', () => {
    expect(html).toContain('AMD EPYC');
    expect(html).toContain('<pre>name: demo');
    expect(html).toMatch(/<details id="series-a">\s*<summary>mtls · 16 connections \(1 trial\)<\/summary>/);
    expect(html).toContain('@media print');
    expect(html).toContain("addEventListener('beforeprint'");
  });

  it('is deterministic', () => {
    expect(render()).toBe(html);
  });
});
