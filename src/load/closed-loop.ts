/**
 * Closed-loop load: the load agent process (autocannon + our µs histograms), started per
 * trial and spoken to over its stdin/stdout JSON-line protocol; several of them, sharing the
 * connections, when the level asks for more than one process.
 */
import { agentCommand } from '../agents/agent-entry.js';
import type { LoadAgentConfig, LoadAgentResult } from '../agents/load-agent.js';
import { startAgentProcess } from './agent-process.js';
import type { LoadGenerator, LoadLevel, LoadRun } from './load-generator.js';
import { mergeClosedLoopResults } from './merge-results.js';
import { splitClosedLevel, startProcesses } from './multi-process.js';

export const closedLoopGenerator: LoadGenerator = {
  name: 'autocannon',
  start(targetUrl: string, level: LoadLevel, env: Record<string, string>): LoadRun {
    return startProcesses(
      splitClosedLevel(level),
      (part, { mergeable, label }) => {
        const config: LoadAgentConfig = {
          url: targetUrl,
          connections: part.connections,
          durationSeconds: part.durationSeconds,
          warmupSeconds: part.warmupSeconds,
          requestTimeoutSeconds: part.requestTimeoutSeconds,
          waitForGo: true,
          ...(mergeable ? { mergeableHistograms: true } : {}),
        };
        return startAgentProcess<LoadAgentResult>(agentCommand('load-agent'), config, env, label);
      },
      mergeClosedLoopResults,
      'load agent',
    );
  },
};
