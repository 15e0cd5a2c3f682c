// Writes the `agentPolicy.rules` setting schema in package.json from the rule metadata (the single source
// of rule ids, default levels and options). Run after adding or changing a rule: `npm run sync-rules`.
// test/unit/settings.test.ts fails when package.json is out of date.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const { RULES } = require(path.join(root, 'out/server/src/core/rules/index.js'));
export function ruleSettingsSchema(rules) {
  const level = { type: 'string', enum: ['error', 'warning', 'info', 'off'] };
  const properties = {};
  for (const r of rules) {
    const options = {};
    for (const [name, o] of Object.entries(r.options ?? {})) options[name] = { type: typeof o.default, default: o.default, description: o.description };
    properties[r.id] = {
      markdownDescription: `${r.description} (default: \`${r.defaultLevel}\`)`,
      anyOf: [level, { type: 'object', properties: { level, ...options }, additionalProperties: false }],
    };
  }
  return properties;
}
const file = path.join(root, 'package.json');
const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
pkg.contributes.configuration.properties['agentPolicy.rules'].properties = ruleSettingsSchema(RULES);
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
console.log(`package.json: agentPolicy.rules lists ${RULES.length} rules`);
