import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../src/errors.js';
import { diffEnvoyStats, envoyAdminUrl, fetchEnvoyStats, parseEnvoyStats, waitForEnvoyReady } from '../../src/proxies/envoy-admin.js';

/**
 * Hand-written after Envoy's documented `/stats?format=json` output: counters and gauges as
 * {name, value}, text readouts with a string value, one trailing {histograms} entry. Names
 * follow the documented trees: listener.<stat_prefix>.*, listener.<address>.* when no prefix
 * is set, per-worker listener stats, http.<stat_prefix>.*, tcp.<stat_prefix>.*,
 * cluster.<name>.* with ssl.* beneath, and the admin interface's own listener.
 */
const statsFixture = JSON.stringify({
  stats: [
    { name: 'cluster.inbound_app.upstream_cx_total', value: 4 },
    { name: 'cluster.inbound_app.upstream_rq_total', value: 1200 },
    { name: 'cluster.inbound_app.upstream_rq_retry', value: 0 },
    { name: 'cluster.inbound_app.internal.upstream_rq_2xx', value: 1200 },
    { name: 'cluster.outbound_payment.upstream_cx_connect_fail', value: 1 },
    { name: 'cluster.outbound_payment.upstream_cx_total', value: 3 },
    { name: 'cluster.outbound_payment.upstream_rq_per_try_timeout', value: 2 },
    { name: 'cluster.outbound_payment.upstream_rq_pending_overflow', value: 0 },
    { name: 'cluster.outbound_payment.upstream_rq_retry', value: 7 },
    { name: 'cluster.outbound_payment.upstream_rq_retry_overflow', value: 0 },
    { name: 'cluster.outbound_payment.upstream_rq_retry_success', value: 6 },
    { name: 'cluster.outbound_payment.upstream_rq_timeout', value: 1 },
    { name: 'cluster.outbound_payment.upstream_rq_total', value: 1207 },
    { name: 'cluster.outbound_payment.ssl.connection_error', value: 0 },
    { name: 'cluster.outbound_payment.ssl.handshake', value: 3 },
    { name: 'cluster.outbound_payment.ssl.ciphers.TLS_AES_128_GCM_SHA256', value: 3 },
    { name: 'cluster_manager.active_clusters', value: 2 },
    { name: 'http.admin.downstream_rq_total', value: 31 },
    { name: 'http.inbound.downstream_cx_total', value: 5 },
    { name: 'http.inbound.downstream_rq_5xx', value: 2 },
    { name: 'http.inbound.downstream_rq_total', value: 1200 },
    { name: 'http.outbound_payment.downstream_cx_total', value: 2 },
    { name: 'http.outbound_payment.downstream_rq_total', value: 1201 },
    { name: 'http.async-client.rq_total', value: 0 },
    { name: 'listener.admin.downstream_cx_total', value: 31 },
    { name: 'listener.admin.main_thread.downstream_cx_total', value: 31 },
    { name: 'listener.inbound.downstream_cx_total', value: 5 },
    { name: 'listener.inbound.ssl.connection_error', value: 1 },
    { name: 'listener.inbound.ssl.handshake', value: 5 },
    { name: 'listener.inbound.worker_0.downstream_cx_total', value: 3 },
    { name: 'listener.inbound.worker_1.downstream_cx_total', value: 2 },
    { name: 'listener.outbound_payment.downstream_cx_total', value: 2 },
    { name: 'listener.127.0.0.1_15001.downstream_cx_total', value: 9 },
    { name: 'listener_manager.total_listeners_active', value: 3 },
    { name: 'server.concurrency', value: 2 },
    { name: 'server.memory_allocated', value: 7340032 },
    { name: 'server.uptime', value: 42 },
    { name: 'server.version', value: 'b5d4b1d' },
    { name: 'tcp.legacy.downstream_cx_total', value: 11 },
    {
      histograms: {
        supported_quantiles: [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100],
        computed_quantiles: [
          {
            name: 'cluster.outbound_payment.upstream_rq_time',
            values: [
              { interval: null, cumulative: 1.05 },
              { interval: null, cumulative: 2.1 },
            ],
          },
        ],
      },
    },
  ],
});

