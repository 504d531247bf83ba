/**
 * report.html in a real browser: Debian's headless Chromium, driven by playwright-core (no
 * browser download), with no network. Every chart must be on the page as a laid-out SVG with
 * marks and text, nothing may be fetched, nothing may log an error. Leaves a screenshot and a
 * printed PDF in out/ as test artifacts.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/build-report.js';
import { tempDir } from '../helpers/scenario-file.js';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// CI installs Chromium (.ci/run); elsewhere a missing browser skips rather than fails.
const haveBrowser = existsSync(chromiumPath) || Boolean(process.env.CI);
const artifacts = path.resolve('out');

describe.skipIf(!haveBrowser)('report.html in headless Chromium', () => {
  let htmlPath: string;
  let profile: string;
  let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>>;

  beforeAll(async () => {
    const dir = path.join(tempDir(), 'run');
    cpSync('fixtures/runs/quickstart-this-host', dir, { recursive: true });
    // In-process: report-cli.test.ts covers the CLI; this file is about the page.
    htmlPath = (await buildReport(dir)).htmlPath;
    profile = mkdtempSync(path.join(os.tmpdir(), 'meshbench-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('shows every chart, fetches nothing and logs no error', async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      problems.push(`request: ${url}`);
      return route.abort();
    });
    await page.goto(`file://${htmlPath}`, { waitUntil: 'load' });
    // Closed <details> hold the per-trial charts; open them, as printing does, so they lay out.
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));

    const charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((f) => {
        const svg = f.querySelector('.svg > svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: f.getAttribute('data-chart'),
          hasSpec: Boolean(f.querySelector('script.vega-lite-spec')),
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          marks: svg?.querySelectorAll('path, rect, line').length ?? 0,
          texts: svg?.querySelectorAll('text').length ?? 0,
        };
      }),
    );
    const specs = await page.$$eval('script.vega-lite-spec', (scripts) => scripts.map((s) => JSON.parse(s.textContent ?? 'null') as { $schema?: string }));
    expect(charts).toHaveLength(5 + 24);
    expect(specs).toHaveLength(charts.length);
    for (const spec of specs) expect(spec.$schema).toContain('vega-lite/v6');
    for (const c of charts) {
      expect(c.hasSpec, c.id!).toBe(true);
      expect(c.width, c.id!).toBeGreaterThan(200);
      expect(c.height, c.id!).toBeGreaterThan(100);
      expect(c.marks, c.id!).toBeGreaterThan(5);
      expect(c.texts, c.id!).toBeGreaterThan(3);
    }
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = false)));
    expect(problems).toEqual([]);

    mkdirSync(artifacts, { recursive: true });
    const screenshot = path.join(artifacts, 'report-screenshot.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(50_000);
    await page.close();
  });

  it('prints: the PDF has several pages and the per-trial charts in it', async () => {
    const page = await context.newPage();
    await page.goto(`file://${htmlPath}`, { waitUntil: 'load' });
    const pdfPath = path.join(artifacts, 'report.pdf');
    mkdirSync(artifacts, { recursive: true });
    const pdf = await page.pdf({ path: pdfPath, format: 'A4', printBackground: true });
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page\b/g)?.length ?? 0;
    expect(pages).toBeGreaterThan(3);
    await page.close();
  });
});
