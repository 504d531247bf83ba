/**
 * `meshbench compare`: result folders from different machines or clusters (typically one per
 * hosting tier) merged into one side-by-side report. Each folder is analysed on its own, against
 * its own baseline, with its own seed; only then are the cells put side by side, so no number
 * ever mixes trials from two machines. Folders whose scenarios differ are refused unless forced.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CellSummary } from '../analysis/cell-summary.js';
import { analyzeRun, type CellVerdicts, type RunAnalysis } from '../analysis/run-analysis.js';
import { InvalidInputError } from '../errors.js';
import { scenarioDifferences } from '../results/comparability.js';
import { readRunFolder, type RunFolder } from '../results/reader.js';
import type { RunRecord, TrialRecord } from '../results/schema.js';
import { renderCharts, writeChartPngs } from './chart-files.js';
import { overviewCharts } from './charts/report-charts.js';
import { renderComparisonMarkdown } from './compare-markdown.js';
import { renderHtmlReport } from './html.js';
import { renderSummaryCsv } from './summary-csv.js';
import { capacityMarkers } from './run-visuals.js';
import { renderTrialsCsv } from './trials-csv.js';
import { toolVersion } from '../version.js';

export interface CompareOptions {
  /** Compare even when topology, variants or load differ; the report lists the differences. */
  force?: boolean;
  excludeFlagged?: boolean;
}

export interface ComparedRun {
  dir: string;
  run: RunRecord;
  /** Tier label as recorded → as shown. Renamed only when two folders use the same label. */
  tierLabels: Map<string, string>;
  analysis: RunAnalysis;
}

export interface Comparison {
  scenarioName: string;
  runs: ComparedRun[];
  /** Every folder's cells, with the tier labels as shown. */
  cells: CellSummary[];
  trials: TrialRecord[];
  verdicts: Map<CellSummary, CellVerdicts>;
  /** Why the scenarios do not match; empty unless `force` let them through. */
  differences: string[];
  /** Things a reader should know that do not stop the comparison (e.g. two folders holding the same run). */
  notes: string[];
  excludeFlagged: boolean;
}

export function combineRuns(folders: readonly RunFolder[], options: CompareOptions = {}): Comparison {
  if (folders.length < 2) throw new InvalidInputError(`compare needs at least two result folders, got ${folders.length}`);
  const differences = folders.slice(1).flatMap((other) => scenarioMismatches(folders[0], other));
  if (differences.length && !options.force)
    throw new InvalidInputError(
      'these result folders ran different scenarios (topology, variants or load), so their overheads are not comparable',
      differences,
      'pass --force to compare them anyway; the report then lists these differences',
    );

  const tierUses = new Map<string, number>();
  for (const f of folders) for (const tier of folderTiers(f)) tierUses.set(tier, (tierUses.get(tier) ?? 0) + 1);
  const runs = folders.map((folder, i): ComparedRun => {
    // Two folders with the same tier label (the same machine twice, say) would merge into one
    // cell and pair repetitions across machines; number them apart instead.
    const tierLabels = new Map(folderTiers(folder).map((tier) => [tier, (tierUses.get(tier) ?? 0) > 1 ? `${tier}-${i + 1}` : tier]));
    const trials = folder.trials.map((t) => ({ ...t, tier: tierLabels.get(t.tier)! }));
    const analysis = analyzeRun(folder.run, trials, { excludeFlagged: options.excludeFlagged, where: folder.dir });
    return { dir: folder.dir, run: folder.run, tierLabels, analysis };
  });
  const notes: string[] = [];
  const byRunId = new Map<string, string[]>();
  for (const f of folders) byRunId.set(f.run.runId, [...(byRunId.get(f.run.runId) ?? []), f.dir]);
  for (const [runId, dirs] of byRunId)
    if (dirs.length > 1) notes.push(`${dirs.join(' and ')} hold the same run (\`${runId}\`): one is a copy of the other, not a second measurement.`);
  return {
    scenarioName: (folders[0].run.scenario as { name?: string }).name ?? folders[0].run.runId,
    runs,
    cells: runs.flatMap((r) => r.analysis.cells),
    trials: runs.flatMap((r) => [...r.analysis.trials]),
    verdicts: new Map(runs.flatMap((r) => [...r.analysis.verdicts])),
    differences,
    notes,
    excludeFlagged: options.excludeFlagged ?? false,
  };
}

