/**
 * Follows a container's log through the Log API, line by line, with the kubelet's RFC3339
 * timestamp of each line (the agents print JSON lines; the timestamps place them in time).
 */
import { Writable } from 'node:stream';
import type { KubeClients } from './kube-client.js';

export interface LogLine {
  /** When the kubelet received the line, ms since the epoch (null without timestamps). */
  atMs: number | null;
  text: string;
}

export interface LogFollow {
  /** Resolves when the stream ends (the container exited, or stop() was called). */
  readonly ended: Promise<void>;
  stop(): void;
}

/** "2026-11-26T02:35:07.123456789Z rest" → [ms, rest]; ms precision is all Date holds. */
export function splitTimestamp(line: string): LogLine {
  const space = line.indexOf(' ');
  const atMs = space > 0 ? Date.parse(line.slice(0, space)) : NaN;
  return Number.isFinite(atMs) ? { atMs, text: line.slice(space + 1) } : { atMs: null, text: line };
}

export async function followLog(
  clients: KubeClients,
  target: { namespace: string; pod: string; container: string },
  onLine: (line: LogLine) => void,
  options: { timestamps?: boolean; sinceSeconds?: number } = {},
): Promise<LogFollow> {
  let buffered = '';
  let resolveEnded!: () => void;
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
  const emit = (raw: string) => {
    if (raw.length === 0) return;
    onLine(options.timestamps ? splitTimestamp(raw) : { atMs: null, text: raw });
  };
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        emit(buffered.slice(0, newline).replace(/\r$/, ''));
        buffered = buffered.slice(newline + 1);
      }
      callback();
    },
    final(callback) {
      emit(buffered);
      buffered = '';
      callback();
    },
  });
  sink.on('finish', () => resolveEnded());
  sink.on('close', () => resolveEnded());
  sink.on('error', () => resolveEnded());
  const controller = await clients.log.log(target.namespace, target.pod, target.container, sink, {
    follow: true,
    timestamps: options.timestamps ?? false,
    ...(options.sinceSeconds ? { sinceSeconds: options.sinceSeconds } : {}),
  });
  return {
    ended,
    stop: () => {
      controller.abort();
      resolveEnded();
    },
  };
}
