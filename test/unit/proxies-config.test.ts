import { describe, expect, it } from 'vitest';
import { checkSidecarSpec, haproxyAccessLogLaunch, renderHaproxyConfig } from '../../src/proxies/haproxy.js';
import { renderNginxConfig } from '../../src/proxies/nginx.js';
import { proxyModes, type IdentityFiles, type ProxyMode, type SidecarSpec } from '../../src/proxies/sidecar-spec.js';

const pki = '/run/meshbench/run-1/pki';
function identity(name: string): IdentityFiles {
  return {
    caFile: `${pki}/ca.crt`,
    certFile: `${pki}/identities/${name}.crt`,
    keyFile: `${pki}/identities/${name}.key`,
    certKeyFile: `${pki}/identities/${name}.pem`,
    spiffeId: `spiffe://cluster.local/ns/default/sa/${name}`,
    dnsName: `${name}.default.svc.cluster.local`,
  };
}

const accessLogPath = '/run/meshbench/run-1/frontend/access.log';

const layouts = ['inbound', 'outbound', 'both'] as const;
type Layout = (typeof layouts)[number];

/** The frontend pod of a chain: inbound in front of its app, outbound to `inventory`. */
function spec(mode: ProxyMode, layout: Layout, extra: Partial<SidecarSpec> = {}): SidecarSpec {
  return {
    podName: 'frontend',
    mode,
    host: '127.0.0.1',
    workDir: '/run/meshbench/run-1/frontend',
    inbound: layout === 'outbound' ? undefined : { listenPort: 15006, appPort: 18080 },
    outbound:
      layout === 'inbound'
        ? []
        : [
            {
              service: 'inventory',
              listenPort: 15001,
              upstreamPort: 15106,
              upstreamDnsName: 'inventory.default.svc.cluster.local',
              upstreamSpiffeId: 'spiffe://cluster.local/ns/default/sa/inventory',
            },
          ],
    identity: mode === 'mtls' ? identity('frontend') : undefined,
    workers: 1,
    ...extra,
  };
}

/** Fan-out pod with two callees, an admin port, two workers and an IPv6 host. */
function fanout(mode: ProxyMode): SidecarSpec {
  const base = spec(mode, 'both', { host: '::1', workers: 2, adminPort: 15000 });
  return {
    ...base,
    outbound: [
      ...base.outbound,
      {
        service: 'payment-v2',
        listenPort: 15002,
        upstreamPort: 15206,
        upstreamDnsName: 'payment-v2.default.svc.cluster.local',
        upstreamSpiffeId: 'spiffe://cluster.local/ns/default/sa/payment-v2',
      },
    ],
  };
}

describe.each([
  ['haproxy', renderHaproxyConfig, 'cfg'],
  ['nginx', renderNginxConfig, 'conf'],
] as const)('%s config generator', (proxy, render, ext) => {
  for (const mode of proxyModes) {
    for (const layout of layouts) {
      it(`renders mode ${mode}, ${layout} listener(s)`, async () => {
        await expect(render(spec(mode, layout))).toMatchFileSnapshot(`./__snapshots__/proxies-config/${proxy}-${mode}-${layout}.${ext}`);
      });
    }
    it(`renders mode ${mode}, fan-out with admin port, 2 workers, IPv6`, async () => {
      await expect(render(fanout(mode))).toMatchFileSnapshot(`./__snapshots__/proxies-config/${proxy}-${mode}-fanout.${ext}`);
    });
    it(`renders mode ${mode}, fan-out with admin port and an access log`, async () => {
      await expect(render({ ...fanout(mode), accessLogPath })).toMatchFileSnapshot(`./__snapshots__/proxies-config/${proxy}-${mode}-accesslog.${ext}`);
    });
  }

  it('is pure: the same spec gives the same text', () => {
    expect(render(spec('mtls', 'both'))).toBe(render(spec('mtls', 'both')));
  });

  it('keeps every path it writes inside the work dir', () => {
    for (const mode of proxyModes) {
      const text = render(spec(mode, 'both'));
      const written = [...text.matchAll(/^\s*(?:pid|pidfile|error_log|\w+_temp_path)\s+'([^']+)'/gm)].map((m) => m[1]);
      expect(written.length).toBeGreaterThan(0);
      for (const path of written) expect(path.startsWith('/run/meshbench/run-1/frontend/')).toBe(true);
    }
  });

  it('sets the worker count', () => {
    const text = render(spec('http', 'both', { workers: 3 }));
    expect(text).toMatch(proxy === 'haproxy' ? /nbthread 3\n/ : /worker_processes 3;\n/);
  });
});

