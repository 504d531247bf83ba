/**
 * Reading a running Envoy through its admin interface: readiness (`/ready`) and counters
 * (`/stats?format=json`). The parser is pure; the two fetchers use node:http against the
 * loopback admin port that envoy.ts configures.
 *
 * Counters are cumulative over Envoy's life; diffEnvoyStats turns two snapshots into the
 * figures of one trial window.
 */
import { request } from 'node:http';
import { EnvironmentError } from '../errors.js';
import { envoyAdminAddress } from './envoy.js';

export interface EnvoyListenerCounters {
  downstreamCxTotal: number;
  /** TLS handshakes completed (mtls mode); 0 without TLS. */
  sslHandshakes: number;
  sslConnectionErrors: number;
}

/** One http_connection_manager, by its stat_prefix. */
export interface EnvoyHttpCounters {
  downstreamRqTotal: number;
  downstreamCxTotal: number;
  downstreamRq5xx: number;
}

/** One tcp_proxy, by its stat_prefix. */
export interface EnvoyTcpProxyCounters {
  downstreamCxTotal: number;
}

export interface EnvoyClusterCounters {
  upstreamRqTotal: number;
  upstreamRqRetry: number;
  upstreamRqRetrySuccess: number;
  upstreamRqTimeout: number;
  upstreamRqPerTryTimeout: number;
  upstreamRqPendingOverflow: number;
  upstreamCxTotal: number;
  upstreamCxConnectFail: number;
  sslHandshakes: number;
  sslConnectionErrors: number;
}

/** Sums over every listener, connection manager, TCP proxy and cluster except the admin interface's own. */
export interface EnvoyStatsTotals {
  downstreamCxTotal: number;
  downstreamRqTotal: number;
  upstreamRqTotal: number;
  upstreamRqRetry: number;
  upstreamCxTotal: number;
  downstreamSslHandshakes: number;
  upstreamSslHandshakes: number;
}

export interface EnvoyStats {
  totals: EnvoyStatsTotals;
  /** By listener stat_prefix (envoy.ts names them `inbound`, `outbound_<service>`). */
  listeners: Record<string, EnvoyListenerCounters>;
  httpConnectionManagers: Record<string, EnvoyHttpCounters>;
  tcpProxies: Record<string, EnvoyTcpProxyCounters>;
  clusters: Record<string, EnvoyClusterCounters>;
  server: {
    /** Worker threads Envoy runs (`--concurrency`), to confirm the flag took effect. */
    concurrency: number | null;
    memoryAllocatedBytes: number | null;
    uptimeSeconds: number | null;
  };
}

const listenerCounters = {
  downstream_cx_total: 'downstreamCxTotal',
  'ssl.handshake': 'sslHandshakes',
  'ssl.connection_error': 'sslConnectionErrors',
} as const satisfies Record<string, keyof EnvoyListenerCounters>;

const httpCounters = {
  downstream_rq_total: 'downstreamRqTotal',
  downstream_cx_total: 'downstreamCxTotal',
  downstream_rq_5xx: 'downstreamRq5xx',
} as const satisfies Record<string, keyof EnvoyHttpCounters>;

const tcpCounters = { downstream_cx_total: 'downstreamCxTotal' } as const satisfies Record<string, keyof EnvoyTcpProxyCounters>;

const clusterCounters = {
  upstream_rq_total: 'upstreamRqTotal',
  upstream_rq_retry: 'upstreamRqRetry',
  upstream_rq_retry_success: 'upstreamRqRetrySuccess',
  upstream_rq_timeout: 'upstreamRqTimeout',
  upstream_rq_per_try_timeout: 'upstreamRqPerTryTimeout',
  upstream_rq_pending_overflow: 'upstreamRqPendingOverflow',
  upstream_cx_total: 'upstreamCxTotal',
  upstream_cx_connect_fail: 'upstreamCxConnectFail',
  'ssl.handshake': 'sslHandshakes',
  'ssl.connection_error': 'sslConnectionErrors',
} as const satisfies Record<string, keyof EnvoyClusterCounters>;

