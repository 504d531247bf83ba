/**
 * Envoy where it exists, and honest answers where it does not. These machines have no envoy
 * binary, so the run test is reported as skipped here with its reason in its name.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeScenario } from '../helpers/scenario-file.js';

const envoyPath = (process.env.PATH ?? '').split(':').map((dir) => path.join(dir, 'envoy')).find((file) => existsSync(file));
const skipReason = envoyPath ? '' : ' [skipped here: no envoy binary on PATH]';

describe('meshbench doctor', () => {
  it('lists what this machine can run and exits 0 when the quickstart can run', async () => {
    const r = await runCli(['doctor']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok +haproxy +2\./m);
    expect(r.stdout).toMatch(/^ok +nginx +1\./m);
    expect(r.stdout).toMatch(/^(ok|warn) +cgroups/m);
    if (!envoyPath) expect(r.stdout).toMatch(/^warn +envoy +not found[\s\S]*func-e/m);
    expect(r.stdout).toContain('the quickstart can run on this machine');
  });
});

describe('Envoy sidecars on the local backend', () => {
  it.skipIf(!envoyPath)(`run, with stats read from Envoy's admin interface${skipReason}`, async () => {
    const dir = tempDir();
    const file = writeScenario(
      dir,
      [
        'name: envoy-local',
        'topology: { services: [ { name: echo } ] }',
        'variants: [ { name: baseline }, { name: envoy-mtls, proxy: envoy, mode: mtls, workers: 2 } ]',
        'load: { connections: [4], durationSeconds: 1, warmupSeconds: 0.5 }',
        'repetitions: 1',
      ].join('\n'),
    );
    const r = await runCli(['run', file, '--out', path.join(dir, 'run')]);
    expect(r.code).toBe(0);
    const trial = readFileSync(path.join(dir, 'run', 'trials.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((t) => t.variant === 'envoy-mtls');
    expect(trial.verification.passed).toBe(true);
    expect(trial.proxyStats['echo/sidecar'].downstreamRqTotal).toBeGreaterThan(0);
  }, 120_000);
});
