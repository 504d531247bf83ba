/**
 * Envoy v3 static bootstrap for one pod's sidecar, from a SidecarSpec. Pure: same spec, same
 * object. Shaped the way Istio configures its sidecar for the same traffic, so the cost we
 * measure is the cost Istio users pay; where Istio's choices would distort a comparison
 * (its stats inclusion list) we say so below.
 *
 * The object is proto3 JSON of envoy.config.bootstrap.v3.Bootstrap with the snake_case field
 * names Envoy's YAML uses; envoy-validate.ts checks it against Envoy's own protos. Envoy is
 * started with `envoy --config-path FILE` (see envoyLaunchArgs).
 */
import { stringify } from 'yaml';
import { checkSidecarSpec, configName, proxyHeaderName } from './haproxy.js';
import type { IdentityFiles, OutboundListener, SidecarSpec } from './sidecar-spec.js';

/** Istio's default `retryOn` (what a VirtualService gets when it names none). */
export const istioDefaultRetryOn = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

export interface EnvoyRetryPolicy {
  /** Retries after the first try (Istio `retries.attempts`, Envoy `num_retries`). */
  attempts: number;
  perTryTimeoutMs: number;
  /** Envoy `retry_on`; defaults to istioDefaultRetryOn. */
  retryOn?: string;
}

/** Route timeout and retries, as an Istio VirtualService on the calling side sets them. */
export interface EnvoyRoutePolicy {
  timeoutMs: number;
  retries: EnvoyRetryPolicy;
}

/** The policy of Istio's documented example: `timeout: 2s, retries: {attempts: 3, perTryTimeout: 500ms}`. */
export const istioExamplePolicy: EnvoyRoutePolicy = { timeoutMs: 2000, retries: { attempts: 3, perTryTimeoutMs: 500 } };

/** The rungs above `mtls`, which SidecarSpec.mode does not express. */
export interface EnvoyOptions {
  /** Timeout and retries on every outbound route (the `policy` rung). */
  policy?: EnvoyRoutePolicy;
  /** File every listener logs each request (or TCP connection) to (the `accesslog` rung). */
  accessLogPath?: string;
}

/** Istio's default text access log format (meshConfig.accessLogFormat unset). */
export const istioAccessLogFormat =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% ' +
  '%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% ' +
  '%BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" ' +
  '"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% ' +
  '%DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n';

/** Where the admin interface listens; loopback only, as Istio's localhost:15000. */
export const envoyAdminAddress = '127.0.0.1';

/** Names of the listeners and clusters; they are also the prefixes of their stats. */
export interface EnvoyResourceNames {
  inbound?: { listener: string; cluster: string };
  outbound: { service: string; listener: string; cluster: string }[];
}

/**
 * No dots in any name: Envoy joins stat names with dots, so dot-free names keep
 * `cluster.<name>.upstream_rq_total` unambiguous for envoy-admin.ts.
 */
export function envoyResourceNames(spec: Pick<SidecarSpec, 'inbound' | 'outbound'>): EnvoyResourceNames {
  return {
    inbound: spec.inbound ? { listener: 'inbound', cluster: 'inbound_app' } : undefined,
    outbound: spec.outbound.map((out) => {
      const name = `outbound_${configName(out.service)}`;
      return { service: out.service, listener: name, cluster: name };
    }),
  };
}

const typeUrl = (message: string) => `type.googleapis.com/${message}`;
const types = {
  tcpProxy: typeUrl('envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy'),
  httpConnectionManager: typeUrl('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'),
  router: typeUrl('envoy.extensions.filters.http.router.v3.Router'),
  downstreamTls: typeUrl('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext'),
  upstreamTls: typeUrl('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext'),
  fileAccessLog: typeUrl('envoy.extensions.access_loggers.file.v3.FileAccessLog'),
  httpProtocolOptions: typeUrl('envoy.extensions.upstreams.http.v3.HttpProtocolOptions'),
  previousHosts: typeUrl('envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate'),
} as const;

/** Every `@type` the generator can emit; envoy-validate.ts must load each of these messages. */
export const envoyTypeUrlsUsed: readonly string[] = Object.values(types);

