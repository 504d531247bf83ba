/**
 * The scripted cluster behind the fake API server (test-only). It plays, crudely but with
 * real processes:
 * - scheduler + kubelet: a pod's containers whose command is `node …` run as local node
 *   processes, with ConfigMap volumes written to a temp dir and hostPath volumes mapped to
 *   this host (the cgroup mount to an emulated cgroup v2 tree, see below); other images
 *   (envoy, injected mesh proxies) run an idle stand-in process. stdout/stderr become the
 *   container's log, served through the Log API with timestamps.
 * - pod networking + kube-proxy + DNS: every pod gets its own loopback IP (127.0.1.N, where
 *   `0.0.0.0` in its env is rewritten to it); every Service a ClusterIP (127.0.2.N) with a TCP
 *   forwarder to a ready pod; `<svc>.<ns>.svc.cluster.local` in env and args is rewritten
 *   to the ClusterIP.
 * - Deployment, Job and DaemonSet controllers: pods created, statuses updated (Available
 *   after the readiness probe answers; Complete/Failed when the main containers exit).
 * - mesh injectors: with a mesh "installed", pods in an injected namespace get the mesh's
 *   proxy as a native sidecar (restartable init container), as Istio ≥1.27 and Linkerd
 *   ≥2.20 do by default.
 * - namespace lifecycle: a deleted namespace stays Terminating until its contents are gone.
 * - cgroup v2 (this host is cgroup v1): each container gets
 *   kubepods.slice/…/cri-containerd-<id>.scope/{cpu.stat,memory.current} under an emulated
 *   root, refreshed from /proc/<pid> every 250 ms, so the real sampler code reads it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { withParentDeathSignal } from '../../src/backends/local/parent-death.js';
import type { FakeKubeApiServer, KubeObj, WatchEvent } from './kube-apiserver.js';
import { parseLabelSelector } from './kube-apiserver.js';

export interface FakeNode {
  name: string;
  labels?: Record<string, string>;
}

export interface FakeMeshes {
  istio?: boolean;
  istioAmbient?: boolean;
  linkerd?: boolean;
}

export interface FakeControllerOptions {
  nodes: FakeNode[];
  meshes?: FakeMeshes;
  workDir: string;
}

interface RunningContainer {
  name: string;
  id: string;
  child: ChildProcess;
  sidecar: boolean;
  exit: Promise<number | null>;
  exitCode: number | null | undefined;
  cgroupDir: string | undefined;
}

interface RunningPod {
  key: string;
  containers: RunningContainer[];
  stopping: boolean;
}

const idleStandIn = ['-e', 'setInterval(() => {}, 1 << 30)'];

export class FakeKubeController {
  readonly cgroupRoot: string;
  private readonly pods = new Map<string, RunningPod>();
  private readonly forwarders = new Map<string, net.Server>();
  private readonly clusterIps = new Map<string, string>();
  private readonly podIps = new Map<string, string>();
  private nextPodIp = 2;
  private nextClusterIp = 2;
  private unsubscribe: (() => void) | undefined;
  private cgroupTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly api: FakeKubeApiServer,
    private readonly options: FakeControllerOptions,
  ) {
    this.cgroupRoot = path.join(options.workDir, 'cgroup');
  }

  start(): void {
    mkdirSync(this.cgroupRoot, { recursive: true });
    writeFileSync(path.join(this.cgroupRoot, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    for (const node of this.options.nodes) {
      this.api.put({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: node.name, labels: { 'kubernetes.io/hostname': node.name, 'kubernetes.io/os': 'linux', ...node.labels } },
        status: {
          capacity: { cpu: '2', memory: '8Gi' },
          nodeInfo: { kernelVersion: '6.1.0-fake', osImage: 'Fake Linux', containerRuntimeVersion: 'containerd://1.7.0', kubeletVersion: 'v1.33.0', architecture: 'amd64' },
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      });
    }
    const meshes = this.options.meshes ?? {};
    if (meshes.istio) this.api.put({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'istio-sidecar-injector' }, webhooks: [] });
    if (meshes.linkerd) this.api.put({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'linkerd-proxy-injector-webhook-config' }, webhooks: [] });
    if (meshes.istioAmbient) {
      this.api.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } });
      this.api.put({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'ztunnel', namespace: 'istio-system', labels: { app: 'ztunnel' } }, spec: {} });
    }
    this.unsubscribe = this.api.onChange((e) => this.track(Promise.resolve().then(() => this.reconcile(e))));
    this.cgroupTimer = setInterval(() => this.refreshCgroups(), 250);
    this.cgroupTimer.unref();
  }

  /** Every process a pod runs now. */
  livePids(): number[] {
    return [...this.pods.values()].flatMap((p) => p.containers.filter((c) => c.exitCode === undefined).map((c) => c.child.pid!));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.cgroupTimer);
    // Pods first: a running pod's reconcile waits for its containers to exit.
    await Promise.all([...this.pods.keys()].map((key) => this.stopPod(key)));
    for (const server of this.forwarders.values()) server.close();
    this.forwarders.clear();
    await Promise.allSettled([...this.pending]);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((error: unknown) => {
      if (!this.stopped) process.stderr.write(`fake controller: ${(error as Error).stack ?? String(error)}\n`);
    });
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  private async reconcile(e: WatchEvent): Promise<void> {
    if (this.stopped) return;
    const o = e.object;
    const ns = o.metadata.namespace as string;
    switch (o.kind) {
      case 'Deployment':
        if (e.type === 'DELETED') return this.deleteOwned(ns, 'Deployment', o.metadata.name);
        if (!this.ownedPods(ns, 'Deployment', o.metadata.name).length) this.createPod(o, `${o.metadata.name}-${hex(5)}`, this.pickNode(o.spec.template.spec.nodeSelector));
        return;
      case 'Job':
        if (e.type === 'DELETED') return this.deleteOwned(ns, 'Job', o.metadata.name);
        if (e.type === 'ADDED') this.createPod(o, `${o.metadata.name}-${hex(5)}`, this.pickNode(o.spec.template.spec.nodeSelector, true), { 'job-name': o.metadata.name, 'batch.kubernetes.io/job-name': o.metadata.name });
        return;
      case 'DaemonSet':
        if (e.type === 'DELETED') return this.deleteOwned(ns, 'DaemonSet', o.metadata.name);
        if (ns === 'istio-system') return;
        if (!this.ownedPods(ns, 'DaemonSet', o.metadata.name).length)
          for (const node of this.matchingNodes(o.spec.template.spec.nodeSelector)) this.createPod(o, `${o.metadata.name}-${hex(5)}`, node);
        return;
      case 'Pod':
        if (e.type === 'ADDED') return this.startPod(o);
        if (e.type === 'DELETED') return this.stopPod(`${ns}/${o.metadata.name}`);
        return;
      case 'Service':
        if (e.type === 'DELETED') return this.closeForwarder(`${ns}/${o.metadata.name}`);
        if (e.type === 'ADDED') return this.openForwarder(o);
        return;
      case 'Namespace':
        if (e.type === 'MODIFIED' && o.metadata.deletionTimestamp) return this.finishNamespace(o.metadata.name);
        return;
    }
  }

  private matchingNodes(selector: Record<string, string> | undefined): FakeNode[] {
    return this.options.nodes.filter((n) => Object.entries(selector ?? {}).every(([k, v]) => ({ 'kubernetes.io/hostname': n.name, ...n.labels })[k] === v));
  }

  /** The load Job goes on another node than the services when it can (the podAntiAffinity). */
  private pickNode(selector: Record<string, string> | undefined, avoidFirst = false): FakeNode {
    const nodes = this.matchingNodes(selector);
    return (avoidFirst && nodes.length > 1 ? nodes[1] : nodes[0]) ?? this.options.nodes[0];
  }

  private ownedPods(ns: string, kind: string, name: string): KubeObj[] {
    return this.api.list('Pod', ns).filter((p) => p.metadata.ownerReferences?.some((r: { kind: string; name: string }) => r.kind === kind && r.name === name));
  }

  private async deleteOwned(ns: string, kind: string, name: string): Promise<void> {
    for (const pod of this.ownedPods(ns, kind, name)) {
      await this.stopPod(`${ns}/${pod.metadata.name}`);
      this.api.remove('Pod', ns, pod.metadata.name);
    }
  }

  private createPod(owner: KubeObj, name: string, node: FakeNode, extraLabels: Record<string, string> = {}): void {
    const ns = owner.metadata.namespace as string;
    const template = owner.spec.template;
    const spec = structuredClone(template.spec);
    const labels = { ...template.metadata?.labels, ...extraLabels };
    const annotations = { ...template.metadata?.annotations };
    // The mutating webhooks, as the meshes' injectors would at admission.
    const namespace = this.api.get('Namespace', null, ns);
    const nsLabels: Record<string, string> = namespace?.metadata.labels ?? {};
    const nsAnnotations: Record<string, string> = namespace?.metadata.annotations ?? {};
    const meshes = this.options.meshes ?? {};
    const istioInject = labels['sidecar.istio.io/inject'] !== 'false' && nsLabels['istio-injection'] !== 'disabled' && (labels['sidecar.istio.io/inject'] === 'true' || nsLabels['istio-injection'] === 'enabled' || !!nsLabels['istio.io/rev']);
    const linkerdInject = annotations['linkerd.io/inject'] !== 'disabled' && (annotations['linkerd.io/inject'] === 'enabled' || nsAnnotations['linkerd.io/inject'] === 'enabled');
    const sidecar = (containerName: string) => ({ name: containerName, image: 'mesh-proxy:fake', restartPolicy: 'Always' });
    if (meshes.istio && istioInject) {
      spec.initContainers = [sidecar('istio-proxy'), ...(spec.initContainers ?? [])];
      annotations['sidecar.istio.io/status'] = '{"containers":["istio-proxy"]}';
    } else if (meshes.linkerd && linkerdInject) {
      spec.initContainers = [sidecar('linkerd-proxy'), ...(spec.initContainers ?? [])];
    } else if (meshes.istioAmbient && (labels['istio.io/dataplane-mode'] ?? nsLabels['istio.io/dataplane-mode']) === 'ambient') {
      annotations['ambient.istio.io/redirection'] = 'enabled';
    }
    spec.nodeName = node.name;
    this.api.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: ns,
        labels,
        annotations,
        ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true }],
      },
      spec,
      status: { phase: 'Pending' },
    });
  }

  private podIp(key: string): string {
    let ip = this.podIps.get(key);
    if (!ip) this.podIps.set(key, (ip = `127.0.1.${this.nextPodIp++}`));
    return ip;
  }

  private clusterIp(ns: string, service: string): string {
    const key = `${ns}/${service}`;
    let ip = this.clusterIps.get(key);
    if (!ip) this.clusterIps.set(key, (ip = `127.0.2.${this.nextClusterIp++}`));
    return ip;
  }

  private async startPod(pod: KubeObj): Promise<void> {
    const ns = pod.metadata.namespace as string;
    const key = `${ns}/${pod.metadata.name}`;
    const podIp = this.podIp(key);
    const podDir = path.join(this.options.workDir, 'pods', ns, pod.metadata.name);
    const mounts = new Map<string, string>();
    for (const volume of pod.spec.volumes ?? []) {
      if (volume.configMap) {
        const cm = this.api.get('ConfigMap', ns, volume.configMap.name);
        const dir = path.join(podDir, volume.name);
        mkdirSync(dir, { recursive: true });
        for (const [file, text] of Object.entries((cm?.data ?? {}) as Record<string, string>)) writeFileSync(path.join(dir, file), text);
        mounts.set(volume.name, dir);
      } else if (volume.hostPath) {
        mounts.set(volume.name, volume.hostPath.path === '/sys/fs/cgroup' ? this.cgroupRoot : volume.hostPath.path);
      } else if (volume.emptyDir) {
        const dir = path.join(podDir, volume.name);
        mkdirSync(dir, { recursive: true });
        mounts.set(volume.name, dir);
      }
    }
    const running: RunningPod = { key, containers: [], stopping: false };
    this.pods.set(key, running);
    const sidecars = (pod.spec.initContainers ?? []).filter((c: { restartPolicy?: string }) => c.restartPolicy === 'Always');
    for (const [sidecar, list] of [[true, sidecars], [false, pod.spec.containers]] as const) {
      for (const c of list) running.containers.push(this.startContainer(pod, c, podIp, mounts, sidecar));
    }
    const statusOf = (c: RunningContainer) => ({
      name: c.name,
      ready: true,
      started: true,
      restartCount: 0,
      image: 'fake',
      imageID: 'fake',
      containerID: `containerd://${c.id}`,
      state: { running: { startedAt: new Date().toISOString() } },
    });
    const current = this.api.get('Pod', ns, pod.metadata.name);
    if (!current || running.stopping) return;
    const ready = await this.waitReady(pod, podIp);
    const now = this.api.get('Pod', ns, pod.metadata.name);
    if (!now || running.stopping) return;
    this.api.put({
      ...now,
      status: {
        phase: 'Running',
        podIP: podIp,
        hostIP: '127.0.0.1',
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
        initContainerStatuses: running.containers.filter((c) => c.sidecar).map(statusOf),
        containerStatuses: running.containers.filter((c) => !c.sidecar).map(statusOf),
      },
    });
    this.updateOwner(now);
    // Job semantics: when every main container has exited, the native sidecars are stopped.
    const mains = running.containers.filter((c) => !c.sidecar);
    const codes = await Promise.all(mains.map((c) => c.exit));
    if (running.stopping) return;
    for (const c of running.containers.filter((x) => x.sidecar)) killTree(c.child);
    await Promise.all(running.containers.map((c) => c.exit));
    const finished = this.api.get('Pod', ns, pod.metadata.name);
    if (!finished || running.stopping) return;
    const terminated = (c: RunningContainer) => ({ ...statusOf(c), ready: false, started: false, state: { terminated: { exitCode: c.exitCode ?? 137, reason: c.exitCode === 0 ? 'Completed' : 'Error' } } });
    this.api.put({
      ...finished,
      status: {
        ...finished.status,
        phase: codes.every((code) => code === 0) ? 'Succeeded' : 'Failed',
        conditions: [{ type: 'Ready', status: 'False' }],
        initContainerStatuses: running.containers.filter((c) => c.sidecar).map(terminated),
        containerStatuses: mains.map(terminated),
      },
    });
    this.updateOwner(this.api.get('Pod', ns, pod.metadata.name)!);
  }

  private startContainer(pod: KubeObj, c: any, podIp: string, mounts: Map<string, string>, sidecar: boolean): RunningContainer {
    const ns = pod.metadata.namespace as string;
    const mountPaths = (c.volumeMounts ?? []).map((m: { name: string; mountPath: string }) => [m.mountPath, mounts.get(m.name)] as const).sort((a: readonly [string, unknown], b: readonly [string, unknown]) => b[0].length - a[0].length);
    const rewrite = (s: string) => {
      let out = s;
      for (const [mountPath, local] of mountPaths) if (local) out = out.split(mountPath).join(local);
      out = out.split('0.0.0.0').join(podIp);
      return out.replace(/\b([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local\b/g, (_m, svc: string, svcNs: string) => this.clusterIp(svcNs, svc));
    };
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOSTNAME: pod.metadata.name };
    for (const e of c.env ?? []) {
      if (e.value !== undefined) env[e.name] = rewrite(e.value);
      const field = e.valueFrom?.fieldRef?.fieldPath;
      if (field === 'spec.nodeName') env[e.name] = pod.spec.nodeName;
      if (field === 'metadata.name') env[e.name] = pod.metadata.name;
      if (field === 'metadata.namespace') env[e.name] = ns;
      if (field === 'status.podIP') env[e.name] = podIp;
    }
    const argv = [...(c.command ?? []), ...(c.args ?? [])].map((a: string) => rewrite(String(a)));
    const runsNode = argv[0] === 'node';
    const launch = withParentDeathSignal(process.execPath, runsNode ? argv.slice(1) : idleStandIn);
    const child = spawn(launch.command, launch.args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const id = randomBytes(32).toString('hex');
    const container: RunningContainer = { name: c.name, id, child, sidecar, exit: Promise.resolve(null), exitCode: undefined, cgroupDir: undefined };
    let open = 2;
    const lineDone = () => {
      if (--open === 0) this.api.endLog(ns, pod.metadata.name, c.name);
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => this.api.appendLog(ns, pod.metadata.name, c.name, line)).on('close', lineDone);
    }
    container.exit = new Promise((resolve) => {
      child.once('error', () => resolve((container.exitCode = 127)));
      child.once('exit', (code) => resolve((container.exitCode = code)));
    });
    const uid = String(pod.metadata.uid).replaceAll('-', '_');
    container.cgroupDir = path.join(this.cgroupRoot, 'kubepods.slice', 'kubepods-besteffort.slice', `kubepods-besteffort-pod${uid}.slice`, `cri-containerd-${id}.scope`);
    mkdirSync(container.cgroupDir, { recursive: true });
    this.writeCgroup(container);
    return container;
  }

  private writeCgroup(c: RunningContainer): void {
    if (!c.cgroupDir || c.exitCode !== undefined || !c.child.pid) return;
    try {
      const stat = readFileSync(`/proc/${c.child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const usageUsec = Math.round(((Number(fields[11]) + Number(fields[12])) * 1e6) / 100);
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${c.child.pid}/status`, 'utf8'))?.[1] ?? 0);
      writeFileSync(path.join(c.cgroupDir, 'cpu.stat'), `usage_usec ${usageUsec}\nuser_usec ${usageUsec}\nsystem_usec 0\n`);
      writeFileSync(path.join(c.cgroupDir, 'memory.current'), `${rssKb * 1024}\n`);
    } catch {
      // exited between the check and the read
    }
  }

  private refreshCgroups(): void {
    for (const pod of this.pods.values()) for (const c of pod.containers) this.writeCgroup(c);
  }

  private async waitReady(pod: KubeObj, podIp: string): Promise<boolean> {
    const probe = pod.spec.containers.find((c: { readinessProbe?: unknown }) => c.readinessProbe)?.readinessProbe?.httpGet as { path: string; port: number } | undefined;
    if (!probe) return true;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !this.stopped) {
      const ok = await new Promise<boolean>((resolve) => {
        const req = http.get({ host: podIp, port: probe.port, path: probe.path, timeout: 1000 }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        });
        req.on('error', () => resolve(false));
        req.on('timeout', () => req.destroy());
      });
      if (ok) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  private updateOwner(pod: KubeObj): void {
    const ref = pod.metadata.ownerReferences?.[0] as { kind: string; name: string } | undefined;
    if (!ref) return;
    const ns = pod.metadata.namespace as string;
    const owner = this.api.get(ref.kind, ns, ref.name);
    if (!owner) return;
    const pods = this.ownedPods(ns, ref.kind, ref.name);
    const ready = pods.filter((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True')).length;
    if (ref.kind === 'Deployment') {
      this.api.put({
        ...owner,
        status: {
          observedGeneration: owner.metadata.generation,
          replicas: pods.length,
          updatedReplicas: pods.length,
          readyReplicas: ready,
          availableReplicas: ready,
          conditions: [{ type: 'Available', status: ready >= (owner.spec.replicas ?? 1) ? 'True' : 'False' }],
        },
      });
    } else if (ref.kind === 'DaemonSet') {
      const desired = this.matchingNodes(owner.spec.template.spec.nodeSelector).length;
      this.api.put({ ...owner, status: { observedGeneration: owner.metadata.generation, desiredNumberScheduled: desired, currentNumberScheduled: pods.length, updatedNumberScheduled: pods.length, numberReady: ready, numberAvailable: ready } });
    } else if (ref.kind === 'Job') {
      const phase = pod.status?.phase;
      const done = phase === 'Succeeded' || phase === 'Failed';
      this.api.put({
        ...owner,
        status: {
          startTime: owner.status?.startTime ?? new Date().toISOString(),
          active: done ? 0 : 1,
          ...(phase === 'Succeeded' ? { succeeded: 1, completionTime: new Date().toISOString(), conditions: [{ type: 'Complete', status: 'True' }] } : {}),
          ...(phase === 'Failed' ? { failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] } : {}),
        },
      });
    }
  }

  private async stopPod(key: string): Promise<void> {
    const running = this.pods.get(key);
    if (!running) return;
    running.stopping = true;
    for (const c of [...running.containers].reverse()) killTree(c.child);
    await Promise.all(running.containers.map((c) => c.exit));
    for (const c of running.containers) if (c.cgroupDir) rmSync(c.cgroupDir, { recursive: true, force: true });
    this.pods.delete(key);
  }

  private openForwarder(service: KubeObj): void {
    const ns = service.metadata.namespace as string;
    const ip = this.clusterIp(ns, service.metadata.name);
    this.api.put({ ...service, spec: { ...service.spec, clusterIP: ip } });
    const selector = service.spec.selector as Record<string, string>;
    for (const port of service.spec.ports ?? []) {
      const server = net.createServer((socket) => {
        const target = this.api
          .list('Pod', ns)
          .find((p) => p.status?.phase === 'Running' && parseLabelSelector(Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(','))(p.metadata.labels));
        if (!target) return socket.destroy();
        const upstream = net.connect({ host: target.status.podIP, port: Number(port.targetPort ?? port.port) });
        socket.pipe(upstream).pipe(socket);
        upstream.on('error', () => socket.destroy());
        socket.on('error', () => upstream.destroy());
      });
      server.listen(port.port, ip);
      this.forwarders.set(`${ns}/${service.metadata.name}/${port.port}`, server);
    }
  }

  private closeForwarder(prefix: string): void {
    for (const [key, server] of this.forwarders) {
      if (key.startsWith(`${prefix}/`)) {
        server.close();
        this.forwarders.delete(key);
      }
    }
  }

  private async finishNamespace(ns: string): Promise<void> {
    for (const pod of this.api.list('Pod', ns)) await this.stopPod(`${ns}/${pod.metadata.name}`);
    for (const kind of ['Pod', 'Job', 'Deployment', 'DaemonSet', 'Service', 'ConfigMap', 'PeerAuthentication', 'VirtualService', 'DestinationRule', 'Gateway']) {
      let objects: KubeObj[];
      try {
        objects = this.api.list(kind, ns);
      } catch {
        continue; // CRD not installed
      }
      for (const o of objects) {
        if (o.kind === 'Service') this.closeForwarder(`${ns}/${o.metadata.name}`);
        this.api.remove(kind, ns, o.metadata.name);
      }
    }
    // Terminating lingers a little, as on a real cluster, so callers must wait for it.
    await new Promise((r) => setTimeout(r, 150));
    this.api.remove('Namespace', null, ns);
  }
}

function hex(n: number): string {
  return randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);
}

function killTree(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }, 2000);
  timer.unref();
  child.once('exit', () => clearTimeout(timer));
}
