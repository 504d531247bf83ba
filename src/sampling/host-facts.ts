/**
 * Facts about the machine a run happened on, recorded once per run so results from
 * different machines can be told apart and compared.
 *
 * Robustness rule: a fact that cannot be found never fails the run. Strings become
 * 'unknown', counts 0, lists empty, and the reason goes to `onProblem` when given.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import si from 'systeminformation';
import type { HostFacts } from '../results/schema.js';
import { wholeDiskNames } from './diskstats.js';
import { clockTicksPerSecond, defaultProcRoot } from './proc-reader.js';

export const unknownFact = 'unknown';

export interface HostFactsOptions {
  /** Proxy name → version string, as found by whoever located the binaries. */
  proxies: Record<string, string>;
  /** Told about every fact that fell back to 'unknown' or a weaker source. */
  onProblem?: (problem: string) => void;
  procRoot?: string;
  sysRoot?: string;
  /** Upper bound for each systeminformation call; some shell out and can hang on odd hosts. */
  timeoutMs?: number;
}

export async function collectHostFacts(extra: HostFactsOptions): Promise<HostFacts> {
  const procRoot = extra.procRoot ?? defaultProcRoot;
  const sysRoot = extra.sysRoot ?? '/sys';
  const timeoutMs = extra.timeoutMs ?? 15_000;
  const problem = (text: string): void => extra.onProblem?.(text);
  const attempt = async <T>(label: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await withTimeout(run(), timeoutMs, label);
    } catch (error) {
      problem(`${label}: ${errorMessage(error)}`);
      return undefined;
    }
  };

  const cpuinfoText = readOptional(join(procRoot, 'cpuinfo'));
  const [cpu, flagsText, osInfo, mem, diskLayout, system, cgroup, ticks] = await Promise.all([
    attempt('systeminformation cpu()', () => si.cpu()),
    attempt('systeminformation cpuFlags()', () => si.cpuFlags()),
    attempt('systeminformation osInfo()', () => si.osInfo()),
    attempt('systeminformation mem()', () => si.mem()),
    attempt('systeminformation diskLayout()', () => si.diskLayout()),
    attempt('systeminformation system()', () => si.system()),
    attempt('cgroup detection', () => detectCgroup({ procRoot })),
    clockTicksPerSecond(),
  ]);
  if (ticks.source === 'fallback') problem(`clock ticks: assumed ${ticks.ticksPerSecond} (${ticks.problem})`);

  const cpuinfoField = (field: string): string | undefined =>
    cpuinfoText ? new RegExp(`^${field}\\s*:\\s*(.*)$`, 'm').exec(cpuinfoText)?.[1]?.trim() : undefined;

  const cpuModel = nonEmpty(cpu ? `${cpu.manufacturer} ${cpu.brand}`.trim() : undefined) ?? nonEmpty(cpuinfoField('model name')) ?? nonEmpty(os.cpus()[0]?.model);
  const cpuVendor = nonEmpty(cpu?.vendor) ?? nonEmpty(cpuinfoField('vendor_id'));
  let cpuFlags = splitWords(flagsText);
  if (cpuFlags.length === 0) cpuFlags = splitWords(cpuinfoField('flags'));
  if (cpuFlags.length === 0) problem('cpu flags: neither systeminformation nor /proc/cpuinfo gave any');

  const cpuCount = os.cpus().length || os.availableParallelism();
  const physicalCores = cpu?.physicalCores && cpu.physicalCores > 0 ? cpu.physicalCores : 0;
  if (physicalCores === 0) problem('physical cores: unknown, recorded as 0');

  let disks = (diskLayout ?? []).map((disk) => {
    const device = disk.device.replace(/^\/dev\//, '') || disk.name;
    return {
      name: disk.name && disk.name !== device ? `${device} (${disk.name.trim()})` : device,
      type: nonEmpty(disk.type) ?? unknownFact,
      sizeBytes: disk.size,
      nvme: /nvme/i.test(`${disk.device} ${disk.interfaceType} ${disk.type}`),
    };
  });
  // systeminformation returns no disks on some hosts (this one: lsblk works, diskLayout() is empty).
  if (disks.length === 0) disks = disksFromSysfs(sysRoot);
  if (disks.length === 0) problem('disks: none found by systeminformation or in /sys/block');

  const virt = await detectVirtualization({ siVirtualHost: system?.virtual ? (system.virtualHost ?? null) : null, cpuinfoText, sysRoot });
  if (virt === unknownFact) problem('virtualization: no source could tell');

  if (!cgroup) problem('cgroup: detection failed, recorded as none');
  const osName =
    nonEmpty(osInfo ? [osInfo.distro, osInfo.release, osInfo.codename ? `(${osInfo.codename})` : ''].join(' ').trim() : undefined) ??
    osReleasePrettyName() ??
    nonEmpty(`${os.type()} ${os.version()}`.trim()) ??
    unknownFact;

  return {
    hostname: os.hostname(),
    cpuModel: cpuModel ?? unknownFact,
    cpuVendor: cpuVendor ?? unknownFact,
    cpuFlags,
    cpuCount,
    physicalCores,
    virtualization: virt,
    memTotalBytes: mem?.total && mem.total > 0 ? mem.total : os.totalmem(),
    kernel: os.release(),
    os: osName,
    cgroup: cgroup ? { version: cgroup.version, controllers: cgroup.controllers } : { version: 'none', controllers: [] },
    disks,
    clockTicksPerSecond: ticks.ticksPerSecond,
    nodeVersion: process.version,
    proxies: { ...extra.proxies },
  };
}