const zeroListener = (): EnvoyListenerCounters => ({ downstreamCxTotal: 0, sslHandshakes: 0, sslConnectionErrors: 0 });
const zeroHttp = (): EnvoyHttpCounters => ({ downstreamRqTotal: 0, downstreamCxTotal: 0, downstreamRq5xx: 0 });
const zeroTcp = (): EnvoyTcpProxyCounters => ({ downstreamCxTotal: 0 });
const zeroCluster = (): EnvoyClusterCounters => ({
  upstreamRqTotal: 0,
  upstreamRqRetry: 0,
  upstreamRqRetrySuccess: 0,
  upstreamRqTimeout: 0,
  upstreamRqPerTryTimeout: 0,
  upstreamRqPendingOverflow: 0,
  upstreamCxTotal: 0,
  upstreamCxConnectFail: 0,
  sslHandshakes: 0,
  sslConnectionErrors: 0,
});

/** Owners that are sub-scopes of another owner's stats, not listeners or clusters of their own. */
const subScope = /\.(worker_\d+|main_thread|internal|external|canary)$/;
/** The admin interface's own listener and connection manager. */
const adminOwners = new Set(['admin']);

/**
 * Parses `/stats?format=json`: `{"stats": [{"name", "value"}, ..., {"histograms": {...}}]}`.
 * Names are dot-joined and listener names may contain dots (an address when no stat_prefix
 * is set), so each name is matched on its known suffix.
 */
export function parseEnvoyStats(json: string | unknown): EnvoyStats {
  const document: unknown = typeof json === 'string' ? parseJson(json) : json;
  if (typeof document !== 'object' || document === null || !Array.isArray((document as { stats?: unknown }).stats)) {
    throw new Error('not Envoy /stats?format=json output: expected {"stats": [...]}');
  }
  const stats: EnvoyStats = {
    totals: {
      downstreamCxTotal: 0,
      downstreamRqTotal: 0,
      upstreamRqTotal: 0,
      upstreamRqRetry: 0,
      upstreamCxTotal: 0,
      downstreamSslHandshakes: 0,
      upstreamSslHandshakes: 0,
    },
    listeners: {},
    httpConnectionManagers: {},
    tcpProxies: {},
    clusters: {},
    server: { concurrency: null, memoryAllocatedBytes: null, uptimeSeconds: null },
  };

  for (const entry of (document as { stats: unknown[] }).stats) {
    // Histograms and text readouts carry no counter we use.
    if (typeof entry !== 'object' || entry === null) continue;
    const { name, value } = entry as { name?: unknown; value?: unknown };
    if (typeof name !== 'string' || typeof value !== 'number') continue;

    if (name === 'server.concurrency') stats.server.concurrency = value;
    else if (name === 'server.memory_allocated') stats.server.memoryAllocatedBytes = value;
    else if (name === 'server.uptime') stats.server.uptimeSeconds = value;
    else if (name.startsWith('listener.')) record(stats.listeners, name.slice('listener.'.length), listenerCounters, zeroListener, value);
    else if (name.startsWith('http.')) record(stats.httpConnectionManagers, name.slice('http.'.length), httpCounters, zeroHttp, value);
    else if (name.startsWith('tcp.')) record(stats.tcpProxies, name.slice('tcp.'.length), tcpCounters, zeroTcp, value);
    else if (name.startsWith('cluster.')) record(stats.clusters, name.slice('cluster.'.length), clusterCounters, zeroCluster, value);
  }

  const { totals } = stats;
  for (const listener of Object.values(stats.listeners)) {
    totals.downstreamCxTotal += listener.downstreamCxTotal;
    totals.downstreamSslHandshakes += listener.sslHandshakes;
  }
  for (const manager of Object.values(stats.httpConnectionManagers)) totals.downstreamRqTotal += manager.downstreamRqTotal;
  for (const cluster of Object.values(stats.clusters)) {
    totals.upstreamRqTotal += cluster.upstreamRqTotal;
    totals.upstreamRqRetry += cluster.upstreamRqRetry;
    totals.upstreamCxTotal += cluster.upstreamCxTotal;
    totals.upstreamSslHandshakes += cluster.sslHandshakes;
  }
  return stats;
}

function record<C extends object>(
  into: Record<string, C>,
  rest: string,
  counters: Record<string, keyof C>,
  zero: () => C,
  value: number,
): void {
  for (const [suffix, key] of Object.entries(counters)) {
    if (!rest.endsWith(`.${suffix}`)) continue;
    const owner = rest.slice(0, -suffix.length - 1);
    if (owner === '' || subScope.test(owner) || adminOwners.has(owner)) return;
    const target = (into[owner] ??= zero());
    (target as Record<keyof C, number>)[key] = value;
    return;
  }
}