describe('nginx specifics', () => {
  it('loads the stream module only for mode tcp, from a configurable path', () => {
    expect(renderNginxConfig(spec('tcp', 'both'))).toContain("load_module '/usr/lib/nginx/modules/ngx_stream_module.so';");
    expect(renderNginxConfig(spec('tcp', 'both'), { streamModulePath: '/opt/nginx/mods/ngx_stream_module.so' })).toContain(
      "load_module '/opt/nginx/mods/ngx_stream_module.so';",
    );
    expect(renderNginxConfig(spec('http', 'both'))).not.toContain('load_module');
  });

  it('verifies the upstream by its DNS name in mtls mode', () => {
    const text = renderNginxConfig(spec('mtls', 'both'));
    expect(text).toContain('proxy_ssl_verify on;');
    expect(text).toContain('proxy_ssl_name inventory.default.svc.cluster.local;');
    expect(text).toContain('proxy_ssl_server_name on;');
    expect(text).toContain('ssl_verify_client on;');
  });

  it('writes the access log to the given path in every mode, never for the stats endpoint', () => {
    for (const mode of proxyModes) {
      const text = renderNginxConfig({ ...fanout(mode), accessLogPath });
      expect(text.match(/access_log '\/run\/meshbench\/run-1\/frontend\/access\.log' meshbench( if=\$bytes_received)?;/g)).toHaveLength(1);
      // The stats server (or, in mode tcp, the http block that only holds it) logs nothing.
      expect(text).toMatch(/access_log off;[\s\S]*stub_status;/);
    }
    expect(renderNginxConfig({ ...spec('tcp', 'both'), accessLogPath })).toMatch(/stream \{\n    log_format meshbench '[^']*\$session_time[^']*';\n    access_log /);
  });

  it('never writes an access log without accessLogPath', () => {
    for (const mode of proxyModes) {
      const text = renderNginxConfig(fanout(mode));
      expect(text.match(/access_log/g)?.length).toBe(text.match(/access_log off;/g)?.length);
    }
  });
});

describe('haproxy specifics', () => {
  it('checks the upstream certificate through sni, since verifyhost is ignored when sni is set', () => {
    const text = renderHaproxyConfig(spec('mtls', 'outbound'));
    expect(text).toMatch(/server inventory 127\.0\.0\.1:15106 .*verify required sni str\(inventory\.default\.svc\.cluster\.local\)/);
    expect(text).not.toMatch(/^\s*server .*verifyhost/m);
  });

  it('requires client certificates on the inbound in mtls mode', () => {
    expect(renderHaproxyConfig(spec('mtls', 'inbound'))).toMatch(/bind 127\.0\.0\.1:15006 ssl crt .* ca-file .* verify required/);
  });

  it('logs every frontend to stdout when given an access log path, with the format for its mode', () => {
    for (const mode of proxyModes) {
      const text = renderHaproxyConfig({ ...fanout(mode), accessLogPath });
      expect(text).toMatch(/^global\n[\s\S]*^    log stdout format raw daemon info$/m);
      expect(text).toMatch(/^defaults\n[\s\S]*^    log global\n    option (httplog|tcplog)\n    option dontlognull$/m);
      expect(text).toContain(mode === 'tcp' ? 'option tcplog' : 'option httplog');
      expect(text).toMatch(/^listen stats\n[\s\S]*^    no log$/m);
    }
  });

  it('launches through sh with stdout appended to the access log, keeping argv intact', () => {
    const launch = haproxyAccessLogLaunch({ command: '/usr/sbin/haproxy', args: ['-f', '/x/haproxy.cfg', '-db'] }, "/tmp/a dir/access.log");
    expect(launch.command).toBe('/bin/sh');
    expect(launch.args.slice(2)).toEqual(['meshbench-haproxy-log', '/tmp/a dir/access.log', '/usr/sbin/haproxy', '-f', '/x/haproxy.cfg', '-db']);
    expect(launch.args[1]).toMatch(/exec "\$@" >>"\$log"/);
  });

  it('has no log line (no access log)', () => {
    for (const mode of proxyModes) expect(renderHaproxyConfig(fanout(mode))).not.toMatch(/^\s*log\s/m);
  });
});

describe('spec checks', () => {
  it.each([
    ['mtls without identity', spec('mtls', 'both', { identity: undefined }), /mode mtls needs an identity/],
    ['no listeners', spec('http', 'outbound', { outbound: [] }), /neither an inbound nor an outbound/],
    ['zero workers', spec('http', 'both', { workers: 0 }), /workers must be an integer >= 1/],
    ['relative work dir', spec('http', 'both', { workDir: 'run/x' }), /workDir must be an absolute path/],
    ['a quote in a path', spec('http', 'both', { workDir: "/tmp/it's" }), /contains a quote/],
    ['a port used twice', spec('http', 'both', { adminPort: 15006 }), /adminPort 15006 is also used by inbound.listenPort/],
    ['a bad port', spec('http', 'both', { inbound: { listenPort: 70000, appPort: 1 } }), /inbound.listenPort must be a TCP port/],
    ['a relative access log path', spec('http', 'both', { accessLogPath: 'access.log' }), /accessLogPath must be an absolute path/],
    ['a quote in the access log path', spec('http', 'both', { accessLogPath: "/tmp/it's.log" }), /accessLogPath .* contains a quote/],
  ])('rejects %s', (_what, bad, message) => {
    expect(() => checkSidecarSpec(bad)).toThrow(message);
    expect(() => renderHaproxyConfig(bad)).toThrow(message);
    expect(() => renderNginxConfig(bad)).toThrow(message);
  });

  it('rejects the same service twice', () => {
    const base = spec('http', 'outbound');
    const twice = { ...base, outbound: [base.outbound[0]!, { ...base.outbound[0]!, listenPort: 15009 }] };
    expect(() => checkSidecarSpec(twice)).toThrow(/service "inventory" is listed twice/);
  });

  it('accepts a work dir with spaces (paths are quoted)', () => {
    const text = renderNginxConfig(spec('http', 'both', { workDir: '/home/a user/run' }));
    expect(text).toContain("pid '/home/a user/run/nginx.pid';");
  });
});
