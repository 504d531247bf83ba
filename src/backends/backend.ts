/**
 * What the runner needs from a place to run a scenario. Small on purpose: the local backend
 * runs processes on this host, the Kubernetes backend creates objects in a cluster.
 */
import type { ProcessRole, Verification } from '../results/schema.js';
import type { VariantConfig } from '../scenario/schema.js';
import type { EnvoyStats } from '../proxies/envoy-admin.js';
import type { CpuThrottling } from './local/contention/cpu-throttling.js';

/** One measurable part of a deployment: an app, a proxy, the load generator. */
export interface Component {
  name: string;
  role: ProcessRole;
  pod: string;
  program: string;
  /** The process whose tree makes up this component (nginx: master plus workers). */
  rootPid: number;
}

export interface Deployment {
  variant: VariantConfig;
  /** Where the load generator sends its requests (through its own sidecar when meshed). */
  targetUrl: string;
  components: Component[];
  /** Prove the deployment does what it claims before it is measured. */
  verify(): Promise<Verification>;
  /** Proxies' own counters (Envoy's admin /stats), by component name; read before and after a trial. */
  readProxyStats?(): Promise<Record<string, EnvoyStats>>;
}

export interface Backend {
  readonly kind: 'local';
  /** The tier's emulated contention, as applied (run.json); null when the tier has none. */
  contentionRecord?(): unknown;
  /** Processes that belong to the tier's emulation (noisy neighbours): not foreign, not part of the trial. */
  backgroundComponents?(): Promise<Component[]>;
  /** Put the load generator where the tier says (its own CPUs when pinned). */
  placeLoadGenerator?(pid: number): Promise<void>;
  /** Cumulative CFS counters of the pods' cgroup, when the tier limits CPU. */
  readThrottling?(): Promise<CpuThrottling | undefined>;
  /** Check what the scenario needs (binaries, permissions) before anything is started. */
  prepare(): Promise<void>;
  deploy(variant: VariantConfig): Promise<Deployment>;
  /** Stop everything this backend started, in reverse order. Safe to call more than once. */
  teardown(): Promise<void>;
}
