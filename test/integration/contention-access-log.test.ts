/**
 * The access-log rung with real proxies: HAProxy and nginx accept the configs (-c / -t), and
 * a sidecar pair writes one line per request (per connection in mode tcp) for each proxy to
 * the file its spec names. HAProxy gets there through stdout (haproxyAccessLogLaunch), nginx
 * opens the file itself. Readiness probes (connections that carry nothing) are not logged.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../src/backends/local/free-port.js';
import { createRunPki, type RunPki } from '../../src/backends/local/pki.js';
import { Supervisor } from '../../src/backends/local/supervisor.js';
import { haproxyAccessLogLaunch, renderHaproxyConfig } from '../../src/proxies/haproxy.js';
import { renderNginxConfig } from '../../src/proxies/nginx.js';
import { checkProxyConfig, findProxyBinary, proxyLaunch } from '../../src/proxies/proxy-binaries.js';
import { proxyModes, type ProxyMode, type SidecarSpec } from '../../src/proxies/sidecar-spec.js';

type Kind = 'haproxy' | 'nginx';
const host = '127.0.0.1';
let root: string;
let pki: RunPki;
const binaries = new Map<Kind, string>();
let app: http.Server;
let appPort: number;
const supervisors: Supervisor[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'meshbench-accesslog-'));
  pki = await createRunPki(join(root, 'pki'), 'default', ['echo', 'loadgen']);
  for (const kind of ['haproxy', 'nginx'] as const) binaries.set(kind, (await findProxyBinary(kind)).path);
  app = http.createServer((req, res) => res.end(`hello ${req.url}`));
  await new Promise<void>((resolve) => app.listen(0, host, resolve));
  appPort = (app.address() as { port: number }).port;
});

afterEach(async () => {
  for (const s of supervisors.splice(0)) await s.stopAll();
});

afterAll(async () => {
  await new Promise((resolve) => app?.close(resolve));
  await rm(root, { recursive: true, force: true });
});

function pairSpecs(mode: ProxyMode, dir: string, inboundPort: number, outboundPort: number): SidecarSpec[] {
  const echo = pki.identities.echo!;
  return [
    {
      podName: 'echo',
      mode,
      host,
      workDir: join(dir, 'echo'),
      inbound: { listenPort: inboundPort, appPort },
      outbound: [],
      identity: mode === 'mtls' ? echo : undefined,
      workers: 1,
      accessLogPath: join(dir, 'echo', 'access.log'),
    },
    {
      podName: 'loadgen',
      mode,
      host,
      workDir: join(dir, 'loadgen'),
      outbound: [{ service: 'echo', listenPort: outboundPort, upstreamPort: inboundPort, upstreamDnsName: echo.dnsName, upstreamSpiffeId: echo.spiffeId }],
      identity: mode === 'mtls' ? pki.identities.loadgen : undefined,
      workers: 1,
      accessLogPath: join(dir, 'loadgen', 'access.log'),
    },
  ];
}

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // A new connection per request, so mode tcp logs one line per request too.
    const req = http.get(url, { agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`${url} timed out`)));
    req.on('error', reject);
  });
}

/**
 * Lines appear when a request (or, for tcp, a connection) ends; allow the proxies a moment,
 * then a little longer, so a surplus line (a logged readiness probe) would show up too.
 */
async function waitForLines(file: string, count: number): Promise<string[]> {
  const read = async () => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((l) => l.trim() !== '');
  const deadline = Date.now() + 5_000;
  while ((await read()).length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setTimeout(resolve, 300));
  return read();
}

describe.each(['haproxy', 'nginx'] as const)('%s access log', (kind) => {
  it.each(proxyModes)('mode %s: the config passes the check and each proxy logs every request to its file', async (mode) => {
    const dir = join(root, `${kind}-${mode}`);
    const [inboundPort, outboundPort] = await freePorts(host, 2);
    const specs = pairSpecs(mode, dir, inboundPort!, outboundPort!);
    const supervisor = new Supervisor({ runId: `it-accesslog-${process.pid}-${kind}-${mode}`, logDir: join(dir, 'logs'), stopGraceMs: 2_000 });
    supervisors.push(supervisor);
    for (const [i, spec] of specs.entries()) {
      await mkdir(spec.workDir, { recursive: true, mode: 0o700 });
      const configPath = join(spec.workDir, kind === 'haproxy' ? 'haproxy.cfg' : 'nginx.conf');
      await writeFile(configPath, kind === 'haproxy' ? renderHaproxyConfig(spec) : renderNginxConfig(spec));
      await checkProxyConfig(kind, binaries.get(kind)!, configPath, spec.workDir);
      let launch = proxyLaunch(kind, binaries.get(kind)!, configPath, spec.workDir);
      if (kind === 'haproxy') launch = haproxyAccessLogLaunch(launch, spec.accessLogPath!);
      const started = await supervisor.start({ name: `${kind}/${spec.podName}`, ...launch, readyPort: i === 0 ? inboundPort : outboundPort });
      // sh execs the proxy: the supervised pid is the proxy itself.
      expect(await readFile(`/proc/${started.pid}/comm`, 'utf8')).toBe(`${kind}\n`);
    }

    for (let i = 0; i < 3; i++) expect(await get(`http://${host}:${outboundPort}/req-${i}`)).toBe(200);

    for (const spec of specs) {
      const lines = await waitForLines(spec.accessLogPath!, 3);
      expect(lines, `${spec.podName}'s access log:\n${lines.join('\n')}`).toHaveLength(3);
      if (mode !== 'tcp') for (let i = 0; i < 3; i++) expect(lines[i]).toContain(`GET /req-${i} HTTP/1.1`);
    }
  });
});
