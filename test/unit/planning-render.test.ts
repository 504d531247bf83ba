/**
 * The plan as Markdown, JSON and a Vega-Lite chart: labels that say where figures come from,
 * no silent gaps, and a chart spec that compiles.
 */
import { describe, expect, it, vi } from 'vitest';
import { compile } from 'vega-lite';
import { buildPlan } from '../../src/planning/build-plan.js';
import { parseInventoryText } from '../../src/planning/inventory-file.js';
import { planChartData, planChartSpec } from '../../src/planning/plan-chart.js';
import { planDocument, renderPlanJson } from '../../src/planning/plan-json.js';
import { renderPlanMarkdown } from '../../src/planning/render-markdown.js';
import { catalogueOf } from '../../src/planning/tier-sources.js';
import { est, measurements, MiB, point, variant } from './planning-helpers.js';

// Two tiers: "t" measured (haproxy-mtls) with istio-sidecar beside it, "big" borrowing t's
// figures with a node plan too small for the "fat" service.
const yaml = `
name: render
currency: EUR
services:
  - { name: api, replicas: 2, peakRps: 400, cpuMillicores: 200, memoryMiB: 256 }
  - { name: fat, replicas: 1, peakRps: 10, cpuMillicores: 100, memoryMiB: 3000 }
nodeReserve: { cpuMillicores: 100, memoryMiB: 512 }
mesh: { variants: [haproxy-mtls, istio-sidecar] }
tiers:
  - { name: t, shared: false, nodePlans: [ { name: n4, vcpu: 4, memoryGiB: 8, pricePerMonth: 10 } ] }
  - name: big
    shared: false
    costsFrom: t
    nodePlans: [ { name: tiny, vcpu: 1, memoryGiB: 2, pricePerMonth: 3 }, { name: n8, vcpu: 8, memoryGiB: 16, pricePerMonth: 20 } ]
`;
const m = measurements([variant('haproxy-mtls', [point({ achievedRps: 2000, cpuMsPer1k: est(180, 160, 200), rssBytes: est(19 * MiB) })])]);
const plan = buildPlan(parseInventoryText(yaml, 'inv.yaml', catalogueOf(m)), m, { inventoryFile: 'inv.yaml' });

describe('renderPlanMarkdown', () => {
  const md = renderPlanMarkdown(plan);

  it('leads with the cheapest plan per tier and variant, sources marked', () => {
    expect(md).toMatch(/^# Node plan: render\n/);
    expect(md).toContain('| t | haproxy-mtls | measured | 1 × n4 | 1 × n4 |');
    expect(md).toContain('| t | istio-sidecar | published |');
    expect(md).toContain('| big | haproxy-mtls | measured on t |');
    expect(md).toContain("tier t's results (borrowed: this tier was not measured)");
  });

  it('shows intervals for measured figures and none for published ones', () => {
    expect(md).toContain('| t | haproxy-mtls | measured | 1 conn. (run-1) | 2,000 | 180.0 [160.0, 200.0] | 19.0 |');
    expect(md).toContain('| – | istio-sidecar | published | published, 1,000 req/s | 1,000 | 400.0 | 57.2 |');
  });

  it('says why a node plan cannot hold the pods instead of printing a count', () => {
    expect(md).toMatch(/\| tiny \| no mesh \| does not fit: fat-1 needs 3,000 MiB, a node offers \d[\d,]* MiB \|/);
  });

  it('states that capacity at SLO was not measured, the rules, and the rule-of-thumb comparison', () => {
    expect(md).toContain('SLO at peak: capacity at SLO is not in the result records yet');
    expect(md).toContain('## How this plan was computed');
    expect(md).toContain('Who pays for an edge');
    expect(md).toContain('"20 services add 2–4 GB for the mesh" scales to 0.2–0.4 GB');
    expect(md).toContain("istiod ×1, 1000m and 1,431 MiB (published figure)");
    expect(md.endsWith('\n')).toBe(true);
  });
});

describe('plan JSON', () => {
  it('carries the whole plan and the rule-of-thumb comparison', () => {
    const doc = JSON.parse(renderPlanJson(plan)) as ReturnType<typeof planDocument>;
    expect(doc.kind).toBe('meshbench-plan');
    expect(doc.version).toBe(1);
    expect(doc.tiers.map((t) => t.tier)).toEqual(['t', 'big']);
    expect(doc.ruleOfThumb.rows.map((r) => `${r.costsFrom}/${r.variant}`)).toEqual(['t/haproxy-mtls', 'published/istio-sidecar']);
  });
});

describe('planChartSpec', () => {
  it('puts both bars of a pair on the same node plan, so the gap is the mesh tax', () => {
    const data = planChartData(plan);
    const pair = data.filter((d) => d.tier === 'big' && d.variant === 'haproxy-mtls' && d.measure === 'nodes');
    expect(pair.map((d) => [d.mesh, d.nodePlan])).toEqual([
      ['without mesh', 'n8'],
      ['with mesh', 'n8'],
    ]);
    expect(new Set(data.map((d) => d.measure))).toEqual(new Set(['nodes', 'EUR / month']));
  });

  it('compiles with Vega-Lite without warnings', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const compiled = compile(planChartSpec(plan, { config: { font: 'DejaVu Sans' } }));
      expect(compiled.spec.data).toBeDefined();
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});
