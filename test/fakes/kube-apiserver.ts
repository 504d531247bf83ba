/**
 * A test-only fake Kubernetes API server on 127.0.0.1, speaking the real wire protocol for
 * what meshbench uses, so @kubernetes/client-node talks to it unchanged:
 * discovery (/api, /apis, /api/v1, /apis/<g>/<v>); namespaces, configmaps, services, pods,
 * nodes, deployments, daemonsets, jobs, mutatingwebhookconfigurations and CRD kinds
 * (installed per test); create, get, list (label selectors), PUT, DELETE, PATCH (server-side
 * apply and merge patch); `?watch=true` JSON-line streams that replay from a
 * resourceVersion and end after timeoutSeconds; pods/<p>/log with follow and timestamps;
 * SelfSubjectAccessReview. Status objects for errors, as the real server sends them.
 *
 * No Docker here, so a scripted controller (fake-kube-controller.ts) plays kubelet,
 * scheduler, the Deployment/Job/DaemonSet controllers, the mesh injectors and kube-proxy.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  verbs?: string[];
}

export const builtinResources: ResourceType[] = [
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true },
  { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true },
  { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations', kind: 'MutatingWebhookConfiguration', namespaced: false },
  { group: 'authorization.k8s.io', version: 'v1', plural: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: ['create'] },
];

export const istioCrds: ResourceType[] = [
  { group: 'security.istio.io', version: 'v1', plural: 'peerauthentications', kind: 'PeerAuthentication', namespaced: true },
  { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices', kind: 'VirtualService', namespaced: true },
  { group: 'networking.istio.io', version: 'v1', plural: 'destinationrules', kind: 'DestinationRule', namespaced: true },
];
export const gatewayApiCrds: ResourceType[] = [{ group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gateways', kind: 'Gateway', namespaced: true }];
export const linkerdCrds: ResourceType[] = [{ group: 'policy.linkerd.io', version: 'v1beta3', plural: 'servers', kind: 'Server', namespaced: true }];

export type KubeObj = { apiVersion: string; kind: string; metadata: Record<string, any>; [k: string]: any };

export interface RecordedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
}

export interface WatchEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: ResourceType;
  object: KubeObj;
}

interface Watcher {
  resource: ResourceType;
  namespace: string | null;
  selector: LabelSelector;
  fieldName: string | null;
  send(event: WatchEvent): void;
}

interface LogLine {
  at: Date;
  text: string;
}

interface LogStream {
  lines: LogLine[];
  ended: boolean;
  followers: Set<(line: LogLine | null) => void>;
}

export interface FakeKubeOptions {
  /** Extra resource types served (CRDs of installed meshes). */
  crds?: ResourceType[];
  /** SelfSubjectAccessReview answer for creating namespaces. Default true. */
  allowNamespaceCreate?: boolean;
}

type LabelSelector = (labels: Record<string, string> | undefined) => boolean;

export function parseLabelSelector(text: string | null): LabelSelector {
  if (!text) return () => true;
  const terms = text.split(',').map((t) => t.trim()).filter(Boolean).map((term) => {
    const m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (m) return { key: m[1], op: m[2] === '!=' ? 'ne' : 'eq', value: m[3] };
    if (term.startsWith('!')) return { key: term.slice(1), op: 'absent', value: '' };
    return { key: term, op: 'exists', value: '' };
  });
  return (labels = {}) =>
    terms.every((t) => (t.op === 'eq' ? labels[t.key] === t.value : t.op === 'ne' ? labels[t.key] !== t.value : t.op === 'exists' ? t.key in labels : !(t.key in labels)));
}

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** RFC3339Nano as the kubelet writes it in front of log lines. */
export function rfc3339Nano(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

function deepMerge(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = deepMerge(out[k], v);
  }
  return out;
}