type Json = Record<string, unknown>;

/** The v3 bootstrap as a plain object (proto3 JSON, snake_case names). */
export function renderEnvoyBootstrap(spec: SidecarSpec, options: EnvoyOptions = {}): Json {
  checkEnvoySpec(spec, options);
  const names = envoyResourceNames(spec);
  const listeners: Json[] = [];
  const clusters: Json[] = [];

  if (spec.inbound && names.inbound) {
    const { listener, cluster } = names.inbound;
    listeners.push({
      name: listener,
      stat_prefix: listener,
      address: socketAddress(spec.host, spec.inbound.listenPort),
      traffic_direction: 'INBOUND',
      filter_chains: [
        {
          filters: [networkFilter(spec, options, { statPrefix: listener, cluster, direction: 'inbound' })],
          ...(spec.mode === 'mtls' ? { transport_socket: downstreamTls(spec.identity!) } : {}),
        },
      ],
    });
    clusters.push(staticCluster(spec, cluster, spec.inbound.appPort));
  }

  for (const [i, out] of spec.outbound.entries()) {
    const { listener, cluster } = names.outbound[i];
    listeners.push({
      name: listener,
      stat_prefix: listener,
      address: socketAddress(spec.host, out.listenPort),
      traffic_direction: 'OUTBOUND',
      filter_chains: [{ filters: [networkFilter(spec, options, { statPrefix: listener, cluster, direction: 'outbound' })] }],
    });
    clusters.push({
      ...staticCluster(spec, cluster, out.upstreamPort),
      ...(spec.mode === 'mtls' ? { transport_socket: upstreamTls(spec.identity!, out) } : {}),
    });
  }

  return {
    node: { id: `${spec.podName}-sidecar`, cluster: spec.podName },
    admin: { address: socketAddress(envoyAdminAddress, spec.adminPort!) },
    static_resources: { listeners, clusters },
  };
}

/** The bootstrap as YAML, the file handed to `envoy --config-path` (or a ConfigMap). */
export function renderEnvoyYaml(spec: SidecarSpec, options: EnvoyOptions = {}): string {
  const bootstrap = renderEnvoyBootstrap(spec, options);
  const rungs = [spec.mode, options.policy ? 'policy' : undefined, options.accessLogPath ? 'accesslog' : undefined].filter(Boolean);
  // lineWidth 0: a folded access log format or SPIFFE ID would be harder to read and diff.
  // No anchors/aliases: every reader (Envoy, kubectl, a human) should see plain values.
  return (
    `# meshbench sidecar for pod "${spec.podName}" (envoy, ${rungs.join('+')}). Generated; do not edit.\n` +
    stringify(bootstrap, { lineWidth: 0, aliasDuplicateObjects: false })
  );
}

/**
 * Proto3 JSON duration: whole seconds, or 3, 6 or 9 fractional digits as protobuf prints
 * them ("2s", "0.500s").
 */
export function durationFromMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`a duration must be a finite number of milliseconds >= 0, got ${ms}`);
  const totalNanos = BigInt(Math.round(ms * 1e6));
  const seconds = totalNanos / 1_000_000_000n;
  const nanos = Number(totalNanos % 1_000_000_000n);
  if (nanos === 0) return `${seconds}s`;
  const digits = nanos % 1_000_000 === 0 ? 3 : nanos % 1_000 === 0 ? 6 : 9;
  return `${seconds}.${String(nanos).padStart(9, '0').slice(0, digits)}s`;
}

export interface EnvoyLaunch {
  configPath: string;
  /**
   * Envoy's shared-memory namespace; two Envoys with the same base id on one host collide
   * (hot restart), so each process needs its own.
   */
  baseId: number;
  /** Worker threads (SidecarSpec.workers); Envoy takes it on the command line only. */
  concurrency: number;
  /** Envoy's own log (not the access log). */
  logPath?: string;
}

