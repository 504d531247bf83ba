/**
 * Real HAProxy and nginx sidecar pairs on loopback: client → outbound → inbound → app, in
 * every mode, plus the supervisor's start/stop guarantees. Nothing is skipped: both proxies
 * are installed on the machines this runs on.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, freePorts } from '../../src/backends/local/free-port.js';
import { probeMtlsEnforcement } from '../../src/backends/local/mtls-probes.js';
import { createRunPki, type RunPki } from '../../src/backends/local/pki.js';
import { findProcessesByRunId, killProcesses, Supervisor } from '../../src/backends/local/supervisor.js';
import { EnvironmentError } from '../../src/errors.js';
import { renderHaproxyConfig } from '../../src/proxies/haproxy.js';
import { renderNginxConfig } from '../../src/proxies/nginx.js';
import { checkProxyConfig, findProxyBinary, proxyLaunch } from '../../src/proxies/proxy-binaries.js';
import { proxyModes, type ProxyMode, type SidecarSpec } from '../../src/proxies/sidecar-spec.js';

type Kind = 'haproxy' | 'nginx';
const kinds: Kind[] = ['haproxy', 'nginx'];
const host = '127.0.0.1';
/** Bigger than nginx's proxy buffers, so nginx would spool to its temp paths if allowed. */
const bigBytes = 3 * 1024 * 1024;

let root: string;
let pki: RunPki;
const binaries = new Map<Kind, string>();
let app: { server: http.Server; port: number; requests: number };
const supervisors: Supervisor[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'meshbench-proxies-'));
  pki = await createRunPki(join(root, 'pki'), 'default', ['echo', 'loadgen']);
  for (const kind of kinds) binaries.set(kind, (await findProxyBinary(kind)).path);
  // The app behind the inbound sidecar: counts what reaches it, so probes can tell.
  const state = { requests: 0 };
  const server = http.createServer((req, res) => {
    state.requests++;
    res.setHeader('content-type', 'text/plain');
    if (req.url === '/big') return void res.end('x'.repeat(bigBytes));
    let received = 0;
    req.on('data', (chunk: Buffer) => (received += chunk.length));
    req.on('end', () => res.end(`hello from the app: ${req.method} ${req.url} host=${req.headers.host} body=${received}`));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  app = {
    server,
    port: (server.address() as { port: number }).port,
    get requests() {
      return state.requests;
    },
  };
});

afterEach(async () => {
  // A failed assertion must not leave proxies running.
  for (const s of supervisors.splice(0)) await s.stopAll();
});

afterAll(async () => {
  await new Promise((resolve) => app?.server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

let runCounter = 0;
function newRun(label: string, stopGraceMs = 2_000): { runId: string; dir: string; supervisor: Supervisor } {
  const runId = `it-${process.pid}-${++runCounter}-${label}`;
  const dir = join(root, runId);
  const supervisor = new Supervisor({ runId, logDir: join(dir, 'logs'), stopGraceMs });
  supervisors.push(supervisor);
  return { runId, dir, supervisor };
}

function specs(mode: ProxyMode, dir: string, ports: { inbound: number; outbound: number }): { inbound: SidecarSpec; outbound: SidecarSpec } {
  const echo = pki.identities.echo!;
  return {
    inbound: {
      podName: 'echo',
      mode,
      host,
      workDir: join(dir, 'echo'),
      inbound: { listenPort: ports.inbound, appPort: app.port },
      outbound: [],
      identity: mode === 'mtls' ? echo : undefined,
      workers: 1,
    },
    outbound: {
      podName: 'loadgen',
      mode,
      host,
      workDir: join(dir, 'loadgen'),
      outbound: [
        { service: 'echo', listenPort: ports.outbound, upstreamPort: ports.inbound, upstreamDnsName: echo.dnsName, upstreamSpiffeId: echo.spiffeId },
      ],
      identity: mode === 'mtls' ? pki.identities.loadgen : undefined,
      workers: 1,
    },
  };
}

/** Writes the config and runs the proxy's own check on it; returns the config path. */
async function prepare(kind: Kind, spec: SidecarSpec): Promise<string> {
  await mkdir(spec.workDir, { recursive: true, mode: 0o700 });
  const configPath = join(spec.workDir, kind === 'haproxy' ? 'haproxy.cfg' : 'nginx.conf');
  await writeFile(configPath, kind === 'haproxy' ? renderHaproxyConfig(spec) : renderNginxConfig(spec));
  await checkProxyConfig(kind, binaries.get(kind)!, configPath, spec.workDir);
  return configPath;
}

async function startSidecar(kind: Kind, spec: SidecarSpec, run: { runId: string; supervisor: Supervisor }, readyPort: number) {
  const configPath = await prepare(kind, spec);
  const launch = proxyLaunch(kind, binaries.get(kind)!, configPath, spec.workDir, { runId: run.runId });
  return run.supervisor.start({
    name: `${kind}/${spec.podName}/sidecar`,
    ...launch,
    readyPort,
    extraLogFiles: kind === 'nginx' ? [join(spec.workDir, 'error.log')] : [],
  });
}

function get(url: string, agent?: http.Agent, body?: Buffer): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, timeout: 10_000, method: body ? 'POST' : 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${req.method} ${url} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function aliveAmong(pids: number[]): Promise<number[]> {
  const alive: number[] = [];
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (stat !== undefined && !/\) [ZX] /.test(stat)) alive.push(pid);
  }
  return alive;
}

/** Pids of every process whose command line mentions `needle` (our work dirs are unique). */
async function pidsMentioning(needle: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(needle)) found.push(Number(name));
  }
  return found;
}

