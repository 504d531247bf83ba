/**
 * What every runner (local or Kubernetes) settles before its first trial: the seed (given, from
 * the scenario, or fresh), the run's id and folder, and the seeded trial order.
 */
import path from 'node:path';
import { planTrials, randomSeed, type PlannableScenario, type PlannedTrial } from '../scenario/plan.js';
import { newRunId } from './run-id.js';

export interface RunStartOptions {
  seed?: number;
  /** Folder that receives `<runId>/`; ignored when `runDir` is given. */
  reportsDir?: string;
  runDir?: string;
}

export interface RunStart {
  seed: number;
  runId: string;
  runDir: string;
  plan: PlannedTrial[];
}

export function startRun(scenario: PlannableScenario & { name: string; seed?: number }, options: RunStartOptions): RunStart {
  const seed = options.seed ?? scenario.seed ?? randomSeed();
  const runId = newRunId(scenario.name);
  const runDir = options.runDir ?? path.join(options.reportsDir ?? 'reports', runId);
  return { seed, runId, runDir, plan: planTrials(scenario, seed) };
}
