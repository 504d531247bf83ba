/**
 * The scenario schema: the single source of truth for the TypeScript types, runtime
 * validation (with file:line:col errors, see load.ts) and the JSON Schema that editors use
 * (`meshbench schema`).
 */
import { z } from 'zod';
import { proxyKinds, proxyModes } from '../proxies/sidecar-spec.js';

const dnsLabel = z
  .string()
  .regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lower-case letters, digits and "-", starting with a letter');

export const serviceSchema = z.strictObject({
  name: dnsLabel.describe('Service name; also its workload identity (spiffe://cluster.local/ns/NS/sa/NAME).'),
  responseBytes: z.number().int().min(0).max(10_000_000).default(128).describe('Size of the response body in bytes.'),
  cpuWorkUs: z.number().int().min(0).max(1_000_000).default(0).describe('Busy CPU work per request, in microseconds.'),
  delayMs: z.number().min(0).max(60_000).default(0).describe('Fixed delay added to every response (known-answer checks).'),
  calls: z.array(dnsLabel).default([]).describe('Services this one calls (in order) for every request it serves.'),
});

export const variantSchema = z
  .strictObject({
    name: dnsLabel.describe('Variant name; the one without a proxy is the baseline.'),
    proxy: z.enum(proxyKinds).optional().describe('Sidecar proxy; omit for the baseline (no mesh).'),
    mode: z.enum(proxyModes).optional().describe('Rung of the overhead ladder: tcp (L4), http (L7) or mtls (L7 over mutual TLS).'),
    workers: z.number().int().min(1).max(64).default(1).describe('Proxy worker threads/processes (Istio sidecars default to 2).'),
    binary: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Local backend: this proxy executable instead of the one on PATH, e.g. the new version of an upgrade, run beside the old one in the same run and gated with `meshbench gate RUN --map NEW=OLD`.',
      ),
    policy: z
      .strictObject({
        timeoutMs: z.number().int().positive().describe('Route timeout, like an Istio VirtualService `timeout`.'),
        retries: z.strictObject({
          attempts: z.number().int().min(0).max(10),
          perTryTimeoutMs: z.number().int().positive(),
        }),
      })
      .optional()
      .describe('The policy rung: timeouts and retries on every outbound route (Envoy sidecars).'),
    accessLog: z.boolean().default(false).describe('The access-log rung: every proxy logs each request to a file on disk.'),
    comparedTo: dnsLabel
      .optional()
      .describe('Also report what this variant adds over the named one: the cost of one rung of the ladder (e.g. access logs over plain mTLS).'),
    copyOf: dnsLabel
      .optional()
      .describe('A/A check: run exactly the configuration of the named variant again under this name, to measure the noise floor.'),
    injectDelayMs: z
      .number()
      .min(0)
      .max(60_000)
      .default(0)
      .describe('Test instrument: extra delay every service adds when deployed for this variant (a known regression for checking the gate).'),
  })
  .superRefine((v, ctx) => {
    if (v.mode && !v.proxy) ctx.addIssue({ code: 'custom', path: ['mode'], message: '"mode" needs a "proxy"' });
    if (v.policy && v.proxy !== 'envoy')
      ctx.addIssue({ code: 'custom', path: ['policy'], message: 'the policy rung is generated for Envoy sidecars only (proxy: envoy)' });
    if ((v.policy || v.accessLog) && v.mode !== 'mtls' && v.proxy)
      ctx.addIssue({ code: 'custom', path: [v.policy ? 'policy' : 'accessLog'], message: 'the policy and access-log rungs sit above mtls on the ladder: set mode: mtls' });
    if (v.copyOf && (v.proxy || v.mode || v.binary))
      ctx.addIssue({ code: 'custom', path: ['copyOf'], message: 'a copy takes its proxy, mode and binary from the variant it copies; leave them out' });
    if (v.binary && !v.proxy && !v.copyOf) ctx.addIssue({ code: 'custom', path: ['binary'], message: '"binary" needs a "proxy"' });
  })
  .transform((v) => ({ ...v, mode: v.proxy ? (v.mode ?? 'http') : undefined }));

const windowFields = {
  durationSeconds: z.number().positive().max(3600).describe('Measured window per trial.'),
  warmupSeconds: z.number().min(0).max(600).default(1).describe('Load sent right before each measured window and not recorded.'),
  requestTimeoutSeconds: z.number().positive().max(120).default(10),
};

const processesField = z
  .number()
  .int()
  .min(1)
  .max(64)
  .default(1)
  .describe(
    'Load-driver processes per trial; connections (closed) or rate (open, capacity) are split across them as evenly as possible. Use when the loadgen-saturated or loadgen-late flag says one process was the limit.',
  );

