/**
 * Vega-Lite spec → SVG → PNG, on the server, with no canvas and no browser: Vega's headless
 * view writes SVG, and resvg rasterises it. resvg draws no text at all unless it is handed a
 * font (it does not fail, the labels just vanish), so the DejaVu fonts from the
 * dejavu-fonts-ttf package are passed explicitly and the PNGs look the same on any machine.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return renumberIds(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/**
 * Vega numbers clip paths with a counter that lives as long as the process ("clip1" in the first
 * chart, "clip57" in a later one), so the same spec would render differently depending on what
 * was drawn before it. Renumbering per SVG makes rendering a pure function of the spec.
 */
function renumberIds(svg: string): string {
  const ids = new Map<string, string>();
  for (const [, id] of svg.matchAll(/\bid="([^"]+)"/g)) if (!ids.has(id)) ids.set(id, `vg${ids.size + 1}`);
  if (ids.size === 0) return svg;
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${ids.get(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (whole, id: string) => (ids.has(id) ? `url(#${ids.get(id)})` : whole));
}

export interface PngOptions {
  /** Pixels per SVG unit; 2 keeps text sharp on high-density screens and in pull requests. */
  scale?: number;
}

export function svgToPng(svg: string, options: PngOptions = {}): Buffer {
  const dir = fontDir();
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: options.scale ?? 2 },
    font: {
      loadSystemFonts: false,
      fontFiles: ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf'].map((f) => path.join(dir, f)),
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
    },
  });
  return resvg.render().asPng();
}

let cachedFontDir: string | undefined;
function fontDir(): string {
  cachedFontDir ??= path.join(path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  return cachedFontDir;
}