describe('generated configs pass the proxies\' own checks', () => {
  for (const kind of kinds) {
    for (const mode of proxyModes) {
      it(`${kind} -c/-t accepts mode ${mode}: inbound, outbound, both, fan-out with admin port`, async () => {
        const dir = join(root, `check-${kind}-${mode}`);
        const { inbound, outbound } = specs(mode, dir, { inbound: 20001, outbound: 20002 });
        const both: SidecarSpec = { ...inbound, podName: 'both', workDir: join(dir, 'both'), outbound: outbound.outbound };
        const fanout: SidecarSpec = {
          ...both,
          podName: 'fanout',
          workDir: join(dir, 'fanout'),
          workers: 2,
          adminPort: 20009,
          outbound: [...both.outbound, { ...both.outbound[0]!, service: 'loadgen', listenPort: 20003, upstreamDnsName: pki.identities.loadgen!.dnsName }],
        };
        for (const spec of [inbound, outbound, both, fanout]) await prepare(kind, spec);
      });
    }
  }
});

describe.each(kinds)('%s sidecar pair', (kind) => {
  it.each(proxyModes)('mode %s: proxies to the app and leaves nothing running', async (mode) => {
    const run = newRun(`${kind}-${mode}`);
    const [inboundPort, outboundPort] = await freePorts(host, 2);
    const { inbound, outbound } = specs(mode, run.dir, { inbound: inboundPort!, outbound: outboundPort! });
    await startSidecar(kind, inbound, run, inboundPort!);
    await startSidecar(kind, outbound, run, outboundPort!);

    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 3; i++) {
        const before = app.requests;
        const res = await get(`http://${host}:${outboundPort}/hello?i=${i}`, agent);
        expect(res.status).toBe(200);
        expect(res.body).toBe(`hello from the app: GET /hello?i=${i} host=${host}:${outboundPort} body=0`);
        expect(app.requests).toBe(before + 1);
        if (mode !== 'tcp') expect(res.headers['x-meshbench-proxy']).toBe(`inbound-${kind}`);
      }
      // Large bodies both ways: nginx must stream them, not spool to temp files that its
      // worker (nobody, when started as root) could not reach in a 0700 work dir.
      const upload = await get(`http://${host}:${outboundPort}/upload`, agent, Buffer.alloc(bigBytes, 'y'));
      expect(upload.body).toMatch(new RegExp(`body=${bigBytes}$`));
      const download = await get(`http://${host}:${outboundPort}/big`, agent);
      expect(download.status).toBe(200);
      expect(download.body.length).toBe(bigBytes);
    } finally {
      agent.destroy();
    }

    if (mode === 'mtls') {
      const verification = await probeMtlsEnforcement({
        host,
        inboundPort: inboundPort!,
        caFile: pki.ca.certFile,
        serverName: pki.identities.echo!.dnsName,
        rogue: pki.rogue,
        throughOutboundUrl: `http://${host}:${outboundPort}/probe`,
        appRequestCount: async () => app.requests,
      });
      console.log(`${kind} mTLS probes:\n${verification.probes.map((p) => `  ${p.passed ? 'PASS' : 'FAIL'} ${p.name}: ${p.outcome} (app reached: ${p.appReached})`).join('\n')}`);
      expect(verification.probes.map((p) => p.expect)).toEqual(['rejected', 'rejected', 'rejected', 'accepted']);
      for (const probe of verification.probes) expect(probe.passed, `${probe.name}: ${probe.outcome}`).toBe(true);
      expect(verification.passed).toBe(true);
      expect(verification.notes.join(' ')).toMatch(/SPIFFE URI SAN/);
    }

    // What `meshbench destroy` would see: both proxies and, for nginx, the workers.
    const supervised = run.supervisor.pids().map((p) => p.pid);
    const found = await findProcessesByRunId(run.runId);
    const foundPids = found.map((p) => p.pid);
    for (const pid of supervised) expect(foundPids).toContain(pid);
    if (kind === 'nginx') {
      expect(found.filter((p) => p.cmdline.includes('worker process')).length).toBe(2);
      expect(found.every((p) => p.runId === run.runId)).toBe(true);
    }

    await run.supervisor.stopAll();
    expect(await aliveAmong(foundPids)).toEqual([]);
    expect(await findProcessesByRunId(run.runId)).toEqual([]);
    expect(await pidsMentioning(run.dir)).toEqual([]);
    expect(run.supervisor.pids()).toEqual([]);
  });

  it('mode mtls: the outbound refuses an upstream whose certificate lacks the expected DNS name', async () => {
    const run = newRun(`${kind}-wrong-name`);
    const [inboundPort, outboundPort] = await freePorts(host, 2);
    const { inbound, outbound } = specs('mtls', run.dir, { inbound: inboundPort!, outbound: outboundPort! });
    // The inbound presents echo's certificate; the outbound expects another service's name.
    outbound.outbound[0] = { ...outbound.outbound[0]!, upstreamDnsName: 'other.default.svc.cluster.local' };
    await startSidecar(kind, inbound, run, inboundPort!);
    await startSidecar(kind, outbound, run, outboundPort!);
    const before = app.requests;
    const res = await get(`http://${host}:${outboundPort}/`);
    expect(res.status).toBe(kind === 'haproxy' ? 503 : 502);
    expect(app.requests).toBe(before);
    await run.supervisor.stopAll();
    if (kind === 'nginx') {
      expect(await readFile(join(outbound.workDir, 'error.log'), 'utf8')).toContain('upstream SSL certificate does not match "other.default.svc.cluster.local"');
    }
  });

  it('fails clearly when its port is taken, and leaves nothing running', async () => {
    const run = newRun(`${kind}-taken`);
    const [appLikePort, takenPort, outboundPort] = await freePorts(host, 3);
    const squatter: Server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => squatter.listen(takenPort, host, resolve));
    try {
      // Something started before the failure: stopAll must also take it down.
      await run.supervisor.start({
        name: 'app-like',
        command: process.execPath,
        args: ['-e', `require('net').createServer().listen(${appLikePort}, '${host}')`],
        readyPort: appLikePort,
      });
      const { inbound } = specs('http', run.dir, { inbound: takenPort!, outbound: outboundPort! });
      const error = await startSidecar(kind, inbound, run, takenPort!).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EnvironmentError);
      const message = (error as Error).message;
      expect(message).toMatch(new RegExp(`^${kind}/echo/sidecar exited \\(code 1\\) before it listened on ${host}:${takenPort}`));
      expect(message).toMatch(kind === 'haproxy' ? /cannot bind socket \(Address already in use\)/ : /bind\(\) to .* failed \(98: Address already in use\)/);
      console.log(`${kind} start failure message:\n${message}`);
      expect(run.supervisor.pids().map((p) => p.name)).toEqual(['app-like']);
    } finally {
      await run.supervisor.stopAll();
      await new Promise((resolve) => squatter.close(resolve));
    }
    expect(await findProcessesByRunId(run.runId)).toEqual([]);
    expect(await pidsMentioning(run.dir)).toEqual([]);
  });
});

