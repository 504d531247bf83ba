/**
 * The result record, schemaVersion 1: the contract between `run` (which writes it) and
 * `report`, `compare`, `gate` and `plan` (which only read it). Every number carries its
 * unit in its name. Readers parse through these schemas; older versions get migrated in
 * src/results/migrate.ts, never guessed at.
 */
import { z } from 'zod';

export const resultSchemaVersion = 1 as const;

/** Node-wide figures over one window (a trial, or one 1 Hz sample). Percent of all CPUs. */
export const nodeWindowSchema = z.object({
  windowMs: z.number(),
  userPct: z.number(),
  nicePct: z.number(),
  systemPct: z.number(),
  idlePct: z.number(),
  iowaitPct: z.number(),
  irqPct: z.number(),
  softirqPct: z.number(),
  stealPct: z.number(),
  /** 100 - idle - iowait. */
  busyPct: z.number(),
  /**
   * Host CPU used by processes that are not part of the trial, in percent of all CPUs:
   * user+nice+system ticks minus the trial's own processes' ticks. On a shared machine this,
   * not steal, is where co-tenants show up.
   */
  foreignCpuPct: z.number(),
  /** Share of the window in which some task waited for a CPU (PSI), in percent. */
  psiCpuSomePct: z.number().nullable(),
  psiIoSomePct: z.number().nullable(),
  psiIoFullPct: z.number().nullable(),
  psiMemorySomePct: z.number().nullable(),
  psiMemoryFullPct: z.number().nullable(),
  memTotalBytes: z.number(),
  memUsedBytes: z.number(),
  memAvailableBytes: z.number(),
  diskReadBytes: z.number(),
  diskWriteBytes: z.number(),
  cpuCount: z.number().int(),
});
export type NodeWindow = z.infer<typeof nodeWindowSchema>;

/** neighbour: an emulated noisy neighbour (a tier's CPU or I/O hog); its CPU is the point, not foreign. */
export const processRoles = ['proxy', 'app', 'loadgen', 'harness', 'neighbour'] as const;
export type ProcessRole = (typeof processRoles)[number];

/** One component of the trial (a proxy, an app, the load generator), summed over its process tree. */
export const processFiguresSchema = z.object({
  name: z.string(),
  role: z.enum(processRoles),
  pod: z.string(),
  /** e.g. haproxy, nginx, node */
  program: z.string(),
  pids: z.array(z.number().int()),
  cpuSeconds: z.number(),
  /** cpuSeconds over the window, in percent of one core. */
  cpuPctOfCore: z.number(),
  /** Highest resident set size seen (VmHWM, summed over the tree). */
  rssPeakBytes: z.number(),
  rssEndBytes: z.number(),
  /** Time its threads spent runnable but waiting for a CPU (schedstat run_delay), seconds; null before it was recorded. */
  runQueueWaitSeconds: z.number().nullable().default(null),
});
export type ProcessFigures = z.infer<typeof processFiguresSchema>;

export const probeSchema = z.object({
  name: z.string(),
  expect: z.enum(['rejected', 'accepted']),
  passed: z.boolean(),
  /** What happened, in words: "TLS alert: certificate required", "HTTP 400", "HTTP 200". */
  outcome: z.string(),
  /** Whether the app behind the proxy saw the request. */
  appReached: z.boolean(),
});
export type Probe = z.infer<typeof probeSchema>;

export const verificationSchema = z.object({
  passed: z.boolean(),
  probes: z.array(probeSchema),
  /** Limits of what the probes prove, said plainly (e.g. no SPIFFE URI SAN check). */
  notes: z.array(z.string()),
});
export type Verification = z.infer<typeof verificationSchema>;

export const latencyFiguresSchema = z.object({
  latencyP50Ms: z.number(),
  latencyP90Ms: z.number(),
  latencyP99Ms: z.number(),
  latencyP999Ms: z.number(),
  latencyMaxMs: z.number(),
  latencyMeanMs: z.number(),
});

export const perSecondSchema = latencyFiguresSchema.pick({ latencyP50Ms: true, latencyP99Ms: true, latencyMaxMs: true }).extend({
  /** Seconds since the start of the measured window. */
  second: z.number().int(),
  requests: z.number().int(),
});
export type PerSecond = z.infer<typeof perSecondSchema>;

