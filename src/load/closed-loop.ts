/**
 * Closed-loop load: the load agent process (autocannon + our µs histograms), started per
 * trial and spoken to over its stdin/stdout JSON-line protocol.
 */
import { agentCommand } from '../agents/agent-entry.js';
import type { LoadAgentConfig, LoadAgentResult } from '../agents/load-agent.js';
import { startAgentProcess } from './agent-process.js';
import type { LoadGenerator, LoadLevel, LoadRun } from './load-generator.js';

export const closedLoopGenerator: LoadGenerator = {
  name: 'autocannon',
  start(targetUrl: string, level: LoadLevel, env: Record<string, string>): LoadRun {
    const config: LoadAgentConfig = { url: targetUrl, ...level, waitForGo: true };
    return startAgentProcess<LoadAgentResult>(agentCommand('load-agent'), config, env, 'load agent');
  },
};
