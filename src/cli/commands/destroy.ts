import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findProcessesByRunId, killProcesses } from '../../backends/local/supervisor.js';
import { findContentionLeftovers, removeContentionLeftovers } from '../../backends/local/contention/leftovers.js';
import { connect } from '../../backends/kubernetes/kube-client.js';
import { destroyKubernetesRuns } from '../../backends/kubernetes/namespace-lifecycle.js';
import { ExitCode, InvalidInputError, MeshbenchError } from '../../errors.js';
import type { CliOutput } from '../output.js';

export interface DestroyArgs {
  runId?: string;
  all: boolean;
  context?: string;
  kubeconfig?: string;
}

/**
 * Clean up after a crashed run: every process tagged with the run id (or any run, with
 * --all) on this host, and the run's namespaces in the cluster when a kubeconfig is there.
 */
export async function destroyCommand(args: DestroyArgs, out: CliOutput): Promise<number> {
  if (!args.runId && !args.all) throw new InvalidInputError('destroy needs a run id, or --all');
  const runId = args.all ? null : args.runId!;
  const what = runId ?? 'any meshbench run';
  const found = await findProcessesByRunId(runId);
  await killProcesses(found.map((p) => p.pid));
  for (const p of found) out.stdout.write(`stopped ${p.pid} (${p.name ?? p.cmdline}) of run ${p.runId}\n`);
  if (found.length === 0) out.stdout.write(`no process of ${what} on this host\n`);
  // Emulated tiers leave cgroups, neighbour processes and I/O files behind when killed.
  const leftovers = await findContentionLeftovers(runId);
  if (leftovers.cgroups.length + leftovers.processes.length + leftovers.ioDirs.length > 0) {
    const cleaned = await removeContentionLeftovers(leftovers);
    for (const cg of cleaned.removedCgroups) out.stdout.write(`removed cgroup ${cg}\n`);
    for (const pid of cleaned.stoppedPids) out.stdout.write(`stopped neighbour ${pid}\n`);
    for (const dir of cleaned.removedDirs) out.stdout.write(`removed ${dir}\n`);
    for (const problem of cleaned.problems) out.stderr.write(`could not clean up: ${problem}\n`);
  }

  const kubeconfig = args.kubeconfig ?? process.env.KUBECONFIG?.split(path.delimiter)[0] ?? path.join(os.homedir(), '.kube', 'config');
  if (!args.context && !existsSync(kubeconfig)) return ExitCode.ok;
  try {
    const destroyed = await destroyKubernetesRuns(connect({ kubeconfigPath: args.kubeconfig, context: args.context }), runId);
    for (const d of destroyed) out.stdout.write(`deleted namespaces ${d.namespaces.join(', ')} of run ${d.runId}\n`);
    if (destroyed.length === 0) out.stdout.write(`no namespace of ${what} in the cluster\n`);
  } catch (err) {
    // The local cleanup is done; an unreachable cluster is reported, not fatal, unless asked for.
    if (!(err instanceof MeshbenchError) || args.context) throw err;
    out.stderr.write(`cluster not cleaned: ${err.message}\n`);
  }
  return ExitCode.ok;
}
