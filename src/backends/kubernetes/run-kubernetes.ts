/**
 * A whole run on Kubernetes, the same shape as the local runner (run-scenario.ts): the same
 * seeded plan, the same RunWriter and the same TrialRecord (buildTrialRecord), so `report`,
 * `compare` and `gate` read both alike. Per tier (a kube context and/or node pool):
 * preflight (nothing is created if it fails) → one namespace per variant plus one for the
 * node sampler, applied with server-side apply → wait until every Deployment is available
 * and the sampler runs on every node → per trial: wait for a quiet node, check the mesh took
 * hold, run the load Job, cut the trial's window out of the sampler stream, append the
 * record. Teardown deletes the tier's namespaces and waits for them to go, on success, on
 * error and when `signal` aborts (Ctrl-C).
 */
import type * as k8s from '@kubernetes/client-node';
import { ExitCode, InterruptedError, MeshbenchError } from '../../errors.js';
import type { LoadLevel } from '../../load/load-generator.js';
import type { TrialRecord } from '../../results/schema.js';
import { newRunRecord } from '../../results/new-run-record.js';
import { RunSession } from '../../results/run-session.js';
import type { ProgressListener } from '../../runner/progress.js';
import type { RunOutcome } from '../../runner/run-scenario.js';
import { startRun } from '../../runner/run-start.js';
import { buildTrialRecord } from '../../runner/trial-record.js';
import type { PlannedTrial } from '../../scenario/plan.js';
import { readAgentBundles } from './agent-configmap.js';
import { applyObject, apiErrorMessage, connect, type ClusterTarget, type KubeClients } from './kube-client.js';
import { loadJobManifest } from './load-job-manifest.js';
import { runLoadJob } from './load-job-run.js';
import { defaultTeardownTimeoutMs, deleteRunNamespaces } from './namespace-lifecycle.js';
import { appLabel, loadJobName, roleLabel, samplerDaemonSetName } from './names.js';
import { hostFactsFromNode } from './node-facts.js';
import { podComponents, verifyMeshPods, ztunnelComponents, type ContainerComponent } from './pod-components.js';
import { preflight } from './preflight.js';
import { tierManifests, type VariantManifests } from './run-manifests.js';
import { SamplerStreams } from './sampler-stream.js';
import type { KubernetesScenario, KubernetesTier } from './kubernetes-scenario.js';
import { entryServiceOf } from './topology.js';
import { nodeWindowBetween, trialWindowFigures } from './trial-figures.js';
import { watchUntil } from './watch-until.js';

export interface KubernetesRunOptions {
  scenario: KubernetesScenario;
  scenarioFile: string;
  /** Folder that receives `<runId>/`; ignored when `runDir` is given. */
  reportsDir?: string;
  runDir?: string;
  seed?: number;
  signal: AbortSignal;
  onProgress?: ProgressListener;
  /** --kubeconfig and --context; a tier's own `context` wins over this one. */
  cluster?: ClusterTarget;
  /** Where the esbuild agent bundles are (default dist/agent-bundles). */
  bundleDir?: string;
  teardownTimeoutMs?: number;
}

interface VariantState {
  manifests: VariantManifests;
  pods: { service: string; pod: k8s.V1Pod }[];
  components: ContainerComponent[];
}