export const errorCountsSchema = z.object({
  /** Connection-level errors (refused, reset) reported by the load generator. */
  connectionErrors: z.number().int(),
  timeouts: z.number().int(),
  non2xx: z.number().int(),
});

export const histogramSchema = z.object({
  /** hdr-histogram-js encodeIntoCompressedBase64 of integer microseconds. */
  encoding: z.literal('hdr-compressed-base64'),
  unit: z.literal('us'),
  data: z.string(),
});

export const quiescenceSchema = z.object({
  waitedMs: z.number(),
  /** Foreign CPU over the last check before the trial started. */
  foreignCpuPct: z.number(),
  limitPct: z.number(),
  /** False when the bounded wait ran out with the machine still busy. */
  reached: z.boolean(),
});

export const flagKinds = ['loadgen-saturated', 'loadgen-late', 'loadgen-starved', 'steal', 'iowait', 'foreign-cpu', 'cpu-accounting', 'non-stationary', 'errors'] as const;
export type FlagKind = (typeof flagKinds)[number];

/** A reason to distrust a trial's figures: which limit it crossed, by how much. */
export const trialFlagSchema = z.object({
  kind: z.enum(flagKinds),
  /** The measured figure, in the unit the limit is given in (percent). */
  valuePct: z.number(),
  limitPct: z.number(),
  message: z.string(),
});
export type TrialFlag = z.infer<typeof trialFlagSchema>;

export const trialRecordSchema = z.object({
  schemaVersion: z.literal(resultSchemaVersion),
  kind: z.literal('trial'),
  runId: z.string(),
  trialId: z.string(),
  /** Position in the executed order, from 0. */
  index: z.number().int(),
  tier: z.string(),
  variant: z.string(),
  repetition: z.number().int(),
  loadMode: z.enum(['closed', 'open']),
  /** closed: the load level; open: the most connections in use at once. */
  connections: z.number().int(),
  /** open: the load level (requested arrival rate); closed: null. */
  requestedRps: z.number().nullable().default(null),
  /** Load-driver processes the level was split across (`load.processes`); records from before it was an option ran one. */
  loadProcesses: z.number().int().min(1).default(1),
  /** What the open-loop driver saw of its own schedule; null for closed loop. */
  openLoop: z
    .object({
      arrival: z.enum(['constant', 'poisson']),
      sendLatenessP50Us: z.number(),
      sendLatenessP99Us: z.number(),
      sendLatenessMaxUs: z.number(),
      lateSends: z.number().int(),
      droppedRequests: z.number().int(),
      /** lateSends + droppedRequests: requests for which the schedule was not kept. */
      scheduleMissed: z.number().int(),
      maxConnections: z.number().int(),
      eventLoopDelayP99Ms: z.number(),
    })
    .nullable()
    .default(null),
  /** Set when the trial is a step of a capacity search. */
  capacityStep: z
    .object({
      searchId: z.string(),
      phase: z.enum(['probe', 'bisect', 'confirm']),
      /** Whether the step met the search's SLO. */
      metSlo: z.boolean(),
    })
    .nullable()
    .default(null),
  durationSecondsRequested: z.number(),
  warmupSecondsRequested: z.number(),
  startedAt: z.string(),
  endedAt: z.string(),
  windowMs: z.number(),
  requestsTotal: z.number().int(),
  achievedRps: z.number(),
  ...latencyFiguresSchema.shape,
  histogram: histogramSchema,
  errors: errorCountsSchema,
  errorRatePct: z.number(),
  node: nodeWindowSchema,
  processes: z.array(processFiguresSchema),
  /** CPU of all proxies in the trial per 1,000 completed requests. */
  proxyCpuMsPer1kRequests: z.number().nullable(),
  /** Sum of the proxies' peak RSS. */
  proxyRssPeakBytes: z.number().nullable(),
  quiescence: quiescenceSchema,
  verification: verificationSchema,
  perSecond: z.array(perSecondSchema),
  /** Added in 0.2 without a version bump: records written before it have none. */
  flags: z.array(trialFlagSchema).default([]),
  /** CFS throttling of the tier's pod cgroup over the window, when the tier sets a CPU quota. */
  cpuThrottling: z
    .object({ periods: z.number(), throttledPeriods: z.number(), throttledMs: z.number(), throttledPct: z.number() })
    .nullable()
    .default(null),
  /** Proxies' own counters over the window (Envoy admin stats totals), by component name. */
  proxyStats: z.record(z.string(), z.record(z.string(), z.number())).default({}),
});
export type TrialRecord = z.infer<typeof trialRecordSchema>;

