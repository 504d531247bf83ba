/**
 * This host as an instrument: the latency floor of a direct request, the closed-loop
 * driver's highest rate against a trivial target, and the open-loop driver's timing jitter.
 * A run can record these in its host facts, so a reader knows what resolution its numbers had.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { agentCommand } from '../agents/agent-entry.js';
import type { SampleServiceConfig } from '../agents/sample-service.js';
import { decodeHistogram, percentilesMs } from '../analysis/histograms.js';
import { freePort } from '../backends/local/free-port.js';
import { Supervisor } from '../backends/local/supervisor.js';
import { closedLoopGenerator } from '../load/closed-loop.js';
import type { LoadGenerator, LoadLevel } from '../load/load-generator.js';
import { openLoopGenerator, type OpenLoadLevel } from '../load/open-loop.js';
import type { OpenLoopAgentResult } from '../agents/open-loop-agent.js';
import type { Calibration } from '../results/schema.js';

const host = '127.0.0.1';

export async function calibrate(options: { runId: string; seconds?: number }): Promise<Calibration> {
  const seconds = options.seconds ?? 3;
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'meshbench-calibrate-'));
  const supervisor = new Supervisor({ runId: options.runId, logDir: workDir });
  try {
    const port = await freePort(host);
    const config: SampleServiceConfig = { name: 'target', host, port, responseBytes: 16, cpuWorkUs: 0, delayMs: 0, calls: [] };
    const { command, args } = agentCommand('sample-service');
    await supervisor.start({ name: 'calibration/target', command, args, env: { MESHBENCH_SERVICE: JSON.stringify(config) }, readyPort: port });
    const url = `http://${host}:${port}/`;
    const env = { MESHBENCH_RUN_ID: options.runId };
    const window = { durationSeconds: seconds, warmupSeconds: 0.5, requestTimeoutSeconds: 10 };

    const floor = await measure(closedLoopGenerator, url, { connections: 1, ...window }, env);
    const closedMax = await measure(closedLoopGenerator, url, { connections: 32, ...window }, env);
    const openLevel: OpenLoadLevel = { connections: 64, ratePerSecond: 1000, arrival: 'constant', maxConnections: 64, ...window };
    const open = (await measure(openLoopGenerator, url, openLevel, env)) as OpenLoopAgentResult;

    const floorLatency = percentilesMs(decodeHistogram(floor.histogram));
    return {
      measuredAt: new Date().toISOString(),
      directLatencyP50Ms: floorLatency.latencyP50Ms,
      directLatencyP99Ms: floorLatency.latencyP99Ms,
      closedLoopMaxRps: closedMax.responses / (closedMax.measuredMs / 1000),
      openLoopSendLatenessP50Us: open.sendLatenessUs.p50,
      openLoopSendLatenessP99Us: open.sendLatenessUs.p99,
      openLoopEventLoopDelayP99Ms: open.eventLoopDelayP99Ms,
      cpuCount: os.cpus().length,
    };
  } finally {
    await supervisor.stopAll();
    await rm(workDir, { recursive: true, force: true });
  }
}

async function measure(generator: LoadGenerator, url: string, level: LoadLevel, env: Record<string, string>) {
  const run = generator.start(url, level, env);
  try {
    await run.warmedUp;
    run.measure();
    return await run.result;
  } finally {
    await run.stop();
  }
}
