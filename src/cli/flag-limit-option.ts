/** `--flag-limit stealPct=2 --flag-limit foreignCpuPct=5`: flag limits that override the scenario's. */
import { InvalidInputError } from '../errors.js';
import { flagLimitsSchema, type FlagLimits } from '../scenario/schema.js';

export function parseFlagLimitOptions(values: readonly string[]): Partial<FlagLimits> {
  const known = Object.keys(flagLimitsSchema.shape);
  const limits: Record<string, number> = {};
  for (const value of values) {
    const [key, raw] = value.split('=');
    if (!key || raw === undefined || !known.includes(key)) throw new InvalidInputError(`--flag-limit takes NAME=NUMBER with NAME one of ${known.join(', ')}; got "${value}"`);
    limits[key] = Number(raw);
  }
  const parsed = flagLimitsSchema.partial().safeParse(limits);
  if (!parsed.success) throw new InvalidInputError(`--flag-limit: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
