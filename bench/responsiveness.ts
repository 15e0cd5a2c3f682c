/**
 * Responsiveness under hostile or heavy input, as a user feels it: through the language server over stdio, hover
 * requests are sent one after the other while the server processes the worst inputs of the "Trust" issue (a large
 * policy set, a ReDoS pattern, an alias bomb, deep nesting, a big tool list, simulations of a large set). Prints the
 * hover latency (p50 / p95 / max) during each, next to the time the raw engine takes for the same policies.
 *
 *   npm run bench            (all benches)      node out/bench/responsiveness.js [--policies N]
 */
import '../server/src/node/v8guard';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HoverRequest } from 'vscode-languageserver-protocol/node';
import { TestClient, uriOf } from '../test/helpers/lspClient';
import { REPO, generatedPolicies, ms } from './common';
import { generateCedarModel } from '../server/src/core/cedar/schemaGen';
import { loadManifest } from '../server/src/core/manifest/load';

const N = Number(process.argv[process.argv.indexOf('--policies') + 1]) || 2000;
const TARGET_MS = 100;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))]! : NaN;
}

interface Case {
  name: string;
  /** Starts the heavy work; resolves when it has been sent (not when it ends). */
  start(c: TestClient, ws: string): Promise<unknown>;
  /** Whether the case ends with a request whose answer marks the end (else: the server's idle status). */
  request?: boolean;
}

const bigPolicies = generatedPolicies(N);
const manifestText = fs.readFileSync(path.join(REPO, 'examples', 'acme.agents.yaml'), 'utf8');

