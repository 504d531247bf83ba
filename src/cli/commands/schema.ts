import { anyScenarioJsonSchema } from '../../scenario/any-scenario.js';
import { ExitCode } from '../../errors.js';
import type { CliOutput } from '../output.js';

export function schemaCommand(out: CliOutput): number {
  out.stdout.write(JSON.stringify({ title: 'meshbench scenario', ...anyScenarioJsonSchema() }, null, 2) + '\n');
  return ExitCode.ok;
}
