import { toolVersion } from '../version.js';
import { resultSchemaVersion, type HostFacts, type RunRecord } from './schema.js';

/** The run.json of a run that is starting; every backend writes the same shape. */
export function newRunRecord(o: { runId: string; seed: number; scenarioFile: string; scenario: object; tiers: string[]; host: HostFacts; plannedTrials: number }): RunRecord {
  return {
    schemaVersion: resultSchemaVersion,
    kind: 'run',
    runId: o.runId,
    tool: { name: 'meshbench', version: toolVersion },
    startedAt: new Date().toISOString(),
    endedAt: null,
    status: 'running',
    statusDetail: null,
    seed: o.seed,
    scenarioFile: o.scenarioFile,
    scenario: o.scenario as Record<string, unknown>,
    tiers: o.tiers,
    host: o.host,
    plannedTrials: o.plannedTrials,
    contention: {},
  };
}
