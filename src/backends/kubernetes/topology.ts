/** Small facts about a Kubernetes scenario's topology that several modules need. */
import type { KubernetesScenario } from './kubernetes-scenario.js';

/** The service the load Job calls (topology.entry, else the first service). */
export function entryServiceOf(scenario: Pick<KubernetesScenario, 'topology'>): string {
  return scenario.topology.entry ?? scenario.topology.services[0].name;
}
