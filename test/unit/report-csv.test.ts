/**
 * The CSVs are a contract with whoever opens them in a spreadsheet: golden files for the
 * recorded quickstart run, every column documented in docs/reports.md, units in the names.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeRun } from '../../src/analysis/run-analysis.js';
import { readRunFolder } from '../../src/results/reader.js';
import { renderSummaryCsv, summaryColumns } from '../../src/report/summary-csv.js';
import { renderTrialsCsv, trialColumns } from '../../src/report/trials-csv.js';

const fixture = 'fixtures/runs/quickstart-this-host';
const docs = readFileSync('docs/reports.md', 'utf8');

/** The table rows of one "## <title>" section of docs/reports.md, first cells only. */
function documentedColumns(title: string): string {
  const start = docs.indexOf(`## ${title}`);
  const end = docs.indexOf('\n## ', start + 1);
  return docs.slice(start, end === -1 ? undefined : end);
}

/** A column named in the docs, alone in backticks or as part of a `a` … `b` range. */
function isDocumented(section: string, column: string): boolean {
  if (section.includes(`\`${column}\``)) return true;
  // "`latencyP50Ms` … `latencyP999Ms`" documents the percentiles between them.
  return /^latencyP\d+Ms$/.test(column) && section.includes('`latencyP50Ms` … `latencyP999Ms`');
}

describe('trials.csv', () => {
  it('matches its golden file for the recorded quickstart run', async () => {
    const { trials } = await readRunFolder(fixture);
    const csv = renderTrialsCsv(trials);
    expect(csv.split('\n').filter(Boolean)).toHaveLength(trials.length + 1);
    await expect(csv).toMatchFileSnapshot('./__snapshots__/report-csv/trials.csv');
  });

  it("gives the busiest load-driver process's CPU, as the saturation flag reads it, not their sum", async () => {
    const { trials } = await readRunFolder(fixture);
    const driver = trials[0]!.processes.find((p) => p.role === 'loadgen')!;
    const twoDrivers = { ...trials[0]!, processes: [...trials[0]!.processes.filter((p) => p !== driver), { ...driver, cpuPctOfCore: 60 }, { ...driver, name: 'loadgen/load-agent-2', cpuPctOfCore: 70.04 }] };
    const [header, row] = renderTrialsCsv([twoDrivers]).split('\n');
    expect(row!.split(',')[header!.split(',').indexOf('loadgenCpuPctOfCore')]).toBe('70');
  });

  it('documents every column in docs/reports.md', () => {
    const section = documentedColumns('trials.csv columns');
    expect(trialColumns.filter((c) => !isDocumented(section, c))).toEqual([]);
  });
});

describe('summary.csv', () => {
  it('matches its golden file for the recorded quickstart run', async () => {
    const { run, trials } = await readRunFolder(fixture);
    await expect(renderSummaryCsv(analyzeRun(run, trials).cells)).toMatchFileSnapshot('./__snapshots__/report-csv/summary.csv');
  });

  it('documents every column in docs/reports.md', () => {
    const section = documentedColumns('summary.csv columns');
    expect(summaryColumns.filter((c) => !isDocumented(section, c))).toEqual([]);
  });
});

describe('column names', () => {
  it('carry their unit unless they are labels, counts or flags', () => {
    const unitless = new Set(['runId', 'trialId', 'index', 'tier', 'variant', 'repetition', 'loadMode', 'level', 'capacityStep', 'connections', 'startedAt', 'isBaseline', 'trials', 'requestsTotal', 'connectionErrors', 'timeouts', 'non2xx', 'proxyCount', 'quiescenceReached', 'verificationPassed', 'probesPassed', 'probesTotal']);
    const unit = /(Ms|Pct|Rps|Mb|Seconds\w*|PctOfCore|Per1kRequests|RpsMean)$/;
    const missing = [...new Set([...trialColumns, ...summaryColumns])].filter((c) => !unitless.has(c) && !unit.test(c));
    expect(missing).toEqual([]);
  });
});
