/**
 * The local backend: the scenario's services and their sidecars as processes on this host,
 * on loopback and ephemeral ports. Sidecar model as in Istio: every meshed service gets an
 * inbound listener in front of it, and every caller, the load generator included, reaches it
 * through its own pod's outbound listener (two proxy hops per edge). One proxy process per
 * pod serves both directions, like an Istio sidecar.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { agentCommand } from '../../agents/agent-entry.js';
import { statsPath, type SampleServiceConfig } from '../../agents/sample-service.js';
import { EnvironmentError } from '../../errors.js';
import { renderEnvoyBootstrap, renderEnvoyYaml, type EnvoyOptions } from '../../proxies/envoy.js';
import { envoyAdminUrl, fetchEnvoyStats, waitForEnvoyReady, type EnvoyStats } from '../../proxies/envoy-admin.js';
import { assertValidEnvoyBootstrap } from '../../proxies/envoy-validate.js';
import { renderHaproxyConfig } from '../../proxies/haproxy.js';
import { nginxPaths, renderNginxConfig } from '../../proxies/nginx.js';
import { haproxyAccessLogLaunch } from '../../proxies/haproxy.js';
import { checkProxyConfig, findProxyBinary, proxyLaunch } from '../../proxies/proxy-binaries.js';
import type { IdentityFiles, ProxyKind, SidecarSpec } from '../../proxies/sidecar-spec.js';
import type { Probe, Verification } from '../../results/schema.js';
import { effectiveVariant, type Scenario, type TierConfig, type VariantConfig } from '../../scenario/schema.js';
import { startTierContention, type TierContention } from './contention/tier-contention.js';
import type { CpuThrottling } from './contention/cpu-throttling.js';
import type { Backend, Component, Deployment } from '../backend.js';
import { freePort } from './free-port.js';
import { probeMtlsEnforcement } from './mtls-probes.js';
import { createRunPki, type RunPki } from './pki.js';
import { Supervisor } from './supervisor.js';
import { loadgenPod, podPlans } from './topology-ports.js';

const host = '127.0.0.1';

export interface LocalBackendOptions {
  runId: string;
  scenario: Scenario;
  /** The tier this backend runs; its `contention` is applied to every pod. */
  tier?: TierConfig;
  /** Private per-run directory for configs, keys and logs; removed by teardown. */
  workDir?: string;
  /** Explicit proxy binaries (`--envoy PATH`), instead of a PATH search. */
  proxyBinaries?: Partial<Record<ProxyKind, string>>;
}

export class LocalBackend implements Backend {
  readonly kind = 'local' as const;
  readonly workDir: string;
  private readonly supervisor: Supervisor;
  /** Proxy executables by binaryKey(): one per kind, plus one per variant that names its own. */
  private readonly binaries = new Map<string, string>();
  private pki?: RunPki;
  private contention?: TierContention;
  /** Envoy's --base-id must differ between Envoys on one host. */
  private nextEnvoyBaseId = 0;
  private tornDown = false;

  constructor(private readonly options: LocalBackendOptions) {
    this.workDir = options.workDir ?? path.join(os.tmpdir(), `meshbench-${options.runId}`);
    this.supervisor = new Supervisor({ runId: options.runId, logDir: path.join(this.workDir, 'logs') });
  }

  /** Versions of the proxies this run uses, for the host facts. */
  proxyVersions(): Record<string, string> {
    return Object.fromEntries(this.versions);
  }
  private readonly versions = new Map<string, string>();

