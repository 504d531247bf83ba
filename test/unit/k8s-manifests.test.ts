/**
 * The Kubernetes manifests: one golden file per mesh profile holding every kind a run
 * creates (namespaces, the agents ConfigMap, Deployments, Services, the sampler DaemonSet,
 * a load Job, Istio policy, the Envoy sidecar's ConfigMap), each validated with
 * kubernetes-models / @kubernetes-models/istio on the way; plus the checks those schemas
 * do not make (names, sizes) and the mesh conventions that decide injection.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Service } from 'kubernetes-models/v1/Service';
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { InvalidInputError } from '../../src/errors.js';
import { checkedManifest, configMapMaxBytes, type KubeObject } from '../../src/backends/kubernetes/manifest-checks.js';
import { loadJobManifest } from '../../src/backends/kubernetes/load-job-manifest.js';
import { tierManifests } from '../../src/backends/kubernetes/run-manifests.js';
import { parseKubernetesScenarioText } from '../../src/backends/kubernetes/kubernetes-scenario.js';
import type { MeshProfile } from '../../src/backends/kubernetes/scenario-extension.js';
import { managedByLabel, namespaceName, runLabel, runLabelValue } from '../../src/backends/kubernetes/names.js';
import { validateEnvoyBootstrap } from '../../src/proxies/envoy-validate.js';
import { parse } from 'yaml';

const runId = 'k8s-test-20261126-023507-1bd2';
const bundles = { 'sample-service.cjs': '/* service */', 'load-agent.cjs': '/* load */', 'node-sampler.cjs': '/* sampler */' };

const variantYaml: Record<MeshProfile, string> = {
  none: '{ name: none, mesh: none }',
  'istio-sidecar': `{ name: sidecar, mesh: istio-sidecar, workers: 2, proxyResources: { cpuRequest: "1", cpuLimit: "2", memoryRequest: 128Mi },
      peerAuthentication: STRICT, policy: { timeoutMs: 2000, retries: { attempts: 3, perTryTimeoutMs: 500 } }, destinationRule: { loadBalancer: LEAST_REQUEST, tlsMode: ISTIO_MUTUAL } }`,
  'istio-ambient': '{ name: ambient, mesh: istio-ambient, waypoint: true, peerAuthentication: PERMISSIVE, policy: { timeoutMs: 2000, retries: { attempts: 3, perTryTimeoutMs: 500 } } }',
  linkerd: '{ name: linkerd, mesh: linkerd, workers: 3, loadgenInMesh: false }',
  envoy: '{ name: envoy, mesh: envoy, mode: http, workers: 2, injectDelayMs: 5, policy: { timeoutMs: 2000, retries: { attempts: 3, perTryTimeoutMs: 500 } } }',
};

/** Rethrows an InvalidInputError with its problems in the message, so toThrow can match them. */
function problemsOf(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    throw new Error((e as InvalidInputError).problems.join('\n'));
  }
}

function scenarioFor(profile: MeshProfile) {
  const variants = profile === 'none' ? [variantYaml.none] : [variantYaml.none, variantYaml[profile]];
  return parseKubernetesScenarioText(`
name: k8s-test
backend: kubernetes
topology:
  entry: frontend
  services:
    - { name: frontend, calls: [backend] }
    - { name: backend, responseBytes: 64 }
variants:
${variants.map((v) => `  - ${v}`).join('\n')}
load: { connections: [4], durationSeconds: 2, warmupSeconds: 1 }
tiers: [ { name: pool-a, nodeSelector: { meshbench/pool: sut }, loadNodeSelector: { meshbench/pool: load } } ]
`);
}

function allObjects(profile: MeshProfile): KubeObject[] {
  const scenario = scenarioFor(profile);
  const tier = tierManifests({ runId, scenario, tier: scenario.tiers[0], bundles });
  const variant = tier.variants[tier.variants.length - 1];
  const job = loadJobManifest(variant.context, {
    jobName: 'load-0001-abcdef',
    entryService: 'frontend',
    level: { connections: 4, durationSeconds: 2, warmupSeconds: 1, requestTimeoutSeconds: 10 },
    nodeSelector: scenario.tiers[0].loadNodeSelector,
    startTimeoutSeconds: 300,
  });
  return [...tier.sampler, ...tier.variants.flatMap((v) => v.objects), job];
}

