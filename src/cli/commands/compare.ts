import { ExitCode } from '../../errors.js';
import { buildComparison } from '../../report/compare.js';
import type { CliOutput } from '../output.js';

export interface CompareArgs {
  runDirs: string[];
  /** Where to write; default <reportsDir>/compare-<scenario>-<tier>-vs-<tier>. */
  out?: string;
  reportsDir: string;
  force: boolean;
  excludeFlagged: boolean;
}

/** Exit 2 (InvalidInputError, thrown) when a folder is unreadable or the scenarios differ without --force. */
export async function compareCommand(args: CompareArgs, out: CliOutput): Promise<number> {
  const built = await buildComparison(args.runDirs, { outDir: args.out, reportsDir: args.reportsDir, force: args.force, excludeFlagged: args.excludeFlagged });
  const { differences } = built.comparison;
  if (differences.length) out.stderr.write(`warning: compared with --force although the scenarios differ:\n${differences.map((d) => `  ${d}\n`).join('')}`);
  out.stdout.write(`comparison: ${built.outDir}\nreport: ${built.markdownPath}\nhtml: ${built.htmlPath}\nsummary: ${built.summaryCsvPath}\n`);
  return ExitCode.ok;
}
