import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  durationFromMs,
  envoyLaunchArgs,
  envoyResourceNames,
  envoyTypeUrlsUsed,
  envoyValidateArgs,
  istioDefaultRetryOn,
  istioExamplePolicy,
  renderEnvoyBootstrap,
  renderEnvoyYaml,
  type EnvoyOptions,
} from '../../src/proxies/envoy.js';
import { loadEnvoyApi, validateEnvoyBootstrap, validateEnvoyMessage } from '../../src/proxies/envoy-validate.js';
import type { IdentityFiles, OutboundListener, ProxyMode, SidecarSpec } from '../../src/proxies/sidecar-spec.js';

function identity(name: string): IdentityFiles {
  return {
    caFile: '/run/meshbench/pki/ca.pem',
    certFile: `/run/meshbench/pki/${name}.pem`,
    keyFile: `/run/meshbench/pki/${name}-key.pem`,
    certKeyFile: `/run/meshbench/pki/${name}-combined.pem`,
    spiffeId: `spiffe://cluster.local/ns/default/sa/${name}`,
    dnsName: `${name}.default.svc.cluster.local`,
  };
}

function outbound(service: string, listenPort: number, upstreamPort: number): OutboundListener {
  return {
    service,
    listenPort,
    upstreamPort,
    upstreamDnsName: `${service}.default.svc.cluster.local`,
    upstreamSpiffeId: `spiffe://cluster.local/ns/default/sa/${service}`,
  };
}

const pods = {
  /** A leaf service: only an inbound listener. */
  'inbound-only': { podName: 'payment', inbound: { listenPort: 21006, appPort: 21080 }, outbound: [] },
  /** The load generator's pod: only outbound listeners. */
  'outbound-only': { podName: 'loadgen', outbound: [outbound('frontend', 20001, 22006)] },
  /** A service in the middle of a chain, calling two others. */
  both: {
    podName: 'frontend',
    inbound: { listenPort: 22006, appPort: 22080 },
    outbound: [outbound('inventory', 22001, 23006), outbound('payment', 22002, 21006)],
  },
} satisfies Record<string, Pick<SidecarSpec, 'podName' | 'inbound' | 'outbound'>>;
type PodKind = keyof typeof pods;

interface Rung {
  mode: ProxyMode;
  options: EnvoyOptions;
}
const rungs: Record<string, Rung> = {
  tcp: { mode: 'tcp', options: {} },
  http: { mode: 'http', options: {} },
  mtls: { mode: 'mtls', options: {} },
  'mtls+policy': { mode: 'mtls', options: { policy: istioExamplePolicy } },
  'mtls+policy+accesslog': { mode: 'mtls', options: { policy: istioExamplePolicy, accessLogPath: '/tmp/meshbench-run/frontend/access.log' } },
};

function spec(pod: PodKind, mode: ProxyMode): SidecarSpec {
  const p = pods[pod];
  return {
    ...p,
    mode,
    host: '127.0.0.1',
    workDir: `/tmp/meshbench-run/${p.podName}`,
    workers: 2,
    adminPort: 15000,
    identity: mode === 'mtls' ? identity(p.podName) : undefined,
  };
}

type Json = Record<string, any>;
const listeners = (b: Json): Json[] => b.static_resources.listeners;
const clusters = (b: Json): Json[] => b.static_resources.clusters;
const byName = (items: Json[], name: string): Json => {
  const found = items.find((x) => x.name === name);
  if (!found) throw new Error(`no ${name} among ${items.map((x) => x.name).join(', ')}`);
  return found;
};
const firstFilter = (listener: Json): Json => listener.filter_chains[0].filters[0];
const firstRoute = (listener: Json): Json => firstFilter(listener).typed_config.route_config.virtual_hosts[0].routes[0];

describe('renderEnvoyBootstrap passes the check against Envoy\'s API', () => {
  for (const [rungName, rung] of Object.entries(rungs)) {
    for (const pod of Object.keys(pods) as PodKind[]) {
      it(`${rungName}, ${pod} pod`, () => {
        const bootstrap = renderEnvoyBootstrap(spec(pod, rung.mode), rung.options);
        expect(validateEnvoyBootstrap(bootstrap)).toEqual({ ok: true, problems: [], warnings: [] });
      });
    }
  }
});

