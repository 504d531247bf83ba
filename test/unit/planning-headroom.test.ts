/**
 * The shared-tier headroom rule, computed by hand, and the cases where it does not apply.
 */
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { quantile, tierHeadroom } from '../../src/planning/headroom.js';
import { defaultHeadroomRule } from '../../src/planning/inventory-schema.js';

const noise = { tier: 'vps', trials: 5, stealPctByTrial: [0, 0, 0, 0, 10], foreignCpuPctByTrial: [1, 1, 1, 1, 1], p99MsByCell: [[1, 1, 2], [5, 5], [2, 2, 2]] };

describe('quantile', () => {
  it('interpolates between order statistics like numpy', () => {
    // numpy.quantile([0, 0, 0, 0, 10], 0.9) == 6.0; ([1, 2, 3, 4], 0.5) == 2.5
    expect(quantile([0, 0, 0, 0, 10], 0.9)).toBeCloseTo(6, 12);
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
  });
});

describe('tierHeadroom', () => {
  it('adds steal, foreign CPU and a quarter of the p99 inflation on a shared tier', () => {
    // steal p90 6 + foreign p90 1 + 0.25 × median(80% for [1,1,2], 0% for [2,2,2]) = 7 + 0.25 × 40 = 17%.
    // The two-repetition cell [5,5] is too short to show a spread and is left out.
    const h = tierHeadroom({ name: 'vps', shared: true, cpuHeadroomPct: undefined }, defaultHeadroomRule, noise);
    expect(h.cpuPct).toBeCloseTo(17, 9);
    expect(h.parts).toMatchObject({ foreignCpuPct: 1, cells: 2, capped: false });
    expect(h.parts!.stealPct).toBeCloseTo(6, 9);
    expect(h.parts!.p99InflationPct).toBeCloseTo(40, 9);
    expect(h.explanation).toContain('= 17%');
  });

  it('caps the headroom and takes changed weights', () => {
    const h = tierHeadroom({ name: 'vps', shared: true, cpuHeadroomPct: undefined }, { ...defaultHeadroomRule, stealWeight: 10, maxPct: 30 }, noise);
    expect(h.cpuPct).toBe(30);
    expect(h.parts!.capped).toBe(true);
  });

  it('says so when no cell has enough repetitions for a spread, and counts it as 0', () => {
    const h = tierHeadroom({ name: 'vps', shared: true, cpuHeadroomPct: undefined }, defaultHeadroomRule, { ...noise, p99MsByCell: [[1, 2]] });
    expect(h.cpuPct).toBeCloseTo(7, 9);
    expect(h.explanation).toContain('not measurable');
  });

  it('keeps none on a dedicated tier, and whatever the inventory sets when it sets one', () => {
    expect(tierHeadroom({ name: 'd', shared: false, cpuHeadroomPct: undefined }, defaultHeadroomRule, noise)).toMatchObject({ cpuPct: 0, source: 'dedicated' });
    expect(tierHeadroom({ name: 'd', shared: true, cpuHeadroomPct: 12 }, defaultHeadroomRule, undefined)).toMatchObject({ cpuPct: 12, source: 'inventory' });
  });

  it('refuses to invent headroom for a shared tier without trials', () => {
    expect(() => tierHeadroom({ name: 'vps', shared: true, cpuHeadroomPct: undefined }, defaultHeadroomRule, undefined)).toThrow(InvalidInputError);
  });
});
