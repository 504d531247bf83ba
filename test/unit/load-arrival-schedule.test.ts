import { describe, expect, it } from 'vitest';
import { arrivalTimesMs, type ArrivalScheduleOptions } from '../../src/load/arrival-schedule.js';

const poisson = (seed: number, ratePerSecond = 1000, durationSeconds = 100): ArrivalScheduleOptions => ({ ratePerSecond, durationSeconds, process: 'poisson', seed });

describe('arrivalTimesMs, constant', () => {
  it('puts request i at exactly i / R', () => {
    expect([...arrivalTimesMs({ ratePerSecond: 4, durationSeconds: 1, process: 'constant', seed: 0 })]).toEqual([0, 250, 500, 750]);
    expect([...arrivalTimesMs({ ratePerSecond: 1000, durationSeconds: 0.005, process: 'constant', seed: 0 })]).toEqual([0, 1, 2, 3, 4]);
  });

  it('does not drift over a long window: the last due time is computed, not summed', () => {
    let count = 0;
    let last = -1;
    for (const dueMs of arrivalTimesMs({ ratePerSecond: 3, durationSeconds: 3000, process: 'constant', seed: 0 })) {
      count++;
      last = dueMs;
    }
    expect(count).toBe(9000);
    expect(last).toBe((8999 * 1000) / 3);
  });

  it('gives R × D arrivals, all inside the window', () => {
    const times = [...arrivalTimesMs({ ratePerSecond: 1000, durationSeconds: 5, process: 'constant', seed: 0 })];
    expect(times).toHaveLength(5000);
    expect(times.at(-1)).toBe(4999);
  });

  it('ignores the seed', () => {
    const a = [...arrivalTimesMs({ ratePerSecond: 7, durationSeconds: 2, process: 'constant', seed: 1 })];
    expect([...arrivalTimesMs({ ratePerSecond: 7, durationSeconds: 2, process: 'constant', seed: 2 })]).toEqual(a);
  });

  it('shifts every arrival by offsetMs and keeps only those inside the window', () => {
    expect([...arrivalTimesMs({ ratePerSecond: 4, durationSeconds: 1, process: 'constant', seed: 0, offsetMs: 100 })]).toEqual([100, 350, 600, 850]);
    expect([...arrivalTimesMs({ ratePerSecond: 4, durationSeconds: 1, process: 'constant', seed: 0, offsetMs: 300 })]).toEqual([300, 550, 800]);
  });

  it('interleaves N processes at R / N, offset by k / R, into the schedule of R', () => {
    const whole = [...arrivalTimesMs({ ratePerSecond: 400, durationSeconds: 2, process: 'constant', seed: 0 })];
    const parts = [0, 1].flatMap((k) => [...arrivalTimesMs({ ratePerSecond: 200, durationSeconds: 2, process: 'constant', seed: 0, offsetMs: (k * 1000) / 400 })]);
    expect(parts.sort((a, b) => a - b)).toEqual(whole);
    // An uneven split of the count still adds up: 1,000 = 334 + 333 + 333.
    const counts = [0, 1, 2].map((k) => [...arrivalTimesMs({ ratePerSecond: 1000 / 3, durationSeconds: 1, process: 'constant', seed: 0, offsetMs: k })].length);
    expect(counts).toEqual([334, 333, 333]);
  });

  it('is lazy: an endless schedule can be read a few at a time', () => {
    const schedule = arrivalTimesMs({ ratePerSecond: 2000, process: 'constant', seed: 0 });
    expect([schedule.next().value, schedule.next().value, schedule.next().value]).toEqual([0, 0.5, 1]);
  });
});

describe('arrivalTimesMs, poisson', () => {
  it('replays the same arrivals for the same seed and differs for another', () => {
    const a = [...arrivalTimesMs(poisson(42, 1000, 2))];
    expect([...arrivalTimesMs(poisson(42, 1000, 2))]).toEqual(a);
    expect([...arrivalTimesMs(poisson(43, 1000, 2))]).not.toEqual(a);
  });

  it('keeps the mean rate within 2% over 100,000 arrivals, for several seeds', () => {
    for (const seed of [0, 1, 2, 12345]) {
      let count = 0;
      for (const _ of arrivalTimesMs(poisson(seed))) count++;
      // 100 s at 1,000/s: the count's standard deviation is sqrt(100,000) ≈ 316, i.e. 0.3%.
      expect(Math.abs(count - 100_000) / 100_000).toBeLessThan(0.02);
    }
  });

  it('has exponential inter-arrivals: ascending, coefficient of variation near 1', () => {
    const times = [...arrivalTimesMs(poisson(7, 500, 100))];
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(gaps.every((gap) => gap >= 0)).toBe(true);
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / (gaps.length - 1));
    expect(mean).toBeCloseTo(2, 1);
    expect(sd / mean).toBeGreaterThan(0.95);
    expect(sd / mean).toBeLessThan(1.05);
    expect(times.every((t) => t >= 0 && t < 100_000)).toBe(true);
  });
});

describe('arrivalTimesMs, bad input', () => {
  it('rejects when called, not at the first arrival', () => {
    expect(() => arrivalTimesMs({ ratePerSecond: 0, durationSeconds: 1, process: 'constant', seed: 0 })).toThrow(RangeError);
    expect(() => arrivalTimesMs({ ratePerSecond: Number.NaN, durationSeconds: 1, process: 'constant', seed: 0 })).toThrow(RangeError);
    expect(() => arrivalTimesMs({ ratePerSecond: 10, durationSeconds: -1, process: 'constant', seed: 0 })).toThrow(RangeError);
    expect(() => arrivalTimesMs({ ratePerSecond: 10, durationSeconds: 1, process: 'bursty' as 'constant', seed: 0 })).toThrow(/unknown arrival process/);
    expect(() => arrivalTimesMs({ ratePerSecond: 10, durationSeconds: 1, process: 'poisson', seed: 1.5 })).toThrow(RangeError);
    expect(() => arrivalTimesMs({ ratePerSecond: 10, durationSeconds: 1, process: 'constant', seed: 0, offsetMs: -1 })).toThrow(RangeError);
  });
});
