/**
 * Sidecar cost from result folders: per edge and per proxy, medians with intervals, the load
 * level rule, published fallbacks, and the folder contradictions that must stop a plan.
 */
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { costAtRate, measuredCostModel, publishedCostModel } from '../../src/planning/cost-model.js';
import { collectMeasurements } from '../../src/planning/measurements.js';
import { edgesPerEntryRequest } from '../../src/planning/recorded-scenario.js';
import { readRunFolder, type RunFolder } from '../../src/results/reader.js';
import type { TrialRecord } from '../../src/results/schema.js';

const fixture = await readRunFolder('fixtures/runs/quickstart-this-host');
const MB = 1e6;

/** The fixture run re-labelled, with a chain topology and trials made to order. */
function chainRun(runId: string, trials: Partial<TrialRecord>[], variant = { name: 'nginx-mtls', proxy: 'nginx', mode: 'mtls' }): RunFolder {
  const template = fixture.trials.find((t) => t.variant === 'nginx-mtls')!;
  const proxy = template.processes.find((p) => p.role === 'proxy')!;
  const scenario = {
    ...fixture.run.scenario,
    topology: { services: [{ name: 'a', calls: ['b'] }, { name: 'b', calls: ['c'] }, { name: 'c', calls: [] }] },
    variants: [{ name: 'baseline' }, variant],
  };
  return {
    dir: `runs/${runId}`,
    run: { ...fixture.run, runId, scenario },
    trials: trials.map((t, i) => ({
      ...template,
      runId,
      trialId: `${runId}-${i}`,
      repetition: i + 1,
      variant: variant.name,
      // Four sidecars: the load generator's and one per service.
      processes: [...template.processes.filter((p) => p.role !== 'proxy'), ...['loadgen', 'a', 'b', 'c'].map((pod) => ({ ...proxy, name: `${pod}/sidecar`, pod }))],
      ...t,
    })),
  };
}

describe('edges per request', () => {
  it('counts one edge into the entry plus one per call made while serving it', () => {
    expect(edgesPerEntryRequest([{ name: 'echo', calls: [] }], 'echo')).toBe(1);
    expect(edgesPerEntryRequest([{ name: 'a', calls: ['b'] }, { name: 'b', calls: ['c'] }, { name: 'c', calls: [] }], 'a')).toBe(3);
    // a → b, a → c, b → c: c is called twice per request. 1 + 1 + 2 = 4.
    expect(edgesPerEntryRequest([{ name: 'a', calls: ['b', 'c'] }, { name: 'b', calls: ['c'] }, { name: 'c', calls: [] }], 'a')).toBe(4);
  });
});