/** Re-validates the plain JSON with the model class of its kind. */
function revalidate(object: KubeObject): void {
  const models: Record<string, new (data: never) => { validate(): void }> = {
    Namespace,
    ConfigMap,
    Deployment,
    DaemonSet,
    Job,
    Service,
    PeerAuthentication,
    VirtualService,
    DestinationRule,
  };
  const Model = models[object.kind];
  if (object.kind === 'Gateway') return; // checked by hand in istio-policy-manifests.ts
  expect(Model, `a model for ${object.kind}`).toBeDefined();
  new Model(object as never).validate();
}

describe('Kubernetes manifests per mesh profile', () => {
  for (const profile of ['none', 'istio-sidecar', 'istio-ambient', 'linkerd', 'envoy'] as const) {
    it(`${profile}: every object validates and matches its golden file`, async () => {
      const objects = allObjects(profile);
      for (const object of objects) revalidate(object);
      const text = objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
      await expect(text).toMatchFileSnapshot(`__snapshots__/k8s/${profile}.yaml`);
    });
  }

  it('covers every kind a run creates', () => {
    const kinds = new Set((['none', 'istio-sidecar', 'istio-ambient', 'linkerd', 'envoy'] as const).flatMap((p) => allObjects(p).map((o) => o.kind)));
    expect([...kinds].sort()).toEqual(['ConfigMap', 'DaemonSet', 'Deployment', 'DestinationRule', 'Gateway', 'Job', 'Namespace', 'PeerAuthentication', 'Service', 'VirtualService']);
  });

  it('labels every object as meshbench-managed with the run id', () => {
    for (const profile of ['istio-sidecar', 'envoy'] as const) {
      for (const object of allObjects(profile)) {
        expect(object.metadata.labels?.[managedByLabel], `${object.kind} ${object.metadata.name}`).toBe('meshbench');
        expect(object.metadata.labels?.[runLabel]).toBe(runLabelValue(runId));
      }
    }
  });

  it('switches injection on and off by each mesh’s own conventions', () => {
    const namespaceOf = (profile: MeshProfile) => allObjects(profile).filter((o) => o.kind === 'Namespace').at(-1)!;
    expect(namespaceOf('istio-sidecar').metadata.labels).toMatchObject({ 'istio-injection': 'enabled' });
    expect(namespaceOf('istio-ambient').metadata.labels).toMatchObject({ 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' });
    expect(namespaceOf('linkerd').metadata.annotations).toMatchObject({ 'linkerd.io/inject': 'enabled' });
    expect(namespaceOf('none').metadata.labels).toMatchObject({ 'istio-injection': 'disabled', 'istio.io/dataplane-mode': 'none' });
    expect(namespaceOf('none').metadata.annotations).toMatchObject({ 'linkerd.io/inject': 'disabled' });

    const podAnnotations = (profile: MeshProfile, kind: string) => {
      const o = allObjects(profile).filter((x) => x.kind === kind).at(-1) as unknown as { spec: { template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> } } } };
      return o.spec.template.metadata;
    };
    expect(podAnnotations('istio-sidecar', 'Deployment').annotations).toMatchObject({
      'proxy.istio.io/config': '{"concurrency":2}',
      'sidecar.istio.io/proxyCPU': '1',
      'sidecar.istio.io/proxyCPULimit': '2',
      'sidecar.istio.io/proxyMemory': '128Mi',
    });
    // Without a CPU limit linkerd-proxy runs one worker thread: workers always sets one.
    expect(podAnnotations('linkerd', 'Deployment').annotations).toMatchObject({ 'config.linkerd.io/proxy-cpu-limit': '3' });
    // loadgenInMesh: false keeps the load Job out of the mesh.
    expect(podAnnotations('linkerd', 'Job').annotations).toMatchObject({ 'linkerd.io/inject': 'disabled' });
    expect(podAnnotations('istio-sidecar', 'Job').labels).toMatchObject({ 'sidecar.istio.io/inject': 'true' });
  });

  it('keeps the load Job off the service nodes', () => {
    const job = allObjects('none').find((o) => o.kind === 'Job') as unknown as { spec: { template: { spec: { affinity: unknown; nodeSelector: unknown } } } };
    expect(job.spec.template.spec.nodeSelector).toEqual({ 'meshbench/pool': 'load' });
    expect(job.spec.template.spec.affinity).toMatchObject({
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { 'meshbench/role': 'sut' } }, topologyKey: 'kubernetes.io/hostname' }] },
    });
  });

  it('gives the envoy profile a valid Envoy config reaching Services by DNS', () => {
    const cm = allObjects('envoy').find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'envoy-frontend') as unknown as { data: Record<string, string> };
    const bootstrap = parse(cm.data['envoy.yaml']) as { static_resources: { clusters: { name: string; type: string }[]; listeners: { address: unknown; traffic_direction: string }[] } };
    expect(validateEnvoyBootstrap(bootstrap).problems).toEqual([]);
    expect(bootstrap.static_resources.clusters.find((c) => c.name === 'outbound_backend')?.type).toBe('STRICT_DNS');
    expect(bootstrap.static_resources.listeners.find((l) => l.traffic_direction === 'INBOUND')?.address).toEqual({ socket_address: { address: '0.0.0.0', port_value: 8080 } });
  });
});

