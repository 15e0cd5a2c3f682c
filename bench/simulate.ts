/**
 * Simulation cost with 1,000 policies: ours (schema checks, request and entities from the manifest, a
 * preparsed policy set) against the raw engine on the same request — statefulIsAuthorized on a preparsed
 * set (the floor) and isAuthorized (which parses everything on each call).
 * Run: npm run bench
 */
import '../server/src/node/v8guard';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { Project } from '../server/src/core/project';
import type { ProjectHost } from '../server/src/core/project';
import { benchWorkspace, median, ms, time } from './common';

const N = Number(process.env.POLICIES ?? 1000);
const CALLS = Number(process.env.CALLS ?? 1000);
const files = benchWorkspace(N);
const host: ProjectHost = { root: '/ws', listFiles: () => [...files.keys()], readFile: (p) => files.get(p) };
const project = new Project(host);
const manifest = '/ws/acme.agents.yaml';

const calls = Array.from({ length: CALLS }, (_, i) => ({
  agent: ['support-bot', 'refund-agent', 'ops-agent'][i % 3]!,
  tool: ['get_order', 'lookup_customer', 'read_logs', 'issue_refund'][i % 4]!,
  args: [{ order_id: `o-${i}` }, { customer_id: `c-${i}` }, { service: 'checkout' }, { order_id: `o-${i}`, amount: i % 100 }][i % 4],
  context: { task_id: `task-${i % 50}`, purpose: ['support', 'billing', 'ops', 'incident'][i % 4] },
}));

// Warm up (first simulation preparses the set), then measure ours.
const [, firstMs] = time(() => project.simulate(manifest, calls[0]!));
const ours: number[] = [];
const requests = calls.map((c) => {
  const [r, t] = time(() => project.simulate(manifest, c));
  ours.push(t);
  return r;
});

// The raw engine on exactly the same requests and entities.
const entry = project.manifest(manifest)!;
const set = project.policySetSteps(entry);
let step = set.next();
while (!step.done) step = set.next();
const statics: Record<string, string> = {};
step.value.files.forEach((f, i) => f.policies.forEach((p, k) => p.json && !p.slice.isTemplate && (statics[`f${i}p${k}`] = p.text)));
const [, preparseMs] = time(() => cedar.preparsePolicySet('bench', { staticPolicies: statics }));
cedar.preparseSchema('bench-schema', entry.model!.schema);
const req = (i: number) => {
  const r = requests[i]!;
  return {
    principal: { type: 'Acme::Agent', id: calls[i]!.agent },
    action: { type: 'Acme::Action', id: calls[i]!.tool },
    resource: { type: 'Acme::McpServer', id: entry.manifest!.tools.find((t) => t.name === calls[i]!.tool)!.server },
    context: r.request!.context as Record<string, never>,
    entities: r.entities! as never,
  };
};
const stateful: number[] = [];
let agree = 0;
for (let i = 0; i < CALLS; i++) {
  const [a, t] = time(() => cedar.statefulIsAuthorized({ ...req(i), preparsedPolicySetId: 'bench', preparsedSchemaName: 'bench-schema', validateRequest: true }));
  stateful.push(t);
  if (a.type === 'success' && a.response.decision === requests[i]!.decision) agree++;
}
const plain: number[] = [];
for (let i = 0; i < Math.min(CALLS, 50); i++) plain.push(time(() => cedar.isAuthorized({ ...req(i), policies: { staticPolicies: statics }, schema: entry.model!.schema, validateRequest: true }))[1]);

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
console.log(`simulation, ${N} policies in the set (+ the examples'), ${CALLS} calls`);
console.log(`  first simulation (preparses the set): ${ms(firstMs)}   raw preparsePolicySet: ${ms(preparseMs)}`);
console.log(`  ours:                       median ${ms(median(ours))} per call, ${ms(sum(ours))} for ${CALLS}`);
console.log(`  raw statefulIsAuthorized:   median ${ms(median(stateful))} per call, ${ms(sum(stateful))} for ${CALLS}`);
console.log(`  raw isAuthorized (parses):  median ${ms(median(plain))} per call`);
console.log(`  ratio ours / statefulIsAuthorized: ${(median(ours) / median(stateful)).toFixed(2)}x (median), ${(sum(ours) / sum(stateful)).toFixed(2)}x (total)`);
console.log(`  ratio isAuthorized / ours: ${(median(plain) / median(ours)).toFixed(1)}x (what re-parsing per call would cost)`);
console.log(`  same decision as the raw engine: ${agree}/${CALLS}`);
if (agree !== CALLS) process.exitCode = 1;
