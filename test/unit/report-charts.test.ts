/**
 * Chart specs are pure functions: golden files pin each spec (data included) for fixed
 * inputs, and every spec must compile with Vega-Lite and render to SVG without a browser.
 */
import { describe, expect, it } from 'vitest';
import type { TopLevelSpec } from 'vega-lite';
import { nodeCpuSpec } from '../../src/report/charts/node-cpu.js';
import { overheadBars, overheadBarsSpec } from '../../src/report/charts/overhead-bars.js';
import { percentileSpectrumSpec, spectrumPoints } from '../../src/report/charts/percentile-spectrum.js';
import { proxyCostSpec } from '../../src/report/charts/proxy-cost.js';
import { overviewCharts } from '../../src/report/charts/report-charts.js';
import { categoryAxis, logTicks, variantColorScale, variantStyle } from '../../src/report/charts/style.js';
import { capacityStepPoints, throughputLatencySpec } from '../../src/report/charts/throughput-latency.js';
import { trialSeriesPoints, trialTimeSeriesSpec } from '../../src/report/charts/trial-timeseries.js';
import { renderSvg } from '../../src/report/images.js';
import { syntheticCapacitySearch, syntheticCells, syntheticSeriesTrial, syntheticTrials } from './report-synthetic.js';

const golden = (name: string) => `./__snapshots__/report-charts/${name}.vl.json`;
const json = (spec: TopLevelSpec) => JSON.stringify(spec, null, 2) + '\n';

describe('chart specs (golden)', () => {
  const cells = syntheticCells();
  const { trial, samples } = syntheticSeriesTrial();
  const specs: Record<string, TopLevelSpec> = {
    'overhead-bars': overheadBarsSpec(cells),
    'percentile-spectrum': percentileSpectrumSpec(spectrumPoints(syntheticTrials()), variantStyle(cells)),
    'throughput-latency': throughputLatencySpec(cells),
    'throughput-latency-capacity': throughputLatencySpec(
      cells,
      [
        { tier: 'dedicated', variant: 'haproxy-mtls', capacityRps: 52_000, sloP99Ms: 5 },
        { tier: 'shared', variant: 'haproxy-mtls', capacityRps: 21_000, sloP99Ms: 5 },
      ],
      capacityStepPoints(syntheticCapacitySearch()),
    ),
    'node-cpu': nodeCpuSpec(cells),
    'proxy-cost': proxyCostSpec(cells),
    'trial-timeseries': trialTimeSeriesSpec(trial, samples),
  };

  for (const [name, spec] of Object.entries(specs)) {
    it(`${name} matches its golden file`, async () => {
      await expect(json(spec)).toMatchFileSnapshot(golden(name));
    });
    it(`${name} compiles and renders to SVG with marks`, async () => {
      const svg = await renderSvg(spec);
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toMatch(/<path|<rect|<line/);
      expect(svg).toContain('<text');
    });
  }

  it('is a pure function: same input, same spec, input untouched', () => {
    const before = JSON.stringify(cells);
    expect(overheadBarsSpec(cells)).toEqual(overheadBarsSpec(cells));
    expect(JSON.stringify(cells)).toBe(before);
  });
});

describe('chart data', () => {
  it('overhead bars carry no interval that does not reach the asked confidence (2 pairs reach 50%)', () => {
    const bars = overheadBars(syntheticCells());
    const thin = bars.filter((b) => b.tier === 'shared' && b.level === '16 connections' && b.variant === 'envoy-mtls');
    expect(thin).toHaveLength(2);
    for (const b of thin) expect([b.lowMs, b.highMs, b.pairs]).toEqual([null, null, 2]);
    expect(bars.filter((b) => b.lowMs !== null).length).toBe(bars.length - 2);
    expect(bars.some((b) => b.variant === 'baseline')).toBe(false);
  });

  it('the percentile spectrum stops where a cell has too few requests, and ends at the maximum', () => {
    const points = spectrumPoints(syntheticTrials());
    const baseline = points.filter((p) => p.variant === 'baseline');
    // 2 trials × 1,000 requests: p99.9 (1 in 1,000) is resolvable, p99.95 (1 in 2,000) just so, p99.99 not.
    expect(baseline.map((p) => p.percentileLabel)).toEqual(['p0', 'p50', 'p75', 'p90', 'p95', 'p99', 'p99.5', 'p99.9', 'p99.95', 'max']);
    expect(baseline.at(-1)!.oneInX).toBe(2000);
    for (const variant of ['baseline', 'haproxy-mtls']) {
      const ms = points.filter((p) => p.variant === variant).map((p) => p.latencyMs);
      expect([...ms].sort((a, b) => a - b)).toEqual(ms);
    }
    expect(baseline.find((p) => p.percentile === 50)!.latencyMs).toBeCloseTo(0.7, 2);
  });

  it('time series: a stalled second is 0 req/s, a partial last second is scaled, other trials are ignored', () => {
    const { trial, samples } = syntheticSeriesTrial();
    const points = trialSeriesPoints(trial, samples);
    const rps = points.filter((p) => p.series === 'requests/s').map((p) => [p.tSeconds, p.value]);
    expect(rps).toEqual([
      [1, 10_000],
      [2, 9_800],
      [3, 0],
      [3.5, 8_000],
    ]);
    const steal = points.filter((p) => p.series === 'steal %').map((p) => [p.tSeconds, p.value]);
    expect(steal).toEqual([
      [-0.5, 0],
      [1, 0.5],
      [2, 35],
      [3, 2],
    ]);
    expect(points.filter((p) => p.series === 'p99 latency (ms)').map((p) => p.value)).toEqual([2.1, 2.4, 48]);
  });

  it('overview leaves out charts with nothing to draw', () => {
    const baselineOnly = syntheticCells().filter((c) => c.isBaseline);
    const ids = overviewCharts({ cells: baselineOnly, trials: [] }).map((c) => c.id);
    expect(ids).toEqual(['throughput-latency', 'node-cpu']);
  });
});

describe('chart style', () => {
  it('keeps the baseline grey and every other variant its own colour', () => {
    const scale = variantColorScale(['baseline', 'a', 'b'], ['baseline']);
    expect(scale.range[0]).toBe('#8c8c8c');
    expect(new Set(scale.range).size).toBe(3);
  });

  it('turns category labels only when they would collide', () => {
    expect(categoryAxis(['baseline', 'nginx'], 72).labelAngle).toBe(0);
    expect(categoryAxis(['mtls+policy+accesslog'], 48).labelAngle).toBe(-30);
  });

  it('log ticks bracket the data in 1-2-5 steps', () => {
    expect(logTicks([0.13, 3.2])).toEqual([0.1, 0.2, 0.5, 1, 2, 5]);
    expect(logTicks([])).toEqual([1]);
  });
});
