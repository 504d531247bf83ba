/**
 * Brings older result records up to the current schemaVersion. There is only version 1 so
 * far; a record from a newer meshbench is refused rather than misread.
 */
import { InvalidInputError } from '../errors.js';
import { resultSchemaVersion } from './schema.js';

export function migrateRecord(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const version = (value as { schemaVersion?: unknown }).schemaVersion;
  if (typeof version === 'number' && version > resultSchemaVersion)
    throw new InvalidInputError(
      `result record has schemaVersion ${version}, newer than this meshbench understands (${resultSchemaVersion})`,
      [],
      'upgrade meshbench to read it',
    );
  return value;
}
