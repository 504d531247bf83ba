/**
 * A scenario file for either backend. The local schema (schema.ts) and the Kubernetes one
 * (backends/kubernetes/kubernetes-scenario.ts) share their parts; `backend` picks which
 * rules apply, and a file without one is a local scenario.
 */
import { z } from 'zod';
import { kubernetesScenarioSchema, type KubernetesScenario } from '../backends/kubernetes/kubernetes-scenario.js';
import { scenarioSchema, type Scenario } from './schema.js';

export const anyScenarioSchema = z.preprocess(
  (v) => (v && typeof v === 'object' && !Array.isArray(v) && !('backend' in v) ? { ...v, backend: 'local' } : v),
  z.discriminatedUnion('backend', [scenarioSchema, kubernetesScenarioSchema]),
);

export type AnyScenario = Scenario | KubernetesScenario;

export function isKubernetesScenario(s: AnyScenario): s is KubernetesScenario {
  return s.backend === 'kubernetes';
}

/** JSON Schema for editors, both backends; `io: 'input'` so defaulted fields are not required. */
export function anyScenarioJsonSchema(): object {
  return z.toJSONSchema(z.discriminatedUnion('backend', [scenarioSchema, kubernetesScenarioSchema]), { target: 'draft-2020-12', io: 'input' });
}
