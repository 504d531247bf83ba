/**
 * How to start one of our agents (sample service, load agent) as its own process. From the
 * compiled CLI they are plain .js files next to this one; when running from the TypeScript
 * sources (tests, `tsx`), node needs the tsx loader to run the .ts file.
 */
import { fileURLToPath } from 'node:url';

export type AgentName = 'sample-service' | 'load-agent' | 'open-loop-agent';

export function agentCommand(name: AgentName): { command: string; args: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const file = fileURLToPath(new URL(`./${name}${fromSource ? '.ts' : '.js'}`, import.meta.url));
  return { command: process.execPath, args: fromSource ? ['--import', 'tsx', file] : [file] };
}
