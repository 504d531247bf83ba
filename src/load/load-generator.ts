/**
 * A load generator drives one trial against one URL. It runs as its own process (so its CPU
 * is measured apart from the system under test) and tells the runner when the warm-up is
 * over, so the runner can open its measurement window exactly when measuring starts.
 */
import type { LoadAgentResult } from '../agents/load-agent.js';

export interface LoadLevel {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  requestTimeoutSeconds: number;
}

export interface LoadRun {
  readonly pid: number;
  /** Resolves when the warm-up is done and the generator waits for `measure()`. */
  readonly warmedUp: Promise<void>;
  /** Start the measured window. */
  measure(): void;
  /** Resolves as soon as the measured window has ended. */
  readonly measured: Promise<void>;
  readonly result: Promise<LoadAgentResult>;
  /** Stop early (Ctrl-C); the result then rejects. */
  stop(): Promise<void>;
}

export interface LoadGenerator {
  readonly name: string;
  start(targetUrl: string, level: LoadLevel, env: Record<string, string>): LoadRun;
}
