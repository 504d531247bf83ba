/**
 * plan.md: the plan for people. The cheapest node plan per tier and variant first, then what
 * the mesh adds in all (and how that compares with the rules of thumb), the sidecar figures
 * used with their sources, each tier in full, the rules the numbers follow, and warnings.
 * Published figures and borrowed measurements are marked wherever they are used.
 */
import { fixed, integer } from '../report/format.js';
import type { SloCheck } from './capacity-at-slo.js';
import type { Estimate } from './measurements.js';
import type { PackingSummary, PlanResult, TierPlan, VariantCosts } from './plan-result.js';
import { compareWithRulesOfThumb, type RuleOfThumbComparison } from './rule-of-thumb.js';

const mebibyte = 2 ** 20;
const gibibyte = 2 ** 30;

export function renderPlanMarkdown(plan: PlanResult): string {
  const inv = plan.inventory;
  const out: string[] = [`# Node plan: ${inv.name}`, ''];
  if (inv.description) out.push(inv.description, '');
  out.push(
    `Inventory \`${inv.file}\` · ${inv.services} services (${inv.meshedServices} in the mesh) · ${inv.pods} pods · ${integer(inv.peakRpsTotal)} req/s at peak (summed over services) · prices in ${inv.currency} per month`,
    '',
    plan.runs.length
      ? `Measurements: ${plan.runs.map((r) => `run \`${r.runId}\` (\`${r.dir}\`, tier${r.tiers.length === 1 ? '' : 's'} ${r.tiers.join(', ') || 'none'})`).join('; ')}`
      : 'Measurements: none (published figures only)',
    '',
  );
  out.push(...cheapestTable(plan), '');
  out.push(...overheadSection(plan, compareWithRulesOfThumb(plan)), '');
  out.push(...costTable(plan), '');
  for (const tier of plan.tiers) out.push(...tierSection(plan, tier), '');
  out.push('## How this plan was computed', '', ...plan.rules.map((r) => `- ${r}`), '');
  if (plan.warnings.length) out.push('## Warnings', '', ...plan.warnings.map((w) => `- ${w}`), '');
  return out.join('\n').trimEnd() + '\n';
}

function cheapestTable(plan: PlanResult): string[] {
  const c = plan.inventory.currency;
  const lines = [
    '## Cheapest node plan per tier and variant',
    '',
    `| tier | variant | sidecar costs | without mesh | with mesh | binding | mesh tax (${c}/month) | ${c}/month | ${c} per 1,000 req/s | SLO at peak |`,
    '| --- | --- | --- | --- | --- | --- | ---: | ---: | ---: | --- |',
  ];
  for (const tier of plan.tiers)
    for (const ch of tier.cheapest) {
      const v = tier.variants.find((x) => x.variant === ch.variant)!;
      lines.push(
        row([
          tier.tier,
          ch.variant,
          sourceLabel(v, tier.tier),
          ch.withoutMesh ? `${ch.withoutMesh.nodes} × ${ch.withoutMesh.nodePlan}` : 'does not fit',
          ch.withMesh ? `${ch.withMesh.nodes} × ${ch.withMesh.nodePlan}` : 'does not fit',
          ch.withMesh?.binding ?? '–',
          ch.meshTaxMoneyPerMonth === null ? '–' : `${signed(ch.meshTaxMoneyPerMonth)} (${signed(ch.meshTaxPct ?? 0, 1)}%)`,
          ch.withMesh ? fixed(ch.withMesh.monthlyCost) : '–',
          ch.withMesh ? fixed(ch.withMesh.costPer1kRps) : '–',
          ch.slo ? sloLabel(ch.slo) : '–',
        ]),
      );
    }
  lines.push('', 'Mesh tax here is the cheapest plan with the mesh against the cheapest without (they may differ); each node plan\'s own tax is in the tier sections.');
  const anySlo = plan.tiers.some((t) => t.cheapest.some((c) => c.slo && c.slo.status !== 'not-measured'));
  if (!anySlo)
    lines.push(
      'SLO at peak: capacity at SLO is not in the result records yet; where you have measured it, give it in the inventory (slo.latencyP99Ms and slo.capacityPerPodRps).',
    );
  return lines;
}

function overheadSection(plan: PlanResult, thumb: RuleOfThumbComparison): string[] {
  const lines = [
    `## What the mesh adds for these ${plan.inventory.meshedServices} services`,
    '',
    'On the cheapest node plan with the mesh. Control plane: ' +
      (plan.inventory.controlPlane.length
        ? plan.inventory.controlPlane
            .map((p) => `${p.name} ×${p.replicas}, ${p.cpuMillicores}m and ${mib(p.memoryBytes)} MiB (${p.source === 'published' ? 'published figure' : 'from the inventory'})`)
            .join('; ')
        : 'none (mesh.controlPlane is empty)') +
      '.',
    '',
    '| tier | variant | sidecar CPU (vCPU) | sidecar RAM (GiB) | control plane RAM (GiB) | per-node agents RAM (GiB) | mesh CPU in all (vCPU) | mesh RAM in all (GiB) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const tier of plan.tiers)
    for (const ch of tier.cheapest) {
      const o = ch.overhead;
      lines.push(
        row([tier.tier, ch.variant, fixed(o.sidecarCpuMillicores / 1000), gib(o.sidecarMemoryBytes), gib(o.controlPlaneMemoryBytes), gib(o.agentsMemoryBytes), fixed(o.totalCpuMillicores / 1000), gib(o.totalMemoryBytes)]),
      );
    }
  lines.push('', ...ruleOfThumbNote(thumb));
  return lines;
}

