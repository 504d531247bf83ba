/**
 * Applies something (a cgroup move, a CPU affinity) to a process and every descendant,
 * including children forked while the walk runs: nginx forks its workers once, so the tree is
 * rescanned until a round finds nobody new.
 */
import { EnvironmentError } from '../../../errors.js';
import { descendantsOf } from '../supervisor.js';

const maxRounds = 10;

/**
 * `apply` returns false when the process has gone (that is not an error for a descendant).
 * Returns every pid it was applied to; throws when `pid` itself does not exist.
 */
export async function applyToProcessTree(pid: number, apply: (pid: number) => Promise<boolean>, target: string): Promise<number[]> {
  const seen = new Set<number>();
  const applied: number[] = [];
  for (let round = 0; round < maxRounds; round++) {
    const tree = [pid, ...(await descendantsOf([pid])).map((r) => r.pid)];
    const fresh = tree.filter((p) => !seen.has(p));
    if (fresh.length === 0) break;
    for (const p of fresh) {
      seen.add(p);
      if (await apply(p)) applied.push(p);
      else if (p === pid) throw new EnvironmentError(`cannot move process ${pid} into ${target}: it has exited`);
    }
  }
  return applied;
}
