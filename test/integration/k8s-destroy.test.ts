/** `destroy` for Kubernetes: by run id or --all, by meshbench's labels only, and it waits. */
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/backends/kubernetes/kube-client.js';
import { deleteRunNamespaces, destroyKubernetesRuns } from '../../src/backends/kubernetes/namespace-lifecycle.js';
import { runIdAnnotation, runLabels } from '../../src/backends/kubernetes/names.js';
import { EnvironmentError } from '../../src/errors.js';
import { startFakeCluster, type FakeCluster } from '../fakes/fake-cluster.js';

let cluster: FakeCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

function namespace(name: string, runId: string | null) {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(runId ? { labels: runLabels(runId), annotations: { [runIdAnnotation]: runId } } : {}) } };
}

describe('destroying what crashed runs left behind', () => {
  it('deletes one run’s namespaces, or every meshbench run’s with --all, never anyone else’s', async () => {
    cluster = await startFakeCluster();
    for (const ns of [namespace('mb-a-none', 'run-a'), namespace('mb-a-x', 'run-a'), namespace('mb-b-none', 'run-b'), namespace('theirs', null)]) cluster.api.put(ns);
    const clients = connect({ kubeconfigPath: cluster.kubeconfigPath });

    const one = await destroyKubernetesRuns(clients, 'run-a', 10_000);
    expect(one).toEqual([{ runId: 'run-a', namespaces: ['mb-a-none', 'mb-a-x'] }]);
    expect(cluster.api.list('Namespace').map((n) => n.metadata.name).sort()).toEqual(['mb-b-none', 'theirs']);

    const all = await destroyKubernetesRuns(clients, null, 10_000);
    expect(all).toEqual([{ runId: 'run-b', namespaces: ['mb-b-none'] }]);
    expect(cluster.api.list('Namespace').map((n) => n.metadata.name)).toEqual(['theirs']);
  });

  it('teardown refuses a namespace of the same name that this run did not create', async () => {
    cluster = await startFakeCluster();
    cluster.api.put(namespace('clash', null));
    cluster.api.put(namespace('mine', 'run-c'));
    const clients = connect({ kubeconfigPath: cluster.kubeconfigPath });
    const error = await deleteRunNamespaces(clients, 'run-c', ['mine', 'clash'], 10_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toMatch(/namespace clash exists but was not created by this meshbench run; left alone/);
    expect(cluster.api.list('Namespace').map((n) => n.metadata.name)).toEqual(['clash']);
  });
});
