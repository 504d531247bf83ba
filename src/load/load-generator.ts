/**
 * A load generator drives one trial against one URL. It runs as one or more processes of its
 * own (so its CPU is measured apart from the system under test) and tells the runner when the
 * warm-up is over, so the runner can open its measurement window exactly when measuring starts.
 */
import type { LoadAgentResult } from '../agents/load-agent.js';

export interface LoadLevel {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  requestTimeoutSeconds: number;
  /** Load-driver processes the level is split across (multi-process.ts); default 1. */
  processes?: number;
}

export interface LoadRun {
  /** One per driver process, the first process's first. */
  readonly pids: readonly number[];
  /** Resolves when the warm-up is done and the generator waits for `measure()`. */
  readonly warmedUp: Promise<void>;
  /** Start the measured window. */
  measure(): void;
  /** Resolves as soon as the measured window has ended. */
  readonly measured: Promise<void>;
  /** The driver processes' results, merged into one when there are several. */
  readonly result: Promise<LoadAgentResult>;
  /** Stop early (Ctrl-C); the result then rejects. */
  stop(): Promise<void>;
}

export interface LoadGenerator {
  readonly name: string;
  start(targetUrl: string, level: LoadLevel, env: Record<string, string>): LoadRun;
}
