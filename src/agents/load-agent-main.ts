/**
 * The process side shared by the load agents: read the JSON config from MESHBENCH_LOAD,
 * wait for `go` on stdin when asked to, emit JSON lines on stdout, exit 0 with the result or
 * 1 with the error. The same in a pod (waitForGo false) as under the local runner.
 */
import { createInterface } from 'node:readline';

export type LoadAgentRun<Config> = (config: Config, signalReady: () => Promise<void>, emit: (line: object) => void) => Promise<object>;

export function runLoadAgentProcess<Config extends { waitForGo: boolean }>(label: string, run: LoadAgentRun<Config>): void {
  const config = JSON.parse(process.env.MESHBENCH_LOAD ?? 'null') as Config | null;
  if (!config) {
    process.stderr.write(`${label}: set MESHBENCH_LOAD to its JSON config\n`);
    process.exit(2);
  }
  const emit = (line: object) => process.stdout.write(JSON.stringify(line) + '\n');
  const lines = createInterface({ input: process.stdin });
  const go = () =>
    config.waitForGo
      ? new Promise<void>((resolve, reject) => {
          lines.on('line', (l) => l.trim() === 'go' && resolve());
          lines.on('close', () => reject(new Error('stdin closed before "go"')));
        })
      : Promise.resolve();
  run(config, go, emit).then(
    (result) => {
      emit(result);
      lines.close();
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${label}: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
