/**
 * A run's result folder while the run goes on, the same for every backend: nothing is on
 * disk until the run record is started (so a failed preflight leaves nothing behind), every
 * trial is appended as it finishes, and however the run ends, run.json says how.
 */
import { InterruptedError } from '../errors.js';
import type { RunRecord, SampleRecord, TrialRecord } from './schema.js';
import { RunWriter } from './writer.js';

export class RunSession {
  readonly trials: TrialRecord[] = [];
  private writer: RunWriter | undefined;
  private current: RunRecord | undefined;

  constructor(readonly runDir: string) {}

  get started(): boolean {
    return this.current !== undefined;
  }

  get run(): RunRecord | undefined {
    return this.current;
  }

  /** Creates the folder and writes run.json with status running. */
  async start(run: RunRecord): Promise<void> {
    this.writer = await RunWriter.create(this.runDir);
    this.current = run;
    await this.writer.writeRun(run);
  }

  /** Rewrites run.json with what changed (e.g. a tier's contention). */
  async update(change: (run: RunRecord) => RunRecord): Promise<void> {
    if (!this.current || !this.writer) throw new Error('RunSession.update before start');
    this.current = change(this.current);
    await this.writer.writeRun(this.current);
  }

  async appendTrial(record: TrialRecord, samples: SampleRecord[]): Promise<void> {
    if (!this.writer) throw new Error('RunSession.appendTrial before start');
    await this.writer.appendTrial(record);
    await this.writer.appendSamples(samples);
    this.trials.push(record);
  }

  /**
   * Runs the whole run and records how it ended: completed, interrupted (Ctrl-C: the error
   * becomes an InterruptedError) or failed (the error is rethrown).
   */
  async guard(signal: AbortSignal, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      const interrupted = err instanceof InterruptedError || signal.aborted;
      await this.finish(interrupted ? 'interrupted' : 'failed', interrupted ? 'interrupted by the user' : (err as Error).message);
      if (interrupted && !(err instanceof InterruptedError)) throw new InterruptedError();
      throw err;
    }
    await this.finish('completed', null);
  }

  private async finish(status: RunRecord['status'], detail: string | null): Promise<void> {
    if (!this.writer) return;
    if (this.current) await this.writer.writeRun({ ...this.current, status, statusDetail: detail, endedAt: new Date().toISOString() });
    await this.writer.close();
  }
}
