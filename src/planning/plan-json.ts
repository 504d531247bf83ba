/** plan.json: the whole plan as data, for scripts and for the HTML report. */
import type { PlanResult } from './plan-result.js';
import { compareWithRulesOfThumb, type RuleOfThumbComparison } from './rule-of-thumb.js';

export interface PlanDocument extends PlanResult {
  kind: 'meshbench-plan';
  /** Bumped when a field changes meaning or goes away. */
  version: 1;
  ruleOfThumb: RuleOfThumbComparison;
}

export function planDocument(plan: PlanResult): PlanDocument {
  return { kind: 'meshbench-plan', version: 1, ...plan, ruleOfThumb: compareWithRulesOfThumb(plan) };
}

export function renderPlanJson(plan: PlanResult): string {
  return JSON.stringify(planDocument(plan), null, 2) + '\n';
}
