/**
 * Samples the node and the trial's components at a fixed interval (1 Hz by default), each
 * sample covering the window since the previous one.
 */
import type { NodeWindow, ProcessRole } from '../results/schema.js';
import { ProcSession, clockTicksPerSecond, defaultProcRoot, type ClockTicks } from './proc-reader.js';
import { diffSnapshots, takeSnapshot, type ProcessGroup, type Snapshot } from './window.js';

export interface NodeSample {
  /** End of the sample's window, in ms after the sampler's origin (see NodeSamplerOptions.originMs). */
  tMs: number;
  /** End of the window as performance.now(), to re-base tMs on another origin. */
  endMonotonicMs: number;
  node: NodeWindow;
  processes: { name: string; role: ProcessRole; cpuPctOfCore: number; rssBytes: number }[];
}

export type GroupsProvider = () => readonly ProcessGroup[] | Promise<readonly ProcessGroup[]>;

export interface NodeSamplerOptions {
  /** Gets every error of a tick (reading /proc, the groups provider, onSample). Must not throw. */
  onError: (error: unknown) => void;
  intervalMs?: number;
  procRoot?: string;
  /** USER_HZ; looked up with clockTicksPerSecond() at start() when not given. */
  clkTck?: number;
  /** performance.now() value that tMs counts from; defaults to when start() was called. */
  originMs?: number;
}

export class NodeSampler {
  private readonly intervalMs: number;
  private readonly procRoot: string;
  private readonly onError: (error: unknown) => void;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private previous: Snapshot | undefined;
  private ticks: ClockTicks | undefined;
  private session: ProcSession | undefined;
  private starting: Promise<void> | undefined;

  constructor(private readonly options: NodeSamplerOptions) {
    this.intervalMs = options.intervalMs ?? 1000;
    if (!(this.intervalMs > 0)) throw new Error(`NodeSampler: intervalMs must be positive, got ${this.intervalMs}`);
    this.procRoot = options.procRoot ?? defaultProcRoot;
    this.onError = options.onError;
  }

  /** The clock-tick rate in use; source 'fallback' means it was assumed, not read. Set by start(). */
  get clockTicks(): ClockTicks | undefined {
    return this.ticks;
  }

  /**
   * Takes the first snapshot (rejecting if that fails, so a broken /proc is seen at once),
   * then samples every intervalMs. The timer is unref'd: sampling alone never keeps the
   * process alive.
   */
  start(groupsProvider: GroupsProvider, onSample: (sample: NodeSample) => void): Promise<void> {
    if (this.starting || this.timer || this.previous) return Promise.reject(new Error('NodeSampler: already started'));
    const starting = this.begin(groupsProvider, onSample).finally(() => {
      this.starting = undefined;
    });
    this.starting = starting;
    return starting;
  }

  private async begin(groupsProvider: GroupsProvider, onSample: (sample: NodeSample) => void): Promise<void> {
    const originMs = this.options.originMs ?? performance.now();
    this.ticks = this.options.clkTck
      ? { ticksPerSecond: this.options.clkTck, source: 'caller' }
      : await clockTicksPerSecond();
    const clkTck = this.ticks.ticksPerSecond;
    // One session for the sampler's life keeps files open and spares each tick a full process scan.
    const session = new ProcSession(this.procRoot);
    try {
      this.previous = await takeSnapshot(await groupsProvider(), { session });
    } catch (error) {
      session.close();
      throw error;
    }
    this.session = session;

    const tick = async (): Promise<void> => {
      const snapshot = await takeSnapshot(await groupsProvider(), { session });
      const { node, processes } = diffSnapshots(this.previous!, snapshot, clkTck);
      // Advance before onSample runs, so a throwing consumer cannot make the next window overlap this one.
      this.previous = snapshot;
      onSample({
        tMs: snapshot.monotonicMs - originMs,
        endMonotonicMs: snapshot.monotonicMs,
        node,
        processes: processes.map((p) => ({ name: p.name, role: p.role, cpuPctOfCore: p.cpuPctOfCore, rssBytes: p.rssEndBytes })),
      });
    };

    this.timer = setInterval(() => {
      // A tick still running (a stalled read) is not stacked on; the next one covers a longer window.
      if (this.inFlight) return;
      this.inFlight = tick()
        .catch((error: unknown) => this.onError(error))
        .finally(() => {
          this.inFlight = undefined;
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer, resolves once a tick that is already running has finished, and closes the kept /proc files. */
  async stop(): Promise<void> {
    // A start() still taking its first snapshot would otherwise set its timer after this stop.
    // Its failure, if any, belongs to start()'s caller.
    await this.starting?.catch(() => {});
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
    this.session?.close();
    this.session = undefined;
    this.previous = undefined;
  }
}