/** Counters of `after` minus `before`, for one window; owners new in `after` count from 0. */
export function diffEnvoyStats(before: EnvoyStats, after: EnvoyStats): EnvoyStats {
  const subtract = <C extends object>(a: Record<string, C>, b: Record<string, C>): Record<string, C> =>
    Object.fromEntries(
      Object.entries(a).map(([owner, counters]) => [
        owner,
        Object.fromEntries(
          Object.entries(counters).map(([key, value]) => [key, (value as number) - (((b[owner] ?? {}) as Record<string, number>)[key] ?? 0)]),
        ) as C,
      ]),
    );
  return {
    totals: subtract({ t: after.totals }, { t: before.totals }).t,
    listeners: subtract(after.listeners, before.listeners),
    httpConnectionManagers: subtract(after.httpConnectionManagers, before.httpConnectionManagers),
    tcpProxies: subtract(after.tcpProxies, before.tcpProxies),
    clusters: subtract(after.clusters, before.clusters),
    // Gauges: the later reading is the one that describes the window's end.
    server: after.server,
  };
}

/** Base URL of a sidecar's admin interface, as envoy.ts binds it. */
export function envoyAdminUrl(adminPort: number): string {
  return `http://${envoyAdminAddress}:${adminPort}`;
}

export interface AdminRequestOptions {
  /** Per request; the admin interface answers in milliseconds when Envoy is healthy. */
  requestTimeoutMs?: number;
  signal?: AbortSignal;
}

/** One snapshot of the counters from `GET /stats?format=json`. */
export async function fetchEnvoyStats(adminUrl: string, options: AdminRequestOptions = {}): Promise<EnvoyStats> {
  const url = new URL('/stats?format=json', adminUrl);
  let response: AdminResponse;
  try {
    response = await get(url, options.requestTimeoutMs ?? 5000, options.signal);
  } catch (err) {
    throw new EnvironmentError(`cannot read Envoy stats from ${url}: ${(err as Error).message}`, undefined, { cause: err });
  }
  if (response.status !== 200) throw new EnvironmentError(`Envoy stats at ${url} answered HTTP ${response.status}: ${response.body.slice(0, 200)}`);
  try {
    return parseEnvoyStats(response.body);
  } catch (err) {
    throw new EnvironmentError(`cannot parse Envoy stats from ${url}: ${(err as Error).message}`, undefined, { cause: err });
  }
}

export interface WaitForReadyOptions extends AdminRequestOptions {
  intervalMs?: number;
}

/**
 * Polls `GET /ready` until Envoy answers 200 `LIVE` (listeners bound, clusters initialised).
 * Throws EnvironmentError with the last state seen (e.g. PRE_INITIALIZING, ECONNREFUSED)
 * when `timeoutMs` runs out.
 */
export async function waitForEnvoyReady(adminUrl: string, timeoutMs: number, options: WaitForReadyOptions = {}): Promise<void> {
  const url = new URL('/ready', adminUrl);
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastState = 'no answer yet';
  for (;;) {
    options.signal?.throwIfAborted();
    const requestTimeoutMs = options.requestTimeoutMs ?? 1000;
    const remainingMs = Math.max(1, deadline - Date.now());
    try {
      const response = await get(url, Math.min(requestTimeoutMs, remainingMs), options.signal);
      const state = response.body.trim();
      if (response.status === 200 && state === 'LIVE') return;
      lastState = `HTTP ${response.status} ${state.slice(0, 100)}`;
    } catch (err) {
      options.signal?.throwIfAborted();
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      // A last poll cut short by our own deadline says nothing about Envoy: keep what it last answered.
      const cutByDeadline = code === 'ETIMEDOUT' && remainingMs < requestTimeoutMs && lastState.startsWith('HTTP');
      if (!cutByDeadline) lastState = code;
    }
    if (Date.now() + intervalMs > deadline) break;
    await sleep(intervalMs, options.signal);
  }
  throw new EnvironmentError(
    `Envoy at ${adminUrl} was not ready within ${timeoutMs} ms (last: ${lastState})`,
    "check the sidecar's Envoy log; `envoy --mode validate --config-path FILE` shows config errors",
  );
}

interface AdminResponse {
  status: number;
  body: string;
}

function get(url: URL, timeoutMs: number, signal?: AbortSignal): Promise<AdminResponse> {
  return new Promise((resolve, reject) => {
    // agent: false: a fresh connection per poll, so a stale keep-alive socket can't hide a restart.
    const req = request(url, { method: 'GET', agent: false, signal, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`);
  }
}
