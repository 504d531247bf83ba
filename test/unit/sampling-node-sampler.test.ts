import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { nodeWindowSchema } from '../../src/results/schema.js';
import { NodeSampler, type NodeSample } from '../../src/sampling/node-sampler.js';
import type { ProcessGroup } from '../../src/sampling/window.js';

const self: ProcessGroup = { name: 'harness', role: 'harness', pod: 'local', program: 'node', rootPid: process.pid };

describe('NodeSampler', () => {
  it('emits one sample per interval, each a window since the previous one', async () => {
    const errors: unknown[] = [];
    const samples: NodeSample[] = [];
    const fdsAtStart = readdirSync('/proc/self/fd').length;
    const sampler = new NodeSampler({ intervalMs: 50, onError: (error) => errors.push(error) });
    await sampler.start(() => [self], (sample) => samples.push(sample));
    expect(sampler.clockTicks?.ticksPerSecond).toBeGreaterThan(0);
    await sleep(400);
    await sampler.stop();
    expect(readdirSync('/proc/self/fd').length).toBe(fdsAtStart);
    const count = samples.length;
    await sleep(150);

    expect(errors).toEqual([]);
    expect(samples.length).toBe(count);
    expect(count).toBeGreaterThanOrEqual(3);
    for (const [i, sample] of samples.entries()) {
      nodeWindowSchema.parse(sample.node);
      expect(sample.processes).toEqual([{ name: 'harness', role: 'harness', cpuPctOfCore: expect.any(Number), rssBytes: expect.any(Number) }]);
      expect(sample.processes[0].rssBytes).toBeGreaterThan(0);
      if (i > 0) expect(sample.tMs - samples[i - 1].tMs).toBeCloseTo(sample.node.windowMs, 6);
    }
  });

  it('passes a failing tick to onError and keeps sampling', async () => {
    const errors: unknown[] = [];
    const samples: NodeSample[] = [];
    let calls = 0;
    const sampler = new NodeSampler({ intervalMs: 40, onError: (error) => errors.push(error) });
    await sampler.start(
      () => {
        calls += 1;
        if (calls === 2) throw new Error('provider broke');
        return [self];
      },
      (sample) => {
        samples.push(sample);
        if (samples.length === 1) throw new Error('consumer broke');
      },
    );
    await sleep(300);
    await sampler.stop();
    expect(errors.map((e) => (e as Error).message)).toEqual(['provider broke', 'consumer broke']);
    expect(samples.length).toBeGreaterThanOrEqual(2);
  });

  it('rejects start() when the first snapshot cannot be taken', async () => {
    const sampler = new NodeSampler({ procRoot: '/nonexistent-proc', clkTck: 100, onError: () => {} });
    await expect(sampler.start(() => [], () => {})).rejects.toMatchObject({ code: 'ENOENT' });
    await sampler.stop();
  });

  it('stop() during start() waits for it and leaves nothing running', async () => {
    const fdsAtStart = readdirSync('/proc/self/fd').length;
    const samples: NodeSample[] = [];
    const sampler = new NodeSampler({ intervalMs: 20, onError: (error) => { throw error; } });
    const starting = sampler.start(() => [self], (sample) => samples.push(sample));
    await sampler.stop();
    await starting;
    await sleep(100);
    expect(samples).toEqual([]);
    expect(readdirSync('/proc/self/fd').length).toBe(fdsAtStart);
    await expect(Promise.all([sampler.start(() => [], () => {}), sampler.start(() => [], () => {})])).rejects.toThrow(/already started/);
    await sampler.stop();
  });

  it('counts tMs from a given origin', async () => {
    const samples: NodeSample[] = [];
    const originMs = performance.now() + 10_000;
    const sampler = new NodeSampler({ intervalMs: 30, originMs, onError: (error) => { throw error; } });
    await sampler.start(() => [], (sample) => samples.push(sample));
    await sleep(100);
    await sampler.stop();
    expect(samples[0].tMs).toBeLessThan(0);
    expect(samples[0].tMs).toBeCloseTo(samples[0].endMonotonicMs - originMs, 6);
  });
});
