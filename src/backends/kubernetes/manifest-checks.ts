/**
 * Checks every object before it is sent: kubernetes-models' validate() (Kubernetes 1.33 and
 * Istio 1.29 schemas) catches wrong types and enum values, but those schemas allow unknown
 * fields and do not check names or sizes, so the API server's name rules (DNS-1123), label
 * value rules and the ConfigMap size limit are checked here as well.
 */
import { InvalidInputError } from '../../errors.js';
import { dns1123LabelProblem, dns1123SubdomainProblem, labelValueProblem } from './names.js';

/** What every manifest builder returns: a plain object the API accepts, with its kind. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** A kubernetes-models instance, or a plain object with our own validate (the waypoint Gateway). */
export interface Validatable {
  validate(): void;
  toJSON(): unknown;
}

/** The API server rejects a ConfigMap whose data plus decoded binaryData exceed 1 MiB. */
export const configMapMaxBytes = 1024 * 1024;

/** Kinds whose names must be DNS-1123 labels rather than subdomains. */
const labelNamedKinds = new Set(['Namespace', 'Service']);

export function configMapSizeBytes(data: Record<string, string> = {}, binaryData: Record<string, string> = {}): number {
  let total = 0;
  for (const [key, value] of Object.entries(data)) total += Buffer.byteLength(key) + Buffer.byteLength(value, 'utf8');
  for (const [key, value] of Object.entries(binaryData)) total += Buffer.byteLength(key) + Buffer.from(value, 'base64').length;
  return total;
}

/** Problems the schemas do not catch; empty when there are none. */
export function ownChecks(object: KubeObject): string[] {
  const problems: string[] = [];
  const what = `${object.kind} "${object.metadata?.name ?? '?'}"`;
  const name = object.metadata?.name ?? '';
  const nameProblem = labelNamedKinds.has(object.kind) ? dns1123LabelProblem(name) : dns1123SubdomainProblem(name);
  if (nameProblem) problems.push(`${what}: name ${nameProblem}`);
  if (object.metadata?.namespace !== undefined) {
    const nsProblem = dns1123LabelProblem(object.metadata.namespace);
    if (nsProblem) problems.push(`${what}: namespace ${nsProblem}`);
  }
  for (const [key, value] of Object.entries(object.metadata?.labels ?? {})) {
    const p = labelValueProblem(value);
    if (p) problems.push(`${what}: label ${key}=${value} ${p}`);
  }
  if (object.kind === 'ConfigMap') {
    const data = object.data as Record<string, string> | undefined;
    const binaryData = object.binaryData as Record<string, string> | undefined;
    const size = configMapSizeBytes(data, binaryData);
    if (size > configMapMaxBytes) problems.push(`${what}: ${size} bytes of data; the API server accepts at most ${configMapMaxBytes} (1 MiB)`);
    for (const key of [...Object.keys(data ?? {}), ...Object.keys(binaryData ?? {})]) {
      if (!/^[-._a-zA-Z0-9]+$/.test(key) || key.length > 253) problems.push(`${what}: key "${key}" is not a valid ConfigMap key`);
    }
  }
  return problems;
}

/**
 * validate() plus our own checks; returns the object as plain JSON. Throws InvalidInputError
 * listing every problem: a manifest that fails here would have been refused by the cluster
 * (or, for unchecked fields, silently misapplied).
 */
export function checkedManifest(model: Validatable): KubeObject {
  const problems: string[] = [];
  const object = JSON.parse(JSON.stringify(model.toJSON())) as KubeObject;
  try {
    model.validate();
  } catch (error) {
    const errors = (error as { errors?: { instancePath?: string; message?: string }[] }).errors;
    const detail = errors?.length ? errors.map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim()).join('; ') : (error as Error).message;
    problems.push(`${object.kind} "${object.metadata?.name ?? '?'}": ${detail}`);
  }
  problems.push(...ownChecks(object));
  if (problems.length) throw new InvalidInputError(`invalid Kubernetes manifest: ${problems[0]}`, problems);
  return object;
}
