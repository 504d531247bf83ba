/**
 * Writes a run folder: run.json (rewritten atomically as the run's status changes),
 * trials.jsonl (one record per finished trial, appended and fsynced at once, so a crash or
 * Ctrl-C never loses a finished trial) and samples.jsonl (the 1 Hz series).
 */
import { mkdir, open, rename, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { RunRecord, SampleRecord, TrialRecord } from './schema.js';

export const runFileNames = { run: 'run.json', trials: 'trials.jsonl', samples: 'samples.jsonl' } as const;

export class RunWriter {
  private constructor(
    readonly dir: string,
    private readonly trials: FileHandle,
    private readonly samples: FileHandle,
  ) {}

  static async create(dir: string): Promise<RunWriter> {
    await mkdir(dir, { recursive: true });
    const trials = await open(path.join(dir, runFileNames.trials), 'a');
    const samples = await open(path.join(dir, runFileNames.samples), 'a');
    return new RunWriter(dir, trials, samples);
  }

  async writeRun(run: RunRecord): Promise<void> {
    const file = path.join(this.dir, runFileNames.run);
    const tmp = `${file}.tmp`;
    await writeFile(tmp, JSON.stringify(run, null, 2) + '\n');
    await rename(tmp, file);
  }

  async appendTrial(trial: TrialRecord): Promise<void> {
    await this.trials.appendFile(JSON.stringify(trial) + '\n');
    await this.trials.sync();
  }

  async appendSamples(samples: SampleRecord[]): Promise<void> {
    if (samples.length === 0) return;
    await this.samples.appendFile(samples.map((s) => JSON.stringify(s)).join('\n') + '\n');
    await this.samples.sync();
  }

  async close(): Promise<void> {
    await Promise.all([this.trials.close(), this.samples.close()]);
  }
}
