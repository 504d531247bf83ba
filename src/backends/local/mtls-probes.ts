/**
 * Probes that show an inbound sidecar really enforces mutual TLS: callers without a valid
 * client certificate are refused before the app sees the request, and the mesh path (through
 * the caller's outbound sidecar) still works.
 *
 * HAProxy refuses with TLS alerts; nginx completes the handshake and answers HTTP 400 (lab
 * §10). Both count as rejected, but only if the app's request counter did not move.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { IdentityFiles } from '../../proxies/sidecar-spec.js';
import type { Probe, Verification } from '../../results/schema.js';
import type { ProxyKind } from '../../proxies/sidecar-spec.js';

export interface MtlsProbeOptions {
  host: string;
  /** The inbound sidecar's TLS listener. */
  inboundPort: number;
  /** The run CA, to check the certificate the inbound presents. */
  caFile: string;
  /** DNS name the inbound's certificate should carry, sent as SNI. */
  serverName: string;
  /** A client identity from a CA the mesh does not trust. */
  rogue: IdentityFiles;
  /** A URL on a caller's outbound sidecar that leads to this inbound; omitted: probe (d) is skipped. */
  throughOutboundUrl?: string;
  /** How many requests the app behind the inbound has served so far. */
  appRequestCount: () => Promise<number>;
  /** Per probe. Default 5000. */
  timeoutMs?: number;
  /** Which proxy is probed: what it checks of the peer's identity differs. */
  proxy?: ProxyKind;
}

type Answer =
  | { kind: 'http'; status: number; reason: string; proxyHeader: string | undefined; serverCheck: string | undefined }
  | { kind: 'tls-alert'; alert: string; serverCheck: string | undefined }
  | { kind: 'closed'; detail: string; serverCheck: string | undefined }
  | { kind: 'timeout'; timeoutMs: number };

const defaultTimeoutMs = 5_000;

export async function probeMtlsEnforcement(options: MtlsProbeOptions): Promise<Verification> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const [ca, rogueCert, rogueKey] = await Promise.all([
    readFile(options.caFile),
    readFile(options.rogue.certFile),
    readFile(options.rogue.keyFile),
  ]);
  const target = { host: options.host, port: options.inboundPort, servername: options.serverName, ca, timeoutMs };

  const probes: Probe[] = [];
  const answers: Answer[] = [];
  const probe = async (name: string, expect: Probe['expect'], send: () => Promise<Answer>) => {
    const before = await options.appRequestCount();
    const answer = await send();
    const appReached = (await options.appRequestCount()) > before;
    answers.push(answer);
    probes.push({ name, expect, appReached, outcome: describeAnswer(answer), passed: judge(expect, answer, appReached) });
  };

  await probe('plaintext HTTP to the inbound TLS port', 'rejected', () =>
    request(http, { host: options.host, port: options.inboundPort, headers: { host: options.serverName } }, timeoutMs),
  );
  await probe('TLS without a client certificate', 'rejected', () => tlsRequest(target, undefined));
  await probe('TLS with a client certificate from an untrusted CA', 'rejected', () => tlsRequest(target, { cert: rogueCert, key: rogueKey }));
  if (options.throughOutboundUrl !== undefined) {
    const url = options.throughOutboundUrl;
    await probe('request through the outbound sidecar (mTLS between the sidecars)', 'accepted', () => request(http, url, timeoutMs));
  }

  const notes = [
    options.proxy === 'envoy'
      ? 'The outbound Envoy checks the server\'s SPIFFE URI SAN exactly (match_typed_subject_alt_names); the inbound accepts any client certificate signed by the run CA, as an Istio sidecar does without an AuthorizationPolicy.'
      : 'Neither HAProxy nor nginx checks the peer\'s SPIFFE URI SAN natively: the inbound accepts any client certificate signed by the run CA, ' +
        'and the outbound checks the server by its DNS SAN. Trust is CA-level; this is not Istio-level identity authorization.',
    'A probe counts as rejected only if no 2xx/3xx came back and the app\'s request counter did not move; no answer at all (timeout) fails it.',
    `Probes talk straight to the inbound listener ${options.host}:${options.inboundPort}; whether the app's own port can be reached ` +
      'around the sidecar is not tested (on a shared loopback it can).',
  ];
  // serverCheck is set once a TLS handshake completed.
  if (answers.some((a) => a.kind === 'http' && a.serverCheck !== undefined && a.status >= 400 && a.status < 500)) {
    notes.push('The inbound completed the TLS handshake and refused with an HTTP 4xx instead of a TLS alert (nginx does this).');
  }
  if (options.throughOutboundUrl === undefined) notes.push('No request through an outbound sidecar was made for this inbound.');
  return { passed: probes.every((p) => p.passed), probes, notes };
}

