/**
 * The access map's cost: the whole map (every agent x tool, delegations included) of each example manifest and of a
 * generated policy set, against the naive reference measured in the same run — one raw `isAuthorizedPartial` per
 * cell with the whole policy set, the schema and every entity, as anyone would call cedar-wasm.
 *
 *   npm run build && tsc -p . && node out/bench/access.js [--policies 200] [--sample 150] [--tools 120] [--agents 30]
 *
 * For large maps the reference is timed on `--sample` cells spread over the map and scaled to all cells (said so in
 * the output); for the examples it runs on every cell.
 */
import '../server/src/node/v8guard';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import * as path from 'node:path';
import { accessMap } from '../server/src/core/analysis/access';
import { runToEnd } from '../server/src/core/cedar/policyCheck';
import { ValueConverter } from '../server/src/core/cedar/values';
import { Project, type ProjectHost } from '../server/src/core/project';
import { agentEntities, decidingPolicies } from '../server/src/core/simulate';
import { MemoryHost } from '../test/helpers/memoryHost';
import { argOf, generateWorkspace } from './generate';
import { ms, REPO, time } from './common';

interface Row {
  name: string;
  cells: number;
  policies: number;
  mapMs: number;
  rawMs: number;
  /** The same number of raw statefulIsAuthorized calls (one per direct cell) on the whole set, preparsed once. */
  statefulMs: number;
  rawSampled?: number;
}

function measure(name: string, project: Project, manifest: string, sample: number): Row {
  const entry = project.manifest(manifest)!;
  const set = runToEnd(project.policySetSteps(entry));
  // Warm the engine (its first call compiles the wasm) with one cell's worth of work, outside the timings.
  cedar.getCedarVersion();
  const [map, mapMs] = time(() => accessMap(entry, set));
  const m = entry.manifest!;
  const model = entry.model!;
  const deciding = decidingPolicies(entry, set);
  const policies: Record<string, string> = {};
  deciding.policies.forEach((p, i) => (policies[`p${i}`] = p.text));
  const conv = new ValueConverter(m.namespace, 'call/');
  const entities = [...agentEntities(m, model.agentType, conv), ...conv.entities];
  const unknown = (n: string) => ({ __extn: { fn: 'unknown', arg: n } });
  const direct = map.cells.filter((c) => !c.via);
  const step = Math.max(1, Math.floor(direct.length / sample));
  const picked = direct.filter((_, i) => i % step === 0).slice(0, sample);
  const [, rawPicked] = time(() => {
    for (const c of picked) {
      const r = cedar.isAuthorizedPartial({
        principal: { type: `${m.namespace}::Agent`, id: c.agent },
        action: { type: `${m.namespace}::Action`, id: c.tool },
        resource: { type: `${m.namespace}::McpServer`, id: c.server },
        context: { input: unknown('input'), session: unknown('session') },
        schema: model.schema,
        validateRequest: false,
        policies: { staticPolicies: policies },
        entities,
      });
      if (r.type !== 'residuals') throw new Error(`the raw call failed: ${JSON.stringify(r.errors[0]?.message)}`);
    }
  });
  // The map has one engine evaluation per direct cell at most (delegated cells are combined, not evaluated).
  const rawMs = (rawPicked / picked.length) * direct.length;
  // And as many raw statefulIsAuthorized calls (the whole set preparsed once; one concrete call per cell).
  const setId = `bench-access-${name}`;
  cedar.preparsePolicySet(setId, { staticPolicies: policies });
  const [, statefulPicked] = time(() => {
    for (const c of picked) {
      cedar.statefulIsAuthorized({
        principal: { type: `${m.namespace}::Agent`, id: c.agent },
        action: { type: `${m.namespace}::Action`, id: c.tool },
        resource: { type: `${m.namespace}::McpServer`, id: c.server },
        context: { input: {}, session: {} },
        entities,
        preparsedPolicySetId: setId,
        validateRequest: false,
      });
    }
  });
  const statefulMs = (statefulPicked / picked.length) * direct.length;
  return { name, cells: map.cells.length, policies: deciding.policies.length, mapMs, rawMs, statefulMs, ...(picked.length < direct.length ? { rawSampled: picked.length } : {}) };
}

