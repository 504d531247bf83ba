/**
 * The run plan: every repetition runs every variant at every load level, in an order
 * shuffled per repetition with a recorded seed, so drift and noisy neighbours hit all
 * variants alike and a run can be replayed (`--seed`). Tiers run one after another (each
 * is its own deployment).
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { LoadConfig } from './schema.js';

/** What planning reads; both backends' scenarios have it. */
export interface PlannableScenario {
  tiers: readonly { name: string }[];
  variants: readonly { name: string }[];
  load: LoadConfig;
  repetitions: number;
}

export interface PlannedTrial {
  /** Position in the executed order, from 0. */
  index: number;
  trialId: string;
  tier: string;
  variant: string;
  repetition: number;
  /** closed: a trial at `connections`; open: a trial at `requestedRps`; capacity: a whole search. */
  loadMode: 'closed' | 'open' | 'capacity';
  /** closed: the load level; open and capacity: the pool's upper bound. */
  connections: number;
  requestedRps: number | null;
}

/** The load levels of a scenario, as they appear in a plan. */
export function loadLevels(scenario: Pick<PlannableScenario, 'load'>): { connections: number; requestedRps: number | null; label: string }[] {
  const load = scenario.load;
  switch (load.mode) {
    case 'closed':
      return load.connections.map((c) => ({ connections: c, requestedRps: null, label: `c${c}` }));
    case 'open':
      return load.rps.map((rps) => ({ connections: load.maxConnections, requestedRps: rps, label: `r${rps}` }));
    case 'capacity':
      return [{ connections: load.maxConnections, requestedRps: null, label: 'capacity' }];
  }
}

export function planTrials(scenario: PlannableScenario, seed: number): PlannedTrial[] {
  const random = xoroshiro128plus(seed);
  const trials: PlannedTrial[] = [];
  for (const tier of scenario.tiers) {
    for (let repetition = 1; repetition <= scenario.repetitions; repetition++) {
      const cells = scenario.variants.flatMap((v) => loadLevels(scenario).map((level) => ({ variant: v.name, ...level })));
      // Fisher–Yates with the seeded generator.
      for (let i = cells.length - 1; i > 0; i--) {
        const j = uniformInt(random, 0, i);
        [cells[i], cells[j]] = [cells[j], cells[i]];
      }
      for (const cell of cells) {
        const index = trials.length;
        trials.push({
          index,
          trialId: `t${String(index + 1).padStart(4, '0')}-${tier.name}-${cell.variant}-${cell.label}-rep${repetition}`,
          tier: tier.name,
          repetition,
          variant: cell.variant,
          loadMode: scenario.load.mode,
          connections: cell.connections,
          requestedRps: cell.requestedRps,
        });
      }
    }
  }
  return trials;
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
