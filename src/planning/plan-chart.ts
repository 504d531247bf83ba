/**
 * Vega-Lite chart of a plan: nodes and monthly cost per tier and variant, without and with the
 * mesh. Both bars of a pair are on the same node plan (the cheapest one with the mesh, named
 * under the pair), so the gap between them is the mesh tax; node counts of different plans
 * would not compare. A pure function of the plan, so the HTML report can embed it and tests
 * can compile it.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { PlanResult } from './plan-result.js';

export interface PlanChartDatum {
  tier: string;
  variant: string;
  mesh: 'without mesh' | 'with mesh';
  /** "nodes" or "<currency> / month": the row of the chart. */
  measure: string;
  value: number;
  nodePlan: string;
  nodes: number;
  monthlyCost: number;
  /** measured / measured on <tier> / published: where the sidecar figures come from. */
  costs: string;
  /** "variant|node plan": the two lines under a pair of bars. */
  pair: string;
}

export interface PlanChartOptions {
  /** Shared report styling (fonts, sizes); the chart brings none of its own beyond its colours. */
  config?: TopLevelSpec['config'];
}

export const meshColors = { domain: ['without mesh', 'with mesh'], range: ['#8c8c8c', '#4c78a8'] };

export function planChartData(plan: PlanResult): PlanChartDatum[] {
  const money = `${plan.inventory.currency} / month`;
  const data: PlanChartDatum[] = [];
  for (const tier of plan.tiers)
    for (const ch of tier.cheapest) {
      if (!ch.withMesh) continue;
      const nodePlan = tier.nodePlans.find((p) => p.name === ch.withMesh!.nodePlan)!;
      const v = tier.variants.find((x) => x.variant === ch.variant)!;
      const costs = v.model.measuredOn === null ? 'published' : v.model.measuredOn === tier.tier ? 'measured' : `measured on ${v.model.measuredOn}`;
      const sides = [
        ['without mesh', nodePlan.withoutMesh.nodes, nodePlan.withoutMesh.monthlyCost],
        ['with mesh', ch.withMesh.nodes, ch.withMesh.monthlyCost],
      ] as const;
      for (const [mesh, nodes, cost] of sides) {
        if (nodes === null || cost === null) continue;
        const base = { tier: tier.tier, variant: ch.variant, mesh, nodePlan: nodePlan.name, nodes, monthlyCost: round(cost), costs, pair: `${ch.variant}|${nodePlan.name}` };
        data.push({ ...base, measure: 'nodes', value: nodes }, { ...base, measure: money, value: round(cost) });
      }
    }
  return data;
}

export function planChartSpec(plan: PlanResult, options: PlanChartOptions = {}): TopLevelSpec {
  const data = planChartData(plan);
  const tiers = [...new Set(data.map((d) => d.tier))];
  const pairs = [...new Set(data.map((d) => d.pair))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Nodes and monthly cost: ${plan.inventory.name}`,
      subtitle: 'per tier and variant on its cheapest node plan with the mesh (named under each pair); "published" variants use Istio\'s figures, not measurements',
    },
    ...(options.config ? { config: options.config } : {}),
    data: { values: data.map((d) => ({ ...d })) },
    // One block per tier: each has its own node plans, so its own pairs on the x axis.
    vconcat: tiers.map((tier) => ({
      title: { text: `tier ${tier}`, anchor: 'start' as const },
      transform: [{ filter: { field: 'tier', equal: tier } }],
      facet: { row: { field: 'measure', type: 'nominal' as const, title: null, sort: ['nodes'] } },
      resolve: { scale: { y: 'independent' as const } },
      spec: {
        width: { step: 40, for: 'offset' as const },
        height: 160,
        encoding: {
          x: { field: 'pair', type: 'nominal' as const, title: null, sort: pairs, axis: { labelAngle: 0, labelExpr: "split(datum.label, '|')" } },
          xOffset: { field: 'mesh', type: 'nominal' as const, sort: meshColors.domain },
          y: { field: 'value', type: 'quantitative' as const, title: null },
        },
        layer: [
          {
            mark: { type: 'bar' as const },
            encoding: {
              color: { field: 'mesh', type: 'nominal' as const, title: null, scale: meshColors, sort: meshColors.domain },
              tooltip: [
                { field: 'tier' },
                { field: 'variant' },
                { field: 'mesh' },
                { field: 'nodePlan', title: 'node plan' },
                { field: 'nodes', type: 'quantitative' as const },
                { field: 'monthlyCost', type: 'quantitative' as const, title: `${plan.inventory.currency} / month` },
                { field: 'costs', title: 'sidecar costs' },
              ],
            },
          },
          { mark: { type: 'text' as const, dy: -6, fontSize: 10 }, encoding: { text: { field: 'value', type: 'quantitative' as const, format: '~r' } } },
        ],
      },
    })),
  };
}

function round(value: number): number {
  return Number(value.toFixed(2));
}
