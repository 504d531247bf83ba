/**
 * A whole Kubernetes run against the fake API server (no cluster here): namespaces and
 * objects are created with server-side apply, the scripted controller runs the real bundled
 * agents (sample service, load agent, node sampler) as local processes from the ConfigMap,
 * meshbench reads their real logs through the Log API, writes the same records as the local
 * backend, and deletes everything. A second run is interrupted mid-trial and must leave
 * nothing behind either.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterruptedError } from '../../src/errors.js';
import { runKubernetesScenario } from '../../src/backends/kubernetes/run-kubernetes.js';
import { loadKubernetesScenarioFile, type KubernetesScenario } from '../../src/backends/kubernetes/kubernetes-scenario.js';
import { managedByLabel } from '../../src/backends/kubernetes/names.js';
import { runRecordSchema, sampleRecordSchema, trialRecordSchema } from '../../src/results/schema.js';
import type { RunOutcome } from '../../src/runner/run-scenario.js';
import { startFakeCluster, type FakeCluster } from '../fakes/fake-cluster.js';
import { tempDir } from '../helpers/scenario-file.js';
import { buildAgentBundles } from '../../scripts/build-agent-bundles.mjs';

// scenarios/k8s-istio.yaml as shipped (sidecar, ambient, ambient with a waypoint, none), shortened.
const shipped = await loadKubernetesScenarioFile('scenarios/k8s-istio.yaml');
const scenario: KubernetesScenario = {
  ...shipped,
  load: { ...shipped.load, connections: [2], durationSeconds: 1.5, warmupSeconds: 0.5 },
  repetitions: 1,
  quiescence: { foreignCpuLimitPct: 100, maxWaitSeconds: 2 },
  kubernetes: { ...shipped.kubernetes, readyTimeoutSeconds: 60 },
};

const bundleDir = tempDir('meshbench-bundles-');

function meshbenchNamespaces(cluster: FakeCluster) {
  return cluster.api.list('Namespace').filter((n) => n.metadata.labels?.[managedByLabel] === 'meshbench');
}

describe('a Kubernetes run against the fake API server', () => {
  let cluster: FakeCluster;
  let outcome: RunOutcome;
  const steps: string[] = [];

  beforeAll(async () => {
    await buildAgentBundles(bundleDir);
    cluster = await startFakeCluster({ meshes: { istio: true, istioAmbient: true } });
    outcome = await runKubernetesScenario({
      scenario,
      scenarioFile: 'scenarios/k8s-istio.yaml',
      reportsDir: tempDir(),
      seed: 7,
      signal: new AbortController().signal,
      cluster: { kubeconfigPath: cluster.kubeconfigPath, context: cluster.contextName },
      bundleDir,
      onProgress: (e) => e.kind === 'step' && steps.push(e.message),
    });
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('created a namespace per variant plus the sampler’s, with every object applied server-side', () => {
    const created = cluster.api.events
      .filter((e) => e.type === 'ADDED' && e.object.kind === 'Namespace' && e.object.metadata.labels?.[managedByLabel] === 'meshbench')
      .map((e) => e.object.metadata.name as string);
    expect(created.sort()).toEqual(['ambient', 'ambient-waypoint', 'nodes', 'none', 'sidecar'].map((s) => `meshbench-${outcome.runId.slice(-20)}-${s}`).sort());
    const applied = cluster.api.requests.filter((r) => r.method === 'PATCH' && r.contentType?.startsWith('application/apply-patch')).map((r) => r.path.split('?')[0].split('/').at(-2));
    expect(new Set(applied)).toEqual(new Set(['namespaces', 'configmaps', 'daemonsets', 'deployments', 'services', 'peerauthentications', 'virtualservices', 'destinationrules', 'gateways', 'jobs']));
    for (const r of cluster.api.requests.filter((x) => x.method === 'PATCH')) expect(r.path).toMatch(/fieldManager=meshbench/);
  });

  it('ran the real load agent per trial and wrote the same records as the local backend', () => {
    expect(outcome.trials.map((t) => t.variant).sort()).toEqual(['ambient', 'ambient-waypoint', 'none', 'sidecar']);
    const lines = readFileSync(path.join(outcome.runDir, 'trials.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      const t = trialRecordSchema.parse(JSON.parse(line));
      expect(t.requestsTotal).toBeGreaterThan(0);
      expect(t.errors).toEqual({ connectionErrors: 0, timeouts: 0, non2xx: 0 });
      expect(t.histogram.data.length).toBeGreaterThan(10);
      expect(t.verification.passed).toBe(true);
      expect(t.node.cpuCount).toBeGreaterThan(0);
      // Per-container figures come from the (emulated) cgroup v2 tree the sampler reads.
      const names = t.processes.map((p) => `${p.role}:${p.name}`);
      expect(names).toContain('app:echo/app');
      expect(names).toContain('loadgen:loadgen/load');
      if (t.variant === 'sidecar') {
        expect(names).toContain('proxy:echo/istio-proxy');
        expect(names).toContain('proxy:loadgen/istio-proxy');
      }
      expect(t.processes.find((p) => p.name === 'loadgen/load')!.cpuSeconds).toBeGreaterThan(0);
    }
    const run = runRecordSchema.parse(JSON.parse(readFileSync(path.join(outcome.runDir, 'run.json'), 'utf8')));
    expect(run.status).toBe('completed');
    expect(run.host.hostname).toBe('node-a');
    const samples = readFileSync(path.join(outcome.runDir, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => sampleRecordSchema.parse(JSON.parse(l)));
    expect(samples.length).toBeGreaterThanOrEqual(3);
  });

  it('put the load on another node than the service', () => {
    const jobPods = cluster.api.events.filter((e) => e.object.kind === 'Pod' && e.object.metadata.labels?.['job-name']).map((e) => e.object.spec.nodeName);
    const servicePods = cluster.api.events.filter((e) => e.object.kind === 'Pod' && e.object.metadata.labels?.['meshbench/role'] === 'sut').map((e) => e.object.spec.nodeName);
    expect(new Set(jobPods)).toEqual(new Set(['node-b']));
    expect(new Set(servicePods)).toEqual(new Set(['node-a']));
    // The fake's nodes carry the shipped scenario's pool labels.
    expect(scenario.tiers[0].nodeSelector).toEqual({ 'meshbench/pool': 'sut' });
  });

  it('deleted everything it created, and waited for it', () => {
    expect(meshbenchNamespaces(cluster)).toEqual([]);
    expect(cluster.api.createdObjects().filter((o) => o.metadata.labels?.[managedByLabel] === 'meshbench')).toEqual([]);
    expect(cluster.controller.livePids()).toEqual([]);
    expect(steps.at(-1)).toMatch(/deleting namespaces/);
    // istio-system (the mesh's, not ours) is untouched.
    expect(cluster.api.get('Namespace', null, 'istio-system')?.metadata.deletionTimestamp).toBeUndefined();
  });
});

describe('an interrupted Kubernetes run', () => {
  it('stops mid-trial and leaves nothing behind', async () => {
    await buildAgentBundles(bundleDir);
    const cluster = await startFakeCluster({ meshes: { istio: true, istioAmbient: true } });
    try {
      const controller = new AbortController();
      const reportsDir = tempDir();
      let runDir = '';
      let jobSeen = false;
      // Ctrl-C once a load Job's pod is running, i.e. mid-trial.
      const unsubscribe = cluster.api.onChange((e) => {
        if (!jobSeen && e.object.kind === 'Pod' && e.object.metadata.labels?.['job-name'] && e.object.status?.phase === 'Running') {
          jobSeen = true;
          setTimeout(() => controller.abort(), 300);
        }
      });
      const error = await runKubernetesScenario({
        scenario: { ...scenario, load: { ...scenario.load, durationSeconds: 20 } },
        scenarioFile: 'inline',
        reportsDir,
        seed: 1,
        signal: controller.signal,
        cluster: { kubeconfigPath: cluster.kubeconfigPath },
        bundleDir,
        onProgress: (e) => {
          if (e.kind === 'run-started') runDir = e.runDir;
        },
      }).catch((e: unknown) => e);
      unsubscribe();
      expect(jobSeen).toBe(true);
      expect(error).toBeInstanceOf(InterruptedError);
      expect(meshbenchNamespaces(cluster)).toEqual([]);
      expect(cluster.api.createdObjects().filter((o) => o.metadata.labels?.[managedByLabel] === 'meshbench')).toEqual([]);
      expect(cluster.controller.livePids()).toEqual([]);
      const run = runRecordSchema.parse(JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')));
      expect(run.status).toBe('interrupted');
    } finally {
      await cluster.stop();
    }
  }, 180_000);
});
