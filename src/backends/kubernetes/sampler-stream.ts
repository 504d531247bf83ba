/**
 * Reads the node samplers' 1 Hz JSON lines from their logs for as long as a tier runs, and
 * keeps the recent ones per node so each trial can cut its window out of them.
 */
import type * as k8s from '@kubernetes/client-node';
import type { NodeSamplerLine, NodeSamplerReady } from '../../agents/node-sampler-agent.js';
import { EnvironmentError, InterruptedError } from '../../errors.js';
import type { KubeClients } from './kube-client.js';
import { followLog, type LogFollow } from './log-follow.js';
import { samplerContainerName } from './node-sampler-manifest.js';

/** An hour at 1 Hz per node: far more than a trial, bounded memory for long runs. */
const keepLines = 3600;

export class SamplerStreams {
  readonly linesByNode = new Map<string, NodeSamplerLine[]>();
  readonly readyByNode = new Map<string, NodeSamplerReady>();
  private readonly follows: LogFollow[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly errors: string[] = [];

  static async start(clients: KubeClients, namespace: string, pods: readonly k8s.V1Pod[]): Promise<SamplerStreams> {
    const streams = new SamplerStreams();
    for (const pod of pods) {
      const follow = await followLog(clients, { namespace, pod: pod.metadata!.name!, container: samplerContainerName }, ({ text }) => streams.onLine(text));
      streams.follows.push(follow);
      void follow.ended.then(() => streams.notify());
    }
    return streams;
  }

  private onLine(text: string): void {
    let line: NodeSamplerLine | NodeSamplerReady;
    try {
      line = JSON.parse(text) as NodeSamplerLine | NodeSamplerReady;
    } catch {
      this.errors.push(text.slice(0, 300));
      return;
    }
    if (line.event === 'ready') this.readyByNode.set(line.node, line);
    else if (line.event === 'sample') {
      const lines = this.linesByNode.get(line.node) ?? [];
      lines.push(line);
      if (lines.length > keepLines) lines.splice(0, lines.length - keepLines);
      this.linesByNode.set(line.node, lines);
    }
    this.notify();
  }

  private notify(): void {
    for (const w of this.waiters) w();
  }

  clockTicksPerSecond(node: string): number {
    return this.readyByNode.get(node)?.clockTicksPerSecond ?? 100;
  }

  latest(node: string, count: number): NodeSamplerLine[] {
    return (this.linesByNode.get(node) ?? []).slice(-count);
  }

  /** Waits until every node has sent a sample taken at or after `wallMs`. */
  async waitForSampleAfter(nodes: readonly string[], wallMs: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const done = () => nodes.every((n) => (this.linesByNode.get(n)?.at(-1)?.wallMs ?? -Infinity) >= wallMs);
    if (done()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(new EnvironmentError(`the node sampler sent no sample for ${nodes.filter((n) => !((this.linesByNode.get(n)?.at(-1)?.wallMs ?? -Infinity) >= wallMs)).join(', ')} within ${timeoutMs / 1000} s${this.errors.length ? `; it printed: ${this.errors.at(-1)}` : ''}`)), timeoutMs);
      const onAbort = () => finish(new InterruptedError());
      const check = () => done() && finish();
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      this.waiters.add(check);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  stop(): void {
    for (const f of this.follows) f.stop();
  }
}
