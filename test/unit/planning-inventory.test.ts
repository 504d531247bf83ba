/**
 * Inventory validation: every problem with its file:line:col, including the ones only the
 * results can reveal (a tier that was not measured, a variant missing on a tier).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { loadInventoryFile, parseInventoryText } from '../../src/planning/inventory-file.js';
import { inventoryJsonSchema } from '../../src/planning/inventory-schema.js';
import { catalogueOf } from '../../src/planning/tier-sources.js';
import { est, measurements, MiB, point, variant } from './planning-helpers.js';

const example = path.resolve('fixtures/inventories/example-shop.yaml');
const measured = catalogueOf(measurements([variant('haproxy-mtls', [point({ achievedRps: 100, cpuMsPer1k: est(200), rssBytes: est(20 * MiB) })], 'this-host')], []));

function problemsOf(text: string, results = measured): string[] {
  try {
    parseInventoryText(text, 'inv.yaml', results);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).exitCode).toBe(2);
    return (err as InvalidInputError).problems;
  }
  throw new Error('expected the inventory to be rejected');
}

const valid = [
  'name: shop', // 1
  'currency: EUR', // 2
  'services:', // 3
  '  - { name: api, replicas: 2, peakRps: 100, cpuMillicores: 100, memoryMiB: 128 }', // 4
  'nodeReserve: { cpuMillicores: 100, memoryMiB: 512 }', // 5
  'tiers:', // 6
  '  - name: this-host', // 7
  '    shared: true', // 8
  '    nodePlans: [ { name: small, vcpu: 2, memoryGiB: 4, pricePerMonth: 5 } ]', // 9
];

describe('inventory files', () => {
  it('accepts the example inventory: 20 services, two tiers, two or three node plans each', async () => {
    const inv = await loadInventoryFile(example);
    expect(inv.services).toHaveLength(20);
    expect(inv.tiers.map((t) => t.nodePlans.length)).toEqual([3, 2]);
  });

  it('accepts a minimal inventory and fills the stated defaults', () => {
    const inv = parseInventoryText(valid.join('\n'), 'inv.yaml', measured);
    expect(inv.targetUtilizationPct).toEqual({ cpu: 70, memory: 85 });
    expect(inv.tiers[0].nodePlans[0].maxPods).toBe(110);
    expect(inv.services[0].meshed).toBe(true);
    expect(inv.mesh.controlPlane).toBeUndefined(); // the planner then uses the published istiod, labelled
  });

  it('rejects a service without a rate instead of assuming 0', () => {
    const lines = [...valid];
    lines[3] = '  - { name: api, replicas: 2, cpuMillicores: 100, memoryMiB: 128 }';
    expect(problemsOf(lines.join('\n'))).toEqual([expect.stringMatching(/^inv\.yaml:4:5: services\.0: missing required key "peakRps"/)]);
  });

  it('suggests the right key for a misspelt one', () => {
    const lines = [...valid];
    lines[3] = '  - { name: api, replicas: 2, peakRPS: 100, cpuMillicores: 100, memoryMiB: 128 }';
    expect(problemsOf(lines.join('\n'))).toContainEqual(expect.stringMatching(/^inv\.yaml:4:\d+: .*unknown key "peakRPS" \(did you mean "peakRps"\?\)/));
  });

  it('wants a reserve for every node plan, and one that leaves room', () => {
    const noReserve = valid.filter((l) => !l.startsWith('nodeReserve'));
    expect(problemsOf(noReserve.join('\n'))).toEqual([expect.stringMatching(/^inv\.yaml:8:18: .*node plan "small" has no reserve/)]);
    const tooBig = valid.map((l) => l.replace('memoryMiB: 512', 'memoryMiB: 4096'));
    expect(problemsOf(tooBig.join('\n'))).toEqual([expect.stringMatching(/^inv\.yaml:9:\d+: .*reserve and DaemonSets take all 4 GiB of "small"/)]);
  });

  it('points at a tier that is not in the results and says how to proceed', () => {
    const lines = valid.map((l) => l.replace('name: this-host', 'name: dedicated'));
    const [problem] = problemsOf(lines.join('\n'));
    expect(problem).toMatch(/^inv\.yaml:7:11: tiers\.0\.name: tier "dedicated" is not in the results \(measured tiers: this-host\)/);
    expect(problem).toContain('costsFrom');
  });

  it('accepts a tier that borrows another tier\'s figures, but wants its headroom stated when it is shared', () => {
    const lines = valid.map((l) => l.replace('name: this-host', 'name: dedicated'));
    lines.splice(8, 0, '    costsFrom: this-host');
    expect(problemsOf(lines.join('\n'))).toEqual([expect.stringMatching(/^inv\.yaml:8:13: .*shared but has no trials of its own.*cpuHeadroomPct/)]);
    lines.splice(8, 0, '    cpuHeadroomPct: 15');
    expect(parseInventoryText(lines.join('\n'), 'inv.yaml', measured).tiers[0].cpuHeadroomPct).toBe(15);
  });

  it('rejects a variant measured nowhere that is not a published model, and a baseline listed as a mesh', () => {
    const lines = [...valid, 'mesh: { variants: [haproxy-mtls, envoy-http, istio-ambient, baseline] }'];
    const problems = problemsOf(lines.join('\n'));
    expect(problems).toEqual([
      expect.stringMatching(/^inv\.yaml:10:34: mesh\.variants\.1: variant "envoy-http" was not measured on tier "this-host" \(measured there: haproxy-mtls\) and is not a published model \(istio-sidecar, istio-ambient\)/),
      expect.stringMatching(/^inv\.yaml:10:61: mesh\.variants\.3: "baseline" is a baseline/),
    ]);
  });

  it('rejects SLO capacity for a variant the tier does not plan', () => {
    const lines = [...valid, 'slo: { latencyP99Ms: 20, capacityPerPodRps: [ { tier: this-host, variant: nginx-mtls, rps: 100 } ] }'];
    expect(problemsOf(lines.join('\n'))).toEqual([expect.stringMatching(/^inv\.yaml:10:\d+: slo\.capacityPerPodRps\.0\.variant: variant "nginx-mtls" is not planned on tier "this-host"/)]);
  });

  it('has a JSON Schema for editors', () => {
    const schema = inventoryJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['services', 'tiers', 'mesh', 'headroom']));
    expect(schema.required).toEqual(expect.arrayContaining(['services', 'tiers', 'currency']));
  });
});
