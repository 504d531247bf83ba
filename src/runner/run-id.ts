import { randomBytes } from 'node:crypto';

/** Sortable and unique: `<scenario>-<UTC yyyymmdd-hhmmss>-<4 hex>`; also the folder name. */
export function newRunId(scenarioName: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${scenarioName}-${stamp}-${randomBytes(2).toString('hex')}`;
}
