import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { loadScenarioFile, parseScenarioText } from '../../src/scenario/load.js';
import { planTrials } from '../../src/scenario/plan.js';
import { scenarioJsonSchema } from '../../src/scenario/schema.js';

const scenariosDir = path.resolve('scenarios');

async function problemsOf(load: () => unknown): Promise<string[]> {
  try {
    await load();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as InvalidInputError).problems;
  }
  throw new Error('expected the scenario to be rejected');
}

describe('scenario files', () => {
  const files = readdirSync(scenariosDir).filter((f) => f.endsWith('.yaml'));
  it('has the quickstart and a 3-service chain', () => {
    expect(files).toContain('quickstart.yaml');
    expect(files).toContain('chain.yaml');
  });
  it.each(files)('%s validates', async (file) => {
    const scenario = await loadScenarioFile(path.join(scenariosDir, file));
    const isBaseline = (v: (typeof scenario.variants)[number]) => !v.copyOf && ('mesh' in v && v.mesh ? v.mesh === 'none' : !('proxy' in v && v.proxy));
    expect(scenario.variants.filter(isBaseline)).toHaveLength(1);
  });
});

describe('scenario validation errors', () => {
  it('lists a syntax error, a misspelled key and a wrong type with file:line:col', async () => {
    const file = path.resolve('fixtures/scenarios/three-problems.yaml');
    const problems = await problemsOf(() => loadScenarioFile(file));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${file}:5:36: topology\\.services\\.0\\.responseBytes: .*expected number`)),
        expect.stringMatching(new RegExp(`^${file}:12:1: .*unknown key "repetitons" \\(did you mean "repetitions"\\?\\)`)),
        expect.stringMatching(new RegExp(`^${file}:\\d+:\\d+: YAML syntax: `)),
      ]),
    );
  });

  it('rejects cross-field mistakes with their locations', async () => {
    const text = [
      'name: x',
      'topology:',
      '  services:',
      '    - { name: a, calls: [b] }',
      '    - { name: b, calls: [a, nope] }',
      'variants:',
      '  - { name: v1, proxy: haproxy }',
      '  - { name: v1, mode: mtls }',
      'load: { connections: [1], durationSeconds: 1 }',
    ].join('\n');
    const problems = await problemsOf(() => parseScenarioText(text, 's.yaml'));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^s\.yaml:5:29: .*unknown service "nope"/),
        expect.stringMatching(/calls form a cycle: a → b → a/),
        expect.stringMatching(/^s\.yaml:8:\d+: .*"mode" needs a "proxy"/),
        expect.stringMatching(/^s\.yaml:8:\d+: .*duplicate variant "v1"/),
      ]),
    );
  });

  it('needs exactly one baseline (a variant without a proxy)', async () => {
    const text = 'name: x\ntopology: { services: [ { name: a } ] }\nvariants: [ { name: h, proxy: nginx } ]\nload: { connections: [1], durationSeconds: 1 }\n';
    expect(await problemsOf(() => parseScenarioText(text, 's.yaml'))).toEqual([
      expect.stringMatching(/^s\.yaml:3:11: variants: exactly one variant must have no proxy .*found 0/),
    ]);
  });

  it('needs a connection per load process at every closed-loop level, and in the open-loop pool', async () => {
    const scenario = (load: string) => `name: x\ntopology: { services: [ { name: a } ] }\nvariants: [ { name: base } ]\nload:\n${load}\n`;
    const closed = scenario('  connections: [8, 2]\n  durationSeconds: 1\n  processes: 3');
    expect(await problemsOf(() => parseScenarioText(closed, 's.yaml'))).toEqual([
      expect.stringMatching(/^s\.yaml:5:\d+: load\.connections\.1: 2 connections cannot be split across load\.processes 3: each process needs at least one connection/),
    ]);
    const open = scenario('  mode: open\n  rps: [400]\n  durationSeconds: 1\n  maxConnections: 2\n  processes: 4');
    expect(await problemsOf(() => parseScenarioText(open, 's.yaml'))).toEqual([expect.stringMatching(/^s\.yaml:8:\d+: load\.maxConnections: maxConnections 2 cannot be split across load\.processes 4/)]);
    expect(parseScenarioText(scenario('  connections: [8, 3]\n  durationSeconds: 1\n  processes: 3')).load.processes).toBe(3);
  });

  it("takes a variant's own proxy binary, only beside a proxy and never on a copy", async () => {
    const scenario = (variants: string) => `name: x\ntopology: { services: [ { name: a } ] }\nvariants:\n  - { name: base }\n${variants}\nload: { connections: [1], durationSeconds: 1 }\n`;
    expect(parseScenarioText(scenario('  - { name: new, proxy: haproxy, binary: /opt/haproxy-2.8/sbin/haproxy }')).variants[1]!.binary).toBe('/opt/haproxy-2.8/sbin/haproxy');
    expect(await problemsOf(() => parseScenarioText(scenario('  - { name: b2, binary: /opt/h }'), 's.yaml'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^s\.yaml:5:\d+: variants\.1\.binary: "binary" needs a "proxy"/)]),
    );
    expect(await problemsOf(() => parseScenarioText(scenario('  - { name: h, proxy: haproxy }\n  - { name: h2, copyOf: h, binary: /opt/h }'), 's.yaml'))).toEqual([
      expect.stringMatching(/^s\.yaml:6:\d+: variants\.2\.copyOf: a copy takes its proxy, mode and binary from the variant it copies/),
    ]);
  });

  it('names a missing file', async () => {
    const problems = await problemsOf(() => loadScenarioFile('/nonexistent/x.yaml'));
    expect(problems[0]).toContain('/nonexistent/x.yaml');
  });

  it('fills defaults: http mode for a proxy, one tier', () => {
    const s = parseScenarioText('name: x\ntopology: { services: [ { name: a } ] }\nvariants: [ { name: base }, { name: h, proxy: nginx } ]\nload: { connections: [2], durationSeconds: 1 }\n');
    expect(s.variants[1].mode).toBe('http');
    expect(s.tiers).toEqual([{ name: 'this-host' }]);
    expect(s.repetitions).toBe(3);
    expect(s.load.processes).toBe(1);
  });
});

describe('JSON Schema', () => {
  it('does not mark defaulted fields as required', () => {
    const schema = scenarioJsonSchema() as { required: string[] };
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'topology', 'variants', 'load']));
    expect(schema.required).not.toContain('repetitions');
    expect(schema.required).not.toContain('tiers');
  });
});

describe('plan', () => {
  const scenario = parseScenarioText(
    'name: x\ntopology: { services: [ { name: a } ] }\nvariants: [ { name: base }, { name: h, proxy: nginx }, { name: m, proxy: haproxy, mode: mtls } ]\nload: { connections: [1, 8], durationSeconds: 1 }\nrepetitions: 4\n',
  );
  it('runs every variant at every level in every repetition', () => {
    const trials = planTrials(scenario, 7);
    expect(trials).toHaveLength(3 * 2 * 4);
    for (let rep = 1; rep <= 4; rep++) {
      const cells = trials.filter((t) => t.repetition === rep).map((t) => `${t.variant}/${t.connections}`);
      expect(new Set(cells).size).toBe(6);
    }
    expect(new Set(trials.map((t) => t.trialId)).size).toBe(trials.length);
  });
  it('shuffles the order inside a repetition, reproducibly from the seed', () => {
    const order = (seed: number) => planTrials(scenario, seed).map((t) => `${t.variant}/${t.connections}`).join(' ');
    expect(order(7)).toBe(order(7));
    expect(order(7)).not.toBe(order(8));
    const reps = planTrials(scenario, 7);
    const firstRep = reps.filter((t) => t.repetition === 1).map((t) => t.variant + t.connections).join();
    const secondRep = reps.filter((t) => t.repetition === 2).map((t) => t.variant + t.connections).join();
    expect(firstRep).not.toBe(secondRep);
  });
});
