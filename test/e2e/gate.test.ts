/**
 * `meshbench gate` as CI uses it: exit 0 / 4 / 5, refusal with exit 2, a summary for GitHub.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng, normalSample } from '../../src/analysis/random.js';
import { findProxyBinary } from '../../src/proxies/proxy-binaries.js';
import { runCli } from '../helpers/cli.js';
import { makeTrial } from '../helpers/trial-factory.js';
import { tempDir, writeScenario } from '../helpers/scenario-file.js';

const fixture = 'fixtures/runs/quickstart-this-host';

describe('meshbench gate', () => {
  it('says "inconclusive" (exit 5) when three noisy repetitions cannot decide, and appends the table to GITHUB_STEP_SUMMARY', async () => {
    const summary = path.join(tempDir(), 'summary.md');
    const r = await runCli(['gate', fixture, fixture, '--metrics', 'latencyP50Ms', 'latencyP99Ms', 'proxyCpuMsPer1kRequests'], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(5);
    expect(r.stdout).toContain("Can't tell yet");
    expect(r.stdout).toMatch(/\| this-host \| 16 \| haproxy-mtls \| p99 overhead \| .* \| inconclusive \| .* \|/);
    expect(readFileSync(summary, 'utf8')).toContain('## meshbench gate');
  });

  const writeSynthetic = (dir: string) => (name: string, seed: number, machineSlowdown = 1) => {
    const folder = path.join(dir, name);
    mkdirSync(folder);
    const run = JSON.parse(readFileSync(path.join(fixture, 'run.json'), 'utf8'));
    writeFileSync(path.join(folder, 'run.json'), JSON.stringify({ ...run, runId: name, seed }));
    const random = createRng(seed);
    const trials = Array.from({ length: 12 }, (_, i) => {
      const base = 0.3 * machineSlowdown * (1 + normalSample(random, 0, 0.05));
      return ['baseline', 'haproxy-http', 'haproxy-mtls', 'nginx-mtls'].map((variant) =>
        makeTrial({ variant, repetition: i + 1, connections: 16, latencyP50Ms: variant === 'baseline' ? base : base * 2.5 * (1 + normalSample(random, 0, 0.02)) }),
      );
    }).flat();
    writeFileSync(path.join(folder, 'trials.jsonl'), trials.map((t) => JSON.stringify(t)).join('\n') + '\n');
    writeFileSync(path.join(folder, 'samples.jsonl'), '');
    return folder;
  };

  it('passes (exit 0) two runs with enough repetitions and the same overhead, and shows the baseline held still', async () => {
    const write = writeSynthetic(tempDir());
    const r = await runCli(['gate', write('before', 1), write('after', 2), '--metrics', 'latencyP50Ms', 'latencyP99Ms']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No regression');
    expect(r.stdout).toContain('Baseline between the runs (the control: it should not move; its interval widens what figures that move with the machine must clear):');
    expect(r.stdout).toMatch(/^- this-host · 16 connections · baseline p50 ms: 0\.\d{3} → 0\.\d{3}, [+-]\d\.\d \[.*\]% @\d+(\.\d)?%$/m);
  });

  it('says the machine changed (exit 5), not the mesh, when everything got 30% slower between the runs', async () => {
    const write = writeSynthetic(tempDir());
    const r = await runCli(['gate', write('before', 1), write('after', 2, 1.3), '--metrics', 'p50']);
    expect(r.code).toBe(5);
    expect(r.stdout).toContain('**The baseline itself moved between the runs**');
    expect(r.stdout).toMatch(/\| p50 overhead \| .* \| inconclusive \|/);
    expect(r.stdout).not.toContain('**regression**');
  });

  it('refuses runs of different scenarios with exit 2, unless told how variants map', async () => {
    const other = path.join(tempDir(), 'other');
    cpSync(fixture, other, { recursive: true });
    const runFile = path.join(other, 'run.json');
    const run = JSON.parse(readFileSync(runFile, 'utf8'));
    run.scenario.variants = run.scenario.variants.map((v: { name: string }) => (v.name === 'nginx-mtls' ? { ...v, name: 'nginx-mtls-2' } : v));
    writeFileSync(runFile, JSON.stringify(run));
    const trialsFile = path.join(other, 'trials.jsonl');
    writeFileSync(trialsFile, readFileSync(trialsFile, 'utf8').replaceAll('"variant":"nginx-mtls"', '"variant":"nginx-mtls-2"'));

    const refused = await runCli(['gate', fixture, other]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('variant "nginx-mtls-2" is not in the reference run');
    expect(refused.stderr).toContain('--map');

    const mapped = await runCli(['gate', fixture, other, '--map', 'nginx-mtls-2=nginx-mtls']);
    expect(mapped.code).not.toBe(2);
    expect(mapped.stdout).toContain('nginx-mtls-2 (was nginx-mtls)');
  });

  it('refuses (exit 2) a candidate whose tier was pinned when the reference\'s was not', async () => {
    const pinned = path.join(tempDir(), 'pinned');
    cpSync(fixture, pinned, { recursive: true });
    const runFile = path.join(pinned, 'run.json');
    const run = JSON.parse(readFileSync(runFile, 'utf8'));
    run.scenario.tiers = run.scenario.tiers.map((t: { name: string }) => ({ ...t, contention: { pinning: 'auto' } }));
    writeFileSync(runFile, JSON.stringify(run));
    const refused = await runCli(['gate', fixture, pinned, '--metrics', 'p50', 'cpu']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('tier "this-host": contention and CPU placement differ: "none" vs {"pinning":"auto"}');
  });

  it('names the figures it knows when given one it does not (exit 2)', async () => {
    const r = await runCli(['gate', fixture, fixture, '--metrics', 'p95']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown gate metric "p95"; choose from latencyP50Ms (p50), latencyP99Ms (p99), proxyToAppCpuRatio (cpu-app), proxyCpuMsPer1kRequests (cpu)');
  });

  it('exits 4 when a candidate run has extra latency injected in one sidecar variant', async () => {
    const dir = tempDir();
    const scenario = (delayMs: number) =>
      [
        'name: gate-check',
        'topology: { services: [ { name: echo } ] }',
        'variants:',
        '  - { name: baseline }',
        `  - { name: haproxy-http, proxy: haproxy, mode: http, injectDelayMs: ${delayMs} }`,
        'load: { connections: [1], durationSeconds: 1, warmupSeconds: 0.3 }',
        'repetitions: 5',
        'quiescence: { maxWaitSeconds: 0.5 }',
      ].join('\n');
    const reference = await runCli(['run', writeScenario(dir, scenario(0), 'ref.yaml'), '--out', path.join(dir, 'ref')]);
    expect(reference.code).toBe(0);
    const candidate = await runCli(['run', writeScenario(dir, scenario(2), 'cand.yaml'), '--out', path.join(dir, 'cand')]);
    expect(candidate.code).toBe(0);
    // The injected delay is a deliberate difference; the gate must still compare the runs.
    const r = await runCli(['gate', path.join(dir, 'ref'), path.join(dir, 'cand'), '--metrics', 'p50']);
    expect(r.stdout).toContain('**regression**');
    expect(r.code).toBe(4);
  }, 120_000);
});

describe('meshbench gate within one run (an upgrade: old and new proxy side by side)', () => {
  it('exits 4 when the new binary\'s variant adds latency, and records which binary each variant ran', async () => {
    const dir = tempDir();
    // Two real HAProxy executables under other names: the "old" and the "new" version.
    const { path: haproxy } = await findProxyBinary('haproxy');
    const wrapper = (name: string) => {
      const file = path.join(dir, name);
      writeFileSync(file, `#!/bin/sh\nexec ${haproxy} "$@"\n`, { mode: 0o755 });
      return file;
    };
    const scenario = [
      'name: upgrade',
      'topology: { services: [ { name: echo } ] }',
      'variants:',
      '  - { name: baseline }',
      `  - { name: haproxy-old, proxy: haproxy, mode: http, binary: ${wrapper('haproxy-old')} }`,
      `  - { name: haproxy-new, proxy: haproxy, mode: http, binary: ${wrapper('haproxy-new')}, injectDelayMs: 2 }`,
      'load: { connections: [1], durationSeconds: 1, warmupSeconds: 0.3 }',
      // Paired by repetition, the sign test needs 5 to reach 95% one-sided (2^-5 = 3.1%).
      'repetitions: 5',
      'quiescence: { maxWaitSeconds: 0.5 }',
    ].join('\n');
    const out = path.join(dir, 'run');
    const run = await runCli(['run', writeScenario(dir, scenario), '--out', out]);
    expect(run.code).toBe(0);
    const proxies = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')).host.proxies as Record<string, string>;
    expect(Object.keys(proxies).sort()).toEqual([`haproxy (haproxy-new: ${path.join(dir, 'haproxy-new')})`, `haproxy (haproxy-old: ${path.join(dir, 'haproxy-old')})`]);

    const r = await runCli(['gate', out, '--map', 'haproxy-new=haproxy-old', '--metrics', 'p50']);
    expect(r.stdout).toContain('Within run `');
    expect(r.stdout).toMatch(/\| this-host \| 1 \| haproxy-new \(vs haproxy-old\) \| p50 overhead \| .* \| \*\*regression\*\* \| above .*Holm \|/);
    expect(r.code).toBe(4);

    const nothing = await runCli(['gate', out]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('nothing to compare in it');
    const unknown = await runCli(['gate', out, '--map', 'haproxy-newer=haproxy-old']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('has no variant "haproxy-newer"');
  }, 120_000);
});

describe('meshbench report', () => {
  it('rebuilds a recorded run without running anything, and can leave flagged trials out', async () => {
    const copy = path.join(tempDir(), 'run');
    cpSync(fixture, copy, { recursive: true });
    const r = await runCli(['report', copy, '--exclude-flagged']);
    expect(r.code).toBe(0);
    const md = readFileSync(path.join(copy, 'report.md'), 'utf8');
    expect(md).toContain('## Flagged trials');
    expect(md).toMatch(/\| haproxy-mtls \| 3 \|/);
  });
});
