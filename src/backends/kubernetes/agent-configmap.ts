/**
 * The agents (sample service, load agent, node sampler) travel to the cluster as esbuild
 * bundles in a ConfigMap, so pods run them in a stock Node image with no image of our own to
 * build or push. The bundles are made at build time (`npm run build:agents`, into
 * dist/agent-bundles/); raw they total about 0.5 MB, well under the 1 MiB ConfigMap limit,
 * so no unpacking step is needed in the pod.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { EnvironmentError } from '../../errors.js';
import { checkedManifest, type KubeObject } from './manifest-checks.js';
import { agentsConfigMapName, roleLabel, runLabels, tierLabel } from './names.js';

export const agentMountPath = '/agent';

export const agentBundleFiles = {
  sampleService: 'sample-service.cjs',
  loadAgent: 'load-agent.cjs',
  nodeSampler: 'node-sampler.cjs',
} as const;

export type AgentBundles = Record<(typeof agentBundleFiles)[keyof typeof agentBundleFiles], string>;

/** dist/agent-bundles of this package, from the sources or from the compiled CLI. */
export function defaultAgentBundleDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const fromDist = path.resolve(here, '../../agent-bundles');
  const fromSource = path.resolve(here, '../../../dist/agent-bundles');
  return here.split(path.sep).includes('dist') ? fromDist : fromSource;
}

export async function readAgentBundles(dir = defaultAgentBundleDir()): Promise<AgentBundles> {
  const bundles = {} as AgentBundles;
  for (const file of Object.values(agentBundleFiles)) {
    const full = path.join(dir, file);
    if (!existsSync(full)) throw new EnvironmentError(`agent bundle ${full} is missing`, 'run `npm run build` (it bundles the agents with esbuild) and try again');
    bundles[file] = await readFile(full, 'utf8');
  }
  return bundles;
}

export function agentsConfigMap(options: { namespace: string; runId: string; tier: string; bundles: AgentBundles }): KubeObject {
  return checkedManifest(
    new ConfigMap({
      metadata: {
        name: agentsConfigMapName,
        namespace: options.namespace,
        labels: runLabels(options.runId, { [tierLabel]: options.tier, [roleLabel]: 'agents' }),
      },
      data: { ...options.bundles },
    }),
  );
}
