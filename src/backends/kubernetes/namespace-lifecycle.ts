/**
 * Namespaces are the unit of cleanup: each run creates its own, labelled with the run id,
 * and teardown deletes them (everything inside goes with them) and waits until they are
 * gone. A namespace without meshbench's managed-by label is never deleted, whatever its
 * name, so a name clash can never cost a user their namespace.
 */
import { EnvironmentError } from '../../errors.js';
import { apiErrorMessage, isNotFound, type KubeClients } from './kube-client.js';
import { managedByLabel, managedByValue, runIdAnnotation, runLabel, runLabelValue, runSelector } from './names.js';
import { watchUntil } from './watch-until.js';

export const defaultTeardownTimeoutMs = 180_000;

/** Deletes the given namespaces if meshbench created them for this run, and waits for them to go. */
export async function deleteRunNamespaces(clients: KubeClients, runId: string, names: readonly string[], timeoutMs = defaultTeardownTimeoutMs): Promise<string[]> {
  const deleted: string[] = [];
  const problems: string[] = [];
  for (const name of names) {
    try {
      const ns = await clients.core.readNamespace({ name });
      const labels = ns.metadata?.labels ?? {};
      if (labels[managedByLabel] !== managedByValue || labels[runLabel] !== runLabelValue(runId)) {
        problems.push(`namespace ${name} exists but was not created by this meshbench run; left alone`);
        continue;
      }
      if (!ns.metadata?.deletionTimestamp) await clients.core.deleteNamespace({ name, propagationPolicy: 'Background' });
      deleted.push(name);
    } catch (error) {
      if (isNotFound(error)) continue;
      problems.push(`cannot delete namespace ${name}: ${apiErrorMessage(error)}`);
    }
  }
  await waitGone(clients, deleted, timeoutMs, runSelector(runId));
  if (problems.length) throw new EnvironmentError(problems.join('\n'), `clean up later with: meshbench destroy ${runId}`);
  return deleted;
}

async function waitGone(clients: KubeClients, names: readonly string[], timeoutMs: number, labelSelector: string): Promise<void> {
  if (!names.length) return;
  const wanted = new Set(names);
  await watchUntil(
    clients,
    { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', labelSelector, what: `namespaces ${names.join(', ')} to be deleted` },
    (objects) => ([...objects.values()].some((o) => wanted.has(o.metadata?.name ?? '')) ? undefined : true),
    { timeoutMs },
  );
}

export interface DestroyedRun {
  runId: string;
  namespaces: string[];
}

/**
 * `meshbench destroy <runId>` / `--all` for Kubernetes: finds namespaces by meshbench's
 * labels (never by name), deletes them and waits.
 */
export async function destroyKubernetesRuns(clients: KubeClients, runId: string | null, timeoutMs = defaultTeardownTimeoutMs): Promise<DestroyedRun[]> {
  let items;
  try {
    items = (await clients.core.listNamespace({ labelSelector: runSelector(runId) })).items;
  } catch (error) {
    throw new EnvironmentError(`cannot list meshbench's namespaces in context "${clients.context}": ${apiErrorMessage(error)}`, undefined, { cause: error });
  }
  const byRun = new Map<string, string[]>();
  for (const ns of items) {
    const id = ns.metadata?.annotations?.[runIdAnnotation] ?? ns.metadata?.labels?.[runLabel] ?? 'unknown';
    byRun.set(id, [...(byRun.get(id) ?? []), ns.metadata!.name!]);
  }
  const problems: string[] = [];
  for (const ns of items) {
    if (ns.metadata?.deletionTimestamp) continue;
    try {
      await clients.core.deleteNamespace({ name: ns.metadata!.name!, propagationPolicy: 'Background' });
    } catch (error) {
      if (!isNotFound(error)) problems.push(`cannot delete namespace ${ns.metadata?.name}: ${apiErrorMessage(error)}`);
    }
  }
  await waitGone(clients, items.map((n) => n.metadata!.name!), timeoutMs, runSelector(runId));
  if (problems.length) throw new EnvironmentError(problems.join('\n'));
  return [...byRun.entries()].map(([id, namespaces]) => ({ runId: id, namespaces }));
}
