/**
 * Rebuilds a run folder's reports from its records alone: report.md, summary.csv, and (via
 * run-visuals.ts) report.html, trials.csv and the chart images.
 * `run` calls this at the end; `meshbench report <runDir>` calls it again at any time.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { recomputeFlags } from '../analysis/flags.js';
import type { FlagLimits } from '../scenario/schema.js';
import { analyzeRun, type RunAnalysis } from '../analysis/run-analysis.js';
import { readRunFolder, readSamples } from '../results/reader.js';
import { renderMarkdownReport } from './markdown.js';
import { renderSummaryCsv } from './summary-csv.js';
import { writeRunVisuals } from './run-visuals.js';

export interface BuiltReport {
  markdownPath: string;
  summaryCsvPath: string;
  /** report.html, trials.csv and the chart PNGs under images/. */
  htmlPath: string;
  trialsCsvPath: string;
  imagePaths: string[];
  analysis: RunAnalysis;
}

export interface ReportOptions {
  excludeFlagged?: boolean;
  /** Flag limits that override the scenario's; flags are always recomputed from the records. */
  flagLimits?: Partial<FlagLimits>;
}

export async function buildReport(runDir: string, options: ReportOptions = {}): Promise<BuiltReport> {
  const { run, trials: recorded } = await readRunFolder(runDir);
  const samples = await readSamples(runDir);
  const trials = recomputeFlags(run, recorded, samples, options.flagLimits);
  const analysis = analyzeRun(run, trials, { excludeFlagged: options.excludeFlagged, where: runDir, samples });
  const markdownPath = path.join(runDir, 'report.md');
  const summaryCsvPath = path.join(runDir, 'summary.csv');
  // Charts first: report.md links the PNGs they leave under images/.
  const visuals = await writeRunVisuals(runDir, analysis);
  await writeFile(markdownPath, renderMarkdownReport(analysis, visuals.images));
  await writeFile(summaryCsvPath, renderSummaryCsv(analysis.cells));
  return { markdownPath, summaryCsvPath, htmlPath: visuals.htmlPath, trialsCsvPath: visuals.trialsCsvPath, imagePaths: visuals.images.map((i) => path.join(runDir, i.path)), analysis };
}
