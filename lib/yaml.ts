// YAML parsing for config files (js-yaml, the parser client-node uses too).
import yaml from 'js-yaml';

export function parseYaml(text: string): unknown {
  return yaml.load(text);
}

export function parseYamlAll(text: string): unknown[] {
  return yaml.loadAll(text);
}

export function dumpYaml(data: unknown): string {
  return yaml.dump(data, { noRefs: true, lineWidth: -1 });
}