describe('validation the schemas do not do', () => {
  it('an invalid PeerAuthentication mode fails validation', () => {
    const bad = new PeerAuthentication({ metadata: { name: 'default', namespace: 'ns' }, spec: { mtls: { mode: 'STRICTEST' as 'STRICT' } } });
    expect(() => checkedManifest(bad)).toThrow(InvalidInputError);
    expect(() => checkedManifest(bad)).toThrow(/mtls\/mode must be equal to one of the allowed values/);
    // …and the scenario schema refuses it before any manifest is built.
    expect(() => problemsOf(() => parseKubernetesScenarioText(`
name: x
backend: kubernetes
topology: { services: [ { name: echo } ] }
variants: [ { name: none, mesh: none }, { name: s, mesh: istio-sidecar, peerAuthentication: STRICTEST } ]
load: { connections: [1], durationSeconds: 1 }
`))).toThrow(/variants\.1\.peerAuthentication/);
  });

  it('refuses names the API server would refuse', () => {
    const ns = new Namespace({ metadata: { name: 'Bad_Name' } });
    expect(() => checkedManifest(ns)).toThrow(/must consist of lower-case letters/);
    const long = new Namespace({ metadata: { name: 'a'.repeat(64) } });
    expect(() => checkedManifest(long)).toThrow(/at most 63/);
  });

  it('refuses a ConfigMap over 1 MiB', () => {
    const cm = new ConfigMap({ metadata: { name: 'big', namespace: 'ns' }, data: { 'a.cjs': 'x'.repeat(configMapMaxBytes) } });
    expect(() => checkedManifest(cm)).toThrow(/1 MiB/);
  });

  it('makes namespace names fit 63 characters and stay unique per run', () => {
    const a = namespaceName('meshbench', runId, 'v'.repeat(60));
    expect(a.length).toBeLessThanOrEqual(63);
    expect(namespaceName('meshbench', runId, 'none')).toBe('meshbench-20261126-023507-1bd2-none');
    expect(namespaceName('meshbench', 'other-20261126-023507-ffff', 'none')).not.toBe(namespaceName('meshbench', runId, 'none'));
    expect(runLabelValue(`${'x'.repeat(70)}-20261126-023507-1bd2`).length).toBeLessThanOrEqual(63);
  });
});
