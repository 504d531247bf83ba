/**
 * `planCommand` in-process on the example inventory and the recorded quickstart: what the
 * user sees, and exit code 2 for inputs that do not add up. (test/e2e/plan.test.ts runs the
 * same through the built CLI once `plan` is wired into src/cli/main.ts.)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planCommand, type PlanArgs } from '../../src/cli/commands/plan.js';
import type { CliOutput } from '../../src/cli/output.js';
import { InvalidInputError } from '../../src/errors.js';
import { tempDir } from '../helpers/scenario-file.js';

const inventory = 'fixtures/inventories/example-shop.yaml';
const runDir = 'fixtures/runs/quickstart-this-host';

async function run(args: Partial<PlanArgs>): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const out = { stdout: { write: (s: string) => ((stdout += s), true) }, stderr: { write: () => true } } as unknown as CliOutput;
  const code = await planCommand({ inventory, runDirs: [runDir], format: 'md', ...args }, out);
  return { code, stdout };
}

describe('planCommand', () => {
  it('prints the plan for the example inventory on the recorded quickstart', async () => {
    const { code, stdout } = await run({});
    expect(code).toBe(0);
    expect(stdout).toContain('# Node plan: example-shop');
    expect(stdout).toContain('20 services (20 in the mesh) · 43 pods · 7,730 req/s at peak');
    for (const v of ['haproxy-http', 'haproxy-mtls', 'nginx-mtls']) expect(stdout).toContain(`| this-host | ${v} | measured |`);
    expect(stdout).toContain('| this-host | istio-sidecar | published |');
    expect(stdout).toContain('| dedicated-nvme | haproxy-mtls | measured on this-host |');
    expect(stdout).toMatch(/CPU headroom: 1 × steal 0\.27% \(p90 of 24 trials\)/);
    expect(stdout).toContain('### Against the rules of thumb');
  });

  it('writes JSON to a file with --out', async () => {
    const file = path.join(tempDir(), 'plan.json');
    const { code, stdout } = await run({ format: 'json', out: file });
    expect(code).toBe(0);
    expect(stdout).toBe(`plan: ${file}\n`);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.inventory.services).toBe(20);
    expect(doc.tiers.map((t: { tier: string }) => t.tier)).toEqual(['this-host', 'dedicated-nvme']);
  });

  it('stops with exit code 2 and the line when a tier was not measured', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'inv.yaml');
    writeFileSync(file, readFileSync(inventory, 'utf8').replace('    costsFrom: this-host\n', ''));
    const err = await run({ inventory: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).exitCode).toBe(2);
    expect((err as InvalidInputError).problems).toEqual([expect.stringMatching(new RegExp(`^${file}:\\d+:\\d+: tiers\\.1\\.name: tier "dedicated-nvme" is not in the results`))]);
  });

  it('stops with exit code 2 on a service without a rate', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'inv.yaml');
    writeFileSync(file, readFileSync(inventory, 'utf8').replace('peakRps: 150,  ', ''));
    const err = (await run({ inventory: file }).catch((e: unknown) => e)) as InvalidInputError;
    expect(err.exitCode).toBe(2);
    expect(err.problems).toEqual([expect.stringMatching(/services\.7: missing required key "peakRps"/)]);
  });

  it('rejects an unknown format', async () => {
    await expect(run({ format: 'html' as PlanArgs['format'] })).rejects.toThrow(/--format must be one of md, json/);
  });
});
