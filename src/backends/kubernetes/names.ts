/**
 * Names and labels of everything meshbench creates in a cluster. The kubernetes-models
 * schemas do not check names, so the DNS-1123 rules the API server applies are checked
 * here, before anything is sent.
 */
import { createHash } from 'node:crypto';

export const managedByLabel = 'app.kubernetes.io/managed-by';
export const managedByValue = 'meshbench';
/** Label value form of the run id (see runLabelValue); the full id is in runIdAnnotation. */
export const runLabel = 'meshbench/run';
export const runIdAnnotation = 'meshbench/run-id';
export const variantLabel = 'meshbench/variant';
export const tierLabel = 'meshbench/tier';
export const roleLabel = 'meshbench/role';
export const appLabel = 'app';
export const fieldManager = 'meshbench';

export type ObjectRole = 'sut' | 'loadgen' | 'sampler' | 'agents' | 'policy';

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelValuePattern = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Namespaces, Services: an RFC 1123 label of at most 63 characters. */
export function dns1123LabelProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (name.length > 63) return `is ${name.length} characters long; at most 63 are allowed`;
  if (!dns1123Label.test(name)) return 'must consist of lower-case letters, digits and "-", and start and end with a letter or digit';
  return null;
}

/** Most other objects (ConfigMaps, Deployments, Jobs): an RFC 1123 subdomain of at most 253. */
export function dns1123SubdomainProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (name.length > 253) return `is ${name.length} characters long; at most 253 are allowed`;
  if (!dns1123Subdomain.test(name)) return 'must consist of lower-case letters, digits, "-" and ".", and start and end with a letter or digit';
  return null;
}

export function labelValueProblem(value: string): string | null {
  if (value.length > 63) return `is ${value.length} characters long; at most 63 are allowed`;
  if (!labelValuePattern.test(value)) return 'must be letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  return null;
}

function shortHash(text: string, length = 6): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Cuts `base` so that base + suffix fits `max`, without leaving a trailing "-". */
function fit(base: string, suffix: string, max: number): string {
  return `${base.slice(0, max - suffix.length).replace(/-+$/, '')}${suffix}`;
}

/** The run id as a label value: itself when it fits, else a cut id plus a hash of the whole. */
export function runLabelValue(runId: string): string {
  if (labelValueProblem(runId) === null) return runId;
  const cleaned = runId.replace(/[^A-Za-z0-9_.-]/g, '-');
  return fit(cleaned, `-${shortHash(runId, 8)}`, 63).replace(/^[^A-Za-z0-9]+/, '');
}

/**
 * `<prefix>-<run stamp>-<suffix>`, at most 63 characters. The stamp is the unique tail of the
 * run id (yyyymmdd-hhmmss-xxxx) when it has one, else a hash, so two runs never share one.
 */
export function namespaceName(prefix: string, runId: string, suffix: string): string {
  const stamp = /-(\d{8}-\d{6}-[0-9a-f]{4})$/.exec(runId)?.[1] ?? shortHash(runId, 10);
  const name = `${prefix}-${stamp}-${suffix}`;
  if (name.length <= 63) return name;
  return fit(name, `-${shortHash(name)}`, 63);
}

/** Labels every object of a run carries; `destroy` and teardown select by them. */
export function runLabels(runId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [managedByLabel]: managedByValue, [runLabel]: runLabelValue(runId), ...extra };
}

export function runSelector(runId: string | null): string {
  return runId === null ? `${managedByLabel}=${managedByValue}` : `${managedByLabel}=${managedByValue},${runLabel}=${runLabelValue(runId)}`;
}

/** The in-cluster DNS name of a Service. */
export function serviceHost(service: string, namespace: string): string {
  return `${service}.${namespace}.svc.cluster.local`;
}

/** The Job of one trial; trial ids are long, so index plus hash. */
export function loadJobName(trialIndex: number, trialId: string): string {
  return `load-${String(trialIndex + 1).padStart(4, '0')}-${shortHash(trialId)}`;
}

export const agentsConfigMapName = 'meshbench-agents';
export const samplerDaemonSetName = 'meshbench-node-sampler';
export const servicePort = 8080;
