/**
 * HAProxy 2.6 sidecar config from a SidecarSpec. Pure: same spec, same text.
 *
 * Based on the hand-verified lab configs (notes/lab.md §3, §4). Started with
 * `haproxy -f CFG -db` (foreground, no daemon, no master-worker), see proxy-binaries.ts.
 */
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import type { IdentityFiles, SidecarSpec } from './sidecar-spec.js';

/** Where the HAProxy config keeps its state inside the spec's work dir. */
export function haproxyPaths(workDir: string): { pidFile: string } {
  return { pidFile: join(workDir, 'haproxy.pid') };
}

/** Response header the inbound listener adds, so a client can tell which proxy answered. */
export const proxyHeaderName = 'x-meshbench-proxy';

export function renderHaproxyConfig(spec: SidecarSpec): string {
  checkSidecarSpec(spec);
  const paths = haproxyPaths(spec.workDir);
  const l7 = spec.mode !== 'tcp';
  const lines: string[] = [];
  const add = (...xs: string[]) => lines.push(...xs);

  add(
    `# meshbench sidecar for pod "${spec.podName}" (haproxy, mode ${spec.mode}). Generated; do not edit.`,
    'global',
    `    nbthread ${spec.workers}`,
    '    maxconn 8192',
    // HAProxy 2.6 writes the pid file only in daemon or master-worker mode; under -db the
    // supervisor's record is authoritative. Kept so a manual daemonised run stays in workDir.
    `    pidfile ${quote(paths.pidFile)}`,
    // HAProxy sets SO_REUSEPORT by default, so a stale HAProxy from a crashed run on the same
    // port would silently share the traffic instead of making this one fail to bind.
    '    noreuseport',
  );
  // Without accessLogPath: no `log` line at all, so no access log.
  if (spec.accessLogPath !== undefined) {
    add(
      '    # Access log: HAProxy cannot open a file, so it writes to stdout, which the launcher',
      `    # points at ${spec.accessLogPath} (haproxyAccessLogLaunch).`,
      '    log stdout format raw daemon info',
    );
  }
  add('', 'defaults', `    mode ${l7 ? 'http' : 'tcp'}`);
  if (spec.accessLogPath !== undefined) {
    // dontlognull: connections that carried nothing (readiness probes) are not traffic.
    add('    log global', `    option ${l7 ? 'httplog' : 'tcplog'}`, '    option dontlognull');
  }
  if (l7) add('    option http-keep-alive', '    http-reuse always');
  add('    timeout connect 5s', '    timeout client 60s', '    timeout server 60s');
  if (l7) {
    add(
      '    timeout http-keep-alive 60s',
      // Under mTLS each purged connection costs a full handshake when load resumes (after a
      // warm-up pause, or at a low rate), which nginx and Envoy would not pay: unfair to HAProxy.
      '    # Keep idle upstream connections (and their TLS sessions) for 60 s, as nginx does; the 5 s default',
      '    # purges them between bursts and makes every resumed connection pay a new handshake.',
      '    default-server pool-purge-delay 60s',
    );
  }

  if (spec.inbound) {
    const { listenPort, appPort } = spec.inbound;
    add('', 'frontend inbound', `    bind ${addr(spec.host, listenPort)}${spec.mode === 'mtls' ? inboundTls(spec.identity!) : ''}`);
    if (l7) add(`    http-response set-header ${proxyHeaderName} inbound-haproxy`);
    add('    default_backend inbound_app', '', 'backend inbound_app', `    server app ${addr(spec.host, appPort)}`);
  }

  for (const out of spec.outbound) {
    const id = configName(out.service);
    add('', `frontend outbound_${id}`, `    bind ${addr(spec.host, out.listenPort)}`, `    default_backend outbound_${id}`);
    add('', `backend outbound_${id}`);
    let server = `    server ${id} ${addr(spec.host, out.upstreamPort)}`;
    if (spec.mode === 'mtls') {
      // lab §10: with `sni` set, `verifyhost` is ignored and the SNI value is what gets checked.
      add(
        `    # mTLS to ${out.upstreamSpiffeId}: its certificate must carry DNS SAN ${out.upstreamDnsName}.`,
        '    # The certificate is checked against the sni value (verifyhost would be ignored with sni set).',
      );
      server += outboundTls(spec.identity!, out.upstreamDnsName);
    }
    add(server);
  }

  if (spec.adminPort !== undefined) {
    add('', 'listen stats', `    bind ${addr(spec.host, spec.adminPort)}`, '    mode http', '    stats enable', '    stats uri /stats');
    // Stats scrapes are not traffic; keep them out of the access log.
    if (spec.accessLogPath !== undefined) add('    no log');
  }
  return lines.join('\n') + '\n';
}