const openLoopFields = {
  arrival: z.enum(['constant', 'poisson']).default('constant').describe('constant: request i is due at i/R; poisson: exponential gaps.'),
  maxConnections: z.number().int().min(1).max(10_000).default(256).describe('The connection pool grows to this when every connection is busy.'),
};

export const closedLoadSchema = z.strictObject({
  mode: z.literal('closed').default('closed').describe('closed: a fixed number of connections, each sending as fast as answers come.'),
  connections: z.array(z.number().int().min(1).max(10_000)).min(1).describe('Load levels: concurrent connections.'),
  ...windowFields,
  processes: processesField,
});

export const openLoadSchema = z.strictObject({
  mode: z.literal('open').describe('open: requests at a fixed rate; latency counts from when each was due (no coordinated omission).'),
  rps: z.array(z.number().positive().max(1_000_000)).min(1).describe('Load levels: requests per second.'),
  ...windowFields,
  ...openLoopFields,
  processes: processesField,
});

export const capacityLoadSchema = z.strictObject({
  mode: z.literal('capacity').describe('capacity: per variant, the highest rate that meets the SLO (exponential, then binary search).'),
  slo: z.strictObject({
    latencyP99Ms: z.number().positive(),
    errorRatePct: z.number().min(0).max(100).default(0.1),
  }),
  startRps: z.number().positive().default(500),
  maxRps: z.number().positive().default(100_000),
  /** Stop bisecting when the bracket is this narrow, relative to its lower end. */
  precisionPct: z.number().positive().max(50).default(10),
  ...windowFields,
  durationSeconds: z.number().positive().max(600).default(2).describe('Window of each search step.'),
  warmupSeconds: z.number().min(0).max(60).default(0.5),
  confirmSeconds: z.number().positive().max(600).default(5).describe('Window of the confirmation trial at the rate found.'),
  ...openLoopFields,
  processes: processesField,
});

export const loadSchema = z.discriminatedUnion('mode', [closedLoadSchema, openLoadSchema, capacityLoadSchema]);
export type LoadConfig = z.output<typeof loadSchema>;

const neighbourImplementation = z.enum(['auto', 'stress-ng', 'builtin']).default('auto').describe('stress-ng when installed, else a built-in one');

/** Emulated contention for a local tier: what a shared, oversold vCPU or a slow disk does to the pods. */
export const contentionSchema = z.strictObject({
  cpuQuotaCores: z.number().positive().max(1024).optional().describe('CPU limit of all the pods together, in cores (like a Kubernetes limit).'),
  cpuPeriodUs: z.number().int().min(1000).max(1_000_000).optional().describe('CFS quota period; default 100 ms.'),
  podWeight: z.number().int().min(1).max(10_000).optional().describe('The pods\' CPU weight (cgroup v2 scale, 100 = ordinary).'),
  cpuNeighbour: z
    .strictObject({
      dutyPct: z.number().min(1).max(100).describe('Share of each period the neighbour wants the CPU.'),
      weight: z.number().int().min(1).max(10_000).optional().describe('Its weight on the pods\' scale; default equal to the pods\'.'),
      periodMs: z.number().positive().max(10_000).optional(),
      workers: z.number().int().min(1).max(64).optional(),
      implementation: neighbourImplementation,
    })
    .optional()
    .describe('A noisy neighbour on the pods\' CPUs, in its own cgroup.'),
  ioNeighbour: z
    .strictObject({
      fsync: z
        .boolean()
        .optional()
        .describe('true (default): synchronous writes, which show as iowait on any disk. false: buffered writes that, on a slowDisk, keep its dirty pages full so other writers there wait too.'),
      writers: z.number().int().min(1).max(64).optional(),
      blockBytes: z.number().int().positive().optional(),
      fileBytes: z.number().int().positive().optional(),
      direct: z.boolean().optional(),
      implementation: neighbourImplementation,
    })
    .optional()
    .describe('A writer on the disk the run writes to (access logs land there too; on the slowDisk when the tier has one).'),
  slowDisk: z
    .strictObject({
      writeIops: z.number().int().min(1).max(1_000_000).optional().describe('Write operations per second the disk accepts; default 200.'),
      writeMBps: z.number().positive().max(100_000).optional().describe('Write MiB per second; default 4.'),
      dirtyLimitMB: z.number().min(1).max(65_536).optional().describe('Dirty page cache the disk may hold before writers are paused; default 16.'),
    })
    .optional()
    .describe('An emulated slow disk (a throttled loop device, needs root and the v1 blkio controller) that holds the access logs and the I/O neighbour.'),
  pinning: z
    .union(
      [
        z.literal('auto'),
        z.strictObject({ podCpus: z.array(z.number().int().min(0)).min(1), loadgenCpus: z.array(z.number().int().min(0)).min(1) }),
      ],
      { error: 'expected auto, or { podCpus: [CPU, ...], loadgenCpus: [CPU, ...] }' },
    )
    .optional()
    .describe(
      'Pods (and the CPU neighbour) on some CPUs, the load generator on others. `auto`: the load generator gets the top CPU (one per load process, at most half), the pods the rest; nothing is pinned on one CPU. Pinning alone needs no root (CPU affinity).',
    ),
});
export type ContentionConfig = z.output<typeof contentionSchema>;

