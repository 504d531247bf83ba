/**
 * Typed access to the parts of a recorded scenario (run.json `scenario`) that readers need.
 * The record keeps the scenario as validated, loosely typed so older runs stay readable.
 */
import { InvalidInputError } from '../errors.js';
import type { RunRecord } from './schema.js';

export interface RecordedVariant {
  name: string;
  proxy?: string;
  mode?: string;
  workers?: number;
  copyOf?: string;
  /** Local backend: the variant's own proxy executable. */
  binary?: string;
  injectDelayMs?: number;
  /** Kubernetes backend: the mesh profile ('none' for the baseline). */
  mesh?: string;
  /** Report this variant's cost over that one too (one rung of the ladder). */
  comparedTo?: string;
}

export function recordedVariants(run: RunRecord): RecordedVariant[] {
  return ((run.scenario as { variants?: RecordedVariant[] }).variants ?? []).map((v) => ({ ...v }));
}

/** The variant overhead is measured against: no proxy (no mesh, on Kubernetes), and not an A/A copy. */
export function recordedBaseline(run: RunRecord, where: string): string {
  const baseline = recordedVariants(run).find((v) => !v.copyOf && (v.mesh ? v.mesh === 'none' : !v.proxy));
  if (!baseline) throw new InvalidInputError(`${where}: the recorded scenario has no baseline variant`);
  return baseline.name;
}

export function recordedSlo(run: RunRecord): Record<string, number> | undefined {
  return (run.scenario as { slo?: Record<string, number> }).slo;
}