// ---------------------------------------------------------------- cgroups

export interface CgroupLayout {
  version: 'v1' | 'v2' | 'hybrid' | 'none';
  /**
   * Controllers that can be used. In a hybrid layout the ones on the unified (v2) hierarchy
   * are prefixed "v2:" (this host: only "v2:hugetlb"), because which hierarchy holds a
   * controller decides which files limit it (cpu.cfs_quota_us in v1, cpu.max in v2).
   */
  controllers: string[];
  v1Controllers: string[];
  /** v1 controller → its mount point, e.g. cpu → /sys/fs/cgroup/cpu (or .../cpu,cpuacct when co-mounted). */
  v1MountPoints: Record<string, string>;
  v2Controllers: string[];
  v2MountPoint: string | null;
}

/** Controllers a v1 mount's options may name, used when /proc/cgroups cannot be read. */
const knownV1Controllers = [
  'cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio',
  'blkio', 'perf_event', 'hugetlb', 'pids', 'rdma', 'misc',
];

/** /proc/mounts escapes space, tab, newline and backslash as octal. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * Pure part of detectCgroup. `procCgroupsText` (/proc/cgroups) supplies the kernel's own
 * controller names, so a v1 mount's options are told apart from generic ones (rw, relatime,
 * name=systemd); `v2ControllersText` is cgroup.controllers of the cgroup2 mount.
 */
export function parseCgroupLayout(input: {
  mountsText: string;
  v2ControllersText: string | null;
  procCgroupsText: string | null;
}): CgroupLayout {
  const controllerNames = new Set(
    input.procCgroupsText
      ? input.procCgroupsText.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => line.split(/\s+/)[0])
      : knownV1Controllers,
  );
  const v1MountPoints: Record<string, string> = {};
  let hasV1 = false;
  let v2MountPoint: string | null = null;
  for (const line of input.mountsText.split('\n')) {
    const [, mountPoint, type, options] = line.split(' ');
    if (type === 'cgroup') {
      hasV1 = true;
      for (const option of options.split(',')) {
        if (controllerNames.has(option)) v1MountPoints[option] = unescapeMountField(mountPoint);
      }
    } else if (type === 'cgroup2' && v2MountPoint === null) {
      v2MountPoint = unescapeMountField(mountPoint);
    }
  }
  const v1Controllers = Object.keys(v1MountPoints).sort();
  const v2Controllers = v2MountPoint !== null && input.v2ControllersText ? splitWords(input.v2ControllersText).sort() : [];
  const hasV2 = v2MountPoint !== null;
  const version = hasV1 && hasV2 ? 'hybrid' : hasV1 ? 'v1' : hasV2 ? 'v2' : 'none';
  const controllers =
    version === 'hybrid' ? [...v1Controllers, ...v2Controllers.map((name) => `v2:${name}`)] : version === 'v1' ? v1Controllers : v2Controllers;
  return { version, controllers, v1Controllers, v1MountPoints, v2Controllers, v2MountPoint };
}

/** Reads /proc/mounts, /proc/cgroups and the cgroup2 mount's cgroup.controllers. */
export async function detectCgroup(options: { procRoot?: string } = {}): Promise<CgroupLayout> {
  const procRoot = options.procRoot ?? defaultProcRoot;
  const mountsText = readFileSync(join(procRoot, 'mounts'), 'utf8');
  const withoutControllers = parseCgroupLayout({ mountsText, v2ControllersText: null, procCgroupsText: null });
  const v2ControllersText = withoutControllers.v2MountPoint
    ? readOptional(join(withoutControllers.v2MountPoint, 'cgroup.controllers'))
    : null;
  return parseCgroupLayout({ mountsText, v2ControllersText, procCgroupsText: readOptional(join(procRoot, 'cgroups')) });
}

// ---------------------------------------------------------------- virtualization

export interface VirtualizationEvidence {
  /** Output of `systemd-detect-virt --vm`; undefined when the tool is not installed. */
  detectVirtVm?: string;
  /** Output of `systemd-detect-virt --container`; undefined when the tool is not installed. */
  detectVirtContainer?: string;
  /** systeminformation system().virtualHost when it found the machine virtual. */
  siVirtualHost?: string | null;
  /** /sys/class/dmi/id/sys_vendor (absent on many VMs, e.g. Firecracker). */
  dmiSysVendor?: string | null;
  /** The "hypervisor" CPU flag; null when /proc/cpuinfo could not be read. */
  cpuinfoHypervisorFlag?: boolean | null;
}

