import { describe, expect, it } from 'vitest';
import { ExitCode, MeshbenchError } from '../../src/errors.js';
import { istioExamplePolicy, renderEnvoyBootstrap } from '../../src/proxies/envoy.js';
import {
  assertValidEnvoyBootstrap,
  envoyBootstrapType,
  loadEnvoyApi,
  parseProtoDuration,
  validateEnvoyBootstrap,
  validateEnvoyMessage,
} from '../../src/proxies/envoy-validate.js';
import type { ProxyMode, SidecarSpec } from '../../src/proxies/sidecar-spec.js';

type Json = Record<string, any>;

/** A pod with one inbound listener (index 0) and one outbound listener (index 1). */
function bootstrap(mode: ProxyMode = 'mtls'): Json {
  const spec: SidecarSpec = {
    podName: 'frontend',
    mode,
    host: '127.0.0.1',
    workDir: '/tmp/meshbench-run/frontend',
    workers: 1,
    adminPort: 15000,
    inbound: { listenPort: 22006, appPort: 22080 },
    outbound: [
      {
        service: 'payment',
        listenPort: 22001,
        upstreamPort: 21006,
        upstreamDnsName: 'payment.default.svc.cluster.local',
        upstreamSpiffeId: 'spiffe://cluster.local/ns/default/sa/payment',
      },
    ],
    identity: {
      caFile: '/pki/ca.pem',
      certFile: '/pki/frontend.pem',
      keyFile: '/pki/frontend-key.pem',
      certKeyFile: '/pki/frontend-combined.pem',
      spiffeId: 'spiffe://cluster.local/ns/default/sa/frontend',
      dnsName: 'frontend.default.svc.cluster.local',
    },
  };
  // A deep copy, so each test can break it freely.
  return structuredClone(renderEnvoyBootstrap(spec, mode === 'tcp' ? {} : { policy: istioExamplePolicy }));
}

const hcmPath = 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config';
const hcm = (b: Json, listener = 0): Json => b.static_resources.listeners[listener].filter_chains[0].filters[0].typed_config;
const outboundRoute = (b: Json): Json => hcm(b, 1).route_config.virtual_hosts[0].routes[0].route;

function problemsOf(b: unknown): string[] {
  const result = validateEnvoyBootstrap(b);
  expect(result.ok).toBe(result.problems.length === 0);
  return result.problems;
}

describe('loadEnvoyApi', () => {
  it('loads bootstrap v3 and the extensions the generator uses, once', () => {
    const api = loadEnvoyApi();
    expect(loadEnvoyApi()).toBe(api);
    expect(api.messageTypeCount).toBeGreaterThan(300);
    expect(api.root.lookupType(envoyBootstrapType).fullName).toBe(`.${envoyBootstrapType}`);
  });
});

