/**
 * PNGs for report.md: resvg draws no text at all when it has no font (silently), so check that
 * text really ends up in the image, whatever fonts the machine has.
 */
import { describe, expect, it } from 'vitest';
import { renderSvg, svgToPng } from '../../src/report/images.js';

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('svgToPng', () => {
  it('draws text with the bundled DejaVu fonts', () => {
    const frame = (inner: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="60"><rect width="240" height="60" fill="white"/>${inner}</svg>`;
    const blank = svgToPng(frame(''));
    const withText = svgToPng(frame('<text x="10" y="40" font-family="sans-serif" font-size="24" font-weight="bold">p99 latency</text>'));
    expect(withText.subarray(0, 8)).toEqual(pngSignature);
    // A blank white image compresses to almost nothing; glyphs add kilobytes.
    expect(withText.length).toBeGreaterThan(blank.length + 1000);
  });

  it('renders a Vega-Lite chart without a browser or canvas, at twice the SVG size by default', async () => {
    const svg = await renderSvg({ data: { values: [{ x: 'a', y: 1 }, { x: 'b', y: 3 }] }, mark: 'bar', encoding: { x: { field: 'x', type: 'nominal' }, y: { field: 'y', type: 'quantitative' } } });
    const width = Number(/width="(\d+)"/.exec(svg)![1]);
    const png = svgToPng(svg);
    expect(png.readUInt32BE(16)).toBe(width * 2);
    expect(svgToPng(svg, { scale: 1 }).readUInt32BE(16)).toBe(width);
  });
});

describe('renderSvg', () => {
  it('renders the same spec to the same SVG, whatever was rendered before it', async () => {
    const spec = { data: { values: [{ x: 1, y: 1 }] }, mark: { type: 'line' as const, clip: true }, encoding: { x: { field: 'x', type: 'quantitative' as const } } };
    const first = await renderSvg(spec);
    await renderSvg(spec);
    expect(await renderSvg(spec)).toBe(first);
  });
});