export async function runKubernetesScenario(options: KubernetesRunOptions): Promise<RunOutcome> {
  const { scenario, signal } = options;
  const progress = options.onProgress ?? (() => undefined);
  const { seed, runId, runDir, plan } = startRun(scenario, options);
  const bundles = await readAgentBundles(options.bundleDir);

  const session = new RunSession(runDir);

  await session.guard(signal, async () => {
    for (const tier of scenario.tiers) {
      if (signal.aborted) throw new InterruptedError();
      const clients = connect({ kubeconfigPath: options.cluster?.kubeconfigPath, context: tier.context ?? options.cluster?.context });
      progress({ kind: 'step', message: `tier ${tier.name}: checking context ${clients.context}` });
      await preflight(clients, scenario, tier);
      await runTier(clients, tier);
    }
  });
  return { runId, runDir, trials: session.trials };

  async function runTier(clients: KubeClients, tier: KubernetesTier): Promise<void> {
    const manifests = tierManifests({ runId, scenario, tier, bundles });
    const timeoutMs = scenario.kubernetes.readyTimeoutSeconds * 1000;
    const created: string[] = [];
    let streams: SamplerStreams | undefined;
    let failure: unknown;
    try {
      progress({ kind: 'step', message: `tier ${tier.name}: creating namespaces ${manifests.namespaces.join(', ')}` });
      for (const object of [...manifests.sampler, ...manifests.variants.flatMap((v) => v.objects)]) {
        if (signal.aborted) throw new InterruptedError();
        // Recorded before the call: a namespace the API created but we never heard back about is still ours to delete.
        if (object.kind === 'Namespace') created.push(object.metadata.name);
        await applyObject(clients, object);
      }
      progress({ kind: 'step', message: `tier ${tier.name}: waiting for the services and the node sampler` });
      const samplerPods = await waitSamplerRunning(clients, manifests.samplerNamespace, timeoutMs, signal);
      const variants = new Map<string, VariantState>();
      for (const v of manifests.variants) {
        const pods = await waitServicesAvailable(clients, v.context.namespace, scenario.topology.services.map((s) => s.name), timeoutMs, signal);
        variants.set(v.variant.name, { manifests: v, pods, components: pods.flatMap(({ service, pod }) => podComponents(pod, service, 'app', v.context.variant.mesh)) });
      }
      streams = await SamplerStreams.start(clients, manifests.samplerNamespace, samplerPods);
      const entry = entryServiceOf(scenario);
      const entryNode = (variant: string) => variants.get(variant)!.pods.find((p) => p.service === entry)!.pod.spec!.nodeName!;

      if (!session.started) {
        const node = entryNode(scenario.variants[0].name);
        await streams.waitForSampleAfter([node], 0, timeoutMs, signal);
        const nodeObject = await clients.core.readNode({ name: node });
        await session.start(newRunRecord({
          runId,
          seed,
          scenarioFile: options.scenarioFile,
          scenario,
          tiers: scenario.tiers.map((t) => t.name),
          host: hostFactsFromNode(nodeObject, streams.clockTicksPerSecond(node), streams.readyByNode.get(node)?.cgroupV2),
          plannedTrials: plan.length,
        }));
        progress({ kind: 'run-started', runId, runDir, plannedTrials: plan.length, seed });
      }

      const samplerContainerIds = samplerPods.flatMap((p) => podComponents(p, 'sampler', 'app', 'none').map((c) => c.containerId ?? ''));
      for (const planned of plan.filter((t) => t.tier === tier.name)) {
        if (signal.aborted) throw new InterruptedError();
        progress({ kind: 'trial-started', trial: planned, total: plan.length });
        const record = await runK8sTrial(clients, tier, planned, variants.get(planned.variant)!, entryNode(planned.variant), streams, [...variants.values()], samplerContainerIds);
        await session.appendTrial(record.record, record.samples);
        progress({
          kind: 'trial-finished',
          trial: planned,
          total: plan.length,
          achievedRps: record.record.achievedRps,
          latencyP50Ms: record.record.latencyP50Ms,
          latencyP99Ms: record.record.latencyP99Ms,
          flags: record.record.quiescence.reached ? [] : ['node-busy'],
        });
      }
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      streams?.stop();
      progress({ kind: 'step', message: `tier ${tier.name}: deleting namespaces ${created.join(', ') || '(none)'}` });
      try {
        await deleteRunNamespaces(clients, runId, created, options.teardownTimeoutMs ?? defaultTeardownTimeoutMs);
      } catch (teardownError) {
        // The first failure is the one to report; teardown's is added to it, never swallowed.
        if (failure === undefined) throw teardownError;
        if (failure instanceof Error) failure.message += `\n(and teardown failed too: ${(teardownError as Error).message})`;
      }
    }
  }

  async function runK8sTrial(
    clients: KubeClients,
    tier: KubernetesTier,
    planned: PlannedTrial,
    state: VariantState,
    node: string,
    streams: SamplerStreams,
    allVariants: VariantState[],
    samplerContainerIds: string[],
  ) {
    const ctx = state.manifests.context;
    const mesh = ctx.variant.mesh;
    const level: LoadLevel = {
      connections: planned.connections,
      durationSeconds: scenario.load.durationSeconds,
      warmupSeconds: scenario.load.warmupSeconds,
      requestTimeoutSeconds: scenario.load.requestTimeoutSeconds,
    };
    const runIds = new Set([...samplerContainerIds, ...allVariants.flatMap((v) => v.components.map((c) => c.containerId ?? ''))].filter(Boolean));
    const quiescence = await waitQuietNode(streams, node, runIds, scenario.quiescence.foreignCpuLimitPct, scenario.quiescence.maxWaitSeconds * 1000, signal, (pct) =>
      progress({ kind: 'waiting-for-quiet', foreignCpuPct: pct, limitPct: scenario.quiescence.foreignCpuLimitPct }),
    );
    const verification = verifyMeshPods(mesh, state.pods);
    if (!verification.passed) {
      const failed = verification.probes.filter((p) => !p.passed).map((p) => `  ${p.name}: ${p.outcome}`);
      throw new MeshbenchError(`variant ${planned.variant} failed verification; it is not measured as if it were what it claims:\n${failed.join('\n')}`, ExitCode.environment);
    }
    const job = loadJobManifest(ctx, {
      jobName: loadJobName(planned.index, planned.trialId),
      entryService: entryServiceOf(scenario),
      level,
      nodeSelector: tier.loadNodeSelector,
      startTimeoutSeconds: scenario.kubernetes.readyTimeoutSeconds,
    });
    let loadComponents: ContainerComponent[] = [];
    const outcome = await runLoadJob(clients, job, {
      startTimeoutMs: scenario.kubernetes.readyTimeoutSeconds * 1000,
      runTimeoutMs: (level.warmupSeconds + level.durationSeconds + level.requestTimeoutSeconds + 120) * 1000,
      signal,
      hooks: { onPodRunning: (pod) => (loadComponents = podComponents(pod, 'loadgen', 'loadgen', mesh)) },
    });
    const loadNode = outcome.pod.spec?.nodeName ?? node;
    let ztunnels: ContainerComponent[] = [];
    if (mesh === 'istio-ambient') {
      const pods = await clients.core.listPodForAllNamespaces({ labelSelector: 'app=ztunnel' }).catch(() => ({ items: [] as k8s.V1Pod[] }));
      ztunnels = ztunnelComponents(pods.items, new Set([node, loadNode]));
    }
    await streams.waitForSampleAfter([...new Set([node, loadNode])], outcome.windowEndMs, 15_000, signal);
    const components = [...state.components, ...loadComponents, ...ztunnels];
    const figures = trialWindowFigures({
      runId,
      trialId: planned.trialId,
      node,
      linesByNode: streams.linesByNode,
      clockTicksPerSecond: streams.clockTicksPerSecond(node),
      windowStartMs: outcome.windowStartMs,
      windowEndMs: outcome.windowEndMs,
      components,
      runContainerIds: new Set([...runIds, ...loadComponents.map((c) => c.containerId ?? '')]),
    });
    // The Job's work is done; its pod would only hold the node's memory until teardown.
    await clients.batch.deleteNamespacedJob({ name: job.metadata.name, namespace: ctx.namespace, propagationPolicy: 'Background' }).catch((error: unknown) => {
      progress({ kind: 'step', message: `could not delete load Job ${job.metadata.name}: ${apiErrorMessage(error)} (teardown will)` });
    });
    const record = buildTrialRecord({
      runId,
      trial: planned,
      level,
      startedAt: new Date(outcome.windowStartMs),
      endedAt: new Date(outcome.windowEndMs),
      windowMs: outcome.windowEndMs - outcome.windowStartMs,
      load: outcome.result,
      node: figures.node,
      processes: figures.processes,
      quiescence,
      verification,
      flagLimits: scenario.flagLimits,
    });
    return { record, samples: figures.samples };
  }
}

