/**
 * The CLI as a user runs it: exit codes, messages, and the files it leaves.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProcessesByRunId } from '../../src/backends/local/supervisor.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { tempDir, writeScenario } from '../helpers/scenario-file.js';

const hasEnvoy = (process.env.PATH ?? '').split(':').some((dir) => existsSync(path.join(dir, 'envoy')));

describe('meshbench validate', () => {
  it('accepts every scenario in scenarios/', async () => {
    const files = readdirSync('scenarios').map((f) => path.join('scenarios', f));
    const r = await runCli(['validate', ...files]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.endsWith(')') && l.includes(': ok'))).toHaveLength(files.length);
  });

  it('lists a syntax error, a misspelled key and a wrong type, each with file:line:col, and exits 2', async () => {
    const file = 'fixtures/scenarios/three-problems.yaml';
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(2);
    const problems = r.stderr.split('\n').filter((l) => l.trim().startsWith(`${file}:`));
    expect(problems.some((l) => /:\d+:\d+: YAML syntax/.test(l))).toBe(true);
    expect(problems.some((l) => l.includes(':12:1:') && l.includes('did you mean "repetitions"'))).toBe(true);
    expect(problems.some((l) => l.includes(':5:36:') && l.includes('expected number'))).toBe(true);
  });

  it('exits 2 on an unknown flag', async () => {
    const r = await runCli(['validate', 'scenarios/quickstart.yaml', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Unknown argument: bogus');
  });
});

describe('meshbench schema', () => {
  it('prints a JSON Schema for editors', async () => {
    const r = await runCli(['schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as { $schema: string; oneOf: { properties: Record<string, { enum?: string[]; const?: string }> }[] };
    expect(schema.$schema).toContain('2020-12');
    // One branch per backend, told apart by `backend`.
    expect(schema.oneOf).toHaveLength(2);
    for (const branch of schema.oneOf) expect(Object.keys(branch.properties)).toEqual(expect.arrayContaining(['topology', 'variants', 'load', 'tiers', 'backend']));
  });
});

describe('meshbench run', () => {
  it.skipIf(hasEnvoy)('stops before deploying anything when envoy is missing (exit 3) and says how to get it', async () => {
    const dir = tempDir();
    const file = writeScenario(
      dir,
      'name: envoy-missing\ntopology: { services: [ { name: echo } ] }\nvariants: [ { name: baseline }, { name: envoy-http, proxy: envoy, mode: http } ]\nload: { connections: [1], durationSeconds: 1 }\n',
    );
    const r = await runCli(['run', file, '--reports-dir', path.join(dir, 'reports')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/envoy/i);
    expect(r.stderr).toMatch(/func-e|envoyproxy\/envoy/);
    expect(existsSync(path.join(dir, 'reports'))).toBe(false);
  });

  it('runs the 3-service chain scenario and reports it', async () => {
    const dir = tempDir();
    const r = await runCli(['run', 'scenarios/chain.yaml', '--reports-dir', dir, '--seed', '3']);
    expect(r.stderr).not.toContain('internal error');
    expect(r.code, r.stderr).toBe(0);
    const reportPath = /report: (.+\.md)/.exec(r.stdout)?.[1];
    expect(reportPath).toBeDefined();
    const md = readFileSync(reportPath!, 'utf8');
    for (const variant of ['baseline', 'haproxy-http', 'nginx-mtls']) expect(md).toContain(`| ${variant} |`);
    const trials = readFileSync(path.join(path.dirname(reportPath!), 'trials.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // Three edges (loadgen→frontend→inventory→payment), a sidecar in each of the four pods.
    const meshed = trials.find((t) => t.variant === 'nginx-mtls');
    expect(meshed.processes.filter((p: { role: string }) => p.role === 'proxy')).toHaveLength(4);
    expect(meshed.processes.filter((p: { role: string }) => p.role === 'app')).toHaveLength(3);
    expect(meshed.verification.probes.filter((p: { expect: string }) => p.expect === 'rejected').length).toBe(9);
  }, 180_000);

  it('on Ctrl-C stops every process it started, keeps finished trials and exits 130', async () => {
    const dir = tempDir();
    const file = writeScenario(
      dir,
      [
        'name: interrupt-me',
        'topology: { services: [ { name: front, calls: [back] }, { name: back } ] }',
        'variants: [ { name: baseline }, { name: haproxy-mtls, proxy: haproxy, mode: mtls }, { name: nginx-mtls, proxy: nginx, mode: mtls } ]',
        'load: { connections: [4], durationSeconds: 1.5, warmupSeconds: 0.3 }',
        'repetitions: 10',
        'quiescence: { maxWaitSeconds: 0.5 }',
      ].join('\n'),
    );
    const child = spawnCli(['run', file, '--reports-dir', dir]);
    let stderr = '';
    const firstTrialDone = new Promise<void>((resolve) =>
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d;
        if (/^\[1\/\d+\]/m.test(stderr)) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await Promise.race([firstTrialDone, exited]);
    // Interrupt in the middle of the second trial's load.
    await new Promise((r) => setTimeout(r, 1200));
    child.kill('SIGINT');
    const code = await exited;
    expect(stderr).not.toContain('internal error');
    expect(code).toBe(130);
    const runId = /^run (\S+):/m.exec(stderr)![1];
    expect(await findProcessesByRunId(runId)).toEqual([]);
    expect(existsSync(path.join(os.tmpdir(), `meshbench-${runId}`))).toBe(false);
    const trials = readFileSync(path.join(dir, runId, 'trials.jsonl'), 'utf8').trim().split('\n');
    expect(trials.length).toBeGreaterThanOrEqual(1);
    expect(trials.length).toBeLessThan(30);
    const run = JSON.parse(readFileSync(path.join(dir, runId, 'run.json'), 'utf8')) as { status: string };
    expect(run.status).toBe('interrupted');
  }, 120_000);
});
