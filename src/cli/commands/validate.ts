import { loadScenarioFile } from '../../scenario/load.js';
import { loadLevels, planTrials } from '../../scenario/plan.js';
import { ExitCode } from '../../errors.js';
import type { CliOutput } from '../output.js';

export async function validateCommand(files: string[], out: CliOutput): Promise<number> {
  for (const file of files) {
    const scenario = await loadScenarioFile(file);
    const trials = planTrials(scenario, 0).length;
    const levels = loadLevels(scenario).length;
    const what = scenario.load.mode === 'capacity' ? 'capacity searches' : 'trials';
    const seconds = scenario.load.mode === 'capacity' ? null : trials * (scenario.load.durationSeconds + scenario.load.warmupSeconds);
    out.stdout.write(
      `${file}: ok (${scenario.variants.length} variants × ${levels} load level(s) × ${scenario.repetitions} repetitions × ${scenario.tiers.length} tier(s) = ${trials} ${what}${seconds === null ? '' : `, ≥ ${Math.ceil(seconds / 60)} min of load`})\n`,
    );
  }
  return ExitCode.ok;
}
