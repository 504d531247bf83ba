/**
 * `meshbench report` and `meshbench compare` as a user runs them, on recorded result folders:
 * nothing is run, everything is rebuilt from the records.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/scenario-file.js';

const thisHost = 'fixtures/runs/quickstart-this-host';
const dedicated = 'fixtures/runs/quickstart-dedicated-relabelled';

describe('meshbench report on a recorded folder', () => {
  it('rebuilds report.md, report.html, the CSVs and the images without running anything', async () => {
    const dir = path.join(tempDir(), 'run');
    cpSync(thisHost, dir, { recursive: true });
    const r = await runCli(['report', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const f of ['report.md', 'report.html', 'summary.csv', 'trials.csv', 'images/overhead.png']) expect(existsSync(path.join(dir, f))).toBe(true);
    // The records are untouched: a report only reads them.
    for (const f of ['run.json', 'trials.jsonl', 'samples.jsonl']) expect(readFileSync(path.join(dir, f))).toEqual(readFileSync(path.join(thisHost, f)));
    expect(readFileSync(path.join(dir, 'report.md'), 'utf8')).toContain('![Latency overhead](images/overhead.png)');
  });
});

describe('meshbench compare', () => {
  it('writes the side-by-side report of two tiers', async () => {
    const out = path.join(tempDir(), 'cmp');
    const r = await runCli(['compare', thisHost, dedicated, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`html: ${path.join(out, 'compare.html')}`);
    const md = readFileSync(path.join(out, 'compare.md'), 'utf8');
    expect(md).toContain('| variant | Δp50 ms [CI @conf] `this-host` | Δp50 ms [CI @conf] `dedicated` |');
  });

  it('exits 2 with the differences when the scenarios do not match', async () => {
    const other = path.join(tempDir(), 'other');
    cpSync(dedicated, other, { recursive: true });
    const run = JSON.parse(readFileSync(path.join(other, 'run.json'), 'utf8'));
    run.scenario.variants = run.scenario.variants.filter((v: { name: string }) => v.name !== 'nginx-mtls');
    writeFileSync(path.join(other, 'run.json'), JSON.stringify(run, null, 2));
    const r = await runCli(['compare', thisHost, other, '--out', path.join(tempDir(), 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ran different scenarios');
    expect(r.stderr).toContain('variant "nginx-mtls" is missing');
    expect(r.stderr).toContain('hint: pass --force');
  });
});