const cases: Case[] = [
  {
    name: `open a ${N}-policy file`,
    start: (c, ws) => c.open(path.join(ws, 'policies', 'bench.cedar'), bigPolicies),
  },
  {
    name: `edit the ${N}-policy file (a type error)`,
    start: (c, ws) => c.change(path.join(ws, 'policies', 'bench.cedar'), 2, bigPolicies.replace('context.session.purpose', 'context.session.purpos')),
  },
  {
    name: `simulate against the ${N}-policy set`,
    request: true,
    start: (c, ws) =>
      c.conn.sendRequest('agentPolicy/simulate', {
        manifestUri: uriOf(path.join(ws, 'acme.agents.yaml')),
        agent: 'support-bot',
        tool: 'get_order',
        args: { order_id: 'o-1' },
        context: { task_id: 't', purpose: 'support' },
      }),
  },
  {
    name: 'a scenario whose argument meets a ReDoS pattern',
    start: (c, ws) =>
      c.change(
        path.join(ws, 'acme.agents.yaml'),
        2,
        manifestText
          .replace(/order_id:\s*\{\s*type:\s*string\s*\}/, 'order_id: { type: string, pattern: "^(a+)+$" }')
          .replace(/order_id: o-1\b/, `order_id: "${'a'.repeat(30)}!"`),
      ),
  },
  {
    name: 'an alias bomb in the manifest',
    start: (c, ws) => {
      const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < 9; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
      return c.change(path.join(ws, 'acme.agents.yaml'), 3, `${manifestText}\nx-bomb:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
    },
  },
  {
    name: '10,000-deep nesting in the manifest',
    start: (c, ws) => c.change(path.join(ws, 'acme.agents.yaml'), 4, `${manifestText}\nx-deep: ${'['.repeat(10000)}${']'.repeat(10000)}\n`),
  },
  {
    name: 'a 2,000-tool list',
    start: (c, ws) => {
      const tools = Array.from({ length: 2000 }, (_, i) => ({ name: `t${i}`, description: `tool ${i}`, inputSchema: { type: 'object', properties: { a: { type: 'string', pattern: '^[a-z]+$' }, n: { type: 'integer' } }, required: ['a'] } }));
      return c.change(path.join(ws, 'mcp', 'crm.tools.json'), 2, JSON.stringify({ tools: [...(JSON.parse(fs.readFileSync(path.join(REPO, 'examples', 'mcp', 'crm.tools.json'), 'utf8')) as { tools: unknown[] }).tools, ...tools] }, null, 2));
    },
  },
];

async function main() {
  const ws = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'apol-resp-'));
  fs.cpSync(path.join(REPO, 'examples'), ws, { recursive: true });
  fs.writeFileSync(path.join(ws, 'policies', 'bench.cedar'), bigPolicies);

  // The raw engine on the same policies, for scale.
  const entry = loadManifest(`${ws}/acme.agents.yaml`, manifestText, { root: ws, readFile: (p) => fs.readFileSync(p, 'utf8') });
  const model = generateCedarModel(entry.manifest!, entry.sources).model!;
  let t = process.hrtime.bigint();
  cedar.validate({ schema: model.schema, policies: { staticPolicies: bigPolicies }, validationSettings: { mode: 'strict' } });
  const rawValidate = Number(process.hrtime.bigint() - t) / 1e6;
  t = process.hrtime.bigint();
  cedar.preparsePolicySet('bench-raw', { staticPolicies: bigPolicies });
  const rawPreparse = Number(process.hrtime.bigint() - t) / 1e6;

  const client = new TestClient(ws);
  await client.start();
  const hoverTarget = path.join(ws, 'policies', 'refunds.cedar');
  const hoverText = fs.readFileSync(hoverTarget, 'utf8');
  await client.open(hoverTarget, hoverText);
  await client.open(path.join(ws, 'acme.agents.yaml'), manifestText);
  await client.open(path.join(ws, 'mcp', 'crm.tools.json'), fs.readFileSync(path.join(ws, 'mcp', 'crm.tools.json'), 'utf8'), 'json');
  const lines = hoverText.split('\n');
  const line = lines.findIndex((l) => l.includes('context.input.'));
  const position = { line, character: lines[line]!.indexOf('context.input.') + 'context.input.'.length + 1 };
  const idle = () => client.notifications.filter((n) => n.method === 'agentPolicy/status' && (n.params as { state: string }).state === 'idle').length;
  await client.waitFor('the first check', () => idle() > 0, 120_000);

  console.log(`Responsiveness: hover latency while the server works (target p95 < ${TARGET_MS} ms)`);
  console.log(`raw cedar-wasm on the ${N} policies: validate ${ms(rawValidate)}, preparsePolicySet ${ms(rawPreparse)}\n`);
  console.log(`${'while the server handles'.padEnd(52)} ${'work'.padStart(10)} ${'hovers'.padStart(7)} ${'p50'.padStart(9)} ${'p95'.padStart(9)} ${'max'.padStart(9)}`);
  let failed = 0;
  for (const c of cases) {
    const before = idle();
    const t0 = Date.now();
    let done = false;
    const work = c.start(client, ws).then(async () => {
      if (c.request) return;
      await client.waitFor('the server to be idle again', () => idle() > before, 300_000);
    });
    const finished = (c.request ? (work as Promise<unknown>) : work).then(() => (done = true));
    const latencies: number[] = [];
    while (!done) {
      const h0 = process.hrtime.bigint();
      await client.conn.sendRequest(HoverRequest.type, { textDocument: { uri: uriOf(hoverTarget) }, position });
      latencies.push(Number(process.hrtime.bigint() - h0) / 1e6);
      await new Promise((r) => setTimeout(r, 10));
    }
    await finished;
    const workMs = Date.now() - t0;
    const p95 = pct(latencies, 95);
    if (p95 > TARGET_MS) failed++;
    console.log(`${c.name.padEnd(52)} ${ms(workMs).padStart(10)} ${String(latencies.length).padStart(7)} ${ms(pct(latencies, 50)).padStart(9)} ${ms(p95).padStart(9)} ${ms(Math.max(...latencies)).padStart(9)}${p95 > TARGET_MS ? '  ✗' : ''}`);
  }
  await client.stop();
  fs.rmSync(ws, { recursive: true, force: true });
  console.log(failed ? `\n${failed} case(s) above the target` : '\nevery case within the target');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
