import { writeFile } from 'node:fs/promises';
import { calibrate } from '../../calibration/calibrate.js';
import { ExitCode } from '../../errors.js';
import { newRunId } from '../../runner/run-id.js';
import type { CliOutput } from '../output.js';

export async function calibrateCommand(args: { out?: string; seconds: number }, out: CliOutput): Promise<number> {
  const c = await calibrate({ runId: newRunId('calibrate'), seconds: args.seconds });
  out.stdout.write(
    [
      `direct request latency floor: p50 ${c.directLatencyP50Ms.toFixed(3)} ms, p99 ${c.directLatencyP99Ms.toFixed(3)} ms (1 connection, no proxy)`,
      `closed-loop driver ceiling: ${Math.round(c.closedLoopMaxRps).toLocaleString('en-US')} req/s (one autocannon process, 32 connections, against the sample service)`,
      `open-loop timing at 1,000 req/s: send lateness p50 ${c.openLoopSendLatenessP50Us.toFixed(0)} µs, p99 ${c.openLoopSendLatenessP99Us.toFixed(0)} µs; event-loop delay p99 ${c.openLoopEventLoopDelayP99Ms.toFixed(2)} ms`,
    ].join('\n') + '\n',
  );
  if (args.out) {
    await writeFile(args.out, JSON.stringify(c, null, 2) + '\n');
    out.stdout.write(`written to ${args.out}\n`);
  }
  return ExitCode.ok;
}