export class FakeKubeApiServer {
  readonly requests: RecordedRequest[] = [];
  readonly events: WatchEvent[] = [];
  private readonly resources: ResourceType[];
  private readonly store = new Map<string, KubeObj>();
  private readonly watchers = new Set<Watcher>();
  private readonly logs = new Map<string, LogStream>();
  private readonly listeners = new Set<(event: WatchEvent) => void>();
  private readonly openResponses = new Set<http.ServerResponse>();
  private rv = 1;
  private server: http.Server | undefined;
  allowNamespaceCreate: boolean;
  url = '';

  constructor(options: FakeKubeOptions = {}) {
    this.resources = [...builtinResources, ...(options.crds ?? [])];
    this.allowNamespaceCreate = options.allowNamespaceCreate ?? true;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const res of this.openResponses) res.end();
    for (const stream of this.logs.values()) stream.followers.clear();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
    this.server?.closeAllConnections();
  }

  /** A kubeconfig for this server; client-node needs insecure-skip-tls-verify for http://. */
  kubeconfig(contextName = 'fake'): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      `current-context: ${contextName}`,
      'clusters:',
      `- name: ${contextName}`,
      '  cluster:',
      `    server: ${this.url}`,
      '    insecure-skip-tls-verify: true',
      'contexts:',
      `- name: ${contextName}`,
      '  context:',
      `    cluster: ${contextName}`,
      '    user: tester',
      'users:',
      '- name: tester',
      '  user:',
      '    token: fake-token',
      '',
    ].join('\n');
  }

  // ---- access for tests and the controller ------------------------------------------

  resourceFor(kind: string): ResourceType {
    const r = this.resources.find((x) => x.kind === kind);
    if (!r) throw new Error(`fake apiserver: no resource for kind ${kind}`);
    return r;
  }

  list(kind: string, namespace?: string): KubeObj[] {
    const r = this.resourceFor(kind);
    return [...this.store.entries()].filter(([key]) => key.startsWith(this.prefix(r, namespace ?? null))).map(([, o]) => o);
  }

  get(kind: string, namespace: string | null, name: string): KubeObj | undefined {
    return this.store.get(this.key(this.resourceFor(kind), namespace, name));
  }

  /** Creates or replaces an object as a controller would (no admission); returns the stored copy. */
  put(object: KubeObj): KubeObj {
    const r = this.resourceFor(object.kind);
    const ns = r.namespaced ? object.metadata.namespace : null;
    const existing = this.store.get(this.key(r, ns, object.metadata.name));
    return this.save(r, object, existing);
  }

  remove(kind: string, namespace: string | null, name: string): void {
    const r = this.resourceFor(kind);
    const key = this.key(r, namespace, name);
    const existing = this.store.get(key);
    if (!existing) return;
    this.store.delete(key);
    this.emit({ rv: this.rv++, type: 'DELETED', resource: r, object: existing });
  }

  onChange(listener: (event: WatchEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  appendLog(namespace: string, pod: string, container: string, text: string, at = new Date()): void {
    const stream = this.logStream(namespace, pod, container);
    const line = { at, text };
    stream.lines.push(line);
    for (const f of stream.followers) f(line);
  }

  endLog(namespace: string, pod: string, container: string): void {
    const stream = this.logStream(namespace, pod, container);
    stream.ended = true;
    for (const f of stream.followers) f(null);
  }

  /** Namespaced objects that are not Pods or Nodes: what meshbench itself created. */
  createdObjects(): KubeObj[] {
    return [...this.store.values()].filter((o) => !['Node', 'MutatingWebhookConfiguration'].includes(o.kind));
  }

  // ---- internals --------------------------------------------------------------------

  private logStream(namespace: string, pod: string, container: string): LogStream {
    const key = `${namespace}/${pod}/${container}`;
    let stream = this.logs.get(key);
    if (!stream) this.logs.set(key, (stream = { lines: [], ended: false, followers: new Set() }));
    return stream;
  }

  private prefix(r: ResourceType, namespace: string | null): string {
    return `${r.group}/${r.plural}/${r.namespaced && namespace ? `${namespace}/` : ''}`;
  }

  private key(r: ResourceType, namespace: string | null, name: string): string {
    return `${r.group}/${r.plural}/${r.namespaced ? `${namespace}/` : ''}${name}`;
  }

  private save(r: ResourceType, object: KubeObj, existing: KubeObj | undefined): KubeObj {
    const now = new Date().toISOString();
    const stored: KubeObj = {
      ...object,
      apiVersion: r.group ? `${r.group}/${r.version}` : r.version,
      kind: r.kind,
      metadata: {
        ...object.metadata,
        uid: existing?.metadata.uid ?? randomUUID(),
        creationTimestamp: existing?.metadata.creationTimestamp ?? now,
        resourceVersion: String(this.rv),
        generation: (existing?.metadata.generation ?? 0) + (existing && JSON.stringify(existing.spec) === JSON.stringify(object.spec) ? 0 : 1),
      },
    };
    this.store.set(this.key(r, r.namespaced ? stored.metadata.namespace : null, stored.metadata.name), stored);
    this.emit({ rv: this.rv++, type: existing ? 'MODIFIED' : 'ADDED', resource: r, object: stored });
    return stored;
  }

  private emit(event: WatchEvent): void {
    this.events.push(event);
    for (const w of this.watchers) if (this.matches(w, event)) w.send(event);
    for (const l of this.listeners) l(event);
  }

  private matches(w: Omit<Watcher, 'send'>, e: WatchEvent): boolean {
    return (
      e.resource === w.resource &&
      (w.namespace === null || e.object.metadata.namespace === w.namespace) &&
      (w.fieldName === null || e.object.metadata.name === w.fieldName) &&
      w.selector(e.object.metadata.labels)
    );
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push({ method: req.method ?? 'GET', path: `${url.pathname}${url.search}`, contentType: req.headers['content-type'] });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const bodyText = Buffer.concat(chunks).toString('utf8');
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      const handled = this.discovery(url.pathname);
      if (handled) return send(handled.code, handled.body);
      const route = this.route(url.pathname);
      if (!route) return send(404, status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`));
      const { resource: r, namespace, name, sub } = route;
      const method = req.method ?? 'GET';
      if (r.kind === 'SelfSubjectAccessReview' && method === 'POST') return send(201, this.accessReview(JSON.parse(bodyText) as KubeObj));
      if (sub === 'log' && r.kind === 'Pod' && method === 'GET') return this.serveLog(namespace!, name!, url, res);
      if (method === 'GET' && !name) {
        if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') return this.serveWatch(r, namespace, url, res);
        const selector = parseLabelSelector(url.searchParams.get('labelSelector'));
        const fieldName = /metadata\.name=([^,]+)/.exec(url.searchParams.get('fieldSelector') ?? '')?.[1] ?? null;
        const items = [...this.store.entries()]
          .filter(([key]) => key.startsWith(this.prefix(r, namespace)))
          .map(([, o]) => o)
          .filter((o) => selector(o.metadata.labels) && (fieldName === null || o.metadata.name === fieldName));
        return send(200, { kind: `${r.kind}List`, apiVersion: r.group ? `${r.group}/${r.version}` : r.version, metadata: { resourceVersion: String(this.rv - 1) }, items });
      }
      const key = name ? this.key(r, namespace, name) : '';
      const existing = name ? this.store.get(key) : undefined;
      if (method === 'GET') return existing ? send(200, existing) : send(404, status(404, 'NotFound', `${r.plural} "${name}" not found`));
      if (method === 'DELETE') {
        if (!existing) return send(404, status(404, 'NotFound', `${r.plural} "${name}" not found`));
        if (r.kind === 'Namespace') {
          // Real namespaces linger in Terminating while their contents go; the controller finishes the job.
          if (!existing.metadata.deletionTimestamp) this.save(r, { ...existing, metadata: { ...existing.metadata, deletionTimestamp: new Date().toISOString() }, status: { phase: 'Terminating' } }, existing);
          return send(200, this.store.get(key));
        }
        this.remove(r.kind, namespace, name!);
        return send(200, { kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name, kind: r.plural } });
      }
      const body = bodyText ? (JSON.parse(bodyText) as KubeObj) : ({} as KubeObj);
      if (r.namespaced && namespace) {
        const ns = this.get('Namespace', null, namespace);
        if (!ns) return send(404, status(404, 'NotFound', `namespaces "${namespace}" not found`));
        if (ns.metadata.deletionTimestamp && method !== 'PATCH' && sub !== 'status')
          return send(403, status(403, 'Forbidden', `${r.plural} "${body.metadata?.name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`));
      }
      if (method === 'POST') {
        if (r.kind === 'Namespace' && !this.allowNamespaceCreate) return send(403, status(403, 'Forbidden', 'namespaces is forbidden: User "tester" cannot create resource "namespaces"'));
        const objName = body.metadata?.name;
        if (!objName) return send(422, status(422, 'Invalid', 'metadata.name: Required value'));
        if (this.store.has(this.key(r, namespace, objName))) return send(409, status(409, 'AlreadyExists', `${r.plural} "${objName}" already exists`));
        return send(201, this.save(r, { ...body, metadata: { ...body.metadata, ...(r.namespaced ? { namespace } : {}) } }, undefined));
      }
      if (method === 'PUT') {
        if (!existing) return send(404, status(404, 'NotFound', `${r.plural} "${name}" not found`));
        if (sub === 'status') return send(200, this.save(r, { ...existing, status: body.status }, existing));
        return send(200, this.save(r, { ...body, metadata: { ...body.metadata, namespace: existing.metadata.namespace } }, existing));
      }
      if (method === 'PATCH') {
        const contentType = req.headers['content-type'] ?? '';
        if (contentType.startsWith('application/apply-patch')) {
          if (!url.searchParams.get('fieldManager')) return send(400, status(400, 'BadRequest', 'PATCH /apply requires fieldManager'));
          if (body.kind !== r.kind) return send(400, status(400, 'BadRequest', `the body's kind ${body.kind} does not match ${r.kind}`));
          if (r.kind === 'Namespace' && !existing && !this.allowNamespaceCreate) return send(403, status(403, 'Forbidden', 'namespaces is forbidden: User "tester" cannot patch resource "namespaces"'));
          // Server-side apply, approximated: the applied fields win; others are kept.
          const merged = existing ? deepMerge(existing, { ...body, metadata: { ...body.metadata } }) : { ...body, metadata: { ...body.metadata, ...(r.namespaced ? { namespace } : {}) } };
          if (existing) for (const field of ['data', 'spec']) if (field in body) merged[field] = body[field];
          return send(existing ? 200 : 201, this.save(r, merged, existing));
        }
        if (!existing) return send(404, status(404, 'NotFound', `${r.plural} "${name}" not found`));
        return send(200, this.save(r, deepMerge(existing, body), existing));
      }
      send(405, status(405, 'MethodNotAllowed', `${method} is not supported`));
    } catch (error) {
      send(500, status(500, 'InternalError', (error as Error).stack ?? String(error)));
    }
  }

  private accessReview(body: KubeObj): KubeObj {
    const attrs = body.spec?.resourceAttributes ?? {};
    const allowed = attrs.resource === 'namespaces' && ['create', 'delete', 'patch'].includes(attrs.verb) ? this.allowNamespaceCreate : true;
    return { ...body, apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', status: { allowed, ...(allowed ? {} : { reason: 'no RBAC policy matched' }) } };
  }

  private discovery(path: string): { code: number; body: unknown } | undefined {
    const groups = [...new Set(this.resources.filter((r) => r.group).map((r) => `${r.group}/${r.version}`))];
    if (path === '/api') return { code: 200, body: { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] } };
    if (path === '/apis')
      return {
        code: 200,
        body: {
          kind: 'APIGroupList',
          apiVersion: 'v1',
          groups: groups.map((gv) => {
            const [group, version] = gv.split('/');
            return { name: group, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
          }),
        },
      };
    if (path === '/version') return { code: 200, body: { major: '1', minor: '33', gitVersion: 'v1.33.0-fake' } };
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/?$/.exec(path);
    if (!m) return undefined;
    const group = m[1] ? '' : m[2];
    const version = m[1] ?? m[3];
    const served = this.resources.filter((r) => r.group === group && r.version === version);
    if (!served.length) return { code: 404, body: status(404, 'NotFound', `the server could not find the requested resource (${path})`) };
    return {
      code: 200,
      body: {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: group ? `${group}/${version}` : version,
        resources: served.map((r) => ({
          name: r.plural,
          singularName: r.kind.toLowerCase(),
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: r.verbs ?? ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
        })),
      },
    };
  }

  private route(path: string): { resource: ResourceType; namespace: string | null; name?: string; sub?: string } | undefined {
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.*)$/.exec(path);
    if (!m) return undefined;
    const group = m[1] ? '' : m[2];
    const version = m[1] ?? m[3];
    const parts = m[4].split('/').filter(Boolean);
    const find = (plural: string) => this.resources.find((r) => r.group === group && r.version === version && r.plural === plural.toLowerCase());
    if (parts[0] === 'namespaces' && parts.length >= 3) {
      const r = find(parts[2]);
      if (r?.namespaced) return { resource: r, namespace: parts[1], name: parts[3], sub: parts[4] };
    }
    const r = find(parts[0]);
    if (!r) return undefined;
    return { resource: r, namespace: null, name: parts[1], sub: parts[2] };
  }

  private serveWatch(r: ResourceType, namespace: string | null, url: URL, res: http.ServerResponse): void {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // Without this, client-node's watch() never resolves (it waits for the headers).
    res.flushHeaders();
    this.openResponses.add(res);
    const fieldName = /metadata\.name=([^,]+)/.exec(url.searchParams.get('fieldSelector') ?? '')?.[1] ?? null;
    const watcher: Watcher = {
      resource: r,
      namespace,
      selector: parseLabelSelector(url.searchParams.get('labelSelector')),
      fieldName,
      send: (e) => res.write(JSON.stringify({ type: e.type, object: e.object }) + '\n'),
    };
    const from = Number(url.searchParams.get('resourceVersion') ?? '0');
    if (from > 0) {
      for (const e of this.events) if (e.rv > from && this.matches(watcher, e)) watcher.send(e);
    } else {
      for (const o of this.list(r.kind, namespace ?? undefined)) {
        const e: WatchEvent = { rv: Number(o.metadata.resourceVersion), type: 'ADDED', resource: r, object: o };
        if (this.matches(watcher, e)) watcher.send(e);
      }
    }
    this.watchers.add(watcher);
    const timeoutSeconds = Number(url.searchParams.get('timeoutSeconds') ?? '1800');
    const timer = setTimeout(() => res.end(), timeoutSeconds * 1000);
    res.on('close', () => {
      clearTimeout(timer);
      this.watchers.delete(watcher);
      this.openResponses.delete(res);
    });
  }

  private serveLog(namespace: string, pod: string, url: URL, res: http.ServerResponse): void {
    const podObj = this.get('Pod', namespace, pod);
    if (!podObj) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status(404, 'NotFound', `pods "${pod}" not found`)));
      return;
    }
    const container = url.searchParams.get('container') ?? podObj.spec?.containers?.[0]?.name;
    const follow = url.searchParams.get('follow') === 'true';
    const timestamps = url.searchParams.get('timestamps') === 'true';
    const stream = this.logStream(namespace, pod, container);
    const format = (l: LogLine) => `${timestamps ? `${rfc3339Nano(l.at)} ` : ''}${l.text}\n`;
    res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    for (const l of stream.lines) res.write(format(l));
    if (!follow || stream.ended) {
      res.end();
      return;
    }
    this.openResponses.add(res);
    const follower = (l: LogLine | null) => (l ? res.write(format(l)) : res.end());
    stream.followers.add(follower);
    res.on('close', () => {
      stream.followers.delete(follower);
      this.openResponses.delete(res);
    });
  }
}
