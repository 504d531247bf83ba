/**
 * What this machine can run, found without changing anything: Node, the proxies, the tools
 * contention tiers use, cgroups, network namespaces, kubeconfig contexts. `meshbench doctor`
 * prints it; the quickstart can run when every "required" check passes.
 */
import { existsSync } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { defaultNginxStreamModulePath } from '../proxies/nginx.js';
import { findProxyBinary, proxyInstallHint } from '../proxies/proxy-binaries.js';
import type { ProxyKind } from '../proxies/sidecar-spec.js';
import { detectCgroup } from '../sampling/host-facts.js';
import { checkSlowDiskSupport } from '../backends/local/contention/slow-disk.js';
import type { MeshbenchError } from '../errors.js';

export type CheckStatus = 'ok' | 'missing' | 'warning';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  /** Required for the quickstart (local backend, HAProxy and nginx). */
  required: boolean;
  fix?: string;
}

export interface DoctorReport {
  checks: Check[];
  quickstartReady: boolean;
}

const supportedNode = { major20Minor: 19, otherMajors: [22, 24] };

export async function runDoctor(env: NodeJS.ProcessEnv = process.env): Promise<DoctorReport> {
  const checks: Check[] = [nodeCheck()];
  for (const kind of ['haproxy', 'nginx', 'envoy'] as ProxyKind[]) checks.push(await proxyCheck(kind));
  checks.push(await fileCheck('nginx stream module', defaultNginxStreamModulePath, false, 'needed for mode tcp with nginx', 'sudo apt-get install -y libnginx-mod-stream'));
  checks.push(await executableCheck('setpriv', ['/usr/bin/setpriv', '/bin/setpriv'], false, 'children die with meshbench even if it is killed', 'sudo apt-get install -y util-linux'));
  checks.push(await executableCheck('stress-ng', ['/usr/bin/stress-ng'], false, 'CPU/I/O neighbours for emulated tiers (a built-in hog is used without it)', 'sudo apt-get install -y stress-ng'));
  checks.push(await cgroupCheck());
  checks.push(await slowDiskCheck());
  checks.push(netnsCheck());
  checks.push(kubeconfigCheck(env));
  return { checks, quickstartReady: checks.every((c) => !c.required || c.status === 'ok') };
}

function nodeCheck(): Check {
  const [major, minor] = process.versions.node.split('.').map(Number);
  const ok = (major === 20 && minor >= supportedNode.major20Minor) || major >= 22;
  return {
    name: 'node',
    status: ok ? 'ok' : 'missing',
    detail: `v${process.versions.node}${ok ? '' : ' (meshbench needs 20.19+, 22 or 24)'}`,
    required: true,
    fix: ok ? undefined : 'install Node.js 22 LTS',
  };
}

async function proxyCheck(kind: ProxyKind): Promise<Check> {
  const required = kind !== 'envoy';
  try {
    const found = await findProxyBinary(kind);
    return { name: kind, status: 'ok', detail: `${found.version} (${found.path})`, required };
  } catch (err) {
    return {
      name: kind,
      status: required ? 'missing' : 'warning',
      detail: kind === 'envoy' ? 'not found: Envoy variants cannot run here (their configs are still generated and checked)' : 'not found',
      required,
      fix: proxyInstallHint[kind],
    };
  }
}

async function fileCheck(name: string, file: string, required: boolean, purpose: string, fix: string): Promise<Check> {
  try {
    await access(file, constants.R_OK);
    return { name, status: 'ok', detail: file, required };
  } catch {
    return { name, status: required ? 'missing' : 'warning', detail: `not found (${purpose})`, required, fix };
  }
}

async function executableCheck(name: string, candidates: string[], required: boolean, purpose: string, fix: string): Promise<Check> {
  for (const file of candidates) {
    try {
      await access(file, constants.X_OK);
      return { name, status: 'ok', detail: `${file}: ${purpose}`, required };
    } catch {
      // try the next place
    }
  }
  return { name, status: required ? 'missing' : 'warning', detail: `not found (${purpose})`, required, fix };
}

async function cgroupCheck(): Promise<Check> {
  const layout = await detectCgroup();
  const cpu = layout.v2Controllers.includes('cpu') ? 'cpu.max (v2)' : layout.v1Controllers.includes('cpu') ? 'cpu.cfs_quota_us (v1)' : null;
  const isRoot = process.getuid?.() === 0;
  return {
    name: 'cgroups',
    status: cpu && isRoot ? 'ok' : 'warning',
    detail: `${layout.version}; controllers ${layout.controllers.join(', ') || 'none'}; CPU limits via ${cpu ?? 'nothing usable'}${isRoot ? '' : '; not root, so meshbench cannot create cgroups'}`,
    required: false,
    fix: cpu && isRoot ? undefined : 'emulated contention tiers need root and a cpu controller',
  };
}

async function slowDiskCheck(): Promise<Check> {
  const problem = await checkSlowDiskSupport().then(
    () => null,
    (error: MeshbenchError) => error,
  );
  return {
    name: 'slow disk',
    status: problem ? 'warning' : 'ok',
    detail: problem ? problem.message : 'loop devices, mkfs.ext4 and the v1 blkio throttle: slowDisk tiers can be emulated',
    required: false,
    fix: problem?.hint,
  };
}

function netnsCheck(): Check {
  const isRoot = process.getuid?.() === 0;
  return {
    name: 'network namespaces',
    status: isRoot ? 'ok' : 'warning',
    detail: isRoot ? 'root: can create network namespaces and iptables rules' : 'not root: pods share the host network namespace',
    required: false,
  };
}

function kubeconfigCheck(env: NodeJS.ProcessEnv): Check {
  const files = (env.KUBECONFIG ?? path.join(os.homedir(), '.kube', 'config')).split(path.delimiter).filter((f) => existsSync(f));
  // client-node falls back to an invented "loaded-context" when there is no file; don't report that.
  if (files.length === 0) return { name: 'kubeconfig', status: 'warning', detail: 'no kubeconfig: the kubernetes backend needs one', required: false };
  const kc = new KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (err) {
    return { name: 'kubeconfig', status: 'warning', detail: `unreadable: ${(err as Error).message}`, required: false };
  }
  const contexts = kc.getContexts().map((c) => c.name);
  const source = files.join(', ');
  return contexts.length
    ? { name: 'kubeconfig', status: 'ok', detail: `${source}: contexts ${contexts.join(', ')} (current ${kc.getCurrentContext()})`, required: false }
    : { name: 'kubeconfig', status: 'warning', detail: `no contexts in ${source}: the kubernetes backend needs one`, required: false };
}
