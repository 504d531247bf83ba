import { loadScenarioFile } from '../../scenario/load.js';
import { planTrials } from '../../scenario/plan.js';
import { ExitCode } from '../../errors.js';
import type { CliOutput } from '../output.js';

export async function validateCommand(files: string[], out: CliOutput): Promise<number> {
  for (const file of files) {
    const scenario = await loadScenarioFile(file);
    const trials = planTrials(scenario, 0).length;
    const seconds = trials * (scenario.load.durationSeconds + scenario.load.warmupSeconds);
    out.stdout.write(
      `${file}: ok (${scenario.variants.length} variants × ${scenario.load.connections.length} load levels × ${scenario.repetitions} repetitions × ${scenario.tiers.length} tier(s) = ${trials} trials, ≥ ${Math.ceil(seconds / 60)} min of load)\n`,
    );
  }
  return ExitCode.ok;
}
