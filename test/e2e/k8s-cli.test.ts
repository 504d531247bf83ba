/**
 * `meshbench run` on a Kubernetes scenario, as a user types it, against the fake API server
 * (there is no cluster here): the CLI picks the backend from the file, reaches the context
 * given with --kubeconfig/--context, writes the same result folder and report as locally,
 * and deletes what it created. `destroy --all` then finds nothing of meshbench's.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { managedByLabel } from '../../src/backends/kubernetes/names.js';
import { startFakeCluster, type FakeCluster } from '../fakes/fake-cluster.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeScenario } from '../helpers/scenario-file.js';

describe('meshbench run with backend: kubernetes (fake API server)', () => {
  let cluster: FakeCluster;
  beforeAll(async () => {
    cluster = await startFakeCluster({ meshes: { istio: true, istioAmbient: true } });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs Istio sidecar against no mesh, reports, and leaves no namespace behind', async () => {
    const dir = tempDir();
    const file = writeScenario(
      dir,
      [
        'name: k8s-cli',
        'backend: kubernetes',
        'topology: { services: [ { name: echo } ] }',
        'variants:',
        '  - { name: none, mesh: none }',
        '  - { name: sidecar, mesh: istio-sidecar, peerAuthentication: STRICT }',
        'load: { connections: [2], durationSeconds: 1, warmupSeconds: 0.3 }',
        'repetitions: 1',
        'quiescence: { foreignCpuLimitPct: 100, maxWaitSeconds: 1 }',
        'kubernetes: { readyTimeoutSeconds: 60 }',
      ].join('\n'),
    );
    const r = await runCli(['run', file, '--kubeconfig', cluster.kubeconfigPath, '--context', cluster.contextName, '--reports-dir', dir, '--no-progress']);
    expect(r.stderr).not.toContain('internal error');
    expect(r.code).toBe(0);
    const reportPath = /report: (.+\.md)/.exec(r.stdout)![1];
    expect(readFileSync(reportPath, 'utf8')).toContain('| sidecar |');
    expect(existsSync(path.join(path.dirname(reportPath), 'trials.jsonl'))).toBe(true);
    const left = cluster.api.list('Namespace').filter((n) => n.metadata.labels?.[managedByLabel] === 'meshbench');
    expect(left).toEqual([]);

    const destroy = await runCli(['destroy', '--all', '--kubeconfig', cluster.kubeconfigPath, '--context', cluster.contextName]);
    expect(destroy.code).toBe(0);
    expect(destroy.stdout).toContain('no namespace of any meshbench run in the cluster');
  }, 180_000);
});