export const tierSchema = z.strictObject({
  name: dnsLabel.describe('Tier label, e.g. this-host, shared-vps, dedicated-nvme. Results from machines merge by it.'),
  description: z.string().optional(),
  contention: contentionSchema.optional().describe('Local backend: emulate a shared or slow host on this one.'),
});

export const quiescenceSchema = z.strictObject({
  foreignCpuLimitPct: z
    .number()
    .min(0)
    .max(100)
    .default(10)
    .describe('Before a trial, wait until CPU used by processes outside the run is below this (percent of all CPUs).'),
  maxWaitSeconds: z.number().min(0).max(600).default(5).describe('Give up waiting after this long; the trial records that it did.'),
});

/** Limits past which a trial is flagged: its figures are suspect, and reports say so. */
export const flagLimitsSchema = z.strictObject({
  loadgenCpuPctOfCore: z
    .number()
    .min(1)
    .max(100)
    .default(90)
    .describe('The load generator used this much of a core: it, not the system under test, may have been the limit.'),
  loadgenEventLoopDelayP99Ms: z
    .number()
    .positive()
    .default(10)
    .describe('Open loop: the driver\'s event loop was this late at p99, so it, not the target, limited the schedule.'),
  stealPct: z.number().min(0).max(100).default(5).describe('Node CPU steal over the trial (hypervisor contention).'),
  iowaitPct: z.number().min(0).max(100).default(5),
  foreignCpuPct: z.number().min(0).max(100).default(10).describe('CPU used by processes outside the run, percent of all CPUs.'),
  errorRatePct: z.number().min(0).max(100).default(1),
  loadgenRunQueuePct: z
    .number()
    .min(0)
    .max(100)
    .default(10)
    .describe('The busiest load-driver process waited this share of the window for a CPU (schedstat run queue): starved, so it sent late or too little.'),
  trendPct: z
    .number()
    .positive()
    .default(20)
    .describe('Per-second p50 rose or fell monotonically by this much over the window (4 seconds or more): the trial had not settled.'),
  cpuAccountingPct: z
    .number()
    .positive()
    .default(3)
    .describe('Foreign CPU below minus this: the run\'s processes used more CPU than the host reports busy, an accounting error.'),
});

/** Service-level objectives: `meshbench run` exits 4 when one is violated with confidence. */
export const sloSchema = z.strictObject({
  latencyP99Ms: z.number().positive().optional().describe('p99 of every meshed variant must stay below this.'),
  overheadP99Pct: z.number().positive().optional().describe('Relative p99 overhead of every variant over the baseline.'),
  overheadP50Ms: z.number().positive().optional().describe('Added p50 of every variant over the baseline, in ms.'),
  errorRatePct: z.number().min(0).optional(),
  proxyRssMb: z.number().positive().optional().describe('Peak RSS of one proxy process (tree), in MB.'),
});

