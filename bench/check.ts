/**
 * Checking a file of 1,000 policies: ours (split, parse each policy on its own, strict validation, lint)
 * against the raw engine on the same text — one checkParsePolicySet plus one validate of the whole set —
 * cold, and after editing one policy (where our per-policy cache re-checks only that policy).
 * Run: npm run bench
 */
import '../server/src/node/v8guard';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { Project } from '../server/src/core/project';
import type { ProjectHost } from '../server/src/core/project';
import { completeAt, hoverAt } from '../server/src/core/cedar/assist';
import { benchWorkspace, median, ms, time } from './common';

const N = Number(process.env.POLICIES ?? 1000);
const files = benchWorkspace(N);
const host: ProjectHost = { root: '/ws', listFiles: () => [...files.keys()], readFile: (p) => files.get(p) };
const file = '/ws/policies/bench.cedar';
const project = new Project(host);
project.manifest('/ws/acme.agents.yaml')?.model; // the schema is generated once per manifest, not per check

const [cold, coldMs] = time(() => project.check(file));
const [, engineOnlyMs] = time(() => new Project(host).check(file, { lint: false }));
const schema = project.manifest('/ws/acme.agents.yaml')!.model!.schema;
const text = files.get(file)!;
const raw = () => {
  cedar.checkParsePolicySet({ staticPolicies: text });
  return cedar.validate({ schema, policies: { staticPolicies: text }, validationSettings: { mode: 'strict' } });
};
const [, rawMs] = time(raw);

// Edit one policy in the middle and check again.
files.set(file, text.replace('task-500"', 'task-500-edited"'));
const parses = project.cache.parses;
// As the language server checks a file after a keystroke: the access map is recomputed afterwards, in the background.
const [, editMs] = time(() => project.check(file, { access: 'cached' }));
const reparsed = project.cache.parses - parses;
// As `agent-policy check` does: the access-map rules recompute the map of the changed set (every agent x tool).
const [, accessMs] = time(() => project.check(file));
files.set(file, files.get(file)!);
const [, rawEditMs] = time(raw);

console.log(`checking a file of ${N} policies (${(text.length / 1024).toFixed(0)} KB)`);
console.log(`  ours, cold (split + parse each + validate + lint): ${ms(coldMs)}  (${cold.diagnostics.length} diagnostics)`);
console.log(`  ours, cold, engine checks only:                   ${ms(engineOnlyMs)}`);
console.log(`  raw engine (checkParsePolicySet + validate):      ${ms(rawMs)}`);
console.log(`  ratio ours cold / raw: ${(coldMs / rawMs).toFixed(2)}x (engine checks only: ${(engineOnlyMs / rawMs).toFixed(2)}x)`);
console.log(`  after editing one policy: ours ${ms(editMs)} (${reparsed} policy re-parsed), raw ${ms(rawEditMs)}: ratio ${(editMs / rawEditMs).toFixed(2)}x`);
console.log(`  then the access map of the changed set (the access-map rules, in the background in the editor): ${ms(accessMs)}, ${(accessMs / rawEditMs).toFixed(2)}x`);

// Completion and hover in the middle of that file (each tokenizes the file and parses the head of one policy).
const manifest = project.manifest('/ws/acme.agents.yaml')!.manifest!;
const at = text.indexOf('context.session.', text.length >> 1) + 'context.session.'.length;
const completions: number[] = [];
const hovers: number[] = [];
let offered = 0;
for (let i = 0; i < 30; i++) {
  const [items, c] = time(() => completeAt(text, at, manifest));
  offered = items.length;
  completions.push(c);
  hovers.push(time(() => hoverAt(text, at + 2, manifest))[1]);
}
const policy = text.slice(text.lastIndexOf('@id(', at), text.indexOf(';', at) + 1);
const [, onePolicyMs] = time(() => cedar.policyToJson(policy));
console.log(`  completion after "context.session." in that file: median ${ms(median(completions))} (${offered} items), hover ${ms(median(hovers))};`);
console.log(`    ratio to the raw engine's check of the file: ${(median(completions) / rawMs).toFixed(3)}x; to one policyToJson of the policy (${ms(onePolicyMs)}): ${(median(completions) / onePolicyMs).toFixed(1)}x`);