/** What makes `other` incomparable with `first`, each problem naming both folders. */
function scenarioMismatches(first: RunFolder, other: RunFolder): string[] {
  const problems = scenarioDifferences(first.run, other.run);
  // scenarioDifferences looks from the candidate's side; a variant only the first folder has counts too.
  const otherVariants = new Set(variantNames(other.run));
  for (const name of variantNames(first.run)) if (!otherVariants.has(name)) problems.push(`variant "${name}" is missing`);
  return problems.map((p) => `${other.dir} (against ${first.dir}): ${p.replace('is not in the reference run', 'is not in the first folder')}`);
}

function variantNames(run: RunRecord): string[] {
  return ((run.scenario as { variants?: { name: string }[] }).variants ?? []).map((v) => v.name);
}

/** The tiers a folder has trials for, or that its run planned when it has none. */
function folderTiers(folder: RunFolder): string[] {
  const fromTrials = [...new Set(folder.trials.map((t) => t.tier))];
  return fromTrials.length ? fromTrials : folder.run.tiers;
}

/** A folder name that says what was compared: compare-<scenario>-<tier>-vs-<tier>. */
export function defaultComparisonDirName(c: Comparison): string {
  const tiers = c.runs.flatMap((r) => [...r.tierLabels.values()]);
  const name = `compare-${c.scenarioName}-${tiers.join('-vs-')}`.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
  return name.slice(0, 120);
}

export interface BuiltComparison {
  outDir: string;
  markdownPath: string;
  htmlPath: string;
  summaryCsvPath: string;
  trialsCsvPath: string;
  imagePaths: string[];
  comparison: Comparison;
}

/** Reads the folders, compares them and writes compare.md, compare.html, the CSVs and images/ into `outDir` (default: beside reportsDir). */
export async function buildComparison(runDirs: readonly string[], options: CompareOptions & { outDir?: string; reportsDir?: string } = {}): Promise<BuiltComparison> {
  const folders: RunFolder[] = [];
  for (const dir of runDirs) folders.push(await readRunFolder(dir));
  const comparison = combineRuns(folders, options);
  const outDir = options.outDir ?? path.join(options.reportsDir ?? 'reports', defaultComparisonDirName(comparison));
  await mkdir(outDir, { recursive: true });

  const trials = comparison.excludeFlagged ? comparison.trials.filter((t) => t.flags.length === 0) : comparison.trials;
  const charts = await renderCharts(overviewCharts({ cells: comparison.cells, trials, capacity: comparison.runs.flatMap((r) => capacityMarkers(r.analysis)) }));
  const images = await writeChartPngs(outDir, charts);
  const markdownPath = path.join(outDir, 'compare.md');
  const htmlPath = path.join(outDir, 'compare.html');
  const summaryCsvPath = path.join(outDir, 'summary.csv');
  const trialsCsvPath = path.join(outDir, 'trials.csv');
  await writeFile(markdownPath, renderComparisonMarkdown(comparison, images, 'compare.html'));
  await writeFile(
    htmlPath,
    renderHtmlReport({
      title: `meshbench comparison: ${comparison.scenarioName} (${comparison.runs.map((r) => [...r.tierLabels.values()].join(', ')).join(' vs ')})`,
      markdown: renderComparisonMarkdown(comparison),
      charts,
      hosts: comparison.runs.map((r) => ({ label: `tier ${[...r.tierLabels.values()].join(', ')} · ${r.run.host.hostname}`, host: r.run.host })),
      scenario: comparison.runs[0].run.scenario,
      generator: `meshbench ${toolVersion}`,
    }),
  );
  await writeFile(summaryCsvPath, renderSummaryCsv(comparison.cells));
  await writeFile(trialsCsvPath, renderTrialsCsv(comparison.trials));
  return { outDir, markdownPath, htmlPath, summaryCsvPath, trialsCsvPath, imagePaths: images.map((i) => path.join(outDir, i.path)), comparison };
}
