import { buildReport } from '../../report/build-report.js';
import { ExitCode } from '../../errors.js';
import type { CliOutput } from '../output.js';

export async function reportCommand(runDir: string, out: CliOutput): Promise<number> {
  const built = await buildReport(runDir);
  out.stdout.write(`summary: ${built.summaryCsvPath}\nreport: ${built.markdownPath}\n`);
  return ExitCode.ok;
}
