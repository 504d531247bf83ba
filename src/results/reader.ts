/**
 * Reads a run folder back through the result schemas. Every reader (report, compare, gate,
 * plan) goes through here, so a record that does not match its schema version is an error
 * that names the file and line, never a guess.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import { migrateRecord } from './migrate.js';
import { runFileNames } from './writer.js';
import { runRecordSchema, sampleRecordSchema, trialRecordSchema, type RunRecord, type SampleRecord, type TrialRecord } from './schema.js';
import type { z } from 'zod';

export interface RunFolder {
  dir: string;
  run: RunRecord;
  trials: TrialRecord[];
}

export async function readRunFolder(dir: string): Promise<RunFolder> {
  const run = parseRecord(runRecordSchema, await readJsonFile(path.join(dir, runFileNames.run)), path.join(dir, runFileNames.run));
  const trials = await readJsonLines(path.join(dir, runFileNames.trials), trialRecordSchema);
  return { dir, run, trials };
}

export function readSamples(dir: string): Promise<SampleRecord[]> {
  return readJsonLines(path.join(dir, runFileNames.samples), sampleRecordSchema);
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidInputError(`${file}: ${code === 'ENOENT' ? 'not found (is this a meshbench result folder?)' : String(err)}`);
  }
}

async function readJsonFile(file: string): Promise<unknown> {
  const text = await readText(file);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
}

async function readJsonLines<T>(file: string, schema: z.ZodType<T>): Promise<T[]> {
  const lines = (await readText(file)).split('\n');
  const records: T[] = [];
  const problems: string[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    // A run killed mid-write can leave a torn last line; everything before it is still good.
    const isLastLine = lines.slice(i + 1).every((l) => l.trim() === '');
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      if (!isLastLine) problems.push(`${file}:${i + 1}: not valid JSON: ${(err as Error).message}`);
      return;
    }
    const parsed = schema.safeParse(migrateRecord(value));
    if (parsed.success) records.push(parsed.data);
    else problems.push(...parsed.error.issues.map((issue) => `${file}:${i + 1}: ${issue.path.join('.')}: ${issue.message}`));
  });
  if (problems.length) throw new InvalidInputError(`${file} has ${problems.length} invalid record(s)`, problems.slice(0, 20));
  return records;
}

function parseRecord<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const parsed = schema.safeParse(migrateRecord(value));
  if (parsed.success) return parsed.data;
  throw new InvalidInputError(
    `${file} is not a valid run record`,
    parsed.error.issues.map((issue) => `${file}: ${issue.path.join('.')}: ${issue.message}`),
  );
}
