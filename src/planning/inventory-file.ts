/**
 * Loads an inventory file through the shared YAML + zod loader, so every problem comes back as
 * file:line:col. Given the results it will be planned against, the same pass also checks what
 * only the results can tell (a tier that was not measured, a variant missing on a tier), and
 * reports those at their line too.
 */
import { loadYamlFile, parseYamlText } from '../config/yaml-file.js';
import { inventorySchema, type Inventory } from './inventory-schema.js';
import { resolveTierSources, type ResultsCatalogue } from './tier-sources.js';

export function loadInventoryFile(file: string, results?: ResultsCatalogue): Promise<Inventory> {
  return loadYamlFile(file, schemaFor(results), 'inventory');
}

export function parseInventoryText(text: string, file = '<inline>', results?: ResultsCatalogue): Inventory {
  return parseYamlText(text, file, schemaFor(results), 'inventory');
}

function schemaFor(results: ResultsCatalogue | undefined) {
  if (!results) return inventorySchema;
  return inventorySchema.superRefine((inv, ctx) => {
    for (const p of resolveTierSources(inv, results).problems) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
  });
}