describe('Supervisor', () => {
  const node = process.execPath;

  it('SIGKILLs what ignores SIGTERM, descendants included, and is idempotent', async () => {
    const run = newRun('stubborn', 300);
    const port = await freePort(host);
    // A parent that ignores SIGTERM, with a child that ignores it too.
    const script = `
      process.on('SIGTERM', () => {});
      require('child_process').spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'inherit' });
      require('net').createServer().listen(${port}, '${host}');`;
    const proc = await run.supervisor.start({ name: 'stubborn', command: node, args: ['-e', script], readyPort: port });
    let found = await findProcessesByRunId(run.runId);
    for (let i = 0; i < 50 && found.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
      found = await findProcessesByRunId(run.runId);
    }
    expect(found.map((p) => p.pid)).toContain(proc.pid);
    expect(found.length).toBe(2);
    expect(found.every((p) => p.name === 'stubborn')).toBe(true);

    await Promise.all([run.supervisor.stopAll(), run.supervisor.stopAll()]);
    await run.supervisor.stopAll();
    expect(await aliveAmong(found.map((p) => p.pid))).toEqual([]);
  });

  it('stops in reverse start order', async () => {
    const run = newRun('order');
    const marker = join(run.dir, 'order.txt');
    await mkdir(run.dir, { recursive: true });
    const [a, b] = await freePorts(host, 2);
    for (const [name, port] of [['first', a], ['second', b]] as const) {
      const script = `
        const fs = require('fs');
        process.on('SIGTERM', () => { fs.appendFileSync(${JSON.stringify(marker)}, '${name}\\n'); process.exit(0); });
        require('net').createServer().listen(${port}, '${host}');`;
      await run.supervisor.start({ name, command: node, args: ['-e', script], readyPort: port });
    }
    expect(run.supervisor.pids().map((p) => p.name)).toEqual(['first', 'second']);
    await run.supervisor.stopAll();
    expect(await readFile(marker, 'utf8')).toBe('second\nfirst\n');
  });

  it('gives a clear error when the process never listens', async () => {
    const run = newRun('silent');
    const port = await freePort(host);
    const error = await run.supervisor
      .start({ name: 'silent', command: node, args: ['-e', 'console.log("warming up"); setInterval(() => {}, 1000)'], readyPort: port, readyTimeoutMs: 700 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toMatch(new RegExp(`silent \\(pid \\d+\\) did not listen on ${host}:${port} within 700 ms`));
    expect((error as Error).message).toContain('warming up');
    expect(run.supervisor.pids()).toEqual([]);
    expect(await findProcessesByRunId(run.runId)).toEqual([]);
  });

  it('says when the listener on its port belongs to someone else', async () => {
    const run = newRun('foreign');
    const squatter = createServer();
    const port = await new Promise<number>((resolve) => squatter.listen(0, host, () => resolve((squatter.address() as { port: number }).port)));
    try {
      const error = await run.supervisor
        .start({ name: 'late', command: node, args: ['-e', 'setInterval(() => {}, 1000)'], readyPort: port, readyTimeoutMs: 500 })
        .catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/did not listen .* within 500 ms \(another process is listening on/);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('notices a process that dies at once, with its last words', async () => {
    const run = newRun('instant');
    const port = await freePort(host);
    const error = await run.supervisor
      .start({ name: 'instant', command: '/bin/sh', args: ['-c', 'echo "boom: bad config" >&2; exit 3'], readyPort: port, readyTimeoutMs: 5_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toMatch(new RegExp(`^instant exited \\(code 3\\) before it listened on ${host}:${port}\\.\n`));
    expect((error as Error).message).toContain('  boom: bad config');
    expect(run.supervisor.pids()).toEqual([]);
  });

  it('reports a command that cannot be started', async () => {
    const run = newRun('enoent');
    await expect(run.supervisor.start({ name: 'ghost', command: '/nonexistent/ghost', args: [] })).rejects.toThrow(
      /cannot start ghost \(\/nonexistent\/ghost\): spawn \/nonexistent\/ghost ENOENT/,
    );
    expect(run.supervisor.pids()).toEqual([]);
  });

  it('tags children with the run id, and killProcesses cleans up after a "crash"', async () => {
    const run = newRun('crash');
    const port = await freePort(host);
    await run.supervisor.start({
      name: 'orphan',
      command: node,
      args: ['-e', `console.log(process.env.MESHBENCH_RUN_ID); require('net').createServer().listen(${port}, '${host}')`],
      env: { EXTRA: '1' },
      readyPort: port,
    });
    const found = await findProcessesByRunId(run.runId);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ runId: run.runId, name: 'orphan' });
    expect((await findProcessesByRunId(null)).map((p) => p.pid)).toContain(found[0]!.pid);
    expect(await readFile(run.supervisor.pids()[0]!.logFile, 'utf8')).toContain(run.runId);

    // As `meshbench destroy` would, without the supervisor that started it.
    const result = await killProcesses(found, { graceMs: 2_000 });
    expect(result).toEqual({ terminated: [found[0]!.pid], killed: [], alreadyGone: [] });
    expect(await findProcessesByRunId(run.runId)).toEqual([]);
    // The supervisor copes with its process having gone already.
    await run.supervisor.stopAll();
    expect(run.supervisor.pids()).toEqual([]);
  });

  it('does not start anything once stopAll has begun', async () => {
    const run = newRun('race');
    const port = await freePort(host);
    const starting = run.supervisor.start({ name: 'racer', command: node, args: ['-e', `require('net').createServer().listen(${port}, '${host}')`], readyPort: port });
    const stopping = run.supervisor.stopAll();
    await expect(starting).rejects.toThrow(/supervisor was stopped meanwhile/);
    await stopping;
    expect(await findProcessesByRunId(run.runId)).toEqual([]);
  });
});
