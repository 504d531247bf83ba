/**
 * Rebuilds a run folder's reports from its records alone: report.md and summary.csv.
 * `run` calls this at the end; `meshbench report <runDir>` calls it again at any time.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { summarizeCells } from '../analysis/cell-summary.js';
import { defaultBootstrap } from '../analysis/bootstrap.js';
import { readRunFolder } from '../results/reader.js';
import { InvalidInputError } from '../errors.js';
import { renderMarkdownReport } from './markdown.js';
import { renderSummaryCsv } from './summary-csv.js';

export interface BuiltReport {
  markdownPath: string;
  summaryCsvPath: string;
}

export async function buildReport(runDir: string): Promise<BuiltReport> {
  const { run, trials } = await readRunFolder(runDir);
  const variants = (run.scenario as { variants?: { name: string; proxy?: string }[] }).variants ?? [];
  const baseline = variants.find((v) => !v.proxy)?.name;
  if (!baseline) throw new InvalidInputError(`${runDir}: the recorded scenario has no baseline variant`);
  // The run's seed also seeds the bootstrap, so a rebuilt report shows the same intervals.
  const bootstrap = { ...defaultBootstrap, seed: run.seed };
  const cells = summarizeCells(trials, baseline, bootstrap);
  const markdownPath = path.join(runDir, 'report.md');
  const summaryCsvPath = path.join(runDir, 'summary.csv');
  await writeFile(
    markdownPath,
    renderMarkdownReport({ run, trials, cells, baselineVariant: baseline, confidence: bootstrap.confidence, resamples: bootstrap.resamples }),
  );
  await writeFile(summaryCsvPath, renderSummaryCsv(cells));
  return { markdownPath, summaryCsvPath };
}