/** The closing comparison with "20 services add 2–4 GB", with the reasons it differs. */
export function ruleOfThumbNote(t: RuleOfThumbComparison): string[] {
  const measured = t.rows.filter((r) => r.memorySource === 'measured');
  const published = t.rows.filter((r) => r.memorySource !== 'measured' && r.sidecarBytes > 0);
  const lines = [
    '### Against the rules of thumb',
    '',
    `- "20 services add 2–4 GB for the mesh" scales to ${gb(t.serviceRuleLowBytes)}–${gb(t.serviceRuleHighBytes)} GB (${gib(t.serviceRuleLowBytes)}–${gib(t.serviceRuleHighBytes)} GiB) for ${t.meshedServices} meshed services; "at least 100 MB per pod" to ${gb(t.podRuleBytes)} GB for ${t.meshedPods} pods.`,
  ];
  for (const r of t.rows)
    lines.push(
      `- ${r.variant} (${r.memorySource === 'measured' ? `measured on ${r.costsFrom}` : 'published figures'}): ${gib(r.totalBytes)} GiB in all, ${r.versusServiceRule} the range: sidecars ${gib(r.sidecarBytes)} GiB (${mibRange(r.sidecarBytesPerPodMin, r.sidecarBytesPerPodMax)} MiB per pod), control plane ${gib(r.controlPlaneBytes)} GiB, per-node agents ${gib(r.agentsBytes)} GiB.`,
    );
  const why: string[] = [];
  if (measured.length) {
    const perPodMin = Math.min(...measured.map((r) => r.sidecarBytesPerPodMin));
    const perPodMax = Math.max(...measured.map((r) => r.sidecarBytesPerPodMax));
    const sidecarsMin = Math.min(...measured.map((r) => r.sidecarBytes));
    const sidecarsMax = Math.max(...measured.map((r) => r.sidecarBytes));
    why.push(
      `the measured sidecars alone come to ${gbRange(sidecarsMin, sidecarsMax)} GB, ${fixed((sidecarsMax / t.serviceRuleLowBytes) * 100, 0)}% or less of the rule's low end: each holds ${mibRange(perPodMin, perPodMax)} MiB, a lean proxy with a static configuration for the benchmark's few services, so its memory does not grow with the mesh. Envoy sidecars, which the rule of thumb comes from, hold the listeners, routes and endpoints of every service they can reach (Istio publishes about 60 MB each; meshes without Sidecar scoping see 100 MB and more)`,
    );
    why.push(`sidecar memory is per pod, not per service: this inventory runs ${fixed(t.meshedPods / Math.max(t.meshedServices, 1), 1)} pods per service`);
  }
  if (published.length) why.push("with Istio's published 60 MB per sidecar the sidecars alone reach " + gbRange(Math.min(...published.map((r) => r.sidecarBytes)), Math.max(...published.map((r) => r.sidecarBytes))) + ' GB, which is where the rule of thumb comes from');
  why.push(
    t.controlPlaneSource === 'published'
      ? `a total inside the range owes most to the control plane, counted at Istio's published istiod figure (1.5 GB), which was measured for 1,000 services and 2,000 sidecars; a ${t.meshedServices}-service mesh needs far less, so set mesh.controlPlane to what yours uses`
      : 'the control plane is counted as the inventory gives it',
  );
  why.push('and these are memory in use; a mesh that injects fixed sidecar requests (Istio: 128 MiB) makes the scheduler reserve that instead (mesh.sidecarRequests)');
  lines.push(`- Why it differs: ${why.join('; ')}.`);
  return lines;
}

