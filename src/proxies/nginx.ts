/**
 * nginx 1.22 sidecar config from a SidecarSpec. Pure: same spec, same text.
 *
 * Based on the hand-verified lab configs (notes/lab.md §3, §4). Started with
 * `nginx -p DIR -c CFG -e ERRLOG -g 'daemon off;'`, see proxy-binaries.ts.
 */
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { checkSidecarSpec, configName, proxyHeaderName } from './haproxy.js';
import type { IdentityFiles, SidecarSpec } from './sidecar-spec.js';

/** Debian's libnginx-mod-stream puts the L4 proxy module here. */
export const defaultNginxStreamModulePath = '/usr/lib/nginx/modules/ngx_stream_module.so';

export interface NginxRenderOptions {
  /** Path of ngx_stream_module.so, needed for mode tcp. */
  streamModulePath?: string;
}

/** Every file nginx writes, inside the spec's work dir. */
export function nginxPaths(workDir: string) {
  return {
    pidFile: join(workDir, 'nginx.pid'),
    errorLog: join(workDir, 'error.log'),
    clientBodyTemp: join(workDir, 'client_body_temp'),
    proxyTemp: join(workDir, 'proxy_temp'),
    fastcgiTemp: join(workDir, 'fastcgi_temp'),
    uwsgiTemp: join(workDir, 'uwsgi_temp'),
    scgiTemp: join(workDir, 'scgi_temp'),
  };
}

