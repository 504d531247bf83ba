/**
 * Emulated tiers end to end: contention applied and recorded, and nothing of it left behind,
 * after a run and after Ctrl-C. Needs root and a writable cpu cgroup (this host: v1).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectCgroupSupport } from '../../src/backends/local/contention/cgroup-support.js';
import { findContentionLeftovers } from '../../src/backends/local/contention/leftovers.js';
import { checkSlowDiskSupport } from '../../src/backends/local/contention/slow-disk.js';
import { findProcessesByRunId } from '../../src/backends/local/supervisor.js';
import { runScenario } from '../../src/runner/run-scenario.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { spawnCli } from '../helpers/cli.js';
import { tempDir, writeScenario } from '../helpers/scenario-file.js';

const support = await detectCgroupSupport();
const canUseCgroups = support.writable && support.cpu !== null;
const reason = canUseCgroups ? '' : ` [skipped here: ${support.unavailableReason ?? 'no writable cpu cgroup'}]`;
// Where the host can emulate a slow disk, the slow-disk tier uses one (with a buffered neighbour), as scenarios/tiers.yaml does.
const slowDiskProblem = await checkSlowDiskSupport().then(
  () => null,
  (error: Error) => error.message,
);
const slowDiskContention = slowDiskProblem === null ? '{ slowDisk: { writeMBps: 8 }, ioNeighbour: { fsync: false } }' : '{ ioNeighbour: { fsync: true } }';

const scenarioText = (repetitions: number) => `
name: tier-contention
topology: { services: [ { name: echo } ] }
variants: [ { name: baseline }, { name: nginx-mtls-log, proxy: nginx, mode: mtls, accessLog: true } ]
load: { connections: [4], durationSeconds: 1, warmupSeconds: 0.3 }
repetitions: ${repetitions}
quiescence: { maxWaitSeconds: 0.5 }
# slow-disk first, so the Ctrl-C test interrupts a run whose writer is busy behind the throttle.
tiers:
  - name: slow-disk
    contention: ${slowDiskContention}
  - name: shared-vcpu
    contention: { cpuQuotaCores: 0.5, cpuNeighbour: { dutyPct: 50 } }
`;

describe('emulated tiers', () => {
  it.skipIf(!canUseCgroups)(`apply and record their contention, then leave nothing behind${reason}`, async () => {
    const outcome = await runScenario({ scenario: parseScenarioText(scenarioText(1)), scenarioFile: 'inline', reportsDir: tempDir(), seed: 2, signal: new AbortController().signal });
    const shared = outcome.trials.filter((t) => t.tier === 'shared-vcpu');
    expect(shared).toHaveLength(2);
    for (const t of shared) expect(t.cpuThrottling?.periods).toBeGreaterThan(0);
    // The neighbours are part of the run: their CPU is not counted as foreign.
    expect(shared.every((t) => !t.flags.some((f) => f.kind === 'foreign-cpu'))).toBe(true);
    const run = JSON.parse(readFileSync(path.join(outcome.runDir, 'run.json'), 'utf8'));
    expect(Object.keys(run.contention).sort()).toEqual(['shared-vcpu', 'slow-disk']);
    expect(run.contention['shared-vcpu'].settings.cpuQuotaCores).toBe(0.5);
    if (slowDiskProblem === null) {
      expect(run.contention['slow-disk'].slowDisk).toMatchObject({ writeIops: 200, writeBytesPerSecond: 8 * 1024 * 1024, dirtyLimitBytes: 16 * 1024 * 1024 });
      // The neighbour wrote on the slow disk, not on the host's.
      expect(run.contention['slow-disk'].ioNeighbour.dir.startsWith(run.contention['slow-disk'].slowDisk.mountPoint + '/')).toBe(true);
    } else {
      console.info(`slow-disk tier without an emulated slow disk: ${slowDiskProblem}`);
    }
    expect(run.host.idleBaseline.windowMs).toBeGreaterThan(1000);
    const left = await findContentionLeftovers(outcome.runId);
    expect(left).toEqual({ cgroups: [], processes: [], ioDirs: [], slowDisks: [] });
    expect(await findProcessesByRunId(outcome.runId)).toEqual([]);
  }, 120_000);

  it.skipIf(!canUseCgroups)(`are cleaned up after Ctrl-C${reason}`, async () => {
    const dir = tempDir();
    const child = spawnCli(['run', writeScenario(dir, scenarioText(10)), '--reports-dir', dir]);
    let stderr = '';
    const firstTrial = new Promise<void>((resolve) =>
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d;
        if (/^\[1\/\d+\]/m.test(stderr)) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await Promise.race([firstTrial, exited]);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const runId = /^run (\S+):/m.exec(stderr)![1];
    expect(await findContentionLeftovers(runId)).toEqual({ cgroups: [], processes: [], ioDirs: [], slowDisks: [] });
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(runId);
    expect(await findProcessesByRunId(runId)).toEqual([]);
  }, 120_000);
});
