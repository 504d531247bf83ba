import { writeFile } from 'node:fs/promises';
import { ExitCode, InvalidInputError } from '../../errors.js';
import { buildPlan } from '../../planning/build-plan.js';
import { loadInventoryFile } from '../../planning/inventory-file.js';
import { collectMeasurements } from '../../planning/measurements.js';
import { renderPlanJson } from '../../planning/plan-json.js';
import { renderPlanMarkdown } from '../../planning/render-markdown.js';
import { catalogueOf } from '../../planning/tier-sources.js';
import { readRunFolder } from '../../results/reader.js';
import type { CliOutput } from '../output.js';

export const planFormats = ['md', 'json'] as const;
export type PlanFormat = (typeof planFormats)[number];

export interface PlanArgs {
  inventory: string;
  runDirs: string[];
  format: PlanFormat;
  /** Write the plan here instead of stdout. */
  out?: string;
}

/** Node plan and monthly bill per tier from an inventory and result folders; read-only on the folders. */
export async function planCommand(args: PlanArgs, out: CliOutput): Promise<number> {
  if (!planFormats.includes(args.format)) throw new InvalidInputError(`--format must be one of ${planFormats.join(', ')}, got "${args.format}"`);
  const folders = [];
  for (const dir of args.runDirs) folders.push(await readRunFolder(dir));
  const measurements = collectMeasurements(folders);
  // Checked against the results in the same pass, so a tier or variant that was not measured is reported at its line.
  const inventory = await loadInventoryFile(args.inventory, catalogueOf(measurements));
  const plan = buildPlan(inventory, measurements, { inventoryFile: args.inventory });
  const text = args.format === 'json' ? renderPlanJson(plan) : renderPlanMarkdown(plan);
  if (args.out) {
    await writeFile(args.out, text);
    out.stdout.write(`plan: ${args.out}\n`);
  } else {
    out.stdout.write(text);
  }
  return ExitCode.ok;
}
