/**
 * Waits until a set of objects reaches a state: list once (for the current state and its
 * resourceVersion), then watch from there, re-watching whenever the server ends the stream,
 * until the check is satisfied, the deadline passes or the signal aborts. Watches always
 * carry timeoutSeconds (client-node's own timeout never fires).
 */
import type * as k8s from '@kubernetes/client-node';
import { EnvironmentError, InterruptedError } from '../../errors.js';
import { apiErrorMessage, collectionPath, type KubeClients } from './kube-client.js';

export interface WatchTarget {
  apiVersion: string;
  kind: string;
  plural: string;
  namespace?: string;
  labelSelector?: string;
  /** Words for errors: "deployments in ns-x to become available". */
  what: string;
}

/** Returns a value to finish with, undefined to keep waiting; may throw to fail. */
export type Check<T> = (objects: ReadonlyMap<string, k8s.KubernetesObject>) => T | undefined;

const maxWatchSeconds = 60;

export async function watchUntil<T>(clients: KubeClients, target: WatchTarget, check: Check<T>, options: { timeoutMs: number; signal?: AbortSignal }): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const objects = new Map<string, k8s.KubernetesObject>();
  const keyOf = (o: k8s.KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
  let resourceVersion: string | undefined;
  try {
    const list = await clients.objects.list(target.apiVersion, target.kind, target.namespace, undefined, undefined, undefined, undefined, target.labelSelector);
    for (const item of list.items) objects.set(keyOf(item), item);
    resourceVersion = list.metadata?.resourceVersion;
  } catch (error) {
    throw new EnvironmentError(`cannot list ${target.what}: ${apiErrorMessage(error)}`, undefined, { cause: error });
  }
  const first = check(objects);
  if (first !== undefined) return first;

  for (;;) {
    if (options.signal?.aborted) throw new InterruptedError();
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) throw new EnvironmentError(`timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${target.what}`);
    type Outcome = { done: true; value: T } | { done: false; error?: unknown; fatal?: boolean };
    const outcome = await new Promise<Outcome>((resolve) => {
      let settled = false;
      let controller: AbortController | undefined;
      const finish = (result: Outcome) => {
        if (settled) return;
        settled = true;
        options.signal?.removeEventListener('abort', onAbort);
        controller?.abort();
        resolve(result);
      };
      const onAbort = () => finish({ done: false });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      clients.watch
        .watch(
          collectionPath(target.apiVersion, target.plural, target.namespace),
          {
            ...(resourceVersion ? { resourceVersion } : {}),
            ...(target.labelSelector ? { labelSelector: target.labelSelector } : {}),
            timeoutSeconds: Math.max(1, Math.min(maxWatchSeconds, Math.ceil(remainingMs / 1000))),
            allowWatchBookmarks: true,
          },
          (type: string, object: k8s.KubernetesObject) => {
            if (settled) return;
            if (object?.metadata?.resourceVersion) resourceVersion = object.metadata.resourceVersion;
            if (type === 'BOOKMARK') return;
            if (type === 'ERROR') {
              // 410 Gone: the resourceVersion is too old; list again on the next round.
              resourceVersion = undefined;
              return finish({ done: false });
            }
            if (type === 'DELETED') objects.delete(keyOf(object));
            else objects.set(keyOf(object), object);
            try {
              const value = check(objects);
              if (value !== undefined) finish({ done: true, value });
            } catch (error) {
              finish({ done: false, error, fatal: true });
            }
          },
          (error: unknown) => finish({ done: false, error: error && (error as Error).name !== 'AbortError' ? error : undefined }),
        )
        .then(
          (c) => {
            controller = c;
            if (settled) c.abort();
          },
          (error: unknown) => finish({ done: false, error }),
        );
    });
    if (outcome.done) return outcome.value;
    if (options.signal?.aborted) throw new InterruptedError();
    if (outcome.fatal) throw outcome.error;
    // A dropped stream or a failed request: watch again (after a breath) until the deadline.
    if (outcome.error) await new Promise((resolve) => setTimeout(resolve, 500));
    if (resourceVersion === undefined) {
      const list = await clients.objects.list(target.apiVersion, target.kind, target.namespace, undefined, undefined, undefined, undefined, target.labelSelector);
      objects.clear();
      for (const item of list.items) objects.set(keyOf(item), item);
      resourceVersion = list.metadata?.resourceVersion;
      const value = check(objects);
      if (value !== undefined) return value;
    }
  }
}
