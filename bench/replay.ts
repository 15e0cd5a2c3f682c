/**
 * Replay throughput: `agent-policy replay` (the CLI, as a user runs it) deciding recorded calls against the generated
 * 10,000-policy set, against a raw `statefulIsAuthorized` loop over the same calls and the whole set (preparsed once),
 * in the same run. The raw loop runs on a sample of the calls (RAW, default 300: the whole-set loop is slow, which is
 * the point); decisions are compared on that sample.
 * Run: npm run bench:replay   (POLICIES=10000 CALLS=100000 RAW=300)
 */
import '../server/src/node/v8guard';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateCalls, generateWorkspace } from './generate';
import { Project } from '../server/src/core/project';
import { runToEnd } from '../server/src/core/cedar/policyCheck';
import { simulate } from '../server/src/core/simulate';

const POLICIES = Number(process.env.POLICIES ?? 10_000);
const CALLS = Number(process.env.CALLS ?? 100_000);
const RAW = Number(process.env.RAW ?? 300);
const REPO = path.resolve(__dirname, '..', '..');

const ws = generateWorkspace({ policies: POLICIES, files: 1 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apol-replay-'));
fs.mkdirSync(path.join(dir, '.git'));
for (const [f, text] of ws.files) {
  fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
  fs.writeFileSync(path.join(dir, f), text);
}
const calls = generateCalls(ws, CALLS);
const log = path.join(dir, 'calls.jsonl');
fs.writeFileSync(log, calls.map((c) => JSON.stringify({ agent: c.agent, tool: c.tool, args: c.args, context: c.context, decision: 'deny' })).join('\n') + '\n');

// Ours: the CLI, start to end (reading the workspace, checking it, preparsing slices, deciding every call).
const t0 = process.hrtime.bigint();
let out = '';
try {
  out = execFileSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'replay', log, '--format', 'json'], { cwd: dir, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
} catch (err) {
  // Exit 1: some decisions differ from the recorded "deny" (every allow does): the output is still the report.
  out = String((err as { stdout?: unknown }).stdout ?? '');
}
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
const report = JSON.parse(out) as { summary: { calls: number; allow: number; seconds: number; callsPerSecond: number } };

// Raw: the whole set preparsed once, then statefulIsAuthorized per call with the request and entities we built.
const project = new Project({ root: '/ws', listFiles: () => [...ws.files.keys()].map((f) => `/ws/${f}`), readFile: (p) => ws.files.get(p.slice(4)) });
const entry = project.manifest(`/ws/${ws.manifest}`)!;
const set = runToEnd(project.policySetSteps(entry));
const statics: Record<string, string> = {};
set.files.forEach((f, i) => f.policies.forEach((p, k) => p.json && !p.slice.isTemplate && (statics[`f${i}p${k}`] = p.text)));
cedar.preparsePolicySet('replay-bench', { staticPolicies: statics });
cedar.preparseSchema('replay-bench-schema', entry.model!.schema);
const sample = calls.slice(0, RAW).map((c) => ({ c, ours: simulate(entry, set, c) }));
let agree = 0;
const r0 = process.hrtime.bigint();
for (const { c, ours } of sample) {
  const a = cedar.statefulIsAuthorized({
    principal: { type: `${ws.namespace}::Agent`, id: c.agent },
    action: { type: `${ws.namespace}::Action`, id: c.tool },
    resource: { type: `${ws.namespace}::McpServer`, id: ws.tools.find((t) => t.name === c.tool)!.server },
    context: ours.request!.context as Record<string, never>,
    entities: ours.entities! as never,
    preparsedPolicySetId: 'replay-bench',
    preparsedSchemaName: 'replay-bench-schema',
    validateRequest: true,
  });
  if (a.type === 'success' && a.response.decision === ours.decision) agree++;
}
const rawPerCall = Number(process.hrtime.bigint() - r0) / 1e9 / sample.length;
const rawRate = 1 / rawPerCall;
fs.rmSync(dir, { recursive: true, force: true });

console.log(`replay, ${POLICIES} policies, ${report.summary.calls} recorded calls (${report.summary.allow} allow)`);
console.log(`  agent-policy replay: ${report.summary.callsPerSecond} calls/s deciding (${report.summary.seconds.toFixed(1)} s), ${wall.toFixed(1)} s wall with start-up and checks`);
console.log(`  raw statefulIsAuthorized on the whole set: ${rawRate.toFixed(1)} calls/s (${(rawPerCall * 1000).toFixed(1)} ms per call, ${sample.length} calls)`);
console.log(`  ratio: ${(report.summary.callsPerSecond / rawRate).toFixed(1)}x deciding, ${(report.summary.calls / wall / rawRate).toFixed(1)}x wall   (target ≥ 10x)`);
console.log(`  same decision as the raw engine: ${agree}/${sample.length}`);
if (agree !== sample.length) process.exitCode = 1;