describe('validateEnvoyBootstrap rejects', () => {
  it('a misspelt top-level field, suggesting the right one', () => {
    const b = bootstrap();
    b.static_resource = b.static_resources;
    delete b.static_resources;
    expect(problemsOf(b)).toEqual(['static_resource: unknown field (did you mean static_resources?) (in envoy.config.bootstrap.v3.Bootstrap)']);
  });

  it('a misspelt field inside a typed_config, with its full path', () => {
    const b = bootstrap();
    const config = hcm(b);
    config.stat_prefx = config.stat_prefix;
    delete config.stat_prefix;
    const problems = problemsOf(b);
    expect(problems).toContain(
      `${hcmPath}.stat_prefx: unknown field (did you mean stat_prefix?) (in envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager)`,
    );
    // stat_prefix has a min_len rule, so leaving it out is a problem of its own.
    expect(problems).toContain(`${hcmPath}.stat_prefix: required (at least 1 character)`);
  });

  it('a misspelt field deep inside nested typed_configs (TLS context in a cluster)', () => {
    const b = bootstrap();
    const tls = b.static_resources.clusters[1].transport_socket.typed_config;
    tls.common_tls_context.validation_context.match_typed_subject_alt_name = tls.common_tls_context.validation_context.match_typed_subject_alt_names;
    delete tls.common_tls_context.validation_context.match_typed_subject_alt_names;
    expect(problemsOf(b)).toEqual([
      expect.stringMatching(
        /^static_resources\.clusters\[1\]\.transport_socket\.typed_config\.common_tls_context\.validation_context\.match_typed_subject_alt_name: unknown field \(did you mean match_typed_subject_alt_names\?\)/,
      ),
    ]);
  });

  it('a wrong enum value: lb_policy ROUND_ROBBIN', () => {
    const b = bootstrap();
    b.static_resources.clusters[0].lb_policy = 'ROUND_ROBBIN';
    const [problem, ...rest] = problemsOf(b);
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^static_resources\.clusters\[0\]\.lb_policy: "ROUND_ROBBIN" is not a value of envoy\.config\.cluster\.v3\.Cluster\.LbPolicy \(did you mean ROUND_ROBIN\?\)/);
  });

  it('a wrong enum value inside a typed_config: codec_type HTTP1_1', () => {
    const b = bootstrap();
    hcm(b).codec_type = 'HTTP1_1';
    expect(problemsOf(b)).toEqual([
      `${hcmPath}.codec_type: "HTTP1_1" is not a value of envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.CodecType (did you mean HTTP1?); expected one of AUTO, HTTP1, HTTP2, HTTP3`,
    ]);
  });

  it('an enum number that is not defined, and an enum given as a boolean', () => {
    const b = bootstrap();
    b.static_resources.clusters[0].lb_policy = 4;
    b.static_resources.listeners[0].traffic_direction = true;
    expect(problemsOf(b)).toEqual([
      expect.stringMatching(/^static_resources\.listeners\[0\]\.traffic_direction: expected a name of envoy\.config\.core\.v3\.TrafficDirection/),
      expect.stringMatching(/^static_resources\.clusters\[0\]\.lb_policy: 4 is not a value of/),
    ]);
  });

  it('malformed durations', () => {
    const b = bootstrap();
    outboundRoute(b).retry_policy.per_try_timeout = '500ms';
    b.static_resources.clusters[0].connect_timeout = 10;
    expect(problemsOf(b)).toEqual([
      expect.stringMatching(/^static_resources\.listeners\[1\]\.filter_chains\[0\]\.filters\[0\]\.typed_config\.route_config\.virtual_hosts\[0\]\.routes\[0\]\.route\.retry_policy\.per_try_timeout: expected a duration such as "2s" or "0\.500s".*got "500ms"$/),
      expect.stringMatching(/^static_resources\.clusters\[0\]\.connect_timeout: expected a duration .*got number 10$/),
    ]);
  });

  it('an @type that names no loaded message', () => {
    const b = bootstrap();
    hcm(b)['@type'] = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManagr';
    expect(problemsOf(b)).toEqual([expect.stringMatching(new RegExp(`^${escape(hcmPath)}\\.@type: .*HttpConnectionManagr is not a message of the loaded Envoy API`))]);
    hcm(b)['@type'] = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
    expect(problemsOf(b)).toEqual([expect.stringMatching(/@type: ".*" is not of the form type\.googleapis\.com\/<message>/)]);
    delete hcm(b)['@type'];
    expect(problemsOf(b)).toEqual([`${hcmPath}.@type: required (type.googleapis.com/<message> naming what this config is)`]);
  });

  it('wrong JSON kinds: an object for a list, a string for a port, a port out of range, a wrapper out of range', () => {
    const b = bootstrap();
    b.static_resources.listeners[0].filter_chains = b.static_resources.listeners[0].filter_chains[0];
    b.static_resources.listeners[1].address.socket_address.port_value = 'http';
    b.admin.address.socket_address.port_value = 70000;
    b.static_resources.clusters[0].circuit_breakers.thresholds[0].max_connections = -1;
    expect(problemsOf(b)).toEqual([
      'admin.address.socket_address.port_value: must be <= 65535, got 70000',
      'static_resources.listeners[0].filter_chains: expected a list, got an object',
      'static_resources.listeners[1].address.socket_address.port_value: expected an integer (uint32), got "http"',
      'static_resources.clusters[0].circuit_breakers.thresholds[0].max_connections: -1 is out of range for uint32',
    ]);
  });

  it('two members of a oneof, and a required oneof left empty', () => {
    const b = bootstrap('tcp');
    b.static_resources.listeners[0].address.socket_address.named_port = 'http';
    delete hcm(b, 1).cluster;
    const problems = problemsOf(b);
    expect(problems).toContain(
      'static_resources.listeners[0].address.socket_address: port_value and named_port are alternatives (oneof port_specifier); set only one',
    );
    expect(problems).toContain(
      'static_resources.listeners[1].filter_chains[0].filters[0].typed_config: one of cluster, weighted_clusters is required (oneof cluster_specifier)',
    );
    expect(problems).toHaveLength(2);
  });

  it('values outside the bounds the protos declare (protoc-gen-validate rules Envoy enforces)', () => {
    const b = bootstrap();
    b.stats_flush_interval = '0.000100s';
    expect(problemsOf(b)).toEqual(['stats_flush_interval: must be >= 0.001s, got 0.0001s']);
    b.stats_flush_interval = '400s';
    expect(problemsOf(b)).toEqual(['stats_flush_interval: must be < 300s, got 400s']);
    b.stats_flush_interval = '5s';
    b.static_resources.clusters[1].transport_socket.typed_config.common_tls_context.validation_context.match_typed_subject_alt_names[0].san_type =
      'SAN_TYPE_UNSPECIFIED';
    expect(problemsOf(b)).toEqual([expect.stringMatching(/match_typed_subject_alt_names\[0\]\.san_type: SAN_TYPE_UNSPECIFIED is not allowed here/)]);
  });

  it('a route or tcp_proxy pointing at a cluster that does not exist', () => {
    const b = bootstrap();
    outboundRoute(b).cluster = 'outbound_paymnet';
    expect(problemsOf(b)).toEqual([
      'static_resources.listeners[1].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route.cluster: no cluster named "outbound_paymnet" in static_resources.clusters',
    ]);
  });

  it('two listeners on one address, and duplicate names', () => {
    const b = bootstrap('tcp');
    b.static_resources.listeners[1].address = structuredClone(b.static_resources.listeners[0].address);
    b.static_resources.clusters[1].name = b.static_resources.clusters[0].name;
    const problems = problemsOf(b);
    expect(problems).toContain('static_resources.listeners[1].address: 127.0.0.1:22006 is already bound by static_resources.listeners[0].address');
    expect(problems).toContain('static_resources.clusters[1].name: another cluster is already named "inbound_app"');
  });

  it('the same field under its proto and JSON names', () => {
    const b = bootstrap();
    hcm(b).statPrefix = 'x';
    expect(problemsOf(b)).toEqual([`${hcmPath}.statPrefix: the same field as stat_prefix, set twice`]);
  });

  it('something that is not an object at all', () => {
    expect(problemsOf([])).toEqual(['(top level): expected an object (envoy.config.bootstrap.v3.Bootstrap), got a list']);
  });
});

