/**
 * Renders run progress: a bar on a TTY, one plain line per event otherwise (CI logs).
 */
import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../runner/progress.js';

export interface ProgressView {
  onEvent(event: ProgressEvent): void;
  stop(): void;
}

export function createProgressView(stream: NodeJS.WriteStream, enabled = true): ProgressView {
  if (!enabled) return { onEvent: () => undefined, stop: () => undefined };
  return stream.isTTY ? barView(stream) : lineView(stream);
}

function describeTrial(e: Extract<ProgressEvent, { kind: 'trial-started' | 'trial-finished' }>): string {
  return `${e.trial.tier} · ${e.trial.variant} · ${e.trial.connections} conn · rep ${e.trial.repetition}`;
}

function lineView(stream: NodeJS.WriteStream): ProgressView {
  const write = (line: string) => stream.write(line + '\n');
  return {
    onEvent(e) {
      switch (e.kind) {
        case 'run-started':
          write(`run ${e.runId}: ${e.plannedTrials} trials, seed ${e.seed}, writing to ${e.runDir}`);
          break;
        case 'step':
          write(e.message);
          break;
        case 'waiting-for-quiet':
          write(`  waiting for the host to go quiet: foreign CPU ${e.foreignCpuPct.toFixed(1)}% > ${e.limitPct}%`);
          break;
        case 'trial-started':
          break;
        case 'trial-finished':
          write(
            `[${e.trial.index + 1}/${e.total}] ${describeTrial(e)}: ${Math.round(e.achievedRps)} req/s, p50 ${e.latencyP50Ms.toFixed(3)} ms, p99 ${e.latencyP99Ms.toFixed(3)} ms${e.flags.length ? ` [${e.flags.join(', ')}]` : ''}`,
          );
          break;
      }
    },
    stop: () => undefined,
  };
}

function barView(stream: NodeJS.WriteStream): ProgressView {
  const bar = new cliProgress.SingleBar(
    { stream, format: '{bar} {value}/{total} trials | {status}', hideCursor: true, clearOnComplete: false, barsize: 30 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onEvent(e) {
      switch (e.kind) {
        case 'run-started':
          stream.write(`run ${e.runId}: ${e.plannedTrials} trials, seed ${e.seed}, writing to ${e.runDir}\n`);
          bar.start(e.plannedTrials, 0, { status: 'starting' });
          started = true;
          break;
        case 'step':
          if (started) bar.update({ status: e.message });
          else stream.write(e.message + '\n');
          break;
        case 'waiting-for-quiet':
          bar.update({ status: `waiting for quiet host (foreign CPU ${e.foreignCpuPct.toFixed(0)}%)` });
          break;
        case 'trial-started':
          bar.update({ status: describeTrial(e) });
          break;
        case 'trial-finished':
          bar.update(e.trial.index + 1, { status: `${describeTrial(e)}: ${Math.round(e.achievedRps)} req/s, p99 ${e.latencyP99Ms.toFixed(2)} ms` });
          break;
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
