/**
 * What a config generator needs to know about one pod's sidecar. Pure data: the same spec
 * feeds the local backend (a process on loopback) and, later, the Kubernetes backend.
 *
 * Sidecar model (as in Istio): one proxy per pod. A meshed service's proxy has an inbound
 * listener in front of its app; every caller's proxy has one outbound listener per service
 * it calls. Between an outbound and an inbound listener the traffic is plain TCP, HTTP, or
 * HTTP over mutual TLS, depending on the mode.
 */
export const proxyKinds = ['haproxy', 'nginx', 'envoy'] as const;
export type ProxyKind = (typeof proxyKinds)[number];

/** The rungs of the overhead ladder that a proxy config can express. */
export const proxyModes = ['tcp', 'http', 'mtls'] as const;
export type ProxyMode = (typeof proxyModes)[number];

/** File paths of one workload identity, all PEM. */
export interface IdentityFiles {
  /** CA bundle used to verify peers. */
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Certificate followed by its key in one file (HAProxy's `crt` wants this). */
  certKeyFile: string;
  /** spiffe://cluster.local/ns/NS/sa/NAME */
  spiffeId: string;
  /** DNS SAN of this identity, e.g. echo.default.svc.cluster.local */
  dnsName: string;
}

export interface InboundListener {
  listenPort: number;
  /** Port of the app on the same host. */
  appPort: number;
}

export interface OutboundListener {
  /** The downstream service this listener reaches. */
  service: string;
  listenPort: number;
  /** Port of the downstream pod's inbound listener. */
  upstreamPort: number;
  /** Expected identity of the upstream when mTLS is on. */
  upstreamDnsName: string;
  upstreamSpiffeId: string;
}

export interface SidecarSpec {
  /** Pod name, e.g. `echo` or `loadgen`. Used for names in the config. */
  podName: string;
  mode: ProxyMode;
  /** Address every listener binds to and every upstream is reached on. */
  host: string;
  /** A private directory for pid file, temp paths and logs. */
  workDir: string;
  inbound?: InboundListener;
  outbound: OutboundListener[];
  /** Required when mode is mtls. */
  identity?: IdentityFiles;
  /** Worker threads/processes (Istio's sidecar default is 2; 1 keeps the lab comparable). */
  workers: number;
  /** Port for the proxy's stats/admin endpoint, when it has one. */
  adminPort?: number;
  /**
   * The `accesslog` rung: one line per request (per connection in mode tcp) written to this
   * file. nginx opens it itself. HAProxy 2.6 cannot open a log file (a path in `log` is a
   * syslog socket), so its config logs to stdout and the process must be started with stdout
   * on this file: wrap its launch with haproxyAccessLogLaunch().
   */
  accessLogPath?: string;
}
