/**
 * One cluster connection (a kubeconfig context) and the few calls meshbench makes through
 * @kubernetes/client-node: server-side apply, read, list, delete, watch and logs. Everything
 * that talks to a cluster goes through here, so errors are turned into meshbench's own in
 * one place.
 */
import * as k8s from '@kubernetes/client-node';
import { EnvironmentError } from '../../errors.js';
import type { KubeObject } from './manifest-checks.js';
import { fieldManager } from './names.js';

export interface ClusterTarget {
  /** Path of a kubeconfig file; default: KUBECONFIG or ~/.kube/config. */
  kubeconfigPath?: string;
  /** Context to use; default: the kubeconfig's current context. */
  context?: string;
}

export interface KubeClients {
  kc: k8s.KubeConfig;
  context: string;
  server: string;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  batch: k8s.BatchV1Api;
  authz: k8s.AuthorizationV1Api;
  admission: k8s.AdmissionregistrationV1Api;
  objects: k8s.KubernetesObjectApi;
  watch: k8s.Watch;
  log: k8s.Log;
}

export function connect(target: ClusterTarget = {}): KubeClients {
  const kc = new k8s.KubeConfig();
  try {
    if (target.kubeconfigPath) kc.loadFromFile(target.kubeconfigPath);
    else kc.loadFromDefault();
  } catch (error) {
    throw new EnvironmentError(`cannot read the kubeconfig${target.kubeconfigPath ? ` ${target.kubeconfigPath}` : ''}: ${(error as Error).message}`);
  }
  if (target.context) {
    if (!kc.getContextObject(target.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new EnvironmentError(`kube context "${target.context}" is not in the kubeconfig`, known.length ? `known contexts: ${known.join(', ')}` : 'the kubeconfig has no contexts');
    }
    kc.setCurrentContext(target.context);
  }
  const context = kc.getCurrentContext();
  const cluster = kc.getCurrentCluster();
  if (!context || !cluster) throw new EnvironmentError('the kubeconfig has no current context', 'pass --context or set one with `kubectl config use-context`');
  return {
    kc,
    context,
    server: cluster.server,
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    batch: kc.makeApiClient(k8s.BatchV1Api),
    authz: kc.makeApiClient(k8s.AuthorizationV1Api),
    admission: kc.makeApiClient(k8s.AdmissionregistrationV1Api),
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
    watch: new k8s.Watch(kc),
    log: new k8s.Log(kc),
  };
}

export function httpStatusOf(error: unknown): number | undefined {
  return error instanceof k8s.ApiException ? error.code : undefined;
}

export function isNotFound(error: unknown): boolean {
  return httpStatusOf(error) === 404;
}

/** The server's own message (from its Status body) when there is one. */
export function apiErrorMessage(error: unknown): string {
  if (error instanceof k8s.ApiException) {
    try {
      const body = (typeof error.body === 'string' ? JSON.parse(error.body) : error.body) as { message?: string };
      if (body?.message) return `${body.message} (HTTP ${error.code})`;
    } catch {
      // not JSON
    }
    return `HTTP ${error.code}`;
  }
  return (error as Error).message ?? String(error);
}

/** Server-side apply (fieldManager meshbench, force): creates or updates, CRDs included. */
export async function applyObject(clients: KubeClients, object: KubeObject): Promise<KubeObject> {
  try {
    return (await clients.objects.patch(object as k8s.KubernetesObject, undefined, undefined, fieldManager, true, k8s.PatchStrategy.ServerSideApply)) as KubeObject;
  } catch (error) {
    throw new EnvironmentError(`cannot apply ${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}: ${apiErrorMessage(error)}`, undefined, { cause: error });
  }
}

/** The API path of a collection, for watches. */
export function collectionPath(apiVersion: string, plural: string, namespace?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace ? `${base}/namespaces/${namespace}/${plural}` : `${base}/${plural}`;
}
