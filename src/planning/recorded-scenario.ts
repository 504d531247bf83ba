/**
 * What planning needs from the scenario a run recorded in run.json: which variants put a proxy
 * in (and which one is the baseline), and how many proxy-to-proxy edges one request to the
 * entry service crosses, so that a trial's proxy CPU per 1,000 requests can be turned into a
 * cost per edge. Parsed loosely (unknown keys ignored) because run.json keeps the scenario as
 * validated by whatever version wrote it.
 */
import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import type { RunRecord } from '../results/schema.js';

const recordedScenarioSchema = z.object({
  topology: z.object({
    entry: z.string().optional(),
    services: z.array(z.object({ name: z.string(), calls: z.array(z.string()).default([]) })).min(1),
  }),
  variants: z
    .array(
      z.object({
        name: z.string(),
        proxy: z.string().optional(),
        mode: z.string().optional(),
        workers: z.number().optional(),
        copyOf: z.string().optional(),
        injectDelayMs: z.number().optional(),
      }),
    )
    .min(1),
});

export interface RecordedVariant {
  name: string;
  /** null for variants without a proxy (the baseline and copies of it). */
  proxy: string | null;
  mode: string | null;
  workers: number | null;
  /** A test instrument (injected delay): its figures describe the instrument, not a mesh. */
  instrumented: boolean;
}

export interface RecordedScenario {
  variants: RecordedVariant[];
  /**
   * Edges (caller's sidecar → callee's sidecar) one request to the entry crosses: the load
   * generator's edge into the entry plus one per call made while serving it.
   */
  edgesPerRequest: number;
}

export function readRecordedScenario(run: RunRecord, dir: string): RecordedScenario {
  const parsed = recordedScenarioSchema.safeParse(run.scenario);
  if (!parsed.success)
    throw new InvalidInputError(
      `${dir}/run.json: the recorded scenario lacks what planning needs (topology and variants)`,
      parsed.error.issues.map((i) => `${dir}/run.json: scenario.${i.path.join('.')}: ${i.message}`),
    );
  const { topology, variants } = parsed.data;
  const byName = new Map(variants.map((v) => [v.name, v]));
  const resolved = variants.map((v): RecordedVariant => {
    // An A/A copy deploys its original's proxy under another name.
    const original = v.copyOf ? (byName.get(v.copyOf) ?? v) : v;
    return {
      name: v.name,
      proxy: original.proxy ?? null,
      mode: original.proxy ? (original.mode ?? 'http') : null,
      workers: original.workers ?? null,
      instrumented: (v.injectDelayMs ?? 0) > 0,
    };
  });
  return { variants: resolved, edgesPerRequest: edgesPerEntryRequest(topology.services, topology.entry ?? topology.services[0].name) };
}

/** Calls each service receives per request to the entry, summed: a service called twice per request counts twice. */
export function edgesPerEntryRequest(services: readonly { name: string; calls: readonly string[] }[], entry: string): number {
  const callers = new Map<string, { name: string; calls: readonly string[] }[]>();
  for (const s of services) for (const callee of s.calls) callers.set(callee, [...(callers.get(callee) ?? []), s]);
  const memo = new Map<string, number>();
  const invocations = (name: string, depth: number): number => {
    if (depth > services.length) throw new InvalidInputError(`recorded topology has a call cycle through "${name}"`);
    const known = memo.get(name);
    if (known !== undefined) return known;
    let n = name === entry ? 1 : 0;
    for (const caller of callers.get(name) ?? []) n += invocations(caller.name, depth + 1) * caller.calls.filter((c) => c === name).length;
    memo.set(name, n);
    return n;
  };
  return services.reduce((total, s) => total + invocations(s.name, 0), 0);
}