  async prepare(): Promise<void> {
    const scenario = this.options.scenario;
    const wanted = new Map<string, { kind: ProxyKind; file?: string; variant?: string }>();
    for (const v of scenario.variants.map((x) => effectiveVariant(scenario, x))) {
      if (!v.proxy) continue;
      wanted.set(binaryKey(v.proxy, v.binary), v.binary ? { kind: v.proxy, file: v.binary, variant: v.name } : { kind: v.proxy });
    }
    // Find every binary before starting anything, so a missing one leaves nothing behind.
    const missing: string[] = [];
    for (const [key, { kind, file, variant }] of wanted) {
      try {
        const explicit = this.options.proxyBinaries?.[kind];
        const found = await findProxyBinary(kind, file ? { file } : explicit ? { pathEnv: path.dirname(explicit), extraDirs: [] } : {});
        this.binaries.set(key, found.path);
        // One entry per kind as before; a variant's own binary under "kind (variant)".
        this.versions.set(variant ? `${kind} (${variant}: ${found.path})` : kind, found.version);
      } catch (err) {
        if (err instanceof EnvironmentError) missing.push(err.message + (err.hint ? `\n  ${err.hint}` : ''));
        else throw err;
      }
    }
    if (missing.length) throw new EnvironmentError(missing.join('\n'));
    await mkdir(this.workDir, { recursive: true, mode: 0o700 });
    const settings = this.options.tier?.contention;
    if (settings)
      this.contention = await startTierContention({
        runId: this.options.runId,
        tier: this.options.tier!.name,
        settings,
        workDir: this.workDir,
        loadProcesses: this.options.scenario.load.processes,
      });
    if (this.options.scenario.variants.some((v) => v.mode === 'mtls'))
      this.pki = await createRunPki(path.join(this.workDir, 'pki'), this.options.scenario.namespace, podPlans(this.options.scenario).map((p) => p.name));
  }

