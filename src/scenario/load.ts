import { loadYamlFile, parseYamlText } from '../config/yaml-file.js';
import { anyScenarioSchema, type AnyScenario } from './any-scenario.js';
import { scenarioSchema, type Scenario } from './schema.js';

/** A scenario file for either backend. */
export function loadScenarioFile(file: string): Promise<AnyScenario> {
  return loadYamlFile(file, anyScenarioSchema, 'scenario');
}

/** A local-backend scenario from text (tests, scripts). */
export function parseScenarioText(text: string, file = '<inline>'): Scenario {
  return parseYamlText(text, file, scenarioSchema, 'scenario');
}