describe('parseEnvoyStats', () => {
  const stats = parseEnvoyStats(statsFixture);

  it('picks per-listener counters, including TLS handshakes, skipping workers and the admin listener', () => {
    expect(stats.listeners).toEqual({
      inbound: { downstreamCxTotal: 5, sslHandshakes: 5, sslConnectionErrors: 1 },
      outbound_payment: { downstreamCxTotal: 2, sslHandshakes: 0, sslConnectionErrors: 0 },
      // A listener without stat_prefix is named by its address, dots and all.
      '127.0.0.1_15001': { downstreamCxTotal: 9, sslHandshakes: 0, sslConnectionErrors: 0 },
    });
  });

  it('picks per-cluster counters, telling upstream_rq_retry from upstream_rq_retry_success', () => {
    expect(stats.clusters.outbound_payment).toEqual({
      upstreamRqTotal: 1207,
      upstreamRqRetry: 7,
      upstreamRqRetrySuccess: 6,
      upstreamRqTimeout: 1,
      upstreamRqPerTryTimeout: 2,
      upstreamRqPendingOverflow: 0,
      upstreamCxTotal: 3,
      upstreamCxConnectFail: 1,
      sslHandshakes: 3,
      sslConnectionErrors: 0,
    });
    expect(Object.keys(stats.clusters)).toEqual(['inbound_app', 'outbound_payment']);
  });

  it('picks connection manager and TCP proxy counters', () => {
    expect(stats.httpConnectionManagers).toEqual({
      inbound: { downstreamRqTotal: 1200, downstreamCxTotal: 5, downstreamRq5xx: 2 },
      outbound_payment: { downstreamRqTotal: 1201, downstreamCxTotal: 2, downstreamRq5xx: 0 },
    });
    expect(stats.tcpProxies).toEqual({ legacy: { downstreamCxTotal: 11 } });
  });

  it('sums totals without the admin interface', () => {
    expect(stats.totals).toEqual({
      downstreamCxTotal: 16,
      downstreamRqTotal: 2401,
      upstreamRqTotal: 2407,
      upstreamRqRetry: 7,
      upstreamCxTotal: 7,
      downstreamSslHandshakes: 5,
      upstreamSslHandshakes: 3,
    });
  });

  it('reads the server gauges', () => {
    expect(stats.server).toEqual({ concurrency: 2, memoryAllocatedBytes: 7340032, uptimeSeconds: 42 });
  });

  it('accepts an already parsed document and an empty one', () => {
    expect(parseEnvoyStats(JSON.parse(statsFixture))).toEqual(stats);
    expect(parseEnvoyStats('{"stats":[]}').totals.downstreamRqTotal).toBe(0);
  });

  it('rejects what is not /stats?format=json output', () => {
    expect(() => parseEnvoyStats('cluster.x.upstream_rq_total: 3')).toThrow(/not JSON/);
    expect(() => parseEnvoyStats('{"counters":[]}')).toThrow(/expected \{"stats"/);
  });
});

describe('diffEnvoyStats', () => {
  it('subtracts counters and keeps the later gauges', () => {
    const before = parseEnvoyStats(
      JSON.stringify({
        stats: [
          { name: 'cluster.outbound_payment.upstream_rq_total', value: 1000 },
          { name: 'cluster.outbound_payment.upstream_rq_retry', value: 5 },
          { name: 'http.outbound_payment.downstream_rq_total', value: 1000 },
          { name: 'server.concurrency', value: 2 },
          { name: 'server.uptime', value: 30 },
        ],
      }),
    );
    const window = diffEnvoyStats(before, parseEnvoyStats(statsFixture));
    expect(window.clusters.outbound_payment.upstreamRqTotal).toBe(207);
    expect(window.clusters.outbound_payment.upstreamRqRetry).toBe(2);
    expect(window.clusters.inbound_app.upstreamRqTotal).toBe(1200);
    expect(window.httpConnectionManagers.outbound_payment.downstreamRqTotal).toBe(201);
    expect(window.totals.upstreamRqRetry).toBe(2);
    expect(window.server.uptimeSeconds).toBe(42);
  });
});

describe('admin interface over HTTP', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  /** A stand-in for Envoy's admin interface on a free loopback port. */
  async function fakeAdmin(handler: (path: string) => { status: number; body: string }): Promise<string> {
    server = createServer((req, res) => {
      const { status, body } = handler(req.url ?? '/');
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return envoyAdminUrl((server!.address() as AddressInfo).port);
  }

  it('fetchEnvoyStats asks for JSON and parses it', async () => {
    const paths: string[] = [];
    const url = await fakeAdmin((path) => {
      paths.push(path);
      return { status: 200, body: statsFixture };
    });
    const stats = await fetchEnvoyStats(url);
    expect(paths).toEqual(['/stats?format=json']);
    expect(stats.totals.upstreamRqRetry).toBe(7);
  });

  it('fetchEnvoyStats reports a non-200 answer as an environment error', async () => {
    const url = await fakeAdmin(() => ({ status: 503, body: 'nope' }));
    await expect(fetchEnvoyStats(url)).rejects.toThrow(EnvironmentError);
  });

  it('waitForEnvoyReady polls /ready until LIVE', async () => {
    let polls = 0;
    const url = await fakeAdmin((path) => {
      expect(path).toBe('/ready');
      polls++;
      return polls < 3 ? { status: 503, body: 'PRE_INITIALIZING\n' } : { status: 200, body: 'LIVE\n' };
    });
    await waitForEnvoyReady(url, 5000, { intervalMs: 10 });
    expect(polls).toBe(3);
  });

  it('waitForEnvoyReady gives up with the last state it saw', async () => {
    const url = await fakeAdmin(() => ({ status: 503, body: 'INITIALIZING\n' }));
    await expect(waitForEnvoyReady(url, 200, { intervalMs: 20 })).rejects.toThrow(/not ready within 200 ms \(last: HTTP 503 INITIALIZING\)/);
  });

  it('waitForEnvoyReady reports a refused connection when nothing listens', async () => {
    const url = await fakeAdmin(() => ({ status: 200, body: 'LIVE' }));
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const error = await waitForEnvoyReady(url, 150, { intervalMs: 20 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('waitForEnvoyReady stops when aborted', async () => {
    const url = await fakeAdmin(() => ({ status: 503, body: 'PRE_INITIALIZING' }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stopped by test')), 50);
    await expect(waitForEnvoyReady(url, 10_000, { intervalMs: 10, signal: controller.signal })).rejects.toThrow('stopped by test');
  });
});
