/**
 * `meshbench compare` in-process: two recorded folders with different tier labels merge into
 * one side-by-side report; folders that ran different scenarios are refused (exit 2) unless
 * forced.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareCommand } from '../../src/cli/commands/compare.js';
import type { CliOutput } from '../../src/cli/output.js';
import { ExitCode, InvalidInputError } from '../../src/errors.js';
import { readRunFolder } from '../../src/results/reader.js';
import { combineRuns, defaultComparisonDirName } from '../../src/report/compare.js';
import { tempDir } from '../helpers/scenario-file.js';

const thisHost = 'fixtures/runs/quickstart-this-host';
const dedicated = 'fixtures/runs/quickstart-dedicated-relabelled';

function capture(): { out: CliOutput; stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  const out = { stdout: { write: (s: string) => ((stdout += s), true) }, stderr: { write: (s: string) => ((stderr += s), true) } } as unknown as CliOutput;
  return { out, stdout: () => stdout, stderr: () => stderr };
}

/** A copy of the quickstart folder whose recorded scenario ran other load levels. */
function differentLoad(): string {
  const dir = path.join(tempDir(), 'other-load');
  cpSync(dedicated, dir, { recursive: true });
  const run = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8'));
  run.scenario.load.connections = [1, 64];
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run, null, 2));
  return dir;
}

describe('meshbench compare', () => {
  it('merges two folders with different tiers into one side-by-side report', async () => {
    const outDir = path.join(tempDir(), 'cmp');
    const io = capture();
    const code = await compareCommand({ runDirs: [thisHost, dedicated], out: outDir, reportsDir: 'unused', force: false, excludeFlagged: false }, io.out);
    expect(code).toBe(ExitCode.ok);
    expect(io.stdout()).toContain(`report: ${path.join(outDir, 'compare.md')}`);
    for (const f of ['compare.md', 'compare.html', 'summary.csv', 'trials.csv', 'images/overhead.png']) expect(existsSync(path.join(outDir, f))).toBe(true);

    const md = readFileSync(path.join(outDir, 'compare.md'), 'utf8');
    expect(md).toContain('| **CPU** | AMD EPYC | AMD EPYC |');
    expect(md).toContain('| **NVMe** | no (vda virtio) | no (vda virtio) |');
    expect(md).toMatch(/\| \*\*measured steal % \(mean \/ max over trials\)\*\* \| [\d.]+ \/ [\d.]+ \|/);
    expect(md).toContain('| variant | Δp50 ms [CI @conf] `this-host` | Δp50 ms [CI @conf] `dedicated` |');
    // 3 repetitions: the exact interval is their range, and it says it reaches 75%.\n    expect(md).toMatch(/\| haproxy-mtls \| \+0\.627 \[\+0\.576, \+0\.888\] @75% \| \+0\.627 \[\+0\.576, \+0\.888\] @75% \|/);
    // The relabelled fixture is the same run; the report says so instead of presenting it as a second machine.
    expect(md).toContain('hold the same run');

    const summary = readFileSync(path.join(outDir, 'summary.csv'), 'utf8').trim().split('\n');
    expect(summary).toHaveLength(1 + 2 * 8);
    expect(summary.filter((l) => l.startsWith('dedicated,'))).toHaveLength(8);
    const html = readFileSync(path.join(outDir, 'compare.html'), 'utf8');
    expect(html).toContain('tier this-host');
  });

  it('refuses folders whose scenarios differ, naming the difference (exit 2)', async () => {
    const other = differentLoad();
    const attempt = compareCommand({ runDirs: [thisHost, other], out: path.join(tempDir(), 'x'), reportsDir: 'unused', force: false, excludeFlagged: false }, capture().out);
    await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
    const err = (await attempt.catch((e: unknown) => e)) as InvalidInputError;
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('different scenarios');
    expect(err.problems.join('\n')).toMatch(/the load differs/);
    expect(err.hint).toContain('--force');
  });

  it('compares them anyway with --force and lists the differences', async () => {
    const outDir = path.join(tempDir(), 'forced');
    const io = capture();
    const code = await compareCommand({ runDirs: [thisHost, differentLoad()], out: outDir, reportsDir: 'unused', force: true, excludeFlagged: false }, io.out);
    expect(code).toBe(0);
    expect(io.stderr()).toContain('warning: compared with --force');
    expect(readFileSync(path.join(outDir, 'compare.md'), 'utf8')).toContain('**Compared with --force although the scenarios differ:**');
  });

  it('numbers apart two folders with the same tier label instead of merging them', async () => {
    const c = combineRuns([await readRunFolder(thisHost), await readRunFolder(thisHost)]);
    expect(c.runs.map((r) => [...r.tierLabels.values()])).toEqual([['this-host-1'], ['this-host-2']]);
    expect(new Set(c.cells.map((x) => x.tier))).toEqual(new Set(['this-host-1', 'this-host-2']));
    expect(defaultComparisonDirName(c)).toBe('compare-quickstart-this-host-1-vs-this-host-2');
  });

  it('needs at least two folders', async () => {
    expect(() => combineRuns([])).toThrow(InvalidInputError);
  });
});
