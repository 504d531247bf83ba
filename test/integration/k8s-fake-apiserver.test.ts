/** The fake API server speaks the wire protocol client-node expects (the parts meshbench relies on). */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeKubeApiServer, istioCrds } from '../fakes/kube-apiserver.js';

describe('fake kube-apiserver', () => {
  const api = new FakeKubeApiServer({ crds: istioCrds });
  let kc: k8s.KubeConfig;

  beforeAll(async () => {
    await api.start();
    kc = new k8s.KubeConfig();
    kc.loadFromString(api.kubeconfig());
  });
  afterAll(() => api.stop());

  it('refuses http:// unless the kubeconfig skips TLS verification (client-node’s own rule)', async () => {
    const strict = new k8s.KubeConfig();
    strict.loadFromString(api.kubeconfig().replace('    insecure-skip-tls-verify: true\n', ''));
    await expect(strict.makeApiClient(k8s.CoreV1Api).listNamespace()).rejects.toThrow(/HTTP protocol is not allowed/);
  });

  it('server-side applies built-in kinds and CRDs, creating then updating', async () => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n1' } };
    await objects.patch(ns, undefined, undefined, 'meshbench', true, k8s.PatchStrategy.ServerSideApply);
    const pa = { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'n1' }, spec: { mtls: { mode: 'STRICT' } } };
    await objects.patch(pa, undefined, undefined, 'meshbench', true, k8s.PatchStrategy.ServerSideApply);
    await objects.patch({ ...pa, spec: { mtls: { mode: 'PERMISSIVE' } } }, undefined, undefined, 'meshbench', true, k8s.PatchStrategy.ServerSideApply);
    expect(api.get('PeerAuthentication', 'n1', 'default')?.spec).toEqual({ mtls: { mode: 'PERMISSIVE' } });
    expect(api.requests.filter((r) => r.method === 'PATCH').every((r) => r.contentType === 'application/apply-patch+yaml' && r.path.includes('fieldManager=meshbench'))).toBe(true);
  });

  it('streams watch events from a resourceVersion and ends after timeoutSeconds', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const list = await core.listNamespacedConfigMap({ namespace: 'n1' });
    await core.createNamespacedConfigMap({ namespace: 'n1', body: { metadata: { name: 'before-watch' } } });
    const seen: string[] = [];
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      void new k8s.Watch(kc)
        .watch('/api/v1/namespaces/n1/configmaps', { resourceVersion: list.metadata!.resourceVersion!, timeoutSeconds: 1 }, (type, o: k8s.V1ConfigMap) => seen.push(`${type} ${o.metadata?.name}`), (err) => (err ? reject(err) : resolve()))
        .then(() => core.createNamespacedConfigMap({ namespace: 'n1', body: { metadata: { name: 'during-watch' } } }));
    });
    expect(seen).toEqual(['ADDED before-watch', 'ADDED during-watch']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('follows a pod log with timestamps until the container ends', async () => {
    api.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'n1' }, spec: { containers: [{ name: 'c' }] } });
    api.appendLog('n1', 'p', 'c', 'one');
    let text = '';
    const { Writable } = await import('node:stream');
    const done = new Promise<void>((resolve) => {
      const sink = new Writable({ write: (chunk, _e, cb) => ((text += String(chunk)), cb()) });
      sink.on('finish', resolve);
      void new k8s.Log(kc).log('n1', 'p', 'c', sink, { follow: true, timestamps: true });
    });
    setTimeout(() => {
      api.appendLog('n1', 'p', 'c', 'two');
      api.endLog('n1', 'p', 'c');
    }, 200);
    await done;
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z one\n\d{4}-\d\d-\d\dT[\d:.]+Z two\n$/);
  });

  it('answers SelfSubjectAccessReview and 404 Status objects', async () => {
    api.allowNamespaceCreate = false;
    const review = await kc.makeApiClient(k8s.AuthorizationV1Api).createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { verb: 'create', resource: 'namespaces' } } } });
    expect(review.status?.allowed).toBe(false);
    const error = await kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: 'missing' }).catch((e: unknown) => e as k8s.ApiException<string>);
    expect((error as k8s.ApiException<string>).code).toBe(404);
  });
});
