/**
 * Finding, validating and launching the proxy binaries on this host.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { EnvironmentError } from '../errors.js';
import { nginxPaths } from './nginx.js';
import type { ProxyKind } from './sidecar-spec.js';
import { envoyLaunchArgs, envoyValidateArgs } from './envoy.js';

export interface ProxyBinary {
  kind: ProxyKind;
  path: string;
  /** e.g. `2.6.12-1+deb12u4` for HAProxy, `1.22.1` for nginx. */
  version: string;
  /** The first line the binary printed for its version flag, as is. */
  versionLine: string;
}

export interface FindProxyBinaryOptions {
  /** Search path; defaults to process.env.PATH. */
  pathEnv?: string;
  /** Directories searched after the path; defaults to /usr/sbin and /usr/local/sbin for haproxy and nginx. */
  extraDirs?: string[];
  /** This executable, whatever its name (a variant's `binary`); no search. */
  file?: string;
}

export const proxyInstallHint: Record<ProxyKind, string> = {
  haproxy: 'Install it with: sudo apt-get install -y haproxy nginx libnginx-mod-stream',
  nginx: 'Install it with: sudo apt-get install -y haproxy nginx libnginx-mod-stream',
  envoy:
    'Envoy is not packaged in Debian or npm; use the official container image envoyproxy/envoy or the func-e installer, and put `envoy` on PATH.',
};

/** Debian installs haproxy and nginx to /usr/sbin, which a non-root PATH often lacks. */
const sbinDirs = ['/usr/sbin', '/usr/local/sbin'];

const versionCommandTimeoutMs = 10_000;

export async function findProxyBinary(kind: ProxyKind, options: FindProxyBinaryOptions = {}): Promise<ProxyBinary> {
  const pathDirs = (options.pathEnv ?? process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  const extra = options.extraDirs ?? (kind === 'envoy' ? [] : sbinDirs);
  const dirs = [...new Set([...pathDirs, ...extra])];
  let path: string | undefined;
  if (options.file !== undefined) {
    if (!(await isExecutableFile(options.file))) throw new EnvironmentError(`${kind} binary ${options.file} is not an executable file`, proxyInstallHint[kind]);
    path = options.file;
  }
  for (const dir of path ? [] : dirs) {
    const candidate = join(dir, kind);
    if (await isExecutableFile(candidate)) {
      path = candidate;
      break;
    }
  }
  if (!path) {
    throw new EnvironmentError(`${kind} not found (searched ${dirs.join(', ') || 'nothing: PATH is empty'})`, proxyInstallHint[kind]);
  }

  const versionArgs = kind === 'envoy' ? ['--version'] : ['-v'];
  const result = await run(path, versionArgs, versionCommandTimeoutMs);
  // nginx -v writes to stderr, haproxy -v and envoy --version to stdout.
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.error) {
    throw new EnvironmentError(`${path} ${versionArgs.join(' ')} failed: ${result.error.message}\n${output.trim()}`, proxyInstallHint[kind], {
      cause: result.error,
    });
  }
  const versionLine = output.split('\n').find((l) => /version/i.test(l))?.trim() ?? output.trim().split('\n')[0] ?? '';
  const version = parseProxyVersion(kind, versionLine);
  if (!version) {
    throw new EnvironmentError(`cannot read the ${kind} version from "${path} ${versionArgs.join(' ')}": ${JSON.stringify(output.trim())}`);
  }
  return { kind, path, version, versionLine };
}

/** Pulls the version out of the line a proxy prints for its version flag. */
export function parseProxyVersion(kind: ProxyKind, line: string): string | undefined {
  const pattern =
    kind === 'haproxy'
      ? /HA-?Proxy version (\S+)/i // HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://haproxy.org/
      : kind === 'nginx'
        ? /nginx\/(\S+)/ // nginx version: nginx/1.22.1
        : /\/(\d+\.\d+\.\d+[^/\s]*)\//; // envoy  version: 8f1b.../1.30.1/Clean/RELEASE/BoringSSL
  return pattern.exec(line)?.[1];
}

export interface LaunchCommand {
  command: string;
  args: string[];
}

export interface ProxyLaunchOptions {
  /**
   * nginx overwrites its own /proc/PID/environ with its process title, so MESHBENCH_RUN_ID in
   * the environment cannot find it after a crash. With a run id, the nginx command line
   * carries it too (`env MESHBENCH_RUN_ID=<id>;`), and the master's title keeps it.
   */
  runId?: string;
  /** Envoy's --concurrency (worker threads); the other proxies take it from their config. */
  workers?: number;
  /** Envoy's --base-id, unique per Envoy process on the host. */
  envoyBaseId?: number;
}

/** The foreground command line for a proxy: no daemon, no master-worker, logs to stderr or workDir. */
export function proxyLaunch(
  kind: ProxyKind,
  binaryPath: string,
  configPath: string,
  workDir: string,
  options: ProxyLaunchOptions = {},
): LaunchCommand {
  switch (kind) {
    case 'haproxy':
      return { command: binaryPath, args: ['-f', configPath, '-db'] };
    case 'nginx':
      return { command: binaryPath, args: nginxArgs(configPath, workDir, options.runId) };
    case 'envoy':
      // Several Envoys on one host share nothing: a base id per process, no hot restart.
      return { command: binaryPath, args: envoyLaunchArgs({ configPath, baseId: options.envoyBaseId ?? 0, concurrency: options.workers ?? 1 }) };
  }
}

function nginxArgs(configPath: string, workDir: string, runId: string | undefined): string[] {
  let globals = 'daemon off;';
  if (runId !== undefined) {
    if (!/^[A-Za-z0-9._-]+$/.test(runId)) throw new Error(`run id "${runId}" has characters that cannot go into an nginx directive`);
    globals += ` env MESHBENCH_RUN_ID=${runId};`;
  }
  // -e sets the error log before the config is read, so even a config error lands in workDir.
  return ['-p', workDir, '-c', configPath, '-e', nginxPaths(workDir).errorLog, '-g', globals];
}

const configCheckTimeoutMs = 30_000;

/** Runs the proxy's own config check; throws EnvironmentError with its message on failure. */
export async function checkProxyConfig(kind: ProxyKind, binaryPath: string, configPath: string, workDir: string): Promise<void> {
  const args =
    kind === 'haproxy'
      ? ['-c', '-f', configPath]
      : kind === 'nginx'
        ? ['-t', ...nginxArgs(configPath, workDir, undefined)]
        : envoyValidateArgs(configPath);
  const result = await run(binaryPath, args, configCheckTimeoutMs);
  if (!result.error) return;
  const output = [result.stdout, result.stderr].map((s) => s.trim()).filter((s) => s !== '').join('\n');
  const hint =
    kind === 'nginx' && /ngx_stream_module|unknown directive "stream"/.test(output)
      ? 'mode tcp needs the nginx stream module: sudo apt-get install -y libnginx-mod-stream'
      : undefined;
  throw new EnvironmentError(
    `${kind} rejected the config ${configPath} (${binaryPath} ${args.join(' ')}): ${output || result.error.message}`,
    hint,
    { cause: result.error },
  );
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch (error) {
    // Missing or not executable is the answer "no"; anything else is a real problem.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') return false;
    throw error;
  }
}

interface RunResult {
  stdout: string;
  stderr: string;
  error: Error | null;
}

function run(command: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ stdout: String(stdout), stderr: String(stderr), error });
    });
  });
}
