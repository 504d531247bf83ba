/**
 * A throwaway PKI per run: one CA (ECDSA P-256) and one leaf per workload identity, shaped
 * like Istio's: SPIFFE URI SAN plus a DNS SAN, usable as both TLS server and client. Also a
 * "rogue" leaf from a second CA that nobody trusts, so probes can show that it is refused.
 *
 * Layout: DIR/ca.crt, DIR/identities/NAME.{crt,key,pem}, DIR/rogue/{rogue-ca.crt,rogue.*}.
 * The CA's private key is never written to disk: every identity of the run is issued here,
 * and the key dies with the process.
 */
import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IdentityFiles } from '../../proxies/sidecar-spec.js';

export type { IdentityFiles } from '../../proxies/sidecar-spec.js';

export interface RunPki {
  dir: string;
  namespace: string;
  ca: { certFile: string };
  identities: Record<string, IdentityFiles>;
  /** Signed by a different CA than `ca`: every proxy of the run must refuse it. */
  rogue: IdentityFiles;
}

export interface RunPkiOptions {
  /** Validity of the CA and the leaves. Default 7 days: longer than any run. */
  validityHours?: number;
  /** Clock for the validity window (tests). */
  now?: Date;
}

export const trustDomain = 'cluster.local';

export function spiffeIdFor(namespace: string, name: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${name}`;
}

export function dnsNameFor(namespace: string, name: string): string {
  return `${name}.${namespace}.svc.${trustDomain}`;
}

/** Identity names and namespaces end up in DNS names, so they must be DNS labels. */
const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** Clock skew allowance: a cert must already be valid for a peer whose clock runs behind. */
const backdateMs = 5 * 60_000;

export async function createRunPki(dir: string, namespace: string, identityNames: string[], options: RunPkiOptions = {}): Promise<RunPki> {
  const bad = [namespace, ...identityNames].filter((n) => !dnsLabel.test(n));
  if (bad.length > 0) throw new Error(`not DNS labels (a-z, 0-9, -): ${bad.map((n) => JSON.stringify(n)).join(', ')}`);
  const duplicates = identityNames.filter((n, i) => identityNames.indexOf(n) !== i);
  if (duplicates.length > 0) throw new Error(`identity names listed twice: ${[...new Set(duplicates)].join(', ')}`);

  const x509 = await loadX509();
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - backdateMs);
  const notAfter = new Date(now.getTime() + (options.validityHours ?? 7 * 24) * 3_600_000);

  await privateDir(dir);
  const ca = await createCa(x509, `meshbench run CA (${namespace})`, notBefore, notAfter);
  const caFile = join(dir, 'ca.crt');
  await writeFile(caFile, ca.cert.toString('pem') + '\n');

  const identities: Record<string, IdentityFiles> = {};
  const identitiesDir = join(dir, 'identities');
  await privateDir(identitiesDir);
  for (const name of identityNames) {
    identities[name] = await issueLeaf(x509, ca, join(identitiesDir, name), caFile, namespace, name, notBefore, notAfter);
  }

  const rogueDir = join(dir, 'rogue');
  await privateDir(rogueDir);
  const rogueCa = await createCa(x509, 'meshbench rogue CA (untrusted)', notBefore, notAfter);
  const rogueCaFile = join(rogueDir, 'rogue-ca.crt');
  await writeFile(rogueCaFile, rogueCa.cert.toString('pem') + '\n');
  const rogue = await issueLeaf(x509, rogueCa, join(rogueDir, 'rogue'), rogueCaFile, namespace, 'rogue', notBefore, notAfter);

  return { dir, namespace, ca: { certFile: caFile }, identities, rogue };
}

type X509 = typeof import('@peculiar/x509');
type Certificate = InstanceType<X509['X509Certificate']>;

interface Ca {
  cert: Certificate;
  keys: webcrypto.CryptoKeyPair;
}

async function createCa(x509: X509, commonName: string, notBefore: Date, notAfter: Date): Promise<Ca> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ O: [trustDomain] }, { CN: [commonName] }],
    notBefore,
    notAfter,
    signingAlgorithm: ecdsa,
    keys: keys as CryptoKeyPair,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as CryptoKey),
    ],
  });
  return { cert, keys };
}

async function issueLeaf(
  x509: X509,
  ca: Ca,
  base: string,
  caFile: string,
  namespace: string,
  name: string,
  notBefore: Date,
  notAfter: Date,
): Promise<IdentityFiles> {
  const keys = await generateKeys();
  const spiffeId = spiffeIdFor(namespace, name);
  const dnsName = dnsNameFor(namespace, name);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: [{ O: [trustDomain] }, { CN: [dnsName] }],
    issuer: ca.cert.subjectName,
    notBefore,
    notAfter,
    signingAlgorithm: ecdsa,
    publicKey: keys.publicKey as CryptoKey,
    signingKey: ca.keys.privateKey as CryptoKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'url', value: spiffeId },
        { type: 'dns', value: dnsName },
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as CryptoKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey as CryptoKey),
    ],
  });

  const certPem = cert.toString('pem') + '\n';
  const keyPem = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
  const files: IdentityFiles = {
    caFile,
    certFile: `${base}.crt`,
    keyFile: `${base}.key`,
    certKeyFile: `${base}.pem`,
    spiffeId,
    dnsName,
  };
  await writeFile(files.certFile, certPem);
  await writeSecret(files.keyFile, keyPem);
  await writeSecret(files.certKeyFile, certPem + keyPem);
  return files;
}

function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  // Extractable, so the private key can be written out as PKCS#8.
  return webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
}

/** 16 random bytes, top bit clear so the DER integer stays positive. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

async function privateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask and ignored for a directory that already exists.
  await chmod(path, 0o700);
}

async function writeSecret(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
  // The mode above only applies when the file is created.
  await chmod(path, 0o600);
}

let x509Module: Promise<X509> | undefined;

/**
 * @peculiar/x509 2.x pulls in tsyringe, which throws at import time unless the Reflect
 * metadata polyfill is loaded first; a static import of x509 would be evaluated before it.
 */
function loadX509(): Promise<X509> {
  x509Module ??= (async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as unknown as Crypto);
    return x509;
  })();
  return x509Module;
}