const argv = process.argv.slice(2);
const POLICIES = argOf(argv, 'policies', 200);
const SAMPLE = argOf(argv, 'sample', 150);
// `--tools 259 --agents 50`: the real-world scale of the issue (a 259-tool MCP deployment, 50 agents).
const TOOLS = argOf(argv, 'tools', 120);
const AGENTS = argOf(argv, 'agents', 30);
const rows: Row[] = [];

const examples = new Project(MemoryHost.fromDir(path.join(REPO, 'examples')));
for (const f of ['acme.agents.yaml', 'helpdesk/helpdesk.agents.yaml', 'sandbox/lab.agents.yaml']) rows.push(measure(`examples/${f}`, examples, `/ws/${f}`, Infinity));

const ws = generateWorkspace({ policies: POLICIES, files: 1, seed: 1, tools: TOOLS, agents: AGENTS });
const files = new Map([...ws.files].map(([k, v]) => [`/gen/${k}`, v]));
const host: ProjectHost = { root: '/gen', listFiles: () => [...files.keys()].sort(), readFile: (p) => files.get(p) };
rows.push(measure(`generated (${ws.tools.length} tools x ${ws.agents.length} agents, ${POLICIES} policies)`, new Project(host), `/gen/${ws.manifest}`, SAMPLE));

console.log('access map: the whole map vs one raw isAuthorizedPartial per cell (whole set, schema, every entity), and vs as many raw statefulIsAuthorized calls (whole set preparsed), same run');
console.log(`${'manifest'.padEnd(62)} ${'cells'.padStart(6)} ${'policies'.padStart(8)} ${'map'.padStart(11)} ${'raw/cell x cells'.padStart(18)} ${'ratio'.padStart(7)} ${'stateful x cells'.padStart(18)} ${'ratio'.padStart(7)}`);
for (const r of rows) {
  const star = r.rawSampled ? '*' : '';
  console.log(`${r.name.padEnd(62)} ${String(r.cells).padStart(6)} ${String(r.policies).padStart(8)} ${ms(r.mapMs).padStart(11)} ${`${ms(r.rawMs)}${star}`.padStart(18)} ${`${(r.mapMs / r.rawMs).toFixed(2)}x`.padStart(7)} ${`${ms(r.statefulMs)}${star}`.padStart(18)} ${`${(r.mapMs / r.statefulMs).toFixed(2)}x`.padStart(7)}`);
}
if (rows.some((r) => r.rawSampled)) console.log(`* the raw reference timed on ${SAMPLE} cells spread over the map, scaled to every direct cell`);

// The update after a one-policy edit, as the language server does it: the project keeps the map and evaluates again
// only the cells the edited policy can affect (its tools x the agents it can match), against the whole map.
{
  const edited = new Map(files);
  const project = new Project({ root: '/gen', listFiles: () => [...edited.keys()].sort(), readFile: (p) => edited.get(p) });
  const manifest = `/gen/${ws.manifest}`;
  const [full, fullMs] = time(() => project.accessMap(project.manifest(manifest)!));
  const file = [...edited.keys()].find((f) => f.endsWith('.cedar'))!;
  const text = edited.get(file)!;
  // A permit of one tool and one role with a numeric threshold: the threshold raised.
  const head = /@id\("permit-[^"]*"\)\npermit \(\n {2}principal in [^\n]*,\n {2}action == /g;
  let at = -1;
  let end = -1;
  for (let m = head.exec(text); m; m = head.exec(text)) {
    end = text.indexOf('};', m.index);
    if (/[<>]=?\s*\d/.test(text.slice(m.index, end))) {
      at = m.index;
      break;
    }
  }
  if (at < 0) throw new Error('no permit with a numeric threshold in the generated set');
  const policy = text.slice(at, end);
  edited.set(file, text.slice(0, at) + policy.replace(/([<>]=?\s*)(\d+)/, (_m, op: string, n: string) => `${op}${Number(n) + 7}`) + text.slice(end));
  if (edited.get(file) === text) throw new Error('the edit changed nothing');
  const [, updateMs] = time(() => project.accessMap(project.manifest(manifest)!));
  console.log(`update after editing one permit (${policy.slice(5, policy.indexOf('")'))}): ${ms(updateMs)}, ${project.lastAccessCellsEvaluated} of ${full.cells.length} cells evaluated again; the whole map: ${ms(fullMs)} (${(updateMs / fullMs).toFixed(3)}x)`);
}
