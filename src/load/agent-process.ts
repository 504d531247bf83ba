/**
 * The parent's side of a load agent process: spawn it with its JSON config in MESHBENCH_LOAD,
 * read its JSON-line events (warmed-up, measured, result), send `go` on stdin, and turn an
 * early exit into a rejection that carries the tail of its stderr. Shared by the closed- and
 * open-loop generators, whose agents speak the same protocol.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { LoadAgentResult } from '../agents/load-agent.js';
import type { LoadRun } from './load-generator.js';
import { withParentDeathSignal } from '../backends/local/parent-death.js';

export interface AgentLaunch {
  command: string;
  args: string[];
}

/** A LoadRun whose result is the agent's own result type. */
export interface AgentRun<Result extends LoadAgentResult> extends LoadRun {
  readonly result: Promise<Result>;
}

/**
 * Starts the agent; `config` goes to it as MESHBENCH_LOAD, `env` on top of this process's
 * environment. `label` names the agent in errors.
 */
export function startAgentProcess<Result extends LoadAgentResult>(launch: AgentLaunch, config: object, env: Record<string, string>, label: string): AgentRun<Result> {
  const { command, args } = withParentDeathSignal(launch.command, launch.args);
  const child = spawn(command, args, {
    env: { ...process.env, ...env, MESHBENCH_LOAD: JSON.stringify(config) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));

  const events = new Map<string, (line: unknown) => void>();
  const waitFor = <T>(event: string) => new Promise<T>((resolve) => events.set(event, resolve as (line: unknown) => void));
  const warmedUp = waitFor<void>('warmed-up');
  const measured = waitFor<void>('measured');
  const resultLine = waitFor<Result>('result');
  createInterface({ input: child.stdout }).on('line', (line) => {
    let parsed: { event?: string };
    try {
      parsed = JSON.parse(line) as { event?: string };
    } catch {
      return; // not one of ours (a library printing to stdout); stderr keeps real failures
    }
    if (parsed.event) events.get(parsed.event)?.(parsed);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    // 'close', not 'exit': it fires only after stdout has been read to the end.
    child.once('close', (code, signal) => resolve(signal ? null : code));
  });
  const failure = exited.then((code) => {
    throw new Error(`${label} exited (${code === null ? 'killed' : `code ${code}`}) before finishing${stderr ? `: ${stderr.trim()}` : ''}`);
  });
  // Whichever comes first: the awaited line, or the process ending without it.
  const orFailure = <T>(p: Promise<T>) => Promise.race([p, failure]);
  const result = orFailure(resultLine);
  const warmedUpOrFailure = orFailure(warmedUp);
  const measuredOrFailure = orFailure(measured);
  // Callers may not await every promise (e.g. after Ctrl-C); don't let them become unhandled.
  for (const p of [result, failure, warmedUpOrFailure, measuredOrFailure]) p.catch(() => undefined);

  return {
    pids: [child.pid ?? -1],
    warmedUp: warmedUpOrFailure,
    measured: measuredOrFailure,
    result,
    measure: () => {
      child.stdin.write('go\n');
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited.catch(() => undefined);
      }
    },
  };
}
