/**
 * Turns chart definitions into what a report folder holds: SVG for the HTML report and PNG
 * files under images/ for the Markdown report.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChartDef, ChartGroup } from './charts/report-charts.js';
import type { RenderedChart, RenderedChartGroup } from './html.js';
import { renderSvg, svgToPng } from './images.js';
import type { ChartImage } from './markdown-images.js';

export const imagesDirName = 'images';

export async function renderCharts(charts: readonly ChartDef[]): Promise<RenderedChart[]> {
  const rendered: RenderedChart[] = [];
  // One at a time: each render is CPU-bound and short, and order keeps output deterministic.
  for (const chart of charts) rendered.push({ ...chart, svg: await renderSvg(chart.spec) });
  return rendered;
}

export async function renderChartGroups(groups: readonly ChartGroup[]): Promise<RenderedChartGroup[]> {
  const rendered: RenderedChartGroup[] = [];
  for (const group of groups) rendered.push({ ...group, charts: await renderCharts(group.charts) });
  return rendered;
}

/** Replaces `<dir>/images/` with one PNG per chart; returns the links for the Markdown. */
export async function writeChartPngs(dir: string, charts: readonly RenderedChart[]): Promise<ChartImage[]> {
  const imagesDir = path.join(dir, imagesDirName);
  // images/ is ours alone; clearing it drops PNGs of charts a rebuilt report no longer has.
  await rm(imagesDir, { recursive: true, force: true });
  await mkdir(imagesDir, { recursive: true });
  const images: ChartImage[] = [];
  for (const chart of charts) {
    const file = `${chart.id}.png`;
    await writeFile(path.join(imagesDir, file), svgToPng(chart.svg));
    images.push({ title: chart.title, caption: chart.caption, path: `${imagesDirName}/${file}` });
  }
  return images;
}
