/**
 * Closed-loop load: the load agent process (autocannon + our µs histograms), started per
 * trial and spoken to over its stdin/stdout JSON-line protocol.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { agentCommand } from '../agents/agent-entry.js';
import { withParentDeathSignal } from '../backends/local/parent-death.js';
import type { LoadAgentConfig, LoadAgentResult } from '../agents/load-agent.js';
import type { LoadGenerator, LoadLevel, LoadRun } from './load-generator.js';

export const closedLoopGenerator: LoadGenerator = {
  name: 'autocannon',
  start(targetUrl: string, level: LoadLevel, env: Record<string, string>): LoadRun {
    const config: LoadAgentConfig = { url: targetUrl, ...level, waitForGo: true };
    const agent = agentCommand('load-agent');
    const { command, args } = withParentDeathSignal(agent.command, agent.args);
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
    const resultLine = waitFor<LoadAgentResult>('result');
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
      throw new Error(`load agent exited (${code === null ? 'killed' : `code ${code}`}) before finishing${stderr ? `: ${stderr.trim()}` : ''}`);
    });
    // Whichever comes first: the awaited line, or the process ending without it.
    const orFailure = <T>(p: Promise<T>) => {
      const raced = Promise.race([p, failure]);
      // Callers may not await every promise (e.g. after Ctrl-C or an earlier failure); the
      // rejection still reaches whoever does await it.
      raced.catch(() => undefined);
      return raced;
    };
    failure.catch(() => undefined);
    const result = orFailure(resultLine);

    return {
      pid: child.pid ?? -1,
      warmedUp: orFailure(warmedUp),
      measured: orFailure(measured),
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
  },
};