describe('renderEnvoyBootstrap: the ladder', () => {
  it('tcp: every listener is a tcp_proxy to its cluster, no HTTP options on clusters', () => {
    const b = renderEnvoyBootstrap(spec('both', 'tcp'));
    for (const listener of listeners(b)) {
      const filter = firstFilter(listener);
      expect(filter.name).toBe('envoy.filters.network.tcp_proxy');
      expect(filter.typed_config['@type']).toBe('type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy');
      expect(filter.typed_config.stat_prefix).toBe(listener.name);
      expect(clusters(b).map((c) => c.name)).toContain(filter.typed_config.cluster);
    }
    for (const cluster of clusters(b)) expect(cluster.typed_extension_protocol_options).toBeUndefined();
  });

  it('http: connection manager with the router, upstream HTTP/1.1 pooled, no route timeout', () => {
    const b = renderEnvoyBootstrap(spec('both', 'http'));
    for (const listener of listeners(b)) {
      const config = firstFilter(listener).typed_config;
      expect(config['@type']).toMatch(/HttpConnectionManager$/);
      expect(config.http_filters).toEqual([
        { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
      ]);
      expect(firstRoute(listener).route.timeout).toBe('0s');
      expect(firstRoute(listener).route.retry_policy).toBeUndefined();
      expect(listener.filter_chains[0].transport_socket).toBeUndefined();
    }
    for (const cluster of clusters(b)) {
      const options = cluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
      expect(options.explicit_http_config).toEqual({ http_protocol_options: {} });
      expect(cluster.transport_socket).toBeUndefined();
    }
    const inbound = byName(listeners(b), 'inbound');
    expect(firstFilter(inbound).typed_config.route_config.response_headers_to_add[0].header).toEqual({
      key: 'x-meshbench-proxy',
      value: 'inbound-envoy',
    });
  });

  it('mtls: inbound requires a client certificate from the CA; outbound pins the SPIFFE ID', () => {
    const s = spec('both', 'mtls');
    const b = renderEnvoyBootstrap(s);
    const inboundTls = byName(listeners(b), 'inbound').filter_chains[0].transport_socket.typed_config;
    expect(inboundTls['@type']).toBe('type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext');
    expect(inboundTls.require_client_certificate).toBe(true);
    expect(inboundTls.common_tls_context.validation_context).toEqual({ trusted_ca: { filename: s.identity!.caFile } });
    expect(inboundTls.common_tls_context.tls_certificates).toEqual([
      { certificate_chain: { filename: s.identity!.certFile }, private_key: { filename: s.identity!.keyFile } },
    ]);

    for (const out of s.outbound) {
      const cluster = byName(clusters(b), `outbound_${out.service}`);
      const tls = cluster.transport_socket.typed_config;
      expect(tls['@type']).toBe('type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext');
      expect(tls.sni).toBe(out.upstreamDnsName);
      expect(tls.common_tls_context.tls_certificates[0].certificate_chain.filename).toBe(s.identity!.certFile);
      expect(tls.common_tls_context.validation_context.match_typed_subject_alt_names).toEqual([
        { san_type: 'URI', matcher: { exact: out.upstreamSpiffeId } },
      ]);
      // Envoy's client default tops out at TLS 1.2; HAProxy and nginx would negotiate 1.3.
      expect(tls.common_tls_context.tls_params.tls_maximum_protocol_version).toBe('TLSv1_3');
    }
    // The app's own cluster stays plain: the app listens on loopback behind the sidecar.
    expect(byName(clusters(b), 'inbound_app').transport_socket).toBeUndefined();
  });

  it('policy: Istio\'s VirtualService timeout and retries on outbound routes only', () => {
    const b = renderEnvoyBootstrap(spec('both', 'mtls'), { policy: istioExamplePolicy });
    for (const name of ['outbound_inventory', 'outbound_payment']) {
      const route = firstRoute(byName(listeners(b), name)).route;
      expect(route.timeout).toBe('2s');
      expect(route.retry_policy).toMatchObject({
        retry_on: istioDefaultRetryOn,
        num_retries: 3,
        per_try_timeout: '0.500s',
        retriable_status_codes: [503],
      });
    }
    const inboundRoute = firstRoute(byName(listeners(b), 'inbound')).route;
    expect(inboundRoute.timeout).toBe('0s');
    expect(inboundRoute.retry_policy).toBeUndefined();
  });

  it('policy: a custom retryOn replaces Istio\'s default', () => {
    const b = renderEnvoyBootstrap(spec('outbound-only', 'http'), {
      policy: { timeoutMs: 1500, retries: { attempts: 1, perTryTimeoutMs: 250, retryOn: '5xx,reset' } },
    });
    const route = firstRoute(listeners(b)[0]).route;
    expect(route.timeout).toBe('1.500s');
    expect(route.retry_policy).toMatchObject({ retry_on: '5xx,reset', num_retries: 1, per_try_timeout: '0.250s' });
  });

  it('accesslog: every connection manager logs to the file in Istio\'s format', () => {
    const path = '/tmp/meshbench-run/frontend/access.log';
    const b = renderEnvoyBootstrap(spec('both', 'mtls'), { policy: istioExamplePolicy, accessLogPath: path });
    for (const listener of listeners(b)) {
      const [log] = firstFilter(listener).typed_config.access_log;
      expect(log.name).toBe('envoy.access_loggers.file');
      expect(log.typed_config.path).toBe(path);
      expect(log.typed_config.log_format.text_format_source.inline_string).toMatch(/^\[%START_TIME%\].*%ROUTE_NAME%\n$/);
    }
  });

  it('accesslog works without HTTP too (tcp_proxy logs connections)', () => {
    const b = renderEnvoyBootstrap(spec('both', 'tcp'), { accessLogPath: '/tmp/a.log' });
    expect(firstFilter(listeners(b)[0]).typed_config.access_log[0].typed_config.path).toBe('/tmp/a.log');
    expect(validateEnvoyBootstrap(b).problems).toEqual([]);
  });

  it('binds the admin interface to loopback on the spec\'s admin port', () => {
    const b = renderEnvoyBootstrap({ ...spec('both', 'http'), adminPort: 15123 });
    expect(b.admin).toEqual({ address: { socket_address: { address: '127.0.0.1', port_value: 15123 } } });
  });

  it('uses static clusters on the spec\'s host, with Istio\'s lifted circuit breakers', () => {
    const b = renderEnvoyBootstrap(spec('both', 'http'));
    const app = byName(clusters(b), 'inbound_app');
    expect(app.type).toBe('STATIC');
    expect(app.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 22080 });
    expect(app.circuit_breakers.thresholds[0].max_retries).toBe(4294967295);
  });

  it('names resources without dots so stat names stay parseable', () => {
    const names = envoyResourceNames({ inbound: { listenPort: 1, appPort: 2 }, outbound: [outbound('payment.v2', 3, 4)] });
    expect(names).toEqual({
      inbound: { listener: 'inbound', cluster: 'inbound_app' },
      outbound: [{ service: 'payment.v2', listener: 'outbound_payment_v2', cluster: 'outbound_payment_v2' }],
    });
  });

  it('refuses what it cannot express', () => {
    expect(() => renderEnvoyBootstrap(spec('both', 'tcp'), { policy: istioExamplePolicy })).toThrow(/needs an HTTP mode/);
    expect(() => renderEnvoyBootstrap({ ...spec('both', 'http'), adminPort: undefined })).toThrow(/needs an adminPort/);
    expect(() => renderEnvoyBootstrap({ ...spec('both', 'mtls'), identity: undefined })).toThrow(/needs an identity/);
    expect(() =>
      renderEnvoyBootstrap(spec('both', 'http'), { policy: { timeoutMs: 2000, retries: { attempts: -1, perTryTimeoutMs: 500 } } }),
    ).toThrow(/attempts must be an integer >= 0/);
    expect(() => renderEnvoyBootstrap(spec('both', 'http'), { accessLogPath: 'relative.log' })).toThrow(/absolute path/);
  });

  it('emits only @types the validator has loaded', () => {
    loadEnvoyApi();
    for (const url of envoyTypeUrlsUsed) {
      const { problems } = validateEnvoyMessage('google.protobuf.Any', { '@type': url });
      expect(problems.filter((p) => p.includes('@type'))).toEqual([]);
    }
  });
});

