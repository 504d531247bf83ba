/** What a run reports while it works; the CLI turns these into a bar or plain lines. */
import type { PlannedTrial } from '../scenario/plan.js';

export type ProgressEvent =
  | { kind: 'run-started'; runId: string; runDir: string; plannedTrials: number; seed: number }
  | { kind: 'step'; message: string }
  | { kind: 'waiting-for-quiet'; foreignCpuPct: number; limitPct: number }
  | { kind: 'trial-started'; trial: PlannedTrial; total: number }
  | {
      kind: 'trial-finished';
      trial: PlannedTrial;
      total: number;
      achievedRps: number;
      latencyP50Ms: number;
      latencyP99Ms: number;
      flags: string[];
    };

export type ProgressListener = (event: ProgressEvent) => void;
