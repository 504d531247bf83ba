/**
 * `meshbench plan` as a user runs it: the example inventory on the recorded quickstart prints
 * the plan; inputs that do not add up exit 2 with the line to fix.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/scenario-file.js';

const inventory = 'fixtures/inventories/example-shop.yaml';
const runDir = 'fixtures/runs/quickstart-this-host';

describe('meshbench plan', () => {
  it('prints the node plan for the example inventory and the recorded quickstart', async () => {
    const r = await runCli(['plan', '--inventory', inventory, runDir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# Node plan: example-shop');
    expect(r.stdout).toContain('## Cheapest node plan per tier and variant');
    expect(r.stdout).toMatch(/\| this-host \| haproxy-mtls \| measured \| \d+ × vps-shared-\d \| \d+ × vps-shared-\d \| cpu \|/);
    expect(r.stdout).toContain('| this-host | istio-sidecar | published |');
    expect(r.stdout).toContain('### Against the rules of thumb');
  });

  it('writes JSON with --format json --out', async () => {
    const file = path.join(tempDir(), 'plan.json');
    const r = await runCli(['plan', '--inventory', inventory, '--format', 'json', '--out', file, runDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`plan: ${file}\n`);
    expect(JSON.parse(readFileSync(file, 'utf8')).kind).toBe('meshbench-plan');
  });

  it('exits 2 with file:line when a service has no rate', async () => {
    const file = path.join(tempDir(), 'inv.yaml');
    writeFileSync(file, readFileSync(inventory, 'utf8').replace('peakRps: 150,  ', ''));
    const r = await runCli(['plan', '--inventory', file, runDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${file}:\\d+:\\d+: services\\.7: missing required key "peakRps"`));
  });

  it('exits 2 when an inventory tier is not in the results, naming the measured ones', async () => {
    const file = path.join(tempDir(), 'inv.yaml');
    writeFileSync(file, readFileSync(inventory, 'utf8').replace('    costsFrom: this-host\n', ''));
    const r = await runCli(['plan', '--inventory', file, runDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tier "dedicated-nvme" is not in the results (measured tiers: this-host)');
  });

  it('exits 2 when a result folder does not exist', async () => {
    const r = await runCli(['plan', '--inventory', inventory, 'no/such/run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no/such/run/run.json: not found');
  });
});
