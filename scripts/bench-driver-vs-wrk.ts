/**
 * Benchmark (not a test): the closed-loop driver's highest rate against wrk's, on the same
 * static nginx target in the same run, interleaved and repeated.
 *
 *   npx tsx scripts/bench-driver-vs-wrk.ts [rounds=3] [seconds=5]
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
import { findProxyBinary, proxyLaunch } from '../src/proxies/proxy-binaries.js';

const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 5);
const connections = 32;
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
await supervisor.start({ name: 'nginx-static', command: launch.command, args: launch.args, readyPort: port });
const url = `http://127.0.0.1:${port}/`;

async function wrk(): Promise<number> {
  const { stdout } = await promisify(execFile)('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, url]);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)![1]);
}

/** The driver as a trial runs it: `processes` agent processes sharing the connections, results merged. */
async function driver(processes: number): Promise<number> {
  const run = closedLoopGenerator.start(url, { connections, processes, durationSeconds: seconds, warmupSeconds: 0.5, requestTimeoutSeconds: 10 }, {});
  try {
    await run.warmedUp;
    run.measure();
    const result = await run.result;
    // As the trial record computes it: every response over the longest process's window.
    return result.responses / (result.measuredMs / 1000);
  } finally {
    await run.stop();
  }
}

const figures = { wrk: [] as number[], driver1: [] as number[], driver2: [] as number[] };
try {
  for (let i = 0; i < rounds; i++) {
    figures.wrk.push(await wrk());
    figures.driver1.push(await driver(1));
    figures.driver2.push(await driver(2));
    console.log(`round ${i + 1}: wrk ${figures.wrk[i].toFixed(0)}, driver ×1 ${figures.driver1[i].toFixed(0)}, driver ×2 ${figures.driver2[i].toFixed(0)} req/s`);
  }
} finally {
  await supervisor.stopAll();
}
const median = (xs: number[]) => ss.median(xs);
console.log(`\nmedian over ${rounds} rounds of ${seconds} s, ${connections} connections, nginx static with 1 worker:`);
console.log(`wrk -t1            ${median(figures.wrk).toFixed(0)} req/s`);
console.log(`driver, 1 process  ${median(figures.driver1).toFixed(0)} req/s  (${(median(figures.driver1) / median(figures.wrk)).toFixed(2)}× wrk)`);
console.log(`driver, 2 processes ${median(figures.driver2).toFixed(0)} req/s  (${(median(figures.driver2) / median(figures.wrk)).toFixed(2)}× wrk)`);
