/**
 * The parts of a run folder's report beyond report.md and summary.csv: chart PNGs under
 * images/ (linked from report.md), the offline report.html, and trials.csv. Rebuilt from the
 * records alone, like the rest.
 */
import { access, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunAnalysis } from '../analysis/run-analysis.js';
import { readSamples } from '../results/reader.js';
import { runFileNames } from '../results/writer.js';
import type { SampleRecord } from '../results/schema.js';
import { overviewCharts, trialChartGroups } from './charts/report-charts.js';
import type { CapacityMarker } from './charts/throughput-latency.js';
import { renderChartGroups, renderCharts, writeChartPngs } from './chart-files.js';
import { renderHtmlReport } from './html.js';
import { renderMarkdownReport } from './markdown.js';
import type { ChartImage } from './markdown-images.js';
import { renderTrialsCsv } from './trials-csv.js';
import { toolVersion } from '../version.js';

export interface RunVisuals {
  htmlPath: string;
  trialsCsvPath: string;
  /** For report.md's links, relative to the run folder. */
  images: ChartImage[];
}

export async function writeRunVisuals(runDir: string, analysis: RunAnalysis): Promise<RunVisuals> {
  const { run } = analysis;
  // The charts show what the tables show: without the flagged trials when they were left out.
  const trials = analysis.excludeFlagged ? analysis.trials.filter((t) => t.flags.length === 0) : analysis.trials;
  const charts = await renderCharts(overviewCharts({ cells: analysis.cells, trials, capacity: capacityMarkers(analysis) }));
  const images = await writeChartPngs(runDir, charts);
  const samples = await readSamplesIfRecorded(runDir);
  const htmlPath = path.join(runDir, 'report.html');
  const scenarioName = (run.scenario as { name?: string }).name ?? run.runId;
  await writeFile(
    htmlPath,
    renderHtmlReport({
      title: `meshbench report: ${scenarioName} (${run.runId})`,
      markdown: renderMarkdownReport(analysis),
      charts,
      trialCharts: await renderChartGroups(trialChartGroups(trials, samples)),
      hosts: [{ label: `${run.host.hostname} · tier ${run.tiers.join(', ')}`, host: run.host }],
      scenario: run.scenario,
      generator: `meshbench ${toolVersion}`,
    }),
  );
  const trialsCsvPath = path.join(runDir, 'trials.csv');
  await writeFile(trialsCsvPath, renderTrialsCsv(analysis.trials));
  return { htmlPath, trialsCsvPath, images };
}

/** Capacity at the SLO where the run searched for it, with the p99 target it searched against. */
export function capacityMarkers(analysis: RunAnalysis): CapacityMarker[] {
  const load = (analysis.run.scenario as { load?: { mode?: string; slo?: { latencyP99Ms?: number } } }).load;
  const sloP99Ms = load?.mode === 'capacity' ? load.slo?.latencyP99Ms : undefined;
  return analysis.capacities.flatMap((c) => (c.capacityRps === null ? [] : [{ tier: c.tier, variant: c.variant, capacityRps: c.capacityRps, ...(sloP99Ms === undefined ? {} : { sloP99Ms }) }]));
}

/** samples.jsonl is optional for a report: without it the time series show load only. */
async function readSamplesIfRecorded(runDir: string): Promise<SampleRecord[]> {
  try {
    await access(path.join(runDir, runFileNames.samples));
  } catch {
    return [];
  }
  return readSamples(runDir);
}
