/**
 * A whole run on the local backend with real HAProxy and nginx sidecars, in-process: the
 * records must carry real, plausible figures and the report must be rebuilt from them.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/build-report.js';
import { readRunFolder, readSamples } from '../../src/results/reader.js';
import { runScenario, type RunOutcome } from '../../src/runner/run-scenario.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { findProcessesByRunId } from '../../src/backends/local/supervisor.js';
import { tempDir } from '../helpers/scenario-file.js';

const scenario = parseScenarioText(`
name: local-run-test
topology:
  services:
    - { name: echo, responseBytes: 256 }
variants:
  - { name: baseline }
  - { name: haproxy-mtls, proxy: haproxy, mode: mtls }
  - { name: nginx-http, proxy: nginx, mode: http }
load: { connections: [4], durationSeconds: 1.5, warmupSeconds: 0.5 }
repetitions: 1
quiescence: { maxWaitSeconds: 1 }
`);

describe('a local run with real sidecars', () => {
  let outcome: RunOutcome;
  const reportsDir = tempDir();

  beforeAll(async () => {
    outcome = await runScenario({ scenario, scenarioFile: 'inline', reportsDir, seed: 1, signal: new AbortController().signal });
  }, 120_000);

  afterAll(async () => {
    // Nothing the run started may outlive it.
    expect(await findProcessesByRunId(outcome.runId)).toEqual([]);
  });

  it('writes one record per planned trial, and run.json says completed', async () => {
    const folder = await readRunFolder(outcome.runDir);
    expect(folder.run.status).toBe('completed');
    expect(folder.run.seed).toBe(1);
    expect(folder.trials.map((t) => t.variant).sort()).toEqual(['baseline', 'haproxy-mtls', 'nginx-http']);
    expect(folder.run.host.cpuCount).toBeGreaterThan(0);
    expect(folder.run.host.proxies.haproxy).toMatch(/^2\./);
  });

  it('records non-zero proxy CPU and RSS for meshed variants, and none for the baseline', () => {
    for (const t of outcome.trials) {
      const proxies = t.processes.filter((p) => p.role === 'proxy');
      if (t.variant === 'baseline') {
        expect(proxies).toEqual([]);
        expect(t.proxyCpuMsPer1kRequests).toBeNull();
        continue;
      }
      // The load generator's pod and the echo pod each have a sidecar.
      expect(proxies.map((p) => p.pod).sort()).toEqual(['echo', 'loadgen']);
      for (const p of proxies) {
        expect(p.cpuSeconds).toBeGreaterThan(0);
        expect(p.rssPeakBytes).toBeGreaterThan(1024 * 1024);
      }
      expect(t.proxyCpuMsPer1kRequests).toBeGreaterThan(0);
    }
  });

  it('records the app and the load generator as processes of their own', () => {
    for (const t of outcome.trials) {
      expect(t.processes.find((p) => p.role === 'app')?.cpuSeconds).toBeGreaterThan(0);
      expect(t.processes.find((p) => p.role === 'loadgen')?.cpuSeconds).toBeGreaterThan(0);
      expect(t.requestsTotal).toBeGreaterThan(100);
      expect(t.achievedRps).toBeGreaterThan(0);
      expect(t.errorRatePct).toBe(0);
      expect(t.latencyP50Ms).toBeGreaterThan(0);
      expect(t.latencyP99Ms).toBeGreaterThanOrEqual(t.latencyP50Ms);
    }
  });

  it('has node percentages that add up to ~100', () => {
    for (const { node } of outcome.trials) {
      const sum = node.userPct + node.nicePct + node.systemPct + node.idlePct + node.iowaitPct + node.irqPct + node.softirqPct + node.stealPct;
      expect(sum).toBeGreaterThan(99);
      expect(sum).toBeLessThan(101);
      expect(node.foreignCpuPct).toBeGreaterThanOrEqual(0);
      expect(node.memUsedBytes).toBeGreaterThan(0);
    }
  });

  it('proves mTLS enforcement before measuring, and records the probes', () => {
    const mtls = outcome.trials.find((t) => t.variant === 'haproxy-mtls')!;
    expect(mtls.verification.passed).toBe(true);
    const rejected = mtls.verification.probes.filter((p) => p.expect === 'rejected');
    expect(rejected.length).toBeGreaterThanOrEqual(3);
    for (const p of rejected) expect(p.appReached).toBe(false);
    expect(mtls.verification.probes.some((p) => p.expect === 'accepted' && p.passed && p.appReached)).toBe(true);
  });

  it('keeps a 1 Hz series of samples for each trial', async () => {
    const samples = await readSamples(outcome.runDir);
    for (const t of outcome.trials) expect(samples.filter((s) => s.trialId === t.trialId).length).toBeGreaterThanOrEqual(1);
  });

  it('rebuilds report.md and summary.csv from the records alone', async () => {
    const built = await buildReport(outcome.runDir);
    const md = readFileSync(built.markdownPath, 'utf8');
    expect(md).toContain('| haproxy-mtls |');
    expect(md).toContain('| nginx-http |');
    expect(md).toContain('SPIFFE');
    const csv = readFileSync(built.summaryCsvPath, 'utf8').trim().split('\n');
    expect(csv[0]).toContain('latencyP99Ms');
    expect(csv).toHaveLength(4);
    expect(existsSync(path.join(outcome.runDir, 'trials.jsonl'))).toBe(true);
  });
});