function judge(expect: Probe['expect'], answer: Answer, appReached: boolean): boolean {
  if (expect === 'accepted') return answer.kind === 'http' && answer.status === 200 && appReached;
  // Silence is not proof of enforcement: a timeout fails the probe.
  if (answer.kind === 'timeout') return false;
  if (answer.kind === 'http' && answer.status < 400) return false;
  return !appReached;
}

function describeAnswer(answer: Answer): string {
  switch (answer.kind) {
    case 'http': {
      let text = `HTTP ${answer.status}`;
      if (answer.reason) text += ` "${answer.reason}"`;
      if (answer.proxyHeader) text += ` (x-meshbench-proxy: ${answer.proxyHeader})`;
      return text + (answer.serverCheck ? `; ${answer.serverCheck}` : '');
    }
    case 'tls-alert':
      return `TLS alert: ${answer.alert}` + (answer.serverCheck ? `; ${answer.serverCheck}` : '');
    case 'closed':
      return `connection closed without an HTTP response (${answer.detail})` + (answer.serverCheck ? `; ${answer.serverCheck}` : '');
    case 'timeout':
      return `no answer within ${answer.timeoutMs} ms`;
  }
}

interface TlsTarget {
  host: string;
  port: number;
  servername: string;
  ca: Buffer;
  timeoutMs: number;
}

function tlsRequest(target: TlsTarget, client: { cert: Buffer; key: Buffer } | undefined): Promise<Answer> {
  return request(
    https,
    {
      host: target.host,
      port: target.port,
      servername: target.servername,
      headers: { host: target.servername },
      ca: target.ca,
      ...client,
      // Send the request even if the server's certificate is wrong: these probes test the
      // server's client-certificate check. The server check is reported in the outcome.
      rejectUnauthorized: false,
    },
    target.timeoutMs,
  );
}

function request(transport: typeof http | typeof https, target: string | https.RequestOptions, timeoutMs: number): Promise<Answer> {
  const options: https.RequestOptions = typeof target === 'string' ? optionsFromUrl(target) : { ...target };
  options.agent = false;
  options.headers = { ...(options.headers as Record<string, string> | undefined), connection: 'close' };
  return new Promise((resolve) => {
    let serverCheck: string | undefined;
    let settled = false;
    const finish = (answer: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(answer);
    };
    const req = transport.request(options);
    const timer = setTimeout(() => finish({ kind: 'timeout', timeoutMs }), timeoutMs);
    req.on('socket', (socket) => {
      if (transport !== https) return;
      socket.once('secureConnect', () => {
        const tls = socket as TLSSocket;
        serverCheck = tls.authorized
          ? 'server certificate verified against the CA for the SNI name'
          : `server certificate NOT verified: ${String(tls.authorizationError)}`;
      });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      // An aborted body still leaves a status to report; 'close' follows either way.
      res.on('error', () => undefined);
      res.on('close', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const proxyHeader = res.headers['x-meshbench-proxy'];
        finish({
          kind: 'http',
          status: res.statusCode ?? 0,
          reason: reasonOf(res.statusCode ?? 0, body),
          proxyHeader: Array.isArray(proxyHeader) ? proxyHeader.join(', ') : proxyHeader,
          serverCheck,
        });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const alert = tlsAlertOf(error);
      if (alert) finish({ kind: 'tls-alert', alert, serverCheck });
      else finish({ kind: 'closed', detail: error.code ? `${error.code}: ${error.message}` : error.message, serverCheck });
    });
    req.end();
  });
}

function optionsFromUrl(text: string): https.RequestOptions {
  const url = new URL(text);
  if (url.protocol !== 'http:') throw new Error(`expected an http:// URL for the outbound sidecar, got ${text}`);
  return { hostname: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80), path: `${url.pathname}${url.search}` };
}

/** "…:SSL routines::tlsv13 alert certificate required:…" → "tlsv13 alert certificate required". */
function tlsAlertOf(error: Error): string | undefined {
  const match = /SSL routines:[^:]*:([^:]*alert[^:]*)/.exec(error.message);
  return match?.[1]?.trim();
}

/** nginx error pages say why in their title: `<title>400 No required SSL certificate was sent</title>`. */
function reasonOf(status: number, body: string): string {
  const title = /<title>\s*(?:\d{3}\s+)?([^<]*)<\/title>/i.exec(body)?.[1]?.trim();
  if (title) return title;
  if (status >= 400) return body.trim().split('\n')[0]!.slice(0, 80);
  return '';
}
