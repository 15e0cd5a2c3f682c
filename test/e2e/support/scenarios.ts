// The `scenarios:` of an agent manifest, read from its YAML without the extension and without the `vscode` API
// (shared by the extension-host and UI suites): what each scenario calls, what it expects, and where its name is
// (the line its code lenses sit on).
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { NewScenario } from '../../../server/src/core/scenarioEdit';

/** A scenario as the manifest writes it, with where it is. */
export interface ScenarioItem extends NewScenario {
  index: number;
  /** 0-based line of the scenario's `name:` value. */
  line: number;
  reasons?: string[];
}

/** A call the forbid `no-confidential-email` denies: confidential data by email. */
export const EMAIL_CALL = {
  agent: 'support-bot',
  tool: 'send_email',
  args: { to: 'jane@customers.acme.example', subject: 'x', body: 'x' },
  context: { task_id: 't', purpose: 'support', data_class: 'confidential' },
};
export const EMAIL_FORBID = 'no-confidential-email';

export function readScenarios(text: string, where = 'the manifest'): ScenarioItem[] {
  const yaml = parseDocument(text);
  if (yaml.errors.length) throw new Error(`${where} is not valid YAML: ${yaml.errors[0]!.message}`);
  const seq = yaml.get('scenarios', true);
  if (!isSeq(seq)) throw new Error(`${where} has no "scenarios:" list`);
  return seq.items.map((item, index) => {
    if (!isMap(item)) throw new Error(`scenario ${index} of ${where} is not a mapping`);
    const name = item.get('name', true);
    if (!isScalar(name) || !name.range) throw new Error(`scenario ${index} of ${where} has no name`);
    const js = item.toJSON() as Omit<ScenarioItem, 'index' | 'line' | 'name'>;
    const line = text.slice(0, name.range[0]).split('\n').length - 1;
    return { ...js, index, name: String(name.value), line };
  });
}
