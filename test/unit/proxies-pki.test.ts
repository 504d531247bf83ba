import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunPki, type RunPki } from '../../src/backends/local/pki.js';

const exec = promisify(execFile);

/** openssl's exit status and combined output, without throwing on failure. */
async function openssl(...args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await exec('openssl', args);
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

let root: string;
let pki: RunPki;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'meshbench-pki-'));
  pki = await createRunPki(join(root, 'pki'), 'default', ['echo', 'loadgen']);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('createRunPki', () => {
  it('issues leaves with the SPIFFE URI SAN, the DNS SAN and both TLS usages', async () => {
    const echo = pki.identities.echo!;
    expect(echo.spiffeId).toBe('spiffe://cluster.local/ns/default/sa/echo');
    expect(echo.dnsName).toBe('echo.default.svc.cluster.local');
    const { ok, output } = await openssl('x509', '-noout', '-text', '-in', echo.certFile);
    expect(ok).toBe(true);
    expect(output).toContain('URI:spiffe://cluster.local/ns/default/sa/echo, DNS:echo.default.svc.cluster.local');
    expect(output).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
    expect(output).toContain('ASN1 OID: prime256v1');
    expect(output).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
  });

  it('makes an ECDSA P-256 CA', async () => {
    const { output } = await openssl('x509', '-noout', '-text', '-in', pki.ca.certFile);
    expect(output).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(output).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(output).toContain('ASN1 OID: prime256v1');
  });

  it('chains every leaf to the run CA, as TLS server and as TLS client', async () => {
    for (const id of Object.values(pki.identities)) {
      for (const purpose of ['sslserver', 'sslclient']) {
        const { ok, output } = await openssl('verify', '-CAfile', pki.ca.certFile, '-purpose', purpose, id.certFile);
        expect(ok, output).toBe(true);
        expect(output).toContain(': OK');
      }
    }
  });

  it('gives a rogue leaf that the run CA does not accept', async () => {
    const { ok, output } = await openssl('verify', '-CAfile', pki.ca.certFile, pki.rogue.certFile);
    expect(ok).toBe(false);
    expect(output).toContain('unable to get local issuer certificate');
    // ... though it is a well-formed leaf of its own CA
    expect((await openssl('verify', '-CAfile', pki.rogue.caFile, pki.rogue.certFile)).ok).toBe(true);
  });

  it('writes keys as PKCS#8 that match their certificates', async () => {
    const echo = pki.identities.echo!;
    expect((await readFile(echo.keyFile, 'utf8')).startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true);
    const fromKey = await openssl('pkey', '-in', echo.keyFile, '-pubout');
    const fromCert = await openssl('x509', '-in', echo.certFile, '-noout', '-pubkey');
    expect(fromKey.output).toBe(fromCert.output);
    // HAProxy's crt file: certificate, then key
    const combined = await readFile(echo.certKeyFile, 'utf8');
    expect(combined).toBe((await readFile(echo.certFile, 'utf8')) + (await readFile(echo.keyFile, 'utf8')));
  });

  it('keeps secrets private: dirs 0700, keys and cert+key files 0600', async () => {
    const mode = async (p: string) => (await stat(p)).mode & 0o777;
    expect(await mode(pki.dir)).toBe(0o700);
    for (const id of [...Object.values(pki.identities), pki.rogue]) {
      expect(await mode(id.keyFile)).toBe(0o600);
      expect(await mode(id.certKeyFile)).toBe(0o600);
    }
  });

  it('rejects names that cannot be DNS labels', async () => {
    await expect(createRunPki(join(root, 'bad'), 'default', ['Echo_1'])).rejects.toThrow(/not DNS labels.*"Echo_1"/);
    await expect(createRunPki(join(root, 'bad'), 'default', ['a', 'a'])).rejects.toThrow(/listed twice: a/);
  });
});