/** argv (without the program) to run one sidecar in the foreground. */
export function envoyLaunchArgs({ configPath, baseId, concurrency, logPath }: EnvoyLaunch): string[] {
  if (!Number.isInteger(baseId) || baseId < 0) throw new Error(`baseId must be an integer >= 0, got ${baseId}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be an integer >= 1, got ${concurrency}`);
  return [
    '--config-path',
    configPath,
    '--base-id',
    String(baseId),
    '--concurrency',
    String(concurrency),
    '--log-level',
    'warn',
    ...(logPath ? ['--log-path', logPath] : []),
    // We never hot-restart; this also keeps Envoy from creating its shared-memory region.
    '--disable-hot-restart',
  ];
}

/** argv for `envoy --mode validate`: loads and checks the config, binds nothing, exits. */
export function envoyValidateArgs(configPath: string): string[] {
  return ['--mode', 'validate', '--config-path', configPath, '--log-level', 'warn'];
}

// ---------------------------------------------------------------------------------------

function checkEnvoySpec(spec: SidecarSpec, options: EnvoyOptions): void {
  checkSidecarSpec(spec);
  const problems: string[] = [];
  if (spec.adminPort === undefined) problems.push('envoy needs an adminPort (readiness and stats come from its admin interface)');
  const { policy, accessLogPath } = options;
  if (policy) {
    if (spec.mode === 'tcp') problems.push('a route policy (timeout, retries) needs an HTTP mode, not tcp');
    if (!(policy.timeoutMs > 0)) problems.push(`policy.timeoutMs must be > 0, got ${policy.timeoutMs}`);
    if (!Number.isInteger(policy.retries.attempts) || policy.retries.attempts < 0) {
      problems.push(`policy.retries.attempts must be an integer >= 0, got ${policy.retries.attempts}`);
    }
    if (!(policy.retries.perTryTimeoutMs > 0)) problems.push(`policy.retries.perTryTimeoutMs must be > 0, got ${policy.retries.perTryTimeoutMs}`);
    if (policy.retries.retryOn !== undefined && !/^[a-z0-9-]+(,[a-z0-9-]+)*$/.test(policy.retries.retryOn)) {
      problems.push(`policy.retries.retryOn must be a comma-separated list of Envoy retry conditions, got "${policy.retries.retryOn}"`);
    }
  }
  if (accessLogPath !== undefined && !accessLogPath.startsWith('/')) problems.push(`accessLogPath must be an absolute path, got "${accessLogPath}"`);
  if (spec.mode === 'mtls' && spec.identity) {
    for (const [i, out] of spec.outbound.entries()) {
      if (!out.upstreamSpiffeId.startsWith('spiffe://')) problems.push(`outbound[${i}].upstreamSpiffeId must be a spiffe:// URI, got "${out.upstreamSpiffeId}"`);
    }
  }
  if (problems.length > 0) throw new Error(`cannot render an Envoy config for pod "${spec.podName}": ${problems.join('; ')}`);
}

function socketAddress(address: string, port: number): Json {
  return { socket_address: { address, port_value: port } };
}

interface FilterTarget {
  statPrefix: string;
  cluster: string;
  direction: 'inbound' | 'outbound';
}

function networkFilter(spec: SidecarSpec, options: EnvoyOptions, target: FilterTarget): Json {
  const accessLog = options.accessLogPath ? { access_log: [fileAccessLog(options.accessLogPath)] } : {};
  if (spec.mode === 'tcp') {
    return {
      name: 'envoy.filters.network.tcp_proxy',
      typed_config: { '@type': types.tcpProxy, stat_prefix: target.statPrefix, cluster: target.cluster, ...accessLog },
    };
  }
  const inbound = target.direction === 'inbound';
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': types.httpConnectionManager,
      stat_prefix: target.statPrefix,
      // AUTO as Istio: HTTP/1.1 here, but an h2 preface would be understood too.
      codec_type: 'AUTO',
      // Istio's default path normalization (meshConfig.pathNormalization BASE).
      normalize_path: true,
      ...(inbound && spec.mode === 'mtls'
        ? {
            // Istio's inbound passes the verified peer identity to the app in x-forwarded-client-cert.
            forward_client_cert_details: 'APPEND_FORWARD',
            set_current_client_cert_details: { subject: true, dns: true, uri: true },
          }
        : {}),
      route_config: {
        name: target.statPrefix,
        virtual_hosts: [{ name: target.statPrefix, domains: ['*'], routes: [route(target, inbound ? undefined : options.policy)] }],
        // Lets a client tell which proxy answered, as the HAProxy and nginx sidecars do.
        ...(inbound
          ? { response_headers_to_add: [{ header: { key: proxyHeaderName, value: 'inbound-envoy' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }] }
          : {}),
      },
      http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': types.router } }],
      ...accessLog,
    },
  };
}

