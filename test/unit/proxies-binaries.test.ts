import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentError, ExitCode } from '../../src/errors.js';
import { checkProxyConfig, findProxyBinary, parseProxyVersion, proxyLaunch } from '../../src/proxies/proxy-binaries.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshbench-binaries-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseProxyVersion', () => {
  it.each([
    ['haproxy', 'HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://haproxy.org/', '2.6.12-1+deb12u4'],
    ['haproxy', 'HA-Proxy version 2.0.33 2023/08/19 - https://haproxy.org/', '2.0.33'],
    ['nginx', 'nginx version: nginx/1.22.1', '1.22.1'],
    ['envoy', 'envoy  version: 816188b86a0a52095b116b107f576324082c7c02/1.30.1/Clean/RELEASE/BoringSSL', '1.30.1'],
  ] as const)('%s: %s', (kind, line, version) => {
    expect(parseProxyVersion(kind, line)).toBe(version);
  });
});

describe('findProxyBinary', () => {
  it('finds haproxy and nginx, in /usr/sbin even when PATH lacks it', async () => {
    const haproxy = await findProxyBinary('haproxy', { pathEnv: '/nonexistent' });
    expect(haproxy.path).toBe('/usr/sbin/haproxy');
    expect(haproxy.version).toMatch(/^2\.\d+\.\d+/);
    // nginx -v writes to stderr
    const nginx = await findProxyBinary('nginx', { pathEnv: '' });
    expect(nginx.version).toMatch(/^1\.\d+\.\d+$/);
    expect(nginx.versionLine).toBe(`nginx version: nginx/${nginx.version}`);
  });

  it('prefers PATH over the sbin fallback', async () => {
    const fake = join(dir, 'haproxy');
    await writeFile(fake, '#!/bin/sh\necho "HAProxy version 9.9.9-test 2030/01/01 - https://haproxy.org/"\n');
    await chmod(fake, 0o755);
    expect(await findProxyBinary('haproxy', { pathEnv: dir })).toMatchObject({ path: fake, version: '9.9.9-test' });
  });

  it('skips files that are not executable', async () => {
    const sub = await mkdtemp(join(dir, 'noexec-'));
    await writeFile(join(sub, 'nginx'), 'not a program');
    await expect(findProxyBinary('nginx', { pathEnv: sub, extraDirs: [] })).rejects.toThrow(/nginx not found/);
  });

  it('names the binary and the install command when it is missing', async () => {
    const error = await findProxyBinary('haproxy', { pathEnv: '/nonexistent', extraDirs: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as EnvironmentError).exitCode).toBe(ExitCode.environment);
    expect((error as EnvironmentError).message).toMatch(/^haproxy not found \(searched \/nonexistent\)/);
    expect((error as EnvironmentError).hint).toContain('sudo apt-get install -y haproxy nginx libnginx-mod-stream');
  });

  it('says how to get Envoy, which Debian and npm do not package', async () => {
    const error = (await findProxyBinary('envoy', { pathEnv: '/nonexistent' }).catch((e: unknown) => e)) as EnvironmentError;
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toMatch(/^envoy not found/);
    expect(error.hint).toMatch(/not packaged in Debian or npm.*envoyproxy\/envoy.*func-e.*PATH/);
  });

  it('reports a binary whose version flag fails', async () => {
    const fake = join(await mkdtemp(join(dir, 'broken-')), 'nginx');
    await writeFile(fake, '#!/bin/sh\necho "nginx: cannot load libssl" >&2\nexit 127\n');
    await chmod(fake, 0o755);
    await expect(findProxyBinary('nginx', { pathEnv: join(fake, '..') })).rejects.toThrow(/nginx -v failed: .*\n.*cannot load libssl/);
  });
});

describe('proxyLaunch', () => {
  it('runs haproxy in the foreground without master-worker', () => {
    expect(proxyLaunch('haproxy', '/usr/sbin/haproxy', '/w/haproxy.cfg', '/w')).toEqual({
      command: '/usr/sbin/haproxy',
      args: ['-f', '/w/haproxy.cfg', '-db'],
    });
  });

  it('runs nginx with prefix, config, startup error log and daemon off', () => {
    expect(proxyLaunch('nginx', '/usr/sbin/nginx', '/w/nginx.conf', '/w')).toEqual({
      command: '/usr/sbin/nginx',
      args: ['-p', '/w', '-c', '/w/nginx.conf', '-e', '/w/error.log', '-g', 'daemon off;'],
    });
  });

  it('puts the run id on the nginx command line, where destroy can still see it', () => {
    const { args } = proxyLaunch('nginx', '/usr/sbin/nginx', '/w/nginx.conf', '/w', { runId: '2026-01-01T00-00-00Z-ab12' });
    expect(args.at(-1)).toBe('daemon off; env MESHBENCH_RUN_ID=2026-01-01T00-00-00Z-ab12;');
    expect(() => proxyLaunch('nginx', '/usr/sbin/nginx', '/w/nginx.conf', '/w', { runId: 'a; user root' })).toThrow(/run id/);
  });

  it('runs envoy with its worker count and a base id of its own, without hot restart', () => {
    const args = proxyLaunch('envoy', '/usr/local/bin/envoy', '/w/envoy.yaml', '/w', { workers: 2, envoyBaseId: 7 }).args;
    expect(args).toEqual(expect.arrayContaining(['--config-path', '/w/envoy.yaml', '--concurrency', '2', '--base-id', '7', '--disable-hot-restart']));
  });
});

describe('checkProxyConfig', () => {
  it('passes the proxy\'s own complaint on', async () => {
    const cfg = join(dir, 'bad.cfg');
    await writeFile(cfg, 'global\n    bogus 1\n');
    await expect(checkProxyConfig('haproxy', '/usr/sbin/haproxy', cfg, dir)).rejects.toThrow(/haproxy rejected the config .*unknown keyword 'bogus' in 'global' section/s);

    const conf = join(dir, 'bad.conf');
    await writeFile(conf, 'events {}\nhttp { bogus on; }\n');
    const error = (await checkProxyConfig('nginx', '/usr/sbin/nginx', conf, dir).catch((e: unknown) => e)) as EnvironmentError;
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toMatch(/unknown directive "bogus"/);
  });

  it('hints at libnginx-mod-stream when the stream module is missing', async () => {
    const conf = join(dir, 'stream.conf');
    await writeFile(conf, `load_module ${join(dir, 'no-such-dir', 'ngx_stream_module.so')};\nevents {}\nstream {}\n`);
    const error = (await checkProxyConfig('nginx', '/usr/sbin/nginx', conf, dir).catch((e: unknown) => e)) as EnvironmentError;
    expect(error.message).toMatch(/dlopen\(\).*failed/);
    expect(error.hint).toMatch(/libnginx-mod-stream/);
  });
});