  async deploy(variant: VariantConfig): Promise<Deployment> {
    const scenario = this.options.scenario;
    const pods = podPlans(scenario);
    const meshed = variant.proxy !== undefined;
    const variantDir = path.join(this.workDir, variant.name);
    await mkdir(variantDir, { recursive: true, mode: 0o700 });

    // Ports first: apps need their downstreams' addresses, proxies need the apps'.
    const appPort = new Map<string, number>();
    const inboundPort = new Map<string, number>();
    const outboundPort = new Map<string, number>(); // key: `${pod}->${callee}`
    for (const svc of scenario.topology.services) {
      appPort.set(svc.name, await freePort(host));
      if (meshed) inboundPort.set(svc.name, await freePort(host));
    }
    if (meshed) for (const pod of pods) for (const callee of pod.calls) outboundPort.set(`${pod.name}->${callee}`, await freePort(host));
    const addressOf = (pod: string, callee: string) =>
      `http://${host}:${meshed ? outboundPort.get(`${pod}->${callee}`) : appPort.get(callee)}/`;

    const components: Component[] = [];
    const envoyAdmins = new Map<string, string>();
    // Apps first, leaves before their callers, so nothing calls a service that is not up.
    for (const svc of [...scenario.topology.services].reverse()) {
      const config: SampleServiceConfig = {
        name: svc.name,
        host,
        port: appPort.get(svc.name)!,
        responseBytes: svc.responseBytes,
        cpuWorkUs: svc.cpuWorkUs,
        delayMs: svc.delayMs + variant.injectDelayMs,
        calls: svc.calls.map((callee) => ({ name: callee, url: addressOf(svc.name, callee) })),
      };
      const { command, args } = agentCommand('sample-service');
      const proc = await this.supervisor.start({
        name: `${variant.name}/${svc.name}/app`,
        command,
        args,
        env: { MESHBENCH_SERVICE: JSON.stringify(config) },
        readyPort: config.port,
      });
      await this.contention?.pods.addPid(proc.pid);
      components.push({ name: `${svc.name}/app`, role: 'app', pod: svc.name, program: 'node', rootPid: proc.pid });
    }

    if (meshed) {
      const kind = variant.proxy!;
      for (const pod of pods) {
        const spec: SidecarSpec = {
          podName: pod.name,
          mode: variant.mode!,
          host,
          workDir: path.join(variantDir, pod.name),
          inbound: pod.service ? { listenPort: inboundPort.get(pod.service)!, appPort: appPort.get(pod.service)! } : undefined,
          outbound: pod.calls.map((callee) => ({
            service: callee,
            listenPort: outboundPort.get(`${pod.name}->${callee}`)!,
            upstreamPort: inboundPort.get(callee)!,
            upstreamDnsName: this.identity(callee)?.dnsName ?? `${callee}.${scenario.namespace}.svc.cluster.local`,
            upstreamSpiffeId: this.identity(callee)?.spiffeId ?? `spiffe://cluster.local/ns/${scenario.namespace}/sa/${callee}`,
          })),
          identity: variant.mode === 'mtls' ? this.identity(pod.name) : undefined,
          workers: variant.workers,
          adminPort: kind === 'envoy' ? await freePort(host) : undefined,
          accessLogPath: variant.accessLog ? await this.accessLogPath(variant.name, pod.name) : undefined,
        };
        const readyPort = spec.inbound?.listenPort ?? spec.outbound[0]?.listenPort;
        if (readyPort === undefined) continue;
        await mkdir(spec.workDir, { recursive: true, mode: 0o700 });
        const configPath = path.join(spec.workDir, configFileNames[kind]);
        await writeFile(configPath, renderProxyConfig(kind, spec, variant), { mode: 0o600 });
        const binary = this.binaries.get(binaryKey(kind, variant.binary))!;
        await checkProxyConfig(kind, binary, configPath, spec.workDir);
        const proxyCommand = proxyLaunch(kind, binary, configPath, spec.workDir, { runId: this.options.runId, workers: variant.workers, envoyBaseId: this.nextEnvoyBaseId++ });
        // HAProxy 2.6 cannot write a log file itself: its access log goes to stdout, appended to the file.
        const launch = kind === 'haproxy' && spec.accessLogPath ? haproxyAccessLogLaunch(proxyCommand, spec.accessLogPath) : proxyCommand;
        const proc = await this.supervisor.start({
          name: `${variant.name}/${pod.name}/sidecar`,
          command: launch.command,
          args: launch.args,
          readyPort,
          extraLogFiles: kind === 'nginx' ? [nginxPaths(spec.workDir).errorLog] : [],
        });
        await this.contention?.pods.addPid(proc.pid);
        if (spec.adminPort !== undefined) {
          const adminUrl = envoyAdminUrl(spec.adminPort);
          await waitForEnvoyReady(adminUrl, 15_000);
          envoyAdmins.set(`${pod.name}/sidecar`, adminUrl);
        }
        components.push({ name: `${pod.name}/sidecar`, role: 'proxy', pod: pod.name, program: kind, rootPid: proc.pid });
      }
    }

    const entry = pods.find((p) => p.name === loadgenPod)!.calls[0];
    const targetUrl = addressOf(loadgenPod, entry);
    const verify = () => this.verify(variant, targetUrl, entry, appPort, inboundPort);
    const readProxyStats = envoyAdmins.size
      ? async () => {
          const stats: Record<string, EnvoyStats> = {};
          for (const [component, adminUrl] of envoyAdmins) stats[component] = await fetchEnvoyStats(adminUrl);
          return stats;
        }
      : undefined;
    return { variant, targetUrl, components, verify, readProxyStats };
  }

  private identity(name: string): IdentityFiles | undefined {
    return this.pki?.identities[name];
  }

