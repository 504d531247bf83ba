import { buildReport, type ReportOptions } from '../../report/build-report.js';
import { ExitCode } from '../../errors.js';
import type { CliOutput } from '../output.js';

export async function reportCommand(runDir: string, options: ReportOptions, out: CliOutput): Promise<number> {
  const built = await buildReport(runDir, options);
  out.stdout.write(`summary: ${built.summaryCsvPath}\nhtml: ${built.htmlPath}\nreport: ${built.markdownPath}\n`);
  return ExitCode.ok;
}