async function waitSamplerRunning(clients: KubeClients, namespace: string, timeoutMs: number, signal: AbortSignal): Promise<k8s.V1Pod[]> {
  await watchUntil(
    clients,
    { apiVersion: 'apps/v1', kind: 'DaemonSet', plural: 'daemonsets', namespace, what: `the node sampler DaemonSet in ${namespace} to run on every node` },
    (objects) => {
      const ds = [...objects.values()].find((o) => o.metadata?.name === samplerDaemonSetName) as k8s.V1DaemonSet | undefined;
      const s = ds?.status;
      return s && s.desiredNumberScheduled > 0 && s.numberReady >= s.desiredNumberScheduled && (s.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 0) ? true : undefined;
    },
    { timeoutMs, signal },
  );
  const pods = await clients.core.listNamespacedPod({ namespace, labelSelector: `${appLabel}=${samplerDaemonSetName}` });
  return pods.items.filter((p) => p.status?.phase === 'Running');
}

async function waitServicesAvailable(clients: KubeClients, namespace: string, services: string[], timeoutMs: number, signal: AbortSignal): Promise<{ service: string; pod: k8s.V1Pod }[]> {
  await watchUntil(
    clients,
    { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', namespace, what: `deployments ${services.join(', ')} in ${namespace} to become available` },
    (objects) => {
      const ready = services.every((name) => {
        const d = [...objects.values()].find((o) => o.metadata?.name === name) as k8s.V1Deployment | undefined;
        return d && (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && (d.status?.availableReplicas ?? 0) >= (d.spec?.replicas ?? 1);
      });
      return ready ? true : undefined;
    },
    { timeoutMs, signal },
  );
  const pods = (await clients.core.listNamespacedPod({ namespace, labelSelector: `${roleLabel}=sut` })).items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
  return services.map((service) => {
    const pod = pods.find((p) => p.metadata?.labels?.[appLabel] === service);
    if (!pod) throw new MeshbenchError(`deployment ${namespace}/${service} is available but has no running pod`, ExitCode.environment);
    return { service, pod };
  });
}

/** Waits (bounded) until the node's CPU used outside the run is below the limit, from the sampler's last second. */
async function waitQuietNode(
  streams: SamplerStreams,
  node: string,
  runContainerIds: ReadonlySet<string>,
  limitPct: number,
  maxWaitMs: number,
  signal: AbortSignal,
  onWaiting: (pct: number) => void,
): Promise<TrialRecord['quiescence']> {
  const started = Date.now();
  // Two samples make a window; a fresh sampler needs a moment.
  await streams.waitForSampleAfter([node], Date.now(), maxWaitMs + 5000, signal);
  for (;;) {
    const [before, after] = streams.latest(node, 2);
    const pct = before && after ? nodeWindowBetween(before, after, streams.clockTicksPerSecond(node), runContainerIds).foreignCpuPct : 100;
    const waitedMs = Date.now() - started;
    if (pct < limitPct || waitedMs >= maxWaitMs) return { waitedMs, foreignCpuPct: pct, limitPct, reached: pct < limitPct };
    onWaiting(pct);
    await streams.waitForSampleAfter([node], (after?.wallMs ?? Date.now()) + 1, Math.max(2000, maxWaitMs - waitedMs + 2000), signal);
  }
}