function costTable(plan: PlanResult): string[] {
  const lines = [
    '## Sidecar cost used',
    '',
    "Per edge = both sidecars of one caller → callee hop. Medians over a level's trials with exact order-statistic intervals (95% where the trials reach it; fewer trials reach less, e.g. 5 reach 93.8%); published figures have none (source in the rules below).",
    '',
    '| tier | variant | source | level | req/s per proxy pair | proxy CPU ms per 1k req per edge [95% CI] | RSS MiB per proxy [95% CI] | trials | services at this level |',
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  const seen = new Set<string>();
  for (const tier of plan.tiers)
    for (const v of tier.variants) {
      const key = JSON.stringify([v.model.measuredOn ?? 'published', v.variant]);
      if (seen.has(key)) continue;
      seen.add(key);
      for (const p of v.model.points) {
        const users = v.services.filter((s) => s.point === p.label).length;
        lines.push(
          row([
            v.model.measuredOn ?? '–',
            v.variant,
            p.cpuSource === p.memorySource ? p.cpuSource : `CPU ${p.cpuSource}, memory ${p.memorySource}`,
            p.connections === null ? p.label : `${p.connections} conn. (${p.runId})`,
            integer(p.achievedRps),
            withCi(p.cpuMsPer1kRequestsPerEdge, 1, p.cpuSource === 'measured'),
            v.model.perNodeAgents.length && p.memoryBytesPerPod.estimate === 0
              ? `none in the pod; ${v.model.perNodeAgents.map((a) => `${a.name} ${mibOf(a.memoryBytes)} per node`).join(', ')}`
              : withCi(scale(p.memoryBytesPerPod, 1 / mebibyte), 1, p.memorySource === 'measured'),
            String(p.trials || '–'),
            String(users),
          ]),
        );
      }
    }
  return lines;
}

function tierSection(plan: PlanResult, tier: TierPlan): string[] {
  const c = plan.inventory.currency;
  const from =
    tier.costsFrom === 'published'
      ? "Istio's published figures (not measured)"
      : tier.costsFrom === tier.tier
        ? "this tier's own results"
        : `tier ${tier.costsFrom}'s results (borrowed: this tier was not measured)`;
  const lines = [
    `## Tier \`${tier.tier}\` (${tier.shared ? 'shared vCPU' : 'dedicated'})`,
    '',
    ...(tier.description ? [tier.description, ''] : []),
    `Sidecar costs: ${from}. CPU headroom: ${tier.headroom.explanation}.`,
    '',
    '| node plan | vCPU | GiB | max pods | reserve | ' + c + '/month | per node for pods, no mesh (CPU m · MiB · pods) |',
    '| --- | ---: | ---: | ---: | --- | ---: | --- |',
  ];
  for (const p of tier.nodePlans) {
    const cap = p.withoutMesh.nodeCapacity;
    lines.push(
      row([
        p.name + (p.description ? ` (${p.description})` : ''),
        String(p.vcpu),
        String(p.memoryGiB),
        String(p.maxPods),
        `${p.reserve.cpuMillicores}m, ${mib(p.reserve.memoryBytes)} MiB`,
        fixed(p.pricePerMonth),
        `${integer(cap.cpuMillicores)} · ${integer(cap.memoryBytes / mebibyte)} · ${cap.pods}`,
      ]),
    );
  }
  lines.push(
    '',
    `| node plan | variant | nodes | nodes at upper CI | binding | CPU % | memory % | pods % | mesh tax | ${c}/month | ${c} per 1,000 req/s | SLO at peak |`,
    '| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | --- | ---: | ---: | --- |',
  );
  for (const p of tier.nodePlans) {
    const base = packingCells(p.withoutMesh);
    lines.push(row([p.name, 'no mesh', base[0], '–', ...base.slice(1), '–', ...moneyCells(p.withoutMesh), sloLabel(p.sloWithoutMesh)]));
    for (const v of p.variants) {
      const t = v.meshTax;
      lines.push(
        row([
          p.name,
          v.variant,
          ...packingCells(v.withMesh).slice(0, 1),
          v.withMeshAtUpperCi.nodes === null ? 'does not fit' : String(v.withMeshAtUpperCi.nodes),
          ...packingCells(v.withMesh).slice(1),
          t ? `${signedInt(t.nodes)} node${Math.abs(t.nodes) === 1 ? '' : 's'} (${signed(t.pct, 1)}%), ${signed(t.moneyPerMonth)} ${c}` : '–',
          ...moneyCells(v.withMesh),
          sloLabel(v.slo),
        ]),
      );
    }
  }
  const extrapolated = tier.variants.flatMap((v) => v.services.filter((s) => s.extrapolated === 'below').map((s) => s.service));
  if (extrapolated.length)
    lines.push(
      '',
      `${new Set(extrapolated).size} service(s) peak below the lightest measured rate per pod; they use the lightest level, whose cost per request is the highest measured.`,
    );
  return lines;
}

function packingCells(p: PackingSummary): string[] {
  if (!p.feasible || p.nodes === null || !p.utilizationPct) return [`does not fit: ${p.infeasibleReason}`, '–', '–', '–', '–'];
  const u = p.utilizationPct;
  return [String(p.nodes), p.binding!, fixed(u.cpu, 0), fixed(u.memory, 0), fixed(u.pods, 0)];
}

function moneyCells(p: PackingSummary): string[] {
  return [fixed(p.monthlyCost), fixed(p.costPer1kRps)];
}

function sloLabel(s: SloCheck): string {
  if (s.status === 'not-measured') return 'not measured';
  const base = `p99 ≤ ${fixed(s.latencyP99Ms, 0)} ms up to ${integer(s.maxRpsPerPod)} req/s per pod (${s.source})`;
  if (s.status === 'meets') return `meets: busiest ${s.busiest.service} at ${integer(s.busiest.perPodRps)}; ${base}`;
  return `fails: ${s.over.map((o) => `${o.service} at ${integer(o.perPodRps)}`).join(', ')}; ${base}`;
}

function sourceLabel(v: VariantCosts, tier: string): string {
  if (v.model.measuredOn === null) return 'published';
  const where = v.model.measuredOn === tier ? 'measured' : `measured on ${v.model.measuredOn}`;
  const fallbacks = [...v.sources.cpu, ...v.sources.memory].includes('published') ? ' (partly published)' : '';
  return where + fallbacks;
}

function withCi(e: Estimate, digits: number, interval: boolean): string {
  if (!interval || (e.low === e.high && e.low === e.estimate)) return fixed(e.estimate, digits);
  return `${fixed(e.estimate, digits)} [${fixed(e.low, digits)}, ${fixed(e.high, digits)}]`;
}

function scale(e: Estimate, by: number): Estimate {
  return { estimate: e.estimate * by, low: e.low * by, high: e.high * by, confidence: e.confidence };
}

function row(cells: string[]): string {
  return `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
}

function signed(value: number, digits = 2): string {
  return (value >= 0 ? '+' : '') + value.toFixed(digits);
}

function signedInt(value: number): string {
  return (value >= 0 ? '+' : '') + String(value);
}

function mib(bytes: number): string {
  return integer(bytes / mebibyte);
}

function mibOf(bytes: number): string {
  return (bytes / mebibyte).toFixed(1);
}

function mibRange(lo: number, hi: number): string {
  return mibOf(lo) === mibOf(hi) ? mibOf(lo) : `${mibOf(lo)}–${mibOf(hi)}`;
}

function gib(bytes: number): string {
  return (bytes / gibibyte).toFixed(2);
}

function gbRange(lo: number, hi: number): string {
  return gb(lo) === gb(hi) ? gb(lo) : `${gb(lo)}–${gb(hi)}`;
}

function gb(bytes: number): string {
  return Number((bytes / 1e9).toFixed(2)).toString();
}
