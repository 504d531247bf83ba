import { loadYamlFile, parseYamlText } from '../config/yaml-file.js';
import { scenarioSchema, type Scenario } from './schema.js';

export function loadScenarioFile(file: string): Promise<Scenario> {
  return loadYamlFile(file, scenarioSchema, 'scenario');
}

export function parseScenarioText(text: string, file = '<inline>'): Scenario {
  return parseYamlText(text, file, scenarioSchema, 'scenario');
}
