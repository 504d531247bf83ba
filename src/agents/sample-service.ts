/**
 * The sample service: echo with a configurable body size, optional CPU work and delay per
 * request, and calls to its downstream services (so chains and fan-outs work). Configured
 * by the MESHBENCH_SERVICE environment variable (JSON, see SampleServiceConfig); prints one
 * JSON line `{"event":"listening","port":N}` when ready. Runs as a process on this host or,
 * bundled, in a stock Node container.
 *
 * `GET /_meshbench/stats` answers with the request counter; those calls are not counted, so
 * probes can tell whether a request reached the app.
 */
import http from 'node:http';
import { isMainModule } from './main-module.js';

export interface SampleServiceConfig {
  name: string;
  host: string;
  port: number;
  responseBytes: number;
  cpuWorkUs: number;
  delayMs: number;
  /** Downstreams, called one after another for every request. */
  calls: { name: string; url: string }[];
}

export const statsPath = '/_meshbench/stats';

export function startSampleService(config: SampleServiceConfig): Promise<http.Server> {
  const body = Buffer.alloc(config.responseBytes, 'x');
  // One keep-alive pool per process, like an app's HTTP client; no socket cap so the
  // downstream sees as many connections as there are requests in flight.
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });
  let requests = 0;
  let downstreamErrors = 0;

  const server = http.createServer((req, res) => {
    if (req.url === statsPath) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ service: config.name, requests, downstreamErrors }));
      return;
    }
    requests++;
    req.resume();
    const respond = () => {
      if (config.cpuWorkUs > 0) burnCpu(config.cpuWorkUs);
      callDownstreams(config.calls, agent).then(
        () => {
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length, 'x-meshbench-service': config.name });
          res.end(body);
        },
        (err: Error) => {
          downstreamErrors++;
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`${config.name}: downstream failed: ${err.message}`);
        },
      );
    };
    if (config.delayMs > 0) preciseDelay(config.delayMs, respond);
    else respond();
  });
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve(server));
  });
}

/**
 * A delay that lands on time: setTimeout alone fires up to ~1 ms late on a 1 ms timer wheel,
 * which would make a 2 ms known-answer check read 2.5 ms. Sleep most of it, then yield with
 * setImmediate until the exact moment (other requests still get served meanwhile).
 */
function preciseDelay(ms: number, done: () => void): void {
  const due = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  const poll = () => (process.hrtime.bigint() >= due ? done() : setImmediate(poll));
  if (ms > 1.5) setTimeout(poll, ms - 1.5);
  else poll();
}

function burnCpu(us: number): void {
  const end = process.hrtime.bigint() + BigInt(us) * 1000n;
  while (process.hrtime.bigint() < end);
}

async function callDownstreams(calls: SampleServiceConfig['calls'], agent: http.Agent): Promise<void> {
  for (const call of calls) await get(call.url, agent);
}

function get(url: string, agent: http.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${url} answered ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${url} timed out`)));
    req.on('error', reject);
  });
}

if (isMainModule(import.meta.url)) {
  const raw = process.env.MESHBENCH_SERVICE;
  if (!raw) {
    process.stderr.write('sample-service: set MESHBENCH_SERVICE to its JSON config\n');
    process.exit(2);
  }
  const server = await startSampleService(JSON.parse(raw) as SampleServiceConfig);
  const address = server.address();
  process.stdout.write(JSON.stringify({ event: 'listening', port: typeof address === 'object' && address ? address.port : null }) + '\n');
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
