import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { allowedCpus, resolveAutoPinning } from '../../src/backends/local/contention/auto-pinning.js';
import { InvalidInputError } from '../../src/errors.js';
import { parseScenarioText } from '../../src/scenario/load.js';

describe('pinning: auto', () => {
  it('on one CPU pins nothing, and says why', () => {
    const r = resolveAutoPinning([0], 1);
    expect(r.pinning).toBeNull();
    expect(r.note).toBe('pinning auto: this host offers CPU 0, so nothing is pinned');
  });

  it('on two CPUs puts the pods on the first and the load generator on the second', () => {
    expect(resolveAutoPinning([0, 1], 1)).toEqual({
      pinning: { podCpus: [0], loadgenCpus: [1] },
      note: 'pinning auto: this host offers CPUs 0-1; pods on 0, load generator on 1',
    });
  });

  it('gives each driver process a CPU of its own, but the load generator never more than half', () => {
    expect(resolveAutoPinning([0, 1, 2, 3, 4, 5, 6, 7], 1).pinning).toEqual({ podCpus: [0, 1, 2, 3, 4, 5, 6], loadgenCpus: [7] });
    expect(resolveAutoPinning([0, 1, 2, 3, 4, 5, 6, 7], 3).pinning).toEqual({ podCpus: [0, 1, 2, 3, 4], loadgenCpus: [5, 6, 7] });
    expect(resolveAutoPinning([0, 1, 2, 3], 4).pinning).toEqual({ podCpus: [0, 1], loadgenCpus: [2, 3] });
    expect(resolveAutoPinning([0, 1, 2], 2).pinning).toEqual({ podCpus: [0, 1], loadgenCpus: [2] });
  });

  it('divides the CPUs it was given, gaps and order as they come (a container cpuset)', () => {
    expect(resolveAutoPinning([6, 2, 4, 0, 2], 1)).toEqual({
      pinning: { podCpus: [0, 2, 4], loadgenCpus: [6] },
      note: 'pinning auto: this host offers CPUs 0,2,4,6; pods on 0,2,4, load generator on 6',
    });
  });

  it("reads this process's own CPUs from /proc", async () => {
    const cpus = await allowedCpus();
    expect(cpus.length).toBe(os.availableParallelism());
    expect(cpus).toEqual([...cpus].sort((a, b) => a - b));
  });

  it('is a scenario value; anything else is refused with its file, line and field', () => {
    const text = (pinning: string) =>
      `name: s\ntopology: { services: [ { name: echo } ] }\nvariants: [ { name: baseline } ]\nload: { connections: [1], durationSeconds: 1 }\ntiers:\n  - name: this-host\n    contention: { pinning: ${pinning} }\n`;
    expect(parseScenarioText(text('auto'), 's.yaml').tiers[0]!.contention?.pinning).toBe('auto');
    let problems: string[] = [];
    try {
      parseScenarioText(text('automatic'), 's.yaml');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      problems = (error as InvalidInputError).problems;
    }
    expect(problems).toEqual([expect.stringMatching(/^s\.yaml:7:\d+: tiers\.0\.contention\.pinning: expected auto, or \{ podCpus/)]);
  });
});
