import { describe, expect, it } from 'vitest';
import { sampleWithReplacement, shuffle } from 'simple-statistics';
import { createRng, normalSample } from '../../src/analysis/random.js';

describe('createRng', () => {
  it('replays the same sequence for the same seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    const first = Array.from({ length: 100 }, a);
    expect(Array.from({ length: 100 }, b)).toEqual(first);
  });

  it('gives unrelated sequences for neighbouring seeds', () => {
    // Raw xoroshiro128plus starts every small seed at ~1.0; the hashed seed must not.
    const firsts = [0, 1, 2, 3, 4].map((seed) => createRng(seed)());
    expect(new Set(firsts.map((x) => x.toFixed(3))).size).toBe(5);
    expect(firsts.every((x) => x < 0.999)).toBe(true);
  });

  it('keeps the high bits of large seeds', () => {
    expect(createRng(2 ** 40)()).not.toBe(createRng(2 ** 40 + 2 ** 32)());
  });

  it('stays in [0, 1) and looks uniform', () => {
    const random = createRng(7);
    const values = Array.from({ length: 20_000 }, random);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((s, x) => s + x, 0) / values.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
  });

  it('rejects seeds that are not safe integers', () => {
    expect(() => createRng(1.5)).toThrow(RangeError);
    expect(() => createRng(Number.NaN)).toThrow(RangeError);
  });

  it('seeds simple-statistics functions that take a random source', () => {
    const data = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(shuffle(data, createRng(3))).toEqual(shuffle(data, createRng(3)));
    expect(sampleWithReplacement(data, 5, createRng(3))).toEqual(sampleWithReplacement(data, 5, createRng(3)));
  });
});

describe('normalSample', () => {
  it('has the requested mean and standard deviation', () => {
    const random = createRng(11);
    const values = Array.from({ length: 20_000 }, () => normalSample(random, 10, 2));
    const mean = values.reduce((s, x) => s + x, 0) / values.length;
    const sd = Math.sqrt(values.reduce((s, x) => s + (x - mean) ** 2, 0) / (values.length - 1));
    expect(mean).toBeCloseTo(10, 1);
    expect(sd).toBeGreaterThan(1.95);
    expect(sd).toBeLessThan(2.05);
  });
});