const dmiVendorHypervisors: [RegExp, string][] = [
  [/^QEMU/i, 'qemu'],
  [/^Amazon EC2/i, 'amazon'],
  [/^Google/i, 'google'],
  [/^Microsoft Corporation/i, 'microsoft'],
  [/^VMware/i, 'vmware'],
  [/^Xen/i, 'xen'],
  [/^innotek GmbH/i, 'oracle'],
  [/^Parallels/i, 'parallels'],
  [/^DigitalOcean/i, 'kvm'],
  [/^Hetzner/i, 'kvm'],
];

/**
 * The hypervisor (and container runtime) the host runs under: "kvm", "docker",
 * "kvm+docker" when both; null on bare metal; 'unknown' when no source could tell.
 */
export function describeVirtualization(evidence: VirtualizationEvidence): string | null {
  if (evidence.detectVirtVm !== undefined || evidence.detectVirtContainer !== undefined) {
    const named = (value: string | undefined): string | null => (value && value !== 'none' ? value : null);
    const vm = named(evidence.detectVirtVm);
    const container = named(evidence.detectVirtContainer);
    return vm && container ? `${vm}+${container}` : (vm ?? container);
  }
  if (evidence.siVirtualHost) return evidence.siVirtualHost.toLowerCase();
  if (evidence.dmiSysVendor) {
    const match = dmiVendorHypervisors.find(([pattern]) => pattern.test(evidence.dmiSysVendor!.trim()));
    if (match) return match[1];
  }
  if (evidence.cpuinfoHypervisorFlag === true) return 'hypervisor (type unknown)';
  if (evidence.cpuinfoHypervisorFlag === false) return null;
  return unknownFact;
}

async function detectVirtualization(input: { siVirtualHost: string | null; cpuinfoText: string | null; sysRoot: string }): Promise<string | null> {
  const vm = await runTool('systemd-detect-virt', ['--vm']);
  const container = vm === null ? null : await runTool('systemd-detect-virt', ['--container']);
  const flagsLine = input.cpuinfoText ? /^flags\s*:(.*)$/m.exec(input.cpuinfoText)?.[1] : undefined;
  return describeVirtualization({
    detectVirtVm: vm?.stdout.trim(),
    detectVirtContainer: container?.stdout.trim(),
    siVirtualHost: input.siVirtualHost,
    dmiSysVendor: readOptional(join(input.sysRoot, 'class/dmi/id/sys_vendor')),
    cpuinfoHypervisorFlag: flagsLine === undefined ? null : splitWords(flagsLine).includes('hypervisor'),
  });
}

// ---------------------------------------------------------------- disks

function disksFromSysfs(sysRoot: string): HostFacts['disks'] {
  let names: string[];
  try {
    names = readdirSync(join(sysRoot, 'block'));
  } catch {
    return [];
  }
  return wholeDiskNames(names).map((name) => {
    const read = (file: string): string | null => readOptional(join(sysRoot, 'block', name, file))?.trim() ?? null;
    const nvme = name.startsWith('nvme');
    const rotational = read('queue/rotational');
    // virtio and Xen disks report rotational=1 by default whatever is behind them, so the flag says nothing there.
    const type = nvme
      ? 'NVMe'
      : name.startsWith('vd')
        ? 'virtio'
        : name.startsWith('xvd')
          ? 'xen'
          : rotational === '1'
            ? 'HD'
            : rotational === '0'
              ? 'SSD'
              : unknownFact;
    const model = read('device/model');
    return {
      name: model ? `${name} (${model})` : name,
      type,
      sizeBytes: Number(read('size') ?? 0) * 512,
      nvme,
    };
  });
}

// ---------------------------------------------------------------- helpers

function readOptional(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function osReleasePrettyName(): string | undefined {
  const text = readOptional('/etc/os-release');
  return nonEmpty(text ? /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1] : undefined);
}

function nonEmpty(value: string | undefined | null): string | undefined {
  return value && value.trim() ? value.trim() : undefined;
}

function splitWords(text: string | undefined | null): string[] {
  return text ? text.split(/\s+/).filter(Boolean) : [];
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} took longer than ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** stdout and exit status of a tool, or null when it is not installed, was killed or printed nothing. */
function runTool(file: string, args: string[]): Promise<{ stdout: string; exitCode: number } | null> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 5000 }, (error, stdout) => {
      if (!error) return resolve({ stdout: String(stdout), exitCode: 0 });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || !String(stdout).trim()) return resolve(null);
      // systemd-detect-virt exits 1 after printing "none"; that is an answer, not a failure.
      resolve({ stdout: String(stdout), exitCode: typeof code === 'number' ? code : 1 });
    });
  });
}
