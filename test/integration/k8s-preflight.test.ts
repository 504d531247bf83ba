/**
 * Preflight against the fake API server: each missing precondition is one clear
 * EnvironmentError (exit 3), and nothing is created in the cluster or on disk.
 */
import { existsSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, MeshbenchError } from '../../src/errors.js';
import { connect } from '../../src/backends/kubernetes/kube-client.js';
import { preflight } from '../../src/backends/kubernetes/preflight.js';
import { runKubernetesScenario } from '../../src/backends/kubernetes/run-kubernetes.js';
import { parseKubernetesScenarioText } from '../../src/backends/kubernetes/kubernetes-scenario.js';
import { startFakeCluster, type FakeCluster } from '../fakes/fake-cluster.js';
import { FakeKubeApiServer } from '../fakes/kube-apiserver.js';
import { tempDir, writeScenario } from '../helpers/scenario-file.js';
import { buildAgentBundles } from '../../scripts/build-agent-bundles.mjs';

const istioScenario = parseKubernetesScenarioText(`
name: pre
backend: kubernetes
topology: { services: [ { name: echo } ] }
variants:
  - { name: none, mesh: none }
  - { name: sidecar, mesh: istio-sidecar, peerAuthentication: STRICT }
load: { connections: [1], durationSeconds: 1 }
tiers: [ { name: t, nodeSelector: { meshbench/pool: sut } } ]
`);

let cluster: FakeCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

/** Runs the whole runner (not just preflight), so "nothing created" covers everything. */
async function runExpectingFailure(c: { kubeconfigPath: string }, bundleDir: string): Promise<MeshbenchError> {
  const reportsDir = tempDir();
  try {
    await runKubernetesScenario({ scenario: istioScenario, scenarioFile: 'inline', reportsDir, signal: new AbortController().signal, cluster: { kubeconfigPath: c.kubeconfigPath }, bundleDir });
  } catch (error) {
    expect(readdirSync(reportsDir)).toEqual([]);
    return error as MeshbenchError;
  }
  throw new Error('the run should have failed');
}

function mutatingRequests(api: FakeKubeApiServer) {
  return api.requests.filter((r) => r.method !== 'GET' && !r.path.includes('selfsubjectaccessreviews'));
}

describe('Kubernetes preflight', () => {
  const bundleDir = tempDir('meshbench-bundles-');
  const bundles = buildAgentBundles(bundleDir);

  it('unreachable API: one clear message, exit 3', async () => {
    const api = new FakeKubeApiServer();
    await api.start();
    const kubeconfig = writeScenario(tempDir(), api.kubeconfig('gone'), 'kubeconfig');
    await api.stop(); // nothing listens on that port any more
    await bundles;
    const error = await runExpectingFailure({ kubeconfigPath: kubeconfig }, bundleDir);
    expect(error.exitCode).toBe(ExitCode.environment);
    expect(error.message).toMatch(/^cannot reach the Kubernetes API of context "gone" \(http:\/\/127\.0\.0\.1:\d+\) of tier t: ECONNREFUSED$/);
  });

  it('forbidden namespace creation: one clear message, exit 3, nothing created', async () => {
    cluster = await startFakeCluster({ meshes: { istio: true }, allowNamespaceCreate: false });
    await bundles;
    const error = await runExpectingFailure(cluster, bundleDir);
    expect(error.exitCode).toBe(ExitCode.environment);
    expect(error.message).toMatch(/^meshbench may not create namespaces in context "fake" .* \(no RBAC policy matched\); every run works in namespaces of its own$/);
    expect(error.hint).toMatch(/ClusterRole/);
    expect(mutatingRequests(cluster.api)).toEqual([]);
    expect(cluster.api.list('Namespace')).toEqual([]);
  });

  it('Istio CRDs missing: one clear message naming what is missing, exit 3, nothing created', async () => {
    cluster = await startFakeCluster({ meshes: {} });
    await bundles;
    const error = await runExpectingFailure(cluster, bundleDir);
    expect(error.exitCode).toBe(ExitCode.environment);
    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.message).toMatch(/variant sidecar needs istio-sidecar, which is not installed in context "fake" .*: missing PeerAuthentication \(security\.istio\.io\/v1\), VirtualService \(networking\.istio\.io\/v1\), DestinationRule \(networking\.istio\.io\/v1\), the injector .*Install it with: istioctl install/);
    expect(mutatingRequests(cluster.api)).toEqual([]);
    expect(cluster.api.list('Namespace')).toEqual([]);
  });

  it('no node matches the tier: one clear message', async () => {
    cluster = await startFakeCluster({ meshes: { istio: true }, nodes: [{ name: 'only', labels: {} }] });
    const error = await preflight(connect({ kubeconfigPath: cluster.kubeconfigPath }), istioScenario, istioScenario.tiers[0]).catch((e: unknown) => e as MeshbenchError);
    expect((error as MeshbenchError).exitCode).toBe(ExitCode.environment);
    expect((error as MeshbenchError).message).toMatch(/no node in context "fake" .* matches the tier's nodeSelector meshbench\/pool=sut/);
  });

  it('passes when everything is there, and only reads', async () => {
    cluster = await startFakeCluster({ meshes: { istio: true } });
    const facts = await preflight(connect({ kubeconfigPath: cluster.kubeconfigPath }), istioScenario, istioScenario.tiers[0]);
    expect(facts.serviceNodes.map((n) => n.metadata?.name)).toEqual(['node-a']);
    expect(mutatingRequests(cluster.api)).toEqual([]);
    expect(existsSync(cluster.kubeconfigPath)).toBe(true);
  });
});
