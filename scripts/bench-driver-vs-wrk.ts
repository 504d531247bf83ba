/**
 * Benchmark (not a test): the closed-loop driver's highest rate against wrk's, on the same
 * static nginx target in the same run, interleaved and repeated.
 *
 *   npx tsx scripts/bench-driver-vs-wrk.ts [rounds=3] [seconds=5] [connections=32]
 *
 * Needs `wrk` (Debian: apt-get install -y wrk). The target is nginx with one worker
 * answering `return 200` from memory, so the load generators, not the target, are the limit.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as ss from 'simple-statistics';
import { freePort } from '../src/backends/local/free-port.js';
import { Supervisor } from '../src/backends/local/supervisor.js';
import { closedLoopGenerator } from '../src/load/closed-loop.js';
import { clockTicksPerSecond } from '../src/sampling/proc-reader.js';
import { diffSnapshots, takeSnapshot, type Snapshot } from '../src/sampling/window.js';
import { findProxyBinary, proxyLaunch } from '../src/proxies/proxy-binaries.js';

const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 5);
const connections = Number(process.argv[4] ?? 32);
const dir = mkdtempSync(path.join(os.tmpdir(), 'meshbench-bench-wrk-'));
const port = await freePort('127.0.0.1');
const nginx = await findProxyBinary('nginx');
const config = path.join(dir, 'nginx.conf');
writeFileSync(
  config,
  `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server { listen 127.0.0.1:${port}; location / { return 200 "ok"; } }
}
`,
);
const supervisor = new Supervisor({ runId: 'bench-wrk', logDir: dir });
const launch = proxyLaunch('nginx', nginx.path, config, dir);
const nginxProcess = await supervisor.start({ name: 'nginx-static', command: launch.command, args: launch.args, readyPort: port });
const url = `http://127.0.0.1:${port}/`;

interface Figure {
  rps: number;
  /** CPU of everything but nginx, in µs per request: the load generator (plus this idle script). */
  driverCpuUsPerRequest: number;
  nginxCpuUsPerRequest: number;
}

const clkTck = (await clockTicksPerSecond()).ticksPerSecond;
const nginxGroup = [{ name: 'nginx', role: 'app' as const, pod: 'target', program: 'nginx', rootPid: nginxProcess.pid }];
/** CPU figures of a window in which `rps` requests per second were served. */
function cpuFigures(before: Snapshot, after: Snapshot, rps: number): Omit<Figure, 'rps'> {
  const window = diffSnapshots(before, after, clkTck);
  const cores = os.availableParallelism();
  const driverCores = (window.node.foreignCpuPct / 100) * cores;
  const nginxCores = window.processes[0]!.cpuPctOfCore / 100;
  return { driverCpuUsPerRequest: (driverCores / rps) * 1e6, nginxCpuUsPerRequest: (nginxCores / rps) * 1e6 };
}

async function wrk(): Promise<Figure> {
  const before = await takeSnapshot(nginxGroup);
  const { stdout } = await promisify(execFile)('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, url]);
  const after = await takeSnapshot(nginxGroup);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)![1]);
  return { rps, ...cpuFigures(before, after, rps) };
}

/** The driver as a trial runs it: `processes` agent processes sharing the connections, results merged. */
async function driver(processes: number): Promise<Figure> {
  const run = closedLoopGenerator.start(url, { connections, processes, durationSeconds: seconds, warmupSeconds: 0.5, requestTimeoutSeconds: 10 }, {});
  try {
    await run.warmedUp;
    const before = await takeSnapshot(nginxGroup);
    run.measure();
    await run.measured;
    const after = await takeSnapshot(nginxGroup);
    const result = await run.result;
    // As the trial record computes it: every response over the longest process's window.
    const rps = result.responses / (result.measuredMs / 1000);
    return { rps, ...cpuFigures(before, after, rps) };
  } finally {
    await run.stop();
  }
}

const figures = { wrk: [] as Figure[], driver1: [] as Figure[], driver2: [] as Figure[] };
try {
  for (let i = 0; i < rounds; i++) {
    figures.wrk.push(await wrk());
    figures.driver1.push(await driver(1));
    figures.driver2.push(await driver(2));
    console.log(`round ${i + 1}: wrk ${figures.wrk[i].rps.toFixed(0)}, driver ×1 ${figures.driver1[i].rps.toFixed(0)}, driver ×2 ${figures.driver2[i].rps.toFixed(0)} req/s`);
  }
} finally {
  await supervisor.stopAll();
}
const median = (xs: Figure[], key: keyof Figure) => ss.median(xs.map((x) => x[key]));
const wrkRps = median(figures.wrk, 'rps');
const line = (label: string, xs: Figure[]) =>
  `${label.padEnd(20)} ${median(xs, 'rps').toFixed(0).padStart(7)} req/s  ${(median(xs, 'rps') / wrkRps).toFixed(2)}× wrk   driver CPU ${median(xs, 'driverCpuUsPerRequest').toFixed(1)} µs/req   nginx CPU ${median(xs, 'nginxCpuUsPerRequest').toFixed(1)} µs/req`;
console.log(`\nmedian over ${rounds} rounds of ${seconds} s, ${connections} connections, nginx static with 1 worker, ${os.availableParallelism()} CPUs:`);
console.log(line('wrk -t1', figures.wrk));
console.log(line('driver, 1 process', figures.driver1));
console.log(line('driver, 2 processes', figures.driver2));
// What 0.8× wrk would take on a machine where the driver does not share CPUs with the target.
const goal = 0.8 * wrkRps;
const perRequestUs = median(figures.driver1, 'driverCpuUsPerRequest');
console.log(
  `0.8× wrk is ${goal.toFixed(0)} req/s: at ${perRequestUs.toFixed(1)} µs of driver CPU per request that is ${((goal * perRequestUs) / 1e6).toFixed(2)} cores of driver processes, ` +
    `plus ${((goal * median(figures.wrk, 'nginxCpuUsPerRequest')) / 1e6).toFixed(2)} cores for nginx.`,
);
