/**
 * A report rebuilt from a recorded result folder, in-process: every file appears, report.md's
 * image links resolve, and rebuilding gives byte-identical files (nothing depends on the clock
 * or on the machine that renders).
 */
import { cpSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport, type BuiltReport } from '../../src/report/build-report.js';
import { tempDir } from '../helpers/scenario-file.js';

const fixture = 'fixtures/runs/quickstart-this-host';

describe('buildReport on the recorded quickstart run', () => {
  let dir: string;
  let built: BuiltReport;
  beforeAll(async () => {
    dir = path.join(tempDir(), 'run');
    cpSync(fixture, dir, { recursive: true });
    built = await buildReport(dir);
  });

  it('writes report.md, report.html, summary.csv, trials.csv and one PNG per overview chart', () => {
    for (const file of [built.markdownPath, built.htmlPath, built.summaryCsvPath, built.trialsCsvPath]) expect(existsSync(file)).toBe(true);
    expect(readdirSync(path.join(dir, 'images')).sort()).toEqual(['node-cpu.png', 'overhead.png', 'percentile-spectrum.png', 'proxy-cost.png', 'throughput-latency.png']);
    expect(built.imagePaths).toHaveLength(5);
  });

  it('links every image from report.md relatively, and each link resolves', () => {
    const md = readFileSync(built.markdownPath, 'utf8');
    const links = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    expect(links).toHaveLength(5);
    for (const link of links) {
      expect(path.isAbsolute(link)).toBe(false);
      expect(existsSync(path.join(dir, decodeURI(link)))).toBe(true);
    }
    expect(md).toContain('[report.html](report.html)');
    // The charts come after the summary and before the per-tier tables.
    expect(md.indexOf('## Summary')).toBeLessThan(md.indexOf('## Charts'));
    expect(md.indexOf('## Charts')).toBeLessThan(md.indexOf('## Tier'));
  });

  it('puts every chart in report.html: 5 overview charts and one time series per trial', () => {
    const html = readFileSync(built.htmlPath, 'utf8');
    expect(html.match(/<figure class="chart large"/g)).toHaveLength(5);
    expect(html.match(/<figure class="chart small"/g)).toHaveLength(24);
    expect(html.match(/<details id="series-/g)).toHaveLength(8);
    expect(html).toContain('quickstart-20261126-023507-1bd2');
  });

  it('rebuilds byte for byte', async () => {
    const read = () => Object.fromEntries(['report.md', 'report.html', 'summary.csv', 'trials.csv', 'images/overhead.png'].map((f) => [f, readFileSync(path.join(dir, f)).toString('base64')]));
    const first = read();
    await buildReport(dir);
    expect(read()).toEqual(first);
  });
});
