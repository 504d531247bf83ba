/**
 * Children that die with meshbench. Normal stops go through the supervisor in reverse order;
 * this covers the abnormal case (meshbench killed with SIGKILL, or crashing before its
 * cleanup runs), where proxies and apps would otherwise live on as orphans holding ports.
 * util-linux's `setpriv --pdeathsig` (Debian's essential util-linux ships it) asks the kernel
 * to send the child SIGTERM when its parent dies, then execs the real command, so the pid
 * stays the command's own.
 */
import { accessSync, constants } from 'node:fs';

const setprivCandidates = ['/usr/bin/setpriv', '/bin/setpriv'];
let setprivPath: string | null | undefined;

function findSetpriv(): string | null {
  if (setprivPath === undefined) {
    setprivPath = null;
    for (const candidate of setprivCandidates) {
      try {
        accessSync(candidate, constants.X_OK);
        setprivPath = candidate;
        break;
      } catch {
        // not at this path; try the next (absence only means no parent-death signal)
      }
    }
  }
  return setprivPath;
}

export function withParentDeathSignal(command: string, args: readonly string[]): { command: string; args: string[] } {
  if (process.platform !== 'linux') return { command, args: [...args] };
  const setpriv = findSetpriv();
  // A command that does not exist must still fail the spawn itself (ENOENT), not start
  // setpriv and fail later where the caller cannot tell it from a crash.
  if (!setpriv || !isExecutable(command)) return { command, args: [...args] };
  return { command: setpriv, args: ['--pdeathsig', 'TERM', '--', command, ...args] };
}

function isExecutable(command: string): boolean {
  const candidates = command.includes('/') ? [command] : (process.env.PATH ?? '').split(':').filter(Boolean).map((dir) => `${dir}/${command}`);
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
