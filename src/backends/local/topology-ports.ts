/**
 * Who calls whom, as pods: the load generator's pod calls the entry service; every service
 * calls the services listed in its `calls`. Pure, so port planning and config generation
 * can be tested without starting anything.
 */
import type { Scenario } from '../../scenario/schema.js';
import { entryService } from '../../scenario/schema.js';

export const loadgenPod = 'loadgen';

export interface PodPlan {
  name: string;
  /** The service this pod runs; undefined for the load generator's pod. */
  service?: string;
  /** Services this pod's app calls. */
  calls: string[];
}

export function podPlans(scenario: Scenario): PodPlan[] {
  return [
    { name: loadgenPod, calls: [entryService(scenario)] },
    ...scenario.topology.services.map((s) => ({ name: s.name, service: s.name, calls: s.calls })),
  ];
}

export function identityNames(scenario: Scenario): string[] {
  return podPlans(scenario).map((p) => p.name);
}