  private async verify(
    variant: VariantConfig,
    targetUrl: string,
    entry: string,
    appPort: Map<string, number>,
    inboundPort: Map<string, number>,
  ): Promise<Verification> {
    const notes: string[] = [];
    let probes: Probe[] = [];
    if (variant.mode === 'mtls') {
      // Every meshed service must refuse callers without a valid certificate.
      for (const [service, port] of inboundPort) {
        const result = await probeMtlsEnforcement({
          host,
          inboundPort: port,
          caFile: this.pki!.ca.certFile,
          serverName: this.identity(service)!.dnsName,
          rogue: this.pki!.rogue,
          throughOutboundUrl: service === entry ? targetUrl : undefined,
          appRequestCount: () => appRequestCount(appPort.get(service)!),
          proxy: variant.proxy,
        });
        probes.push(...result.probes.map((p) => ({ ...p, name: `${service}: ${p.name}` })));
        for (const note of result.notes) if (!notes.includes(note)) notes.push(note);
      }
    }
    if (!probes.some((p) => p.expect === 'accepted')) {
      const before = await appRequestCount(appPort.get(entry)!);
      const status = await httpStatus(targetUrl);
      const reached = (await appRequestCount(appPort.get(entry)!)) > before;
      probes = [...probes, { name: `${entry}: request through the load generator's path`, expect: 'accepted', passed: status === 200 && reached, outcome: `HTTP ${status}`, appReached: reached }];
    }
    if (variant.proxy && variant.mode !== 'mtls') notes.push(`${variant.mode} mode: no transport security between the sidecars`);
    return { passed: probes.every((p) => p.passed), probes, notes };
  }

  contentionRecord(): unknown {
    return this.contention?.record ?? null;
  }

  async backgroundComponents(): Promise<Component[]> {
    const pids = (await this.contention?.neighbourPids()) ?? [];
    return pids.map((pid) => ({ name: `neighbour/${pid}`, role: 'neighbour', pod: 'neighbour', program: 'neighbour', rootPid: pid }));
  }

  async placeLoadGenerator(pid: number): Promise<void> {
    await this.contention?.loadgen?.addPid(pid);
  }

  async readThrottling(): Promise<CpuThrottling | undefined> {
    return this.options.tier?.contention?.cpuQuotaCores !== undefined ? this.contention?.readThrottling() : undefined;
  }

  /** On the tier's slow disk when it has one, else beside the sidecar's config; the directory is created. */
  private async accessLogPath(variantName: string, podName: string): Promise<string> {
    const dir = path.join(this.contention?.accessLogDir ?? this.workDir, variantName, podName);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return path.join(dir, 'access.log');
  }

  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    try {
      await this.supervisor.stopAll();
      // Pods first, then the cgroups they lived in and the neighbours.
      await this.contention?.stop();
    } finally {
      // Keys and configs are private to the run; nothing of it should outlive it.
      await rm(this.workDir, { recursive: true, force: true });
    }
  }
}

const configFileNames: Record<ProxyKind, string> = { haproxy: 'haproxy.cfg', nginx: 'nginx.conf', envoy: 'envoy.yaml' };

function renderProxyConfig(kind: ProxyKind, spec: SidecarSpec, variant: VariantConfig): string {
  switch (kind) {
    case 'haproxy':
      return renderHaproxyConfig(spec);
    case 'nginx':
      return renderNginxConfig(spec);
    case 'envoy': {
      const options: EnvoyOptions = { policy: variant.policy, accessLogPath: spec.accessLogPath };
      // Checked against Envoy's own API before Envoy sees it: a generator bug fails here, with a path.
      assertValidEnvoyBootstrap(renderEnvoyBootstrap(spec, options), `Envoy config for ${variant.name}/${spec.podName}`);
      return renderEnvoyYaml(spec, options);
    }
  }
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: timed out`)));
    req.on('error', reject);
  });
}

async function httpStatus(url: string): Promise<number> {
  try {
    return (await httpGet(url)).status;
  } catch {
    return 0;
  }
}

async function appRequestCount(port: number): Promise<number> {
  const { body } = await httpGet(`http://${host}:${port}${statsPath}`);
  return (JSON.parse(body) as { requests: number }).requests;
}

/** Which executable a variant's proxy runs: its own `binary`, or the kind's. */
function binaryKey(kind: ProxyKind, file: string | undefined): string {
  return file ? `${kind}\0${file}` : kind;
}
