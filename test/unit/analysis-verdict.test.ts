import { describe, expect, it } from 'vitest';
import { decideVerdicts, type FigureToDecide } from '../../src/analysis/verdict.js';
import { repetitionsToDecide } from '../../src/analysis/power.js';

const paired = (values: number[], margin = 2, higherIsWorse = true): FigureToDecide => ({ evidence: { kind: 'paired', scale: 'linear', values }, margin, higherIsWorse, unit: '%' });

describe('report verdicts, decided together', () => {
  it('calls a clear rise "regression", a clear fall "improvement", a tight zero "no-change"', () => {
    const [up, down, flat] = decideVerdicts([
      paired([30, 31, 29, 35, 33, 32]),
      paired([-30, -31, -29, -35, -33, -32]),
      paired([0.1, -0.2, 0.3, -0.1, 0.2, 0, 0.1, -0.3, 0.2, -0.1]),
    ]);
    expect(up.verdict).toBe('regression');
    expect(down.verdict).toBe('improvement');
    expect(flat.verdict).toBe('no-change');
    expect(up.reason).toMatch(/worse beyond ±2%/);
  });
  it('for throughput, lower is the worse direction', () => {
    expect(decideVerdicts([paired([-30, -31, -29, -35, -33, -32], 2, false)])[0].verdict).toBe('regression');
  });
  it("says it can't tell with three repetitions: 1/8 is the smallest one-sided p-value they can give", () => {
    const [v] = decideVerdicts([paired([30, 31, 29])]);
    expect(v.verdict).toBe('inconclusive');
    expect(v.reason).toMatch(/can't tell/);
    expect(v.qValue).toBeGreaterThanOrEqual(0.125);
  });
  it('adjusts for the number of figures (Benjamini–Hochberg): alone decided, among many noise figures not', () => {
    const clear = paired([5, 6, 7, 8, 9, 10]);
    expect(decideVerdicts([clear])[0].verdict).toBe('regression');
    const noise = paired([-5, 6, -7, 8, -9, 10]);
    const many = decideVerdicts([clear, ...Array.from({ length: 10 }, () => noise)]);
    expect(many[0].verdict).toBe('inconclusive');
  });
});

describe('repetitions to decide (power at the observed spread)', () => {
  it('grows with spread and shrinks with distance, and is capped', () => {
    const base = { estimate: 0, boundary: 10, alpha: 0.05, minimumDecidable: 5, cap: 50 };
    const narrow = repetitionsToDecide({ ...base, values: [-2, -1, 0, 1, 2, 3] });
    const wide = repetitionsToDecide({ ...base, values: [-8, -4, 0, 4, 8, 12] });
    expect(narrow.kind).toBe('estimate');
    expect(wide.kind).toBe('estimate');
    if (narrow.kind === 'estimate' && wide.kind === 'estimate') expect(wide.repetitions).toBeGreaterThan(narrow.repetitions);
    expect(repetitionsToDecide({ ...base, values: [-80, -40, 0, 40, 80, 120] })).toEqual({ kind: 'beyond-cap', cap: 50 });
    expect(repetitionsToDecide({ ...base, estimate: 10, values: [1, 2, 3] })).toEqual({ kind: 'on-threshold' });
  });
  it('never goes below what the exact test needs to reach α at all', () => {
    const r = repetitionsToDecide({ values: [0, 0.001, -0.001], estimate: 0, boundary: 100, alpha: 0.05, minimumDecidable: 5, cap: 50 });
    expect(r).toEqual({ kind: 'estimate', repetitions: 5 });
  });
});