export const scenarioSchema = z
  .strictObject({
    name: dnsLabel,
    description: z.string().optional(),
    backend: z.enum(['local']).default('local'),
    namespace: dnsLabel.default('default').describe('Namespace part of the workload identities.'),
    topology: z.strictObject({
      services: z.array(serviceSchema).min(1),
      entry: dnsLabel.optional().describe('The service the load generator calls; defaults to the first.'),
    }),
    variants: z.array(variantSchema).min(1),
    load: z.preprocess((v) => (v && typeof v === 'object' && !('mode' in v) ? { ...v, mode: 'closed' } : v), loadSchema),
    repetitions: z.number().int().min(1).max(1000).default(3),
    tiers: z.array(tierSchema).min(1).default([{ name: 'this-host' }]),
    quiescence: quiescenceSchema.default({ foreignCpuLimitPct: 10, maxWaitSeconds: 5 }),
    flagLimits: flagLimitsSchema.default(() => flagLimitsSchema.parse({})),
    slo: sloSchema.optional(),
    seed: z.number().int().min(0).optional().describe('Seed for the trial order; a random one is recorded when omitted.'),
  })
  .superRefine((s, ctx) => {
    const services = s.topology.services;
    const names = new Set<string>();
    services.forEach((svc, i) => {
      if (names.has(svc.name)) ctx.addIssue({ code: 'custom', path: ['topology', 'services', i, 'name'], message: `duplicate service "${svc.name}"` });
      names.add(svc.name);
    });
    services.forEach((svc, i) =>
      svc.calls.forEach((callee, j) => {
        if (!names.has(callee))
          ctx.addIssue({ code: 'custom', path: ['topology', 'services', i, 'calls', j], message: `unknown service "${callee}"` });
        if (callee === svc.name)
          ctx.addIssue({ code: 'custom', path: ['topology', 'services', i, 'calls', j], message: 'a service cannot call itself' });
      }),
    );
    const cycle = findCallCycle(services);
    if (cycle) ctx.addIssue({ code: 'custom', path: ['topology', 'services'], message: `calls form a cycle: ${cycle.join(' → ')}` });
    if (s.topology.entry && !names.has(s.topology.entry))
      ctx.addIssue({ code: 'custom', path: ['topology', 'entry'], message: `unknown service "${s.topology.entry}"` });

    const variantNames = new Set<string>();
    s.variants.forEach((v, i) => {
      if (variantNames.has(v.name)) ctx.addIssue({ code: 'custom', path: ['variants', i, 'name'], message: `duplicate variant "${v.name}"` });
      variantNames.add(v.name);
    });
    s.variants.forEach((v, i) => {
      if (v.comparedTo && !s.variants.some((o) => o.name === v.comparedTo && o.name !== v.name))
        ctx.addIssue({ code: 'custom', path: ['variants', i, 'comparedTo'], message: `unknown variant "${v.comparedTo}" (or the variant itself)` });
    });
    s.variants.forEach((v, i) => {
      if (!v.copyOf) return;
      const original = s.variants.find((o) => o.name === v.copyOf);
      if (!original) ctx.addIssue({ code: 'custom', path: ['variants', i, 'copyOf'], message: `unknown variant "${v.copyOf}"` });
      else if (original.copyOf) ctx.addIssue({ code: 'custom', path: ['variants', i, 'copyOf'], message: 'copy the original, not a copy' });
    });
    const baselines = s.variants.filter((v) => !v.proxy && !v.copyOf);
    if (baselines.length !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['variants'],
        message: `exactly one variant must have no proxy (the baseline overhead is measured against); found ${baselines.length}`,
      });
    const tierNames = new Set<string>();
    s.tiers.forEach((t, i) => {
      if (tierNames.has(t.name)) ctx.addIssue({ code: 'custom', path: ['tiers', i, 'name'], message: `duplicate tier "${t.name}"` });
      tierNames.add(t.name);
    });
    checkLoadProcesses(s.load, ctx);
  });

/** Every driver process needs at least one connection of its own. */
export function checkLoadProcesses(load: LoadConfig, ctx: z.RefinementCtx): void {
  const n = load.processes;
  if (load.mode === 'closed')
    load.connections.forEach((c, i) => {
      if (c < n)
        ctx.addIssue({ code: 'custom', path: ['load', 'connections', i], message: `${c} connections cannot be split across load.processes ${n}: each process needs at least one connection` });
    });
  else if (load.maxConnections < n)
    ctx.addIssue({ code: 'custom', path: ['load', 'maxConnections'], message: `maxConnections ${load.maxConnections} cannot be split across load.processes ${n}: each process needs at least one connection` });
}

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type ServiceConfig = Scenario['topology']['services'][number];
export type VariantConfig = Scenario['variants'][number];
export type TierConfig = Scenario['tiers'][number];
export type FlagLimits = Scenario['flagLimits'];
export type Slo = NonNullable<Scenario['slo']>;

/** The configuration a variant actually deploys: a copy (A/A) deploys its original's. */
export function effectiveVariant(s: Scenario, v: VariantConfig): VariantConfig {
  if (!v.copyOf) return v;
  const original = s.variants.find((o) => o.name === v.copyOf)!;
  return { ...original, name: v.name, copyOf: v.copyOf, injectDelayMs: v.injectDelayMs };
}

export function entryService(s: Scenario): string {
  return s.topology.entry ?? s.topology.services[0].name;
}

export function baselineVariant(s: Scenario): VariantConfig {
  const baseline = s.variants.find((v) => !v.proxy && !v.copyOf);
  if (!baseline) throw new Error('scenario has no baseline variant (schema should have rejected it)');
  return baseline;
}

function findCallCycle(services: { name: string; calls: string[] }[]): string[] | null {
  const calls = new Map(services.map((s) => [s.name, s.calls]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | null => {
    if (state.get(name) === 'done') return null;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const callee of calls.get(name) ?? []) {
      if (callee === name) continue; // reported separately
      const cycle = visit(callee);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return null;
  };
  for (const s of services) {
    const cycle = visit(s.name);
    if (cycle) return cycle;
  }
  return null;
}

/** JSON Schema for editors; `io: 'input'` so fields with defaults are not marked required. */
export function scenarioJsonSchema(): object {
  return z.toJSONSchema(scenarioSchema, { target: 'draft-2020-12', io: 'input' });
}