describe('validateEnvoyBootstrap accepts', () => {
  it('proto3 JSON camelCase names as well as snake_case', () => {
    const b = bootstrap();
    const config = hcm(b);
    config.statPrefix = config.stat_prefix;
    delete config.stat_prefix;
    b.staticResources = b.static_resources;
    delete b.static_resources;
    expect(problemsOf(b)).toEqual([]);
  });

  it('64-bit integers and wrapped integers given as strings, and enums as numbers', () => {
    const b = bootstrap();
    outboundRoute(b).retry_policy.host_selection_retry_max_attempts = '5';
    b.static_resources.clusters[0].circuit_breakers.thresholds[0].max_requests = '100';
    b.static_resources.clusters[0].lb_policy = 0;
    expect(problemsOf(b)).toEqual([]);
  });

  it('deprecated fields, with a warning', () => {
    const b = bootstrap();
    b.static_resources.clusters[1].transport_socket.typed_config.common_tls_context.validation_context.match_subject_alt_names = [
      { exact: 'spiffe://cluster.local/ns/default/sa/payment' },
    ];
    const result = validateEnvoyBootstrap(b);
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([expect.stringMatching(/validation_context\.match_subject_alt_names: deprecated since API v3\.0$/)]);
  });

  it('a TypedStruct, checking its value against the type it names', () => {
    const b = bootstrap();
    hcm(b).http_filters[0].typed_config = {
      '@type': 'type.googleapis.com/xds.type.v3.TypedStruct',
      type_url: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
      value: { suppress_envoy_headers: true },
    };
    expect(problemsOf(b)).toEqual([]);
    hcm(b).http_filters[0].typed_config.value = { supress_envoy_headers: true };
    expect(problemsOf(b)).toEqual([expect.stringMatching(/http_filters\[0\]\.typed_config\.value\.supress_envoy_headers: unknown field \(did you mean suppress_envoy_headers\?\)/)]);
  });

  it('Struct and Value contents as they are', () => {
    const b = bootstrap();
    b.node.metadata = { anything: { nested: [1, 'two', null, { three: true }] } };
    expect(problemsOf(b)).toEqual([]);
  });
});

describe('validateEnvoyMessage', () => {
  it('checks a single message by type name', () => {
    expect(validateEnvoyMessage('envoy.config.cluster.v3.Cluster', { name: 'x', type: 'STATIK' }).problems).toEqual([
      expect.stringMatching(/^type: "STATIK" is not a value of envoy\.config\.cluster\.v3\.Cluster\.DiscoveryType \(did you mean STATIC\?\)/),
    ]);
    expect(() => validateEnvoyMessage('envoy.config.cluster.v3.Clustre', {})).toThrow(/not a message type/);
  });
});

describe('assertValidEnvoyBootstrap', () => {
  it('throws an internal error listing every problem', () => {
    const b = bootstrap();
    b.static_resources.clusters[0].lb_policy = 'ROUND_ROBBIN';
    b.admn = {};
    let thrown: unknown;
    try {
      assertValidEnvoyBootstrap(b, 'pod frontend');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(MeshbenchError);
    expect((thrown as MeshbenchError).exitCode).toBe(ExitCode.internal);
    expect((thrown as Error).message).toMatch(/pod frontend[\s\S]*ROUND_ROBBIN[\s\S]*admn: unknown field/);
    expect(() => assertValidEnvoyBootstrap(bootstrap(), 'pod frontend')).not.toThrow();
  });
});

describe('parseProtoDuration', () => {
  it('reads proto3 JSON durations and nothing else', () => {
    expect(parseProtoDuration('2s')).toBe(2);
    expect(parseProtoDuration('0.500s')).toBe(0.5);
    expect(parseProtoDuration('-1.5s')).toBe(-1.5);
    for (const bad of ['500ms', '2', '1.0000000001s', ' 2s', '1e3s', 's']) expect(parseProtoDuration(bad)).toBeUndefined();
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