describe('measured sidecar cost', () => {
  it('takes the recorded quickstart apart: per edge CPU, per proxy RSS, medians with intervals', () => {
    const m = collectMeasurements([fixture]);
    expect(m.tiers).toEqual(['this-host']);
    expect(m.variants.map((v) => v.variant)).toEqual(['haproxy-http', 'haproxy-mtls', 'nginx-mtls']);
    const [light, heavy] = m.variants.find((v) => v.variant === 'haproxy-mtls')!.points;
    expect([light.connections, heavy.connections]).toEqual([1, 16]);
    // One edge: the trial figure is the edge figure. Repetitions 203.3, 191.6, 295.8 → median 203.3.
    expect(light.cpuMsPer1kRequestsPerEdge!.estimate).toBeCloseTo(203.34, 1);
    expect(light.cpuMsPer1kRequestsPerEdge!.low).toBeLessThanOrEqual(203.34);
    expect(light.cpuMsPer1kRequestsPerEdge!.high).toBeCloseTo(295.84, 1);
    // Two HAProxy processes, 16.9 + 21.9 MB → 19.4 MB each.
    expect(light.rssBytesPerProxy!.estimate / MB).toBeCloseTo(19.43, 2);
    expect(light.achievedRps).toBeGreaterThan(2000);
    expect(heavy.achievedRps).toBeGreaterThan(10_000);
    expect(m.baselinesByTier.get('this-host')).toEqual(['baseline']);
    expect(m.noise[0].trials).toBe(24);
    expect(m.noise[0].p99MsByCell).toHaveLength(8);
  });

  it('divides a chain trial by its 3 edges and 4 proxy processes', () => {
    const m = collectMeasurements([chainRun('chain-1', [{ proxyCpuMsPer1kRequests: 300, proxyRssPeakBytes: 80 * MB }])]);
    const [p] = m.variants[0].points;
    expect(p.cpuMsPer1kRequestsPerEdge!.estimate).toBe(100);
    expect(p.rssBytesPerProxy!.estimate).toBe(20 * MB);
  });

  it('merges folders by tier, each run a point of its own', () => {
    const m = collectMeasurements([fixture, chainRun('chain-1', [{ proxyCpuMsPer1kRequests: 300, proxyRssPeakBytes: 80 * MB }])]);
    expect(m.variants.find((v) => v.variant === 'nginx-mtls')!.points.map((p) => p.runId).sort()).toEqual(['chain-1', fixture.run.runId, fixture.run.runId].sort());
  });

  it('refuses a variant name that means different proxies in different folders', () => {
    const other = chainRun('chain-2', [{}], { name: 'nginx-mtls', proxy: 'haproxy', mode: 'mtls' });
    expect(() => collectMeasurements([fixture, other])).toThrow(InvalidInputError);
    expect(() => collectMeasurements([fixture, other])).toThrow(/"nginx-mtls" is nginx \(mtls\) in run .* but haproxy \(mtls\) in run chain-2/);
  });

  it('refuses the same run given twice', () => {
    expect(() => collectMeasurements([fixture, { ...fixture, dir: 'elsewhere' }])).toThrow(/given twice/);
  });

  it('leaves a figure out where no trial recorded it, and the model falls back to the published one, labelled', () => {
    const m = collectMeasurements([chainRun('chain-3', [{ proxyCpuMsPer1kRequests: 300, proxyRssPeakBytes: null }])]);
    expect(m.variants[0].points[0].rssBytesPerProxy).toBeNull();
    const model = measuredCostModel(m.variants[0]);
    expect(model.points[0].memorySource).toBe('published');
    expect(model.points[0].memoryBytesPerPod.estimate).toBe(60 * MB);
    expect(model.points[0].cpuSource).toBe('measured');
    expect(model.notes).toEqual([expect.stringContaining('no proxy RSS recorded')]);
  });
});

describe('which load level a service gets', () => {
  const model = measuredCostModel(collectMeasurements([fixture]).variants.find((v) => v.variant === 'haproxy-mtls')!);

  it('uses the lightest level below the measured range (its cost per request is the highest)', () => {
    const chosen = costAtRate(model, 100);
    expect(chosen.point.connections).toBe(1);
    expect(chosen.extrapolated).toBe('below');
  });

  it('takes the nearest level on a log scale inside the range', () => {
    // ~2,600 and ~16,600 req/s measured: 5,000 is nearer 2,600 (×1.9) than 16,600 (×3.3); 8,000 is nearer 16,600.
    expect(costAtRate(model, 5000).point.connections).toBe(1);
    expect(costAtRate(model, 8000).point.connections).toBe(16);
    expect(costAtRate(model, 8000).extrapolated).toBeNull();
  });

  it('flags a rate above the heaviest level', () => {
    expect(costAtRate(model, 50_000)).toMatchObject({ point: { connections: 16 }, extrapolated: 'above' });
  });
});

describe('published models', () => {
  it('istio-sidecar: two Envoys per edge at 200 ms per 1k requests each, 60 MB per pod', () => {
    const m = publishedCostModel('istio-sidecar');
    expect(m.points[0]).toMatchObject({ cpuSource: 'published', memorySource: 'published', achievedRps: 1000 });
    expect(m.points[0].cpuMsPer1kRequestsPerEdge.estimate).toBeCloseTo(400, 9);
    expect(m.points[0].memoryBytesPerPod.estimate).toBe(60 * MB);
    expect(m.perNodeAgents).toEqual([]);
  });

  it('istio-ambient: two ztunnels per edge at 60 ms per 1k each, nothing in the pod, 12 MB per node', () => {
    const m = publishedCostModel('istio-ambient');
    expect(m.points[0].cpuMsPer1kRequestsPerEdge.estimate).toBeCloseTo(120, 9);
    expect(m.points[0].memoryBytesPerPod.estimate).toBe(0);
    expect(m.perNodeAgents).toEqual([{ name: 'ztunnel', cpuMillicores: 0, memoryBytes: 12 * MB, source: 'published' }]);
  });
});