export const sampleRecordSchema = z.object({
  schemaVersion: z.literal(resultSchemaVersion),
  kind: z.literal('sample'),
  runId: z.string(),
  trialId: z.string(),
  /** Milliseconds since the start of the trial's measured window (negative during warm-up). */
  tMs: z.number(),
  node: nodeWindowSchema,
  processes: z.array(
    z.object({ name: z.string(), role: z.enum(processRoles), cpuPctOfCore: z.number(), rssBytes: z.number() }),
  ),
});
export type SampleRecord = z.infer<typeof sampleRecordSchema>;

/** `meshbench calibrate`: this host as an instrument. */
export const calibrationSchema = z.object({
  measuredAt: z.string(),
  /** One connection, no proxy, a 16-byte answer: the lowest latency this host can show. */
  directLatencyP50Ms: z.number(),
  directLatencyP99Ms: z.number(),
  /** The closed-loop driver (one process, 32 connections) against the same trivial target. */
  closedLoopMaxRps: z.number(),
  /** How late the open-loop driver sends at 1,000 req/s: its timing resolution. */
  openLoopSendLatenessP50Us: z.number(),
  openLoopSendLatenessP99Us: z.number(),
  openLoopEventLoopDelayP99Ms: z.number(),
  cpuCount: z.number().int(),
});
export type Calibration = z.infer<typeof calibrationSchema>;

export const hostFactsSchema = z.object({
  hostname: z.string(),
  cpuModel: z.string(),
  cpuVendor: z.string(),
  cpuFlags: z.array(z.string()),
  cpuCount: z.number().int(),
  physicalCores: z.number().int(),
  virtualization: z.string().nullable(),
  memTotalBytes: z.number(),
  kernel: z.string(),
  os: z.string(),
  cgroup: z.object({ version: z.enum(['v1', 'v2', 'hybrid', 'none']), controllers: z.array(z.string()) }),
  disks: z.array(z.object({ name: z.string(), type: z.string(), sizeBytes: z.number(), nvme: z.boolean() })),
  clockTicksPerSecond: z.number().int(),
  nodeVersion: z.string(),
  proxies: z.record(z.string(), z.string()),
  calibration: calibrationSchema.optional(),
  /** The host at rest for a few seconds before the first trial: what steal and iowait are with nothing of ours running. */
  idleBaseline: z.object({ windowMs: z.number(), stealPct: z.number(), iowaitPct: z.number(), foreignCpuPct: z.number(), psiCpuSomePct: z.number().nullable() }).optional(),
});
export type HostFacts = z.infer<typeof hostFactsSchema>;

export const runStatuses = ['running', 'completed', 'interrupted', 'failed'] as const;

export const runRecordSchema = z.object({
  schemaVersion: z.literal(resultSchemaVersion),
  kind: z.literal('run'),
  runId: z.string(),
  tool: z.object({ name: z.literal('meshbench'), version: z.string() }),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  status: z.enum(runStatuses),
  /** Why the run did not complete, when it did not. */
  statusDetail: z.string().nullable(),
  seed: z.number().int(),
  scenarioFile: z.string(),
  /** The scenario as validated, defaults filled in. */
  scenario: z.record(z.string(), z.unknown()),
  tiers: z.array(z.string()),
  host: hostFactsSchema,
  plannedTrials: z.number().int(),
  /** Per tier: the emulated contention applied to it and what the host offered for it. */
  contention: z.record(z.string(), z.unknown()).default({}),
});
export type RunRecord = z.infer<typeof runRecordSchema>;
