/** A fake cluster for tests: the fake API server, its scripted controller and a kubeconfig file. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/scenario-file.js';
import { FakeKubeController, type FakeMeshes, type FakeNode } from './fake-kube-controller.js';
import { FakeKubeApiServer, gatewayApiCrds, istioCrds, linkerdCrds, type FakeKubeOptions } from './kube-apiserver.js';

export interface FakeCluster {
  api: FakeKubeApiServer;
  controller: FakeKubeController;
  kubeconfigPath: string;
  contextName: string;
  stop(): Promise<void>;
}

export async function startFakeCluster(options: { nodes?: FakeNode[]; meshes?: FakeMeshes; contextName?: string } & FakeKubeOptions = {}): Promise<FakeCluster> {
  const meshes = options.meshes ?? {};
  const crds = options.crds ?? [...(meshes.istio || meshes.istioAmbient ? [...istioCrds, ...gatewayApiCrds] : []), ...(meshes.linkerd ? linkerdCrds : [])];
  const api = new FakeKubeApiServer({ crds, allowNamespaceCreate: options.allowNamespaceCreate });
  await api.start();
  const workDir = tempDir('meshbench-fake-k8s-');
  const controller = new FakeKubeController(api, {
    nodes: options.nodes ?? [
      { name: 'node-a', labels: { 'meshbench/pool': 'sut' } },
      { name: 'node-b', labels: { 'meshbench/pool': 'load' } },
    ],
    meshes,
    workDir,
  });
  controller.start();
  const contextName = options.contextName ?? 'fake';
  const kubeconfigPath = path.join(workDir, 'kubeconfig');
  writeFileSync(kubeconfigPath, api.kubeconfig(contextName));
  return {
    api,
    controller,
    kubeconfigPath,
    contextName,
    async stop() {
      await controller.stop();
      await api.stop();
    },
  };
}