export function renderNginxConfig(spec: SidecarSpec, options: NginxRenderOptions = {}): string {
  checkSidecarSpec(spec);
  const streamModulePath = options.streamModulePath ?? defaultNginxStreamModulePath;
  if (!streamModulePath.startsWith('/') || /['"\\$;{}#\t\n\r]/.test(streamModulePath)) {
    throw new Error(`streamModulePath must be an absolute path without quotes or special characters, got "${streamModulePath}"`);
  }
  const paths = nginxPaths(spec.workDir);
  const out = new Writer();

  out.line(`# meshbench sidecar for pod "${spec.podName}" (nginx, mode ${spec.mode}). Generated; do not edit.`);
  // Debian's /etc/nginx/nginx.conf loads the stream module via modules-enabled; we don't read that file.
  if (spec.mode === 'tcp') out.line(`load_module ${quote(streamModulePath)};`);
  out.line(`worker_processes ${spec.workers};`);
  // Each proxied connection holds two descriptors; a 1024 soft limit would cap the workers
  // well below worker_connections (HAProxy raises its own limit from maxconn).
  out.line('worker_rlimit_nofile 16384;');
  out.line(`pid ${quote(paths.pidFile)};`);
  out.line(`error_log ${quote(paths.errorLog)} warn;`);
  out.line('');
  // 8192 matches HAProxy's maxconn, so neither proxy runs out of connections first.
  out.block('events', () => out.line('worker_connections 8192;'));

  if (spec.mode === 'tcp') {
    out.line('');
    out.block('stream', () => {
      accessLog(out, spec.accessLogPath, 'stream');
      if (spec.inbound) {
        out.line('');
        out.block('upstream inbound_app', () => out.line(`server ${addr(spec.host, spec.inbound!.appPort)};`));
        out.block('server', () => {
          out.line(`listen ${addr(spec.host, spec.inbound!.listenPort)};`);
          out.line('proxy_pass inbound_app;');
          out.line('proxy_connect_timeout 5s;');
        });
      }
      for (const o of spec.outbound) {
        const id = configName(o.service);
        out.line('');
        out.block(`upstream outbound_${id}`, () => out.line(`server ${addr(spec.host, o.upstreamPort)};`));
        out.block('server', () => {
          out.line(`listen ${addr(spec.host, o.listenPort)};`);
          out.line(`proxy_pass outbound_${id};`);
          out.line('proxy_connect_timeout 5s;');
        });
      }
    });
  }

  // mode tcp needs the http block only for the stats endpoint.
  if (spec.mode !== 'tcp' || spec.adminPort !== undefined) {
    out.line('');
    out.block('http', () => {
      // In mode tcp this block only serves the stats endpoint, whose scrapes are not traffic.
      accessLog(out, spec.mode === 'tcp' ? undefined : spec.accessLogPath, 'http');
      // The compiled-in temp paths live under /var/lib/nginx, which is root-only.
      out.line(`client_body_temp_path ${quote(paths.clientBodyTemp)};`);
      out.line(`proxy_temp_path ${quote(paths.proxyTemp)};`);
      out.line(`fastcgi_temp_path ${quote(paths.fastcgiTemp)};`);
      out.line(`uwsgi_temp_path ${quote(paths.uwsgiTemp)};`);
      out.line(`scgi_temp_path ${quote(paths.scgiTemp)};`);
      if (spec.mode !== 'tcp') httpProxying(out, spec);
      if (spec.adminPort !== undefined) {
        out.line('');
        out.block('server', () => {
          out.line(`listen ${addr(spec.host, spec.adminPort!)};`);
          if (spec.mode !== 'tcp' && spec.accessLogPath !== undefined) out.line('access_log off;');
          out.block('location = /stub_status', () => out.line('stub_status;'));
        });
      }
    });
  }
  return out.text();
}

/**
 * `access_log off`, or one line per request (http) or connection (stream) to `path`,
 * written unbuffered as each request ends. The stream module has no predefined format.
 */
function accessLog(out: Writer, path: string | undefined, context: 'http' | 'stream'): void {
  if (path === undefined) {
    out.line('access_log off;');
    return;
  }
  out.line(
    context === 'http'
      ? `log_format meshbench '$remote_addr [$time_local] "$request" $status $body_bytes_sent $request_time "$upstream_addr" $upstream_response_time "$http_user_agent"';`
      : `log_format meshbench '$remote_addr [$time_local] $protocol $status $bytes_sent $bytes_received $session_time "$upstream_addr"';`,
  );
  // As HAProxy's dontlognull: a stream session that received nothing (a readiness probe) is not traffic.
  out.line(`access_log ${quote(path)} meshbench${context === 'stream' ? ' if=$bytes_received' : ''};`);
}

function httpProxying(out: Writer, spec: SidecarSpec): void {
  // Stream bodies through instead of spooling them to disk, as Envoy and HAProxy do. Started
  // as root, the worker runs as nobody and may not even reach the temp paths in workDir.
  out.line('# Stream bodies instead of spooling them to temp files (as HAProxy and Envoy do).');
  out.line('proxy_request_buffering off;');
  out.line('proxy_max_temp_file_size 0;');
  out.line('# A sidecar does not police body sizes (the default answers 413 above 1 MiB).');
  out.line('client_max_body_size 0;');
  out.line('# The default of 1000 requests per connection makes clients reconnect mid-run.');
  out.line('keepalive_requests 1000000;');
  out.line('keepalive_timeout 65s;');
  out.line('proxy_connect_timeout 5s;');

  if (spec.inbound) {
    const inbound = spec.inbound;
    out.line('');
    upstream(out, 'inbound_app', spec.host, inbound.appPort);
    out.block('server', () => {
      if (spec.mode === 'mtls') {
        const id = spec.identity!;
        out.line(`listen ${addr(spec.host, inbound.listenPort)} ssl;`);
        out.line(`ssl_certificate ${quote(id.certFile)};`);
        out.line(`ssl_certificate_key ${quote(id.keyFile)};`);
        // nginx answers a missing or untrusted client cert with HTTP 400 after the handshake,
        // not with a TLS alert (lab §10); the request never reaches the app either way.
        out.line(`ssl_client_certificate ${quote(id.caFile)};`);
        out.line('ssl_verify_client on;');
        out.line('ssl_verify_depth 2;');
        out.line('ssl_protocols TLSv1.2 TLSv1.3;');
      } else {
        out.line(`listen ${addr(spec.host, inbound.listenPort)};`);
      }
      out.block('location /', () => {
        out.line('proxy_pass http://inbound_app;');
        keepAliveUpstream(out);
        out.line(`add_header ${proxyHeaderName} inbound-nginx always;`);
      });
    });
  }

  for (const o of spec.outbound) {
    const id = configName(o.service);
    out.line('');
    upstream(out, `outbound_${id}`, spec.host, o.upstreamPort);
    out.block('server', () => {
      out.line(`listen ${addr(spec.host, o.listenPort)};`);
      out.block('location /', () => {
        if (spec.mode === 'mtls') {
          out.line(`# mTLS to ${o.upstreamSpiffeId}; certificate must carry DNS SAN ${o.upstreamDnsName}`);
          out.line(`proxy_pass https://outbound_${id};`);
          keepAliveUpstream(out);
          outboundTls(out, spec.identity!, o.upstreamDnsName);
        } else {
          out.line(`proxy_pass http://outbound_${id};`);
          keepAliveUpstream(out);
        }
      });
    });
  }
}

function upstream(out: Writer, name: string, host: string, port: number): void {
  out.block(`upstream ${name}`, () => {
    out.line(`server ${addr(host, port)};`);
    // The lab's 64 was enough for 32 load connections; above the cap nginx closes the surplus
    // after each request and reconnects, which would measure connection setup, not proxying.
    out.line('# Reuse upstream connections; above this many idle ones per worker nginx would reconnect.');
    out.line('keepalive 1024;');
    out.line('keepalive_requests 1000000;');
    out.line('keepalive_timeout 60s;');
  });
}

/** Upstream keep-alive needs HTTP/1.1 and no `Connection: close` from nginx. */
function keepAliveUpstream(out: Writer): void {
  out.line('proxy_http_version 1.1;');
  out.line('proxy_set_header Connection "";');
  // nginx would send the upstream block's name as Host; HAProxy and Envoy pass it through.
  out.line('proxy_set_header Host $http_host;');
}

function outboundTls(out: Writer, id: IdentityFiles, upstreamDnsName: string): void {
  out.line(`proxy_ssl_certificate ${quote(id.certFile)};`);
  out.line(`proxy_ssl_certificate_key ${quote(id.keyFile)};`);
  out.line(`proxy_ssl_trusted_certificate ${quote(id.caFile)};`);
  out.line('proxy_ssl_verify on;');
  out.line('proxy_ssl_verify_depth 2;');
  // The name checked against the server certificate and sent as SNI.
  out.line(`proxy_ssl_name ${upstreamDnsName};`);
  out.line('proxy_ssl_server_name on;');
  out.line('proxy_ssl_session_reuse on;');
  out.line('proxy_ssl_protocols TLSv1.2 TLSv1.3;');
}

function addr(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

function quote(path: string): string {
  return `'${path}'`;
}

/** Indents nested blocks so the config reads like a hand-written one. */
class Writer {
  private readonly lines: string[] = [];
  private depth = 0;

  line(text: string): void {
    this.lines.push(text === '' ? '' : '    '.repeat(this.depth) + text);
  }

  block(head: string, body: () => void): void {
    this.line(`${head} {`);
    this.depth++;
    body();
    this.depth--;
    this.line('}');
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }
}