function route(target: FilterTarget, policy: EnvoyRoutePolicy | undefined): Json {
  if (!policy) {
    // Istio disables Envoy's 15 s default route timeout unless a VirtualService sets one.
    return { match: { prefix: '/' }, route: { cluster: target.cluster, timeout: '0s' } };
  }
  return {
    match: { prefix: '/' },
    route: {
      cluster: target.cluster,
      timeout: durationFromMs(policy.timeoutMs),
      // What Istio's VirtualService `retries` turns into.
      retry_policy: {
        retry_on: policy.retries.retryOn ?? istioDefaultRetryOn,
        num_retries: policy.retries.attempts,
        per_try_timeout: durationFromMs(policy.retries.perTryTimeoutMs),
        retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': types.previousHosts } }],
        host_selection_retry_max_attempts: 5,
        retriable_status_codes: [503],
      },
    },
  };
}

function fileAccessLog(path: string): Json {
  return {
    name: 'envoy.access_loggers.file',
    typed_config: { '@type': types.fileAccessLog, path, log_format: { text_format_source: { inline_string: istioAccessLogFormat } } },
  };
}

function staticCluster(spec: SidecarSpec, name: string, port: number): Json {
  return {
    name,
    type: 'STATIC',
    connect_timeout: '10s',
    // Istio's default since 1.14; with one endpoint it picks the same host as any policy would.
    lb_policy: 'LEAST_REQUEST',
    // Istio lifts Envoy's defaults (1024 connections, pending and active requests, 3 concurrent
    // retries) on every cluster; left in place they would turn high load into 503 overflows.
    circuit_breakers: {
      thresholds: [
        {
          max_connections: 4294967295,
          max_pending_requests: 4294967295,
          max_requests: 4294967295,
          max_retries: 4294967295,
          track_remaining: true,
        },
      ],
    },
    ...(spec.mode === 'tcp'
      ? {}
      : {
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': types.httpProtocolOptions,
              // Pooled upstream connections are reused until idle for an hour (Istio's idle timeout).
              common_http_protocol_options: { idle_timeout: '3600s' },
              explicit_http_config: { http_protocol_options: {} },
            },
          },
        }),
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(spec.host, port) } }] }],
    },
  };
}

function tlsCertificates(identity: IdentityFiles): Json[] {
  return [{ certificate_chain: { filename: identity.certFile }, private_key: { filename: identity.keyFile } }];
}

/** Istio's sidecar TLS range; Envoy's own client default would stop at TLS 1.2. */
function tlsParams(): Json {
  return { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' };
}

function downstreamTls(identity: IdentityFiles): Json {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': types.downstreamTls,
      require_client_certificate: true,
      common_tls_context: {
        tls_params: tlsParams(),
        alpn_protocols: ['http/1.1'],
        tls_certificates: tlsCertificates(identity),
        // Any peer with a certificate from the mesh CA, as Istio's inbound without an AuthorizationPolicy.
        validation_context: { trusted_ca: { filename: identity.caFile } },
      },
    },
  };
}

function upstreamTls(identity: IdentityFiles, out: OutboundListener): Json {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': types.upstreamTls,
      sni: out.upstreamDnsName,
      common_tls_context: {
        tls_params: tlsParams(),
        alpn_protocols: ['http/1.1'],
        tls_certificates: tlsCertificates(identity),
        validation_context: {
          trusted_ca: { filename: identity.caFile },
          // The upstream must prove the workload identity we expect, not just any mesh certificate.
          match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: out.upstreamSpiffeId } }],
        },
      },
    },
  };
}
