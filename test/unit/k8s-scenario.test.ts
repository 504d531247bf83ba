/** The `backend: kubernetes` scenario pieces: the shipped files parse, and the cross-field rules hold. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKubernetesScenarioFile, parseKubernetesScenarioText } from '../../src/backends/kubernetes/kubernetes-scenario.js';

/** Rethrows an InvalidInputError with its problems in the message, so toThrow can match them. */
function problemsOf(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    throw new Error((e as { problems: string[] }).problems.join('\n'));
  }
}

const base = (variants: string, extra = '') => `
name: x
backend: kubernetes
topology: { services: [ { name: echo } ] }
variants:
${variants}
load: { connections: [1], durationSeconds: 1 }
${extra}`;

describe('Kubernetes scenarios', () => {
  it.each(['k8s-istio.yaml', 'k8s-linkerd.yaml'])('%s parses', async (file) => {
    const s = await loadKubernetesScenarioFile(path.resolve('scenarios', file));
    expect(s.backend).toBe('kubernetes');
    expect(s.variants.filter((v) => v.mesh === 'none')).toHaveLength(1);
    expect(s.kubernetes.images.agent).toBe('node:22-alpine');
  });

  it('fills defaults: loadgen in the mesh for mesh variants, out for none; envoy mode http', () => {
    const s = parseKubernetesScenarioText(base('  - { name: none, mesh: none }\n  - { name: e, mesh: envoy }'));
    expect(s.variants.map((v) => [v.name, v.loadgenInMesh, v.mode])).toEqual([['none', false, undefined], ['e', true, 'http']]);
    expect(s.kubernetes.namespacePrefix).toBe('meshbench');
  });

  it('needs exactly one mesh: none variant', () => {
    expect(() => problemsOf(() => parseKubernetesScenarioText(base('  - { name: a, mesh: linkerd }')))).toThrow(/exactly one variant must have mesh: none/);
  });

  it('refuses policy a profile cannot apply, with file:line', () => {
    try {
      const policy = 'policy: { timeoutMs: 2000, retries: { attempts: 3, perTryTimeoutMs: 500 } }';
      parseKubernetesScenarioText(base(`  - { name: none, mesh: none }\n  - { name: l, mesh: linkerd, ${policy} }\n  - { name: a, mesh: istio-ambient, ${policy} }\n  - { name: p, mesh: linkerd, peerAuthentication: STRICT }`), 'k.yaml');
      expect.unreachable();
    } catch (e) {
      const problems = (e as { problems: string[] }).problems;
      expect(problems.some((p) => /k\.yaml:\d+:\d+: .*mesh: linkerd cannot apply them/.test(p))).toBe(true);
      expect(problems.some((p) => /peerAuthentication is an Istio object; mesh: linkerd cannot apply it/.test(p))).toBe(true);
      expect(problems.some((p) => /needs waypoint: true/.test(p))).toBe(true);
    }
  });

  it('resolves an A/A copy to its original', async () => {
    const { effectiveKubernetesVariant } = await import('../../src/backends/kubernetes/kubernetes-scenario.js');
    const s = parseKubernetesScenarioText(base('  - { name: none, mesh: none }\n  - { name: l, mesh: linkerd, workers: 3 }\n  - { name: l-again, copyOf: l }'));
    expect(effectiveKubernetesVariant(s, s.variants[2])).toMatchObject({ name: 'l-again', mesh: 'linkerd', workers: 3, copyOf: 'l' });
    expect(() => problemsOf(() => parseKubernetesScenarioText(base('  - { name: none, mesh: none }\n  - { name: x, copyOf: nope }')))).toThrow(/unknown variant "nope"/);
  });

  it('runs one load-driver process per trial', () => {
    const text = base('  - { name: none, mesh: none }').replace('load: { connections: [1], durationSeconds: 1 }', 'load: { connections: [4], durationSeconds: 1, processes: 2 }');
    expect(() => problemsOf(() => parseKubernetesScenarioText(text, 'k.yaml'))).toThrow(/^k\.yaml:\d+:\d+: load\.processes: backend: kubernetes runs one load-driver process per trial/);
    expect(parseKubernetesScenarioText(base('  - { name: none, mesh: none }')).load.processes).toBe(1);
  });

  it('keeps the base rules (unknown callee, unknown keys)', () => {
    expect(() => problemsOf(() => parseKubernetesScenarioText(base('  - { name: none, mesh: none }').replace('{ name: echo }', '{ name: echo, calls: [nope] }')))).toThrow(/unknown service "nope"/);
    expect(() => problemsOf(() => parseKubernetesScenarioText(base('  - { name: none, mesh: none, proxy: envoy }')))).toThrow(/unknown key "proxy"/);
    expect(() => problemsOf(() => parseKubernetesScenarioText(base('  - { name: none, mesh: none }', 'tiers: [ { name: t, nodeSelector: { "bad key!": x } } ]')))).toThrow(/tiers\.0\.nodeSelector/);
  });
});