/**
 * The launch for a HAProxy whose spec has accessLogPath: stdout (where its config sends the
 * access log) is appended to that file; stderr stays wherever the launcher sends it. sh
 * execs HAProxy, so the pid is still HAProxy's own.
 */
export function haproxyAccessLogLaunch(launch: { command: string; args: string[] }, accessLogPath: string): { command: string; args: string[] } {
  return { command: '/bin/sh', args: ['-c', 'log=$1; shift; exec "$@" >>"$log"', 'meshbench-haproxy-log', accessLogPath, launch.command, ...launch.args] };
}

function inboundTls(identity: IdentityFiles): string {
  return ` ssl crt ${quote(identity.certKeyFile)} ca-file ${quote(identity.caFile)} verify required alpn http/1.1 ssl-min-ver TLSv1.2`;
}

function outboundTls(identity: IdentityFiles, upstreamDnsName: string): string {
  return (
    ` ssl crt ${quote(identity.certKeyFile)} ca-file ${quote(identity.caFile)} verify required` +
    ` sni str(${upstreamDnsName}) alpn http/1.1 ssl-min-ver TLSv1.2`
  );
}

function addr(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Single quotes: HAProxy expands `$VAR` inside double quotes but not inside single ones. */
function quote(path: string): string {
  return `'${path}'`;
}

// ---------------------------------------------------------------------------------------
// Checks shared by the config generators (nginx.ts imports them). A spec that fails them is
// a bug in whatever built it, so these throw plain Errors (exit 1), not InvalidInputError.

const dnsNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/**
 * Characters that would need escaping in HAProxy or nginx config, or expand there (`$`).
 * Spaces are fine: every path is single-quoted.
 */
const unsafePathChars = /['"\\$;{}#\t\n\r]/;

/** Turns a service name into an identifier usable in any proxy config. */
export function configName(service: string): string {
  return service.replace(/[^A-Za-z0-9_]/g, '_');
}

export function checkSidecarSpec(spec: SidecarSpec): void {
  const problems: string[] = [];
  if (!Number.isInteger(spec.workers) || spec.workers < 1) problems.push(`workers must be an integer >= 1, got ${spec.workers}`);
  if (!spec.inbound && spec.outbound.length === 0) problems.push('the spec has neither an inbound nor an outbound listener');
  if (!/^[A-Za-z0-9._:-]+$/.test(spec.host)) problems.push(`host "${spec.host}" is not an address or host name`);
  checkPath('workDir', spec.workDir, problems);
  if (spec.accessLogPath !== undefined) checkPath('accessLogPath', spec.accessLogPath, problems);

  const ports = new Map<number, string>();
  const port = (what: string, value: number, listening: boolean) => {
    if (!Number.isInteger(value) || value < 1 || value > 65535) problems.push(`${what} must be a TCP port, got ${value}`);
    if (!listening) return;
    const other = ports.get(value);
    if (other) problems.push(`${what} ${value} is also used by ${other}`);
    ports.set(value, what);
  };
  if (spec.inbound) {
    port('inbound.listenPort', spec.inbound.listenPort, true);
    port('inbound.appPort', spec.inbound.appPort, false);
  }
  const ids = new Set<string>();
  for (const [i, out] of spec.outbound.entries()) {
    const id = configName(out.service);
    if (ids.has(id)) problems.push(`outbound[${i}]: service "${out.service}" is listed twice (as config name "${id}")`);
    ids.add(id);
    port(`outbound[${i}].listenPort`, out.listenPort, true);
    port(`outbound[${i}].upstreamPort`, out.upstreamPort, false);
    if (spec.mode === 'mtls' && !dnsNamePattern.test(out.upstreamDnsName)) {
      problems.push(`outbound[${i}].upstreamDnsName "${out.upstreamDnsName}" is not a DNS name`);
    }
  }
  if (spec.adminPort !== undefined) port('adminPort', spec.adminPort, true);

  if (spec.mode === 'mtls') {
    if (!spec.identity) problems.push('mode mtls needs an identity (certificate, key and CA files)');
    else for (const key of ['caFile', 'certFile', 'keyFile', 'certKeyFile'] as const) checkPath(`identity.${key}`, spec.identity[key], problems);
  }
  if (problems.length > 0) {
    throw new Error(`cannot render a sidecar config for pod "${spec.podName}": ${problems.join('; ')}`);
  }
}

function checkPath(what: string, value: string, problems: string[]): void {
  if (!value.startsWith('/')) problems.push(`${what} must be an absolute path, got "${value}"`);
  if (unsafePathChars.test(value)) problems.push(`${what} "${value}" contains a quote, backslash, $, ;, {, }, #, tab or newline`);
}