describe('renderEnvoyYaml', () => {
  for (const [rungName, rung] of Object.entries(rungs)) {
    it(`matches the snapshot for ${rungName}`, async () => {
      const text = renderEnvoyYaml(spec('both', rung.mode), rung.options);
      await expect(text).toMatchFileSnapshot(`./__snapshots__/envoy-${rungName.replaceAll('+', '-')}.yaml`);
    });
  }

  it('parses back to exactly the bootstrap object, without YAML anchors', () => {
    for (const rung of Object.values(rungs)) {
      const s = spec('both', rung.mode);
      const text = renderEnvoyYaml(s, rung.options);
      expect(parse(text)).toEqual(renderEnvoyBootstrap(s, rung.options));
      expect(text).not.toMatch(/[&*]a\d/);
    }
  });
});

describe('durationFromMs', () => {
  it('writes proto3 JSON durations with 0, 3, 6 or 9 decimals', () => {
    expect(durationFromMs(2000)).toBe('2s');
    expect(durationFromMs(500)).toBe('0.500s');
    expect(durationFromMs(1)).toBe('0.001s');
    expect(durationFromMs(0)).toBe('0s');
    expect(durationFromMs(0.25)).toBe('0.000250s');
    expect(durationFromMs(1234.5678)).toBe('1.234567800s');
    expect(() => durationFromMs(-1)).toThrow();
  });
});

describe('envoy command lines', () => {
  it('runs in the foreground with its own base id, concurrency and log level', () => {
    expect(envoyLaunchArgs({ configPath: '/w/envoy.yaml', baseId: 7, concurrency: 2, logPath: '/w/envoy.log' })).toEqual([
      '--config-path',
      '/w/envoy.yaml',
      '--base-id',
      '7',
      '--concurrency',
      '2',
      '--log-level',
      'warn',
      '--log-path',
      '/w/envoy.log',
      '--disable-hot-restart',
    ]);
    expect(envoyLaunchArgs({ configPath: '/w/envoy.yaml', baseId: 0, concurrency: 1 })).not.toContain('--log-path');
    expect(() => envoyLaunchArgs({ configPath: '/w/envoy.yaml', baseId: -1, concurrency: 1 })).toThrow(/baseId/);
    expect(() => envoyLaunchArgs({ configPath: '/w/envoy.yaml', baseId: 1, concurrency: 0 })).toThrow(/concurrency/);
  });

  it('validates a config without serving', () => {
    expect(envoyValidateArgs('/w/envoy.yaml')).toEqual(['--mode', 'validate', '--config-path', '/w/envoy.yaml', '--log-level', 'warn']);
  });
});
