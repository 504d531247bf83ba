/**
 * Runs one trial's load Job: apply it, wait for its pod to start, follow the load agent's
 * log (JSON lines, kubelet timestamps) to the end, and wait for the Job to complete. The
 * result is the agent's own result line plus the wall-clock times of its `warmed-up` and
 * `measured` lines, which place the measured window for the node samples.
 */
import type * as k8s from '@kubernetes/client-node';
import type { LoadAgentResult } from '../../agents/load-agent.js';
import { EnvironmentError, InterruptedError } from '../../errors.js';
import { applyObject, type KubeClients } from './kube-client.js';
import { loadContainerName } from './load-job-manifest.js';
import { followLog } from './log-follow.js';
import type { KubeObject } from './manifest-checks.js';
import { watchUntil } from './watch-until.js';

export interface LoadJobOutcome {
  result: LoadAgentResult;
  pod: k8s.V1Pod;
  /** Wall clock (kubelet timestamps) of the end of warm-up and of the measured window. */
  windowStartMs: number;
  windowEndMs: number;
}

export interface LoadJobHooks {
  /** Called once the pod runs (its containers have ids), before the load is measured. */
  onPodRunning?: (pod: k8s.V1Pod) => void;
}

function podState(pod: k8s.V1Pod): 'waiting' | 'running' | 'done' {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return 'done';
  const load = pod.status?.containerStatuses?.find((s) => s.name === loadContainerName);
  if (load?.state?.running || load?.state?.terminated) return 'running';
  return 'waiting';
}

function podProblem(pod: k8s.V1Pod): string | null {
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const reason = s.state?.waiting?.reason;
    if (reason && ['ErrImagePull', 'ImagePullBackOff', 'CreateContainerConfigError', 'InvalidImageName', 'CrashLoopBackOff'].includes(reason))
      return `container ${s.name} of pod ${pod.metadata?.name}: ${reason}${s.state?.waiting?.message ? ` (${s.state.waiting.message})` : ''}`;
  }
  const unschedulable = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');
  return unschedulable ? `pod ${pod.metadata?.name} cannot be scheduled: ${unschedulable.message ?? 'no node fits'}` : null;
}

export async function runLoadJob(clients: KubeClients, job: KubeObject, options: { startTimeoutMs: number; runTimeoutMs: number; signal: AbortSignal; hooks?: LoadJobHooks }): Promise<LoadJobOutcome> {
  const namespace = job.metadata.namespace!;
  const jobName = job.metadata.name;
  await applyObject(clients, job);
  const pod = await watchUntil(
    clients,
    { apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespace, labelSelector: `job-name=${jobName}`, what: `the pod of load Job ${namespace}/${jobName} to start` },
    (objects) => {
      for (const o of objects.values()) {
        const p = o as k8s.V1Pod;
        const problem = podProblem(p);
        if (problem) throw new EnvironmentError(`the load Job cannot run: ${problem}`);
        if (podState(p) !== 'waiting') return p;
      }
      return undefined;
    },
    { timeoutMs: options.startTimeoutMs, signal: options.signal },
  );
  options.hooks?.onPodRunning?.(pod);

  const events = new Map<string, { atMs: number | null; line: Record<string, unknown> }>();
  const tail: string[] = [];
  const follow = await followLog(
    clients,
    { namespace, pod: pod.metadata!.name!, container: loadContainerName },
    ({ atMs, text }) => {
      tail.push(text.length > 300 ? `${text.slice(0, 300)}…` : text);
      if (tail.length > 20) tail.shift();
      try {
        const line = JSON.parse(text) as Record<string, unknown>;
        if (typeof line.event === 'string') events.set(line.event, { atMs, line });
      } catch {
        // a library's own output; the tail keeps it for error messages
      }
    },
    { timestamps: true },
  );
  const onAbort = () => follow.stop();
  options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const ended = await Promise.race([follow.ended.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), options.runTimeoutMs))]);
    if (options.signal.aborted) throw new InterruptedError();
    if (!ended) throw new EnvironmentError(`load Job ${namespace}/${jobName} ran longer than ${Math.round(options.runTimeoutMs / 1000)} s`);
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    follow.stop();
  }
  const finished = await watchUntil(
    clients,
    { apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs', namespace, what: `load Job ${namespace}/${jobName} to finish` },
    (objects) => {
      const j = [...objects.values()].find((o) => o.metadata?.name === jobName) as k8s.V1Job | undefined;
      const conditions = j?.status?.conditions ?? [];
      if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return 'complete' as const;
      if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) return 'failed' as const;
      return undefined;
    },
    { timeoutMs: 60_000, signal: options.signal },
  );
  const result = events.get('result');
  const warmedUp = events.get('warmed-up');
  const measured = events.get('measured');
  if (finished === 'failed' || !result || !warmedUp?.atMs || !measured?.atMs)
    throw new EnvironmentError(`load Job ${namespace}/${jobName} ${finished === 'failed' ? 'failed' : 'finished without a result'}; last lines of its log:\n  ${tail.join('\n  ') || '(empty)'}`);
  return { result: result.line as unknown as LoadAgentResult, pod, windowStartMs: warmedUp.atMs, windowEndMs: measured.atMs };
}
