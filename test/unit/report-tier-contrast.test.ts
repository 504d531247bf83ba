/**
 * report.md (and report.html, which renders it) on a synthetic three-tier run: the rungs table
 * has throughput, and "Tiers against <reference>" states what the contrasts found.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeRun } from '../../src/analysis/run-analysis.js';
import { readRunFolder } from '../../src/results/reader.js';
import { renderHtmlReport } from '../../src/report/html.js';
import { renderMarkdownReport } from '../../src/report/markdown.js';
import { run, trials } from './tier-synthetic.js';

const analysis = analyzeRun(run, trials);
const md = renderMarkdownReport(analysis);
const section = md.slice(md.indexOf('## Tiers against dedicated'), md.indexOf('\n## ', md.indexOf('## Tiers against dedicated') + 1));

describe('report.md of a run with several tiers', () => {
  it('carries the contrasts in the analysis', () => {
    expect(analysis.tierContrasts).toHaveLength(14);
    expect(analysis.tierContrasts.every((r) => r.referenceTier === 'dedicated')).toBe(true);
  });

  it('shows the rungs\' change in throughput with its interval', () => {
    expect(md).toContain('| tier | load | variant | over | Δp50 ms [CI @conf] | Δp99 ms [CI @conf] | Δreq/s % [CI @conf] | Δ proxy CPU ms/1k req [CI @conf] |');
    const slowDiskRung = md.split('\n').find((l) => l.startsWith('| slow-disk | 1 | nginx-mtls-log | nginx-mtls |'))!;
    // 8 repetitions: the exact interval of the median needs the whole range to reach 95%, and reaches 99.2%.
    expect(slowDiskRung.split(' | ')[6]).toBe('-15.3 [-17.0, -13.0] @99.2%');
  });

  it('puts "Tiers against dedicated" after the per-tier sections and before the spikes', () => {
    const at = md.indexOf('## Tiers against dedicated');
    expect(at).toBeGreaterThan(md.lastIndexOf('## Tier `'));
    expect(at).toBeGreaterThan(md.indexOf('## Rungs of the ladder'));
    expect(at).toBeLessThan(md.indexOf('## Latency spikes'));
  });

  it('has a table of both tiers\' medians and the difference with its interval', () => {
    expect(section).toContain('| tier | load | variant | over | overhead | on dedicated | on the tier | tier − dedicated [CI @conf] | verdict |');
    expect(section).toMatch(/\| shared-vcpu \| 1 \| nginx-mtls \| baseline \| Δp99 ms \| \+1\.525 \| \+3\.525 \| \+2\.000 \[\+1\.\d{3}, \+2\.\d{3}\] @9\d(\.\d)?% \| larger \|/);
    expect(section).toMatch(/\| slow-disk \| 1 \| nginx-mtls-log \| nginx-mtls \| Δreq\/s % \| -5\.3 \| -15\.3 \| -10\.0 \[-1\d\.\d, -\d\.\d\] @9\d(\.\d)?% \| larger \|/);
    expect(section).toMatch(/\| slow-disk \| 1 \| nginx-mtls \| baseline \| Δp99 ms \| \+1\.525 \| \+1\.525 \| \+0\.000 \[-0\.\d{3}, \+0\.\d{3}\] @9\d(\.\d)?% \| same \|/);
  });

  it('says each confident finding in one plain sentence, and nothing about the others', () => {
    const sentences = section.split('\n').filter((l) => l.startsWith('On '));
    expect(sentences).toContain('On shared-vcpu the nginx-mtls sidecar adds 2.0 ms more p99 than on dedicated [1.9, 2.2].');
    expect(sentences).toContain('On slow-disk nginx-mtls-log loses 10.0 percentage points more throughput over nginx-mtls than on dedicated [8.5, 11.5].');
    // "same" is a finding too now that it has a margin: within ±20% of the cost on dedicated.
    expect(sentences).toContain('On slow-disk the nginx-mtls sidecar adds the same p99 as on dedicated, within ±0.305 ms [-0.150, 0.150].');
    expect(sentences).toHaveLength(analysis.tierContrasts.filter((r) => r.verdict !== 'inconclusive').length);
  });

  it('appears in report.html too, which renders report.md', () => {
    const html = renderHtmlReport({ title: 't', markdown: md, charts: [], hosts: [{ label: 'h', host: run.host }], scenario: run.scenario, generator: 'meshbench test' });
    expect(html).toContain('<h2>Tiers against dedicated</h2>');
    expect(html).toContain('On shared-vcpu the nginx-mtls sidecar adds 2.0 ms more p99 than on dedicated [1.9, 2.2].');
  });

  it('is left out for a run with one tier', async () => {
    const { run: oneTier, trials: recorded } = await readRunFolder('fixtures/runs/quickstart-this-host');
    const single = analyzeRun(oneTier, recorded);
    expect(single.tierContrasts).toEqual([]);
    expect(renderMarkdownReport(single)).not.toContain('## Tiers against');
  });
});

describe("each tier's section says how its CPUs were placed and what was emulated", () => {
  const pinned = { podCpus: [0], loadgenCpus: [1] };
  const contention = {
    dedicated: { settings: { pinning: pinned }, cgroupSupport: 'pinning by CPU affinity (taskset), no cgroups: creating cgroups needs root', pinningNote: 'pinning auto: this host offers CPUs 0-1; pods on 0, load generator on 1' },
    'shared-vcpu': { settings: { cpuQuotaCores: 0.5, cpuNeighbour: { dutyPct: 50 }, pinning: pinned }, cgroupSupport: 'cgroup layout hybrid.', pinningNote: null },
    'slow-disk': { settings: {}, cgroupSupport: 'cgroup layout hybrid.', pinningNote: 'pinning auto: this host offers CPU 0, so nothing is pinned' },
  };
  const placed = renderMarkdownReport(analyzeRun({ ...run, contention }, trials));
  const after = (tier: string) => placed.slice(placed.indexOf(`## Tier \`${tier}\``)).split('\n')[2];

  it('calls pinning alone CPU placement, with what auto chose and how it was enforced', () => {
    expect(after('dedicated')).toBe(
      'CPU placement: pods pinned to CPU 0, load generator to CPU 1 (pinning auto: this host offers CPUs 0-1; pods on 0, load generator on 1) (pinning by CPU affinity (taskset), no cgroups: creating cgroups needs root).',
    );
    expect(after('slow-disk')).toBe('CPU placement: pinning auto: this host offers CPU 0, so nothing is pinned.');
  });

  it('lists emulated contention first and the pinning with it', () => {
    expect(after('shared-vcpu')).toBe(
      "Emulated contention: pods limited to 0.5 CPU (CFS quota); a CPU neighbour at 50% duty on the pods' CPUs; pods pinned to CPU 0, load generator to CPU 1 (cgroup layout hybrid.).",
    );
  });
});
