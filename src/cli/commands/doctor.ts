import { runDoctor } from '../../doctor/checks.js';
import { ExitCode } from '../../errors.js';
import type { CliOutput } from '../output.js';

export async function doctorCommand(out: CliOutput): Promise<number> {
  const report = await runDoctor();
  const width = Math.max(...report.checks.map((c) => c.name.length));
  for (const c of report.checks) {
    const mark = c.status === 'ok' ? 'ok  ' : c.status === 'missing' ? 'MISS' : 'warn';
    out.stdout.write(`${mark} ${c.name.padEnd(width)}  ${c.detail}\n`);
    if (c.fix && c.status !== 'ok') out.stdout.write(`     ${''.padEnd(width)}  → ${c.fix}\n`);
  }
  const missing = report.checks.filter((c) => c.required && c.status !== 'ok').map((c) => c.name);
  out.stdout.write(report.quickstartReady ? '\nthe quickstart can run on this machine\n' : `\nthe quickstart cannot run: missing ${missing.join(', ')}\n`);
  return report.quickstartReady ? ExitCode.ok : ExitCode.environment;
}
