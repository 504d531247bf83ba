import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

/** A source of uniform floats in [0, 1), the shape simple-statistics accepts as `randomSource`. */
export type RandomSource = () => number;

/**
 * Seeded uniform [0, 1) source, so every resampling and shuffle can be replayed from the seed
 * recorded in run.json.
 *
 * xoroshiro128plus seeds its state from the low 32 bits almost verbatim, so small neighbouring
 * seeds (0, 1, 2, ...) start in nearly the same state: their first outputs are all ~1.0 and the
 * next ones are close together. Hashing the seed and discarding a few outputs decorrelates them.
 * Seeds outside 32 bits have their high bits folded in instead of silently truncated.
 */
export function createRng(seed: number): RandomSource {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`seed must be a safe integer, got ${seed}`);
  }
  const high = Math.floor(seed / 2 ** 32);
  const low = seed - high * 2 ** 32;
  const generator = xoroshiro128plus(mix32((low ^ Math.imul(high, 0x9e3779b9)) | 0));
  for (let i = 0; i < warmupDraws; i++) generator.next();
  return () => uniformFloat64(generator);
}

const warmupDraws = 16;

/** murmur3's 32-bit finalizer: spreads each input bit over the whole word. */
function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** One normal draw (Box–Muller) from a uniform source; for synthetic data in tests and simulations. */
export function normalSample(random: RandomSource, mean = 0, sd = 1): number {
  const u1 = 1 - random(); // (0, 1]: log(0) would be -Infinity
  const u2 = random();
  return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
