import { findProcessesByRunId, killProcesses } from '../../backends/local/supervisor.js';
import { ExitCode, InvalidInputError } from '../../errors.js';
import type { CliOutput } from '../output.js';

/** Clean up after a crashed run: every process tagged with the run id (or any run, with --all). */
export async function destroyCommand(runId: string | undefined, all: boolean, out: CliOutput): Promise<number> {
  if (!runId && !all) throw new InvalidInputError('destroy needs a run id, or --all');
  const found = await findProcessesByRunId(all ? null : runId!);
  if (found.length === 0) {
    out.stdout.write(`nothing to clean up for ${all ? 'any meshbench run' : runId}\n`);
    return ExitCode.ok;
  }
  await killProcesses(found.map((p) => p.pid));
  for (const p of found) out.stdout.write(`stopped ${p.pid} (${p.name ?? p.cmdline}) of run ${p.runId}\n`);
  return ExitCode.ok;
}
