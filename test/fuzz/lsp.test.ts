/**
 * Fuzz: random edits to policies, manifests and tool lists through the language server over stdio, interleaved
 * with completion, hover, code actions, code lenses and `agentPolicy/simulate`. It asserts that the server never
 * exits, answers every request within 5 s, publishes only ranges that lie inside their document (never inside a
 * CRLF or a surrogate pair), and that once it settles, its diagnostics equal `agent-policy check` on the same files.
 *
 * Seeded and bounded: `FUZZ_SEED=N` replays a run; `FUZZ_EDITS=N` (default 400; `FUZZ_LONG=1`: 100,000) sets its
 * size and `FUZZ_CHECK_EVERY=N` how often it compares with the CLI.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CodeActionRequest,
  CodeLensRequest,
  CompletionRequest,
  HoverRequest,
  type Diagnostic,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { copyToTemp } from '../helpers/examples';
import { TestClient, uriOf } from '../helpers/lspClient';
import { REPO } from '../helpers/memoryHost';
import type { SimulationTargetsResult } from '../../server/src/protocol';
import { Prng, fuzzCount, fuzzSeed } from './prng';

const CLI = path.join(REPO, 'dist', 'cli.js');
const REQUEST_LIMIT_MS = 5000;

interface Pos {
  line: number;
  character: number;
}

/** UTF-16 offset → LSP position (lines end at \n, \r\n or a lone \r, as LSP says). */
function positionAt(text: string, offset: number): Pos {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 && text.charCodeAt(i + 1) === 10) {
      if (i + 1 >= offset) break; // an offset between \r and \n is not a position an editor sends
      i++;
    }
    if (c === 10 || c === 13) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: offset - lineStart };
}

/** The lines of a text without their line breaks (LSP's view of them). */
function linesOf(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** Why `range` is not a valid range of `text`, or undefined. */
export function invalidRange(text: string, range: { start: Pos; end: Pos }): string | undefined {
  const lines = linesOf(text);
  for (const [name, p] of [['start', range.start], ['end', range.end]] as const) {
    if (!Number.isInteger(p.line) || !Number.isInteger(p.character) || p.line < 0 || p.character < 0) return `${name} ${JSON.stringify(p)} is not a position`;
    if (p.line >= lines.length) return `${name} line ${p.line} is past the last line (${lines.length - 1})`;
    const l = lines[p.line]!;
    if (p.character > l.length) return `${name} ${p.line}:${p.character} is past the end of its line (${l.length})`;
    const before = l.charCodeAt(p.character - 1);
    if (p.character > 0 && p.character < l.length && before >= 0xd800 && before <= 0xdbff) return `${name} ${p.line}:${p.character} splits a surrogate pair`;
  }
  if (range.start.line > range.end.line || (range.start.line === range.end.line && range.start.character > range.end.character)) return `start after end`;
  return undefined;
}

/** Fragments an editing person (or a hostile repository) types: syntax, non-ASCII, line breaks of every kind. */
const CEDAR_BITS = ['}', '{', '"', ';', '(', ')', '[', ']', ',', '.', '@id("x")', 'forbid', 'permit', 'when', 'unless', ' && ', ' || ', '!', 'context.input.', 'context.session.', 'principal', 'resource', '==', ' in ', 'has ', '.hasTag("constructor")', 'Acme::Action::"', 'Acme::Role::"', '::', '// ', '/*', '\\', '\n', '\r\n', '\r', '\t', 'é', 'ß', '😀', '中', '\u0000', '?principal', 'like "*"', 'decimal("1.5")', '9223372036854775808'];
const YAML_BITS = ['\n', '\r\n', '  ', '- ', ': ', '{', '}', '[', ']', '"', "'", '#', '&a ', '*a', '<<: *a', '!!str ', '|', '>', '---', '...', '$import: ', 'type: string', 'pattern: "^(a+)+$"', 'enum: [a, b]', 'x-sensitive: true', 'é', '😀', '\t', '%', '@', '\\u0041', 'constructor', '__proto__'];
const JSON_BITS = ['{', '}', '[', ']', '"', ',', ':', 'null', 'true', '1e999', '"__proto__"', '"constructor"', '\n', '\r\n', 'é', '😀'];

function bitsFor(file: string): string[] {
  return file.endsWith('.cedar') ? CEDAR_BITS : file.endsWith('.json') ? JSON_BITS : YAML_BITS;
}

/** Keeps an offset off the second half of a surrogate pair and off the \n of a \r\n (editors never put a cursor there). */
function snap(text: string, offset: number): number {
  const c = text.charCodeAt(offset);
  if (offset > 0 && c >= 0xdc00 && c <= 0xdfff) return offset - 1;
  if (offset > 0 && c === 10 && text.charCodeAt(offset - 1) === 13) return offset - 1;
  return offset;
}

interface Edit {
  start: number;
  end: number;
  insert: string;
}

function randomEdit(rng: Prng, file: string, text: string, original: string): Edit | { full: string } {
  const r = rng.next();
  if (r < 0.03 || text.length > original.length * 3 + 2000) return { full: original }; // back to the committed text
  if (r < 0.05) return { full: '' };
  const at = snap(text, rng.int(text.length + 1));
  if (r < 0.55) {
    const n = 1 + rng.int(3);
    let insert = '';
    for (let i = 0; i < n; i++) insert += rng.pick(bitsFor(file));
    return { start: at, end: at, insert };
  }
  if (r < 0.85) {
    const end = snap(text, Math.min(text.length, at + 1 + rng.int(rng.chance(0.2) ? 200 : 12)));
    return { start: at, end: Math.max(at, end), insert: rng.chance(0.3) ? rng.pick(bitsFor(file)) : '' };
  }
  // Move a piece of the text elsewhere (a cut and paste).
  const end = snap(text, Math.min(text.length, at + rng.int(80)));
  const piece = text.slice(at, end);
  const rest = text.slice(0, at) + text.slice(end);
  const to = snap(rest, rng.int(rest.length + 1));
  const full = rest.slice(0, to) + piece + rest.slice(to);
  return { full };
}

function apply(text: string, e: Edit): string {
  return text.slice(0, e.start) + e.insert + text.slice(e.end);
}

const key = (d: { code?: unknown; severity?: unknown; message: string; range: { start: Pos; end: Pos } }) =>
  `${String(d.code)}|${String(d.severity)}|${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}|${d.message}`;
const LSP_SEVERITY: Record<number, string> = { 1: 'error', 2: 'warning', 3: 'info' };

interface CliDiagnostic {
  file: string;
  severity: string;
  code: string;
  message: string;
  range: { start: Pos; end: Pos };
}

function cliCheck(ws: string): Map<string, string[]> {
  const r = spawnSync(process.execPath, [CLI, 'check', '.', '--format', 'json'], { cwd: ws, encoding: 'utf8', timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
  assert.ok(r.status === 0 || r.status === 1, `agent-policy check ended with ${r.status ?? r.signal}: ${r.stderr.slice(0, 2000)}`);
  const out = JSON.parse(r.stdout) as { diagnostics: CliDiagnostic[] };
  const byFile = new Map<string, string[]>();
  for (const d of out.diagnostics) {
    const file = path.join(ws, d.file);
    byFile.set(file, [...(byFile.get(file) ?? []), key(d)]);
  }
  for (const v of byFile.values()) v.sort();
  return byFile;
}

/**
 * Strings that must never leave the server, whatever is edited around them: the content of a tool list outside the
 * workspace (reached through a symlink), a sensitive argument's value, and a secret in a manifest comment.
 */
const LEAKS = { outside: 'OUTSIDEzq', outsideTool: 'leaked_tool_zq', sensitive: 'SENSITIVEzq4711', secret: 'AKIA' + 'ZQFAKEZQFAKEZQ12' };

/** A second manifest, never edited: it imports a tool list through a symlink that leaves the workspace. */
function plantLeaks(ws: string) {
  const outside = `${ws}-outside`;
  fs.mkdirSync(outside, { recursive: true });
  fs.writeFileSync(path.join(outside, 'secret.tools.json'), JSON.stringify({ tools: [{ name: LEAKS.outsideTool, description: LEAKS.outside, inputSchema: { type: 'object' } }] }));
  fs.mkdirSync(path.join(ws, 'leaks'));
  fs.symlinkSync(path.join(outside, 'secret.tools.json'), path.join(ws, 'leaks', 'outside.tools.json'));
  fs.writeFileSync(
    path.join(ws, 'leaks', 'leaks.agents.yaml'),
    [
      'version: 1',
      'namespace: Leaks',
      'policies: ["*.cedar"]',
      `# deploy key, do not commit: ${LEAKS.secret}`,
      'roles: [ops]',
      'agents:',
      '  vault-bot: { roles: [ops], identity: { kind: workload, ttl: 15m } }',
      'servers:',
      '  outside: { tools: { $import: outside.tools.json } }',
      'tools:',
      '  - name: unlock',
      '    annotations: { readOnlyHint: true }',
      '    inputSchema:',
      '      type: object',
      '      properties:',
      '        pin: { anyOf: [{ type: string, x-sensitive: true }, { type: integer, writeOnly: true }] }',
      '        door: { type: string }',
      '      required: [pin]',
      'scenarios:',
      '  - name: the vault bot unlocks',
      '    agent: vault-bot',
      '    tool: unlock',
      `    args: { pin: "${LEAKS.sensitive}", door: front }`,
      '    expect: allow',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(ws, 'leaks', 'vault.cedar'), '@id("vault-unlock")\npermit (principal in Leaks::Role::"ops", action == Leaks::Action::"unlock", resource)\nwhen { context.input.door == "front" };\n');
}

/** Which of the leaks a message of the server holds. */
function leaked(message: unknown): string[] {
  const text = JSON.stringify(message) ?? '';
  return Object.values(LEAKS).filter((l) => text.includes(l));
}

describe('fuzz: random edits through the language server', function () {
  const seed = fuzzSeed();
  const edits = fuzzCount('FUZZ_EDITS', 400, 100_000);
  const checkEvery = fuzzCount('FUZZ_CHECK_EVERY', 100, 2_000);
  this.timeout(Math.max(240_000, edits * 60));

  let ws: string;
  let client: TestClient;

  before(async () => {
    ws = copyToTemp(path.join(REPO, 'examples'), 'apol-fuzz-');
    plantLeaks(ws);
    client = new TestClient(ws);
    await client.start();
  });

  after(async () => {
    await client?.stop();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
    if (ws) fs.rmSync(`${ws}-outside`, { recursive: true, force: true });
  });

  it(`keeps answering, publishes valid ranges and agrees with agent-policy check (seed ${seed}, ${edits} edits)`, async () => {
    const rng = new Prng(seed);
    const files = ['acme.agents.yaml', 'policies/refunds.cedar', 'policies/support.cedar', 'policies/guardrails.cedar', 'policies/ops.cedar', 'mcp/crm.tools.json', 'sandbox/lab.agents.yaml', 'sandbox/drafts.cedar'].map((f) => path.join(ws, f));
    const originals = new Map(files.map((f) => [f, fs.readFileSync(f, 'utf8')]));
    const texts = new Map(originals);
    const versions = new Map<string, number>();
    for (const f of files) {
      versions.set(f, 1);
      await client.open(f, texts.get(f)!);
    }
    const counts = { edits: 0, requests: 0, completion: 0, hover: 0, codeAction: 0, codeLens: 0, simulate: 0, checks: 0, maxRequestMs: 0, publishes: 0 };
    const context = () => `(seed ${seed}, after ${counts.edits} edits)`;

    const timed = async <T>(what: string, p: Promise<T>): Promise<T> => {
      const t0 = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} was not answered within ${REQUEST_LIMIT_MS} ms ${context()}`)), REQUEST_LIMIT_MS);
      });
      try {
        const answer = await Promise.race([p, deadline]);
        assert.deepEqual(leaked(answer), [], `${what} leaked ${context()}`);
        return answer;
      } finally {
        clearTimeout(timer);
        const ms = Date.now() - t0;
        counts.maxRequestMs = Math.max(counts.maxRequestMs, ms);
        counts.requests++;
      }
    };

    const alive = () => assert.equal(client.proc.exitCode, null, `the server exited ${context()}:\n${client.stderr.slice(-3000)}`);

    /** Every range published so far is valid for the text of its document at that version. */
    let checkedPublishes = 0;
    let checkedNotifications = 0;
    const publishedTexts = new Map<string, string>(); // `${uri}@${version}` → text
    const checkRanges = () => {
      for (; checkedNotifications < client.notifications.length; checkedNotifications++) {
        const n = client.notifications[checkedNotifications]!;
        assert.deepEqual(leaked(n.params), [], `${n.method} leaked ${context()}`);
      }
      for (; checkedPublishes < client.published.length; checkedPublishes++) {
        const p = client.published[checkedPublishes]!;
        assert.deepEqual(leaked(p), [], `diagnostics of ${p.uri} leaked ${context()}`);
        const file = files.find((f) => uriOf(f) === p.uri);
        const text = file ? publishedTexts.get(`${p.uri}@${p.version}`) : readIfExists(p.uri);
        if (text === undefined) continue; // a version we no longer know (not reachable: every version is remembered)
        for (const d of p.diagnostics) {
          const why = invalidRange(text, d.range);
          assert.equal(why, undefined, `invalid range in ${path.relative(ws, file ?? p.uri)} v${p.version} (${d.code}): ${why} ${context()}`);
          for (const r of d.relatedInformation ?? []) {
            const rt = files.find((f) => uriOf(f) === r.location.uri);
            const t = rt ? texts.get(rt) : readIfExists(r.location.uri);
            if (t !== undefined && rt === undefined) assert.equal(invalidRange(t, r.location.range), undefined, `invalid related range ${context()}`);
          }
        }
      }
      counts.publishes = client.published.length;
    };
    const readIfExists = (uri: string) => {
      const f = new URL(uri).pathname;
      return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined;
    };
    for (const f of files) publishedTexts.set(`${uriOf(f)}@1`, texts.get(f)!);

    const targets = async () => (await timed('agentPolicy/simulationTargets', client.conn.sendRequest('agentPolicy/simulationTargets', {}))) as SimulationTargetsResult;
    let known = await targets();

    const randomRequest = async () => {
      const f = rng.pick(files);
      const text = texts.get(f)!;
      const pos = positionAt(text, snap(text, rng.int(text.length + 1)));
      const uri = uriOf(f);
      const r = rng.next();
      if (r < 0.3) {
        counts.completion++;
        await timed('completion', client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: pos }));
      } else if (r < 0.55) {
        counts.hover++;
        await timed('hover', client.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: pos }));
      } else if (r < 0.7) {
        counts.codeAction++;
        const diagnostics: Diagnostic[] = client.latest(f)?.diagnostics ?? [];
        await timed('code actions', client.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: pos, end: pos }, context: { diagnostics } }));
      } else if (r < 0.8) {
        counts.codeLens++;
        await timed('code lenses', client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } }));
      } else {
        counts.simulate++;
        if (rng.chance(0.1)) known = await targets();
        const leaks = known.manifests.find((x) => x.namespace === 'Leaks');
        if (leaks && rng.chance(0.3)) {
          const params = rng.chance(0.5)
            ? { manifestUri: leaks.uri, scenarioIndex: 0 }
            : { manifestUri: leaks.uri, agent: 'vault-bot', tool: rng.pick(['unlock', 'nothing']), args: { pin: rng.chance(0.5) ? LEAKS.sensitive : 9007199254740993, door: rng.pick(['front', 'back']) }, context: {} };
          const answer = (await timed('agentPolicy/simulate', client.conn.sendRequest('agentPolicy/simulate', params))) as { decision?: unknown };
          assert.ok(answer.decision === 'allow' || answer.decision === 'deny', `agentPolicy/simulate answered without a decision ${context()}`);
          return;
        }
        const m = known.manifests.length ? rng.pick(known.manifests) : undefined;
        const params = m && rng.chance(0.5)
          ? { manifestUri: m.uri, scenarioIndex: rng.int(6) }
          : {
              manifestUri: m?.uri,
              agent: m?.agents.length ? rng.pick(m.agents).id : 'nobody',
              tool: m?.tools.length ? rng.pick(m.tools).name : 'nothing',
              args: m?.tools.length && rng.chance(0.7) ? rng.pick(m.tools).exampleArgs : JSON.parse('{"constructor":"x","__proto__":{"amount":1}}'),
              context: rng.chance(0.8) ? m?.exampleContext : { purpose: 'a'.repeat(40) + '!' },
            };
        const answer = (await timed('agentPolicy/simulate', client.conn.sendRequest('agentPolicy/simulate', params))) as { decision?: unknown };
        assert.ok(answer && (answer.decision === 'allow' || answer.decision === 'deny'), `agentPolicy/simulate answered without a decision ${context()}`);
      }
    };

    /** Writes the open texts to disk, waits until the server has settled on them, and compares with the CLI. */
    const compareWithCli = async () => {
      counts.checks++;
      for (const f of files) fs.writeFileSync(f, texts.get(f)!);
      const expected = cliCheck(ws);
      const serverView = () => {
        const out = new Map<string, string[]>();
        for (const p of client.published) {
          const file = new URL(p.uri).pathname;
          out.set(file, p.diagnostics.map((d) => key({ ...d, message: typeof d.message === "string" ? d.message : d.message.value, severity: LSP_SEVERITY[d.severity ?? 1] })).sort());
        }
        return out;
      };
      const diff = (actual: Map<string, string[]>) => {
        const lines: string[] = [];
        for (const file of new Set([...expected.keys(), ...actual.keys()])) {
          const e = expected.get(file) ?? [];
          const a = actual.get(file) ?? [];
          if (JSON.stringify(e) === JSON.stringify(a)) continue;
          lines.push(`${path.relative(ws, file)}:`);
          for (const x of e) if (!a.includes(x)) lines.push(`  only in check:  ${x}`);
          for (const x of a) if (!e.includes(x)) lines.push(`  only in server: ${x}`);
        }
        return lines.join('\n');
      };
      const current = (p: PublishDiagnosticsParams | undefined, f: string) => p?.version === versions.get(f);
      try {
        await client.waitFor('the server to settle on the same diagnostics as agent-policy check', () => files.every((f) => current(client.latest(f), f)) && diff(serverView()) === '', 30_000);
      } catch {
        assert.fail(`the server's diagnostics differ from agent-policy check ${context()}:\n${diff(serverView())}`);
      }
    };

    const started = Date.now();
    for (let i = 0; i < edits; i++) {
      const f = rng.pick(files);
      const text = texts.get(f)!;
      const e = randomEdit(rng, f, text, originals.get(f)!);
      const v = versions.get(f)! + 1;
      versions.set(f, v);
      let next: string;
      if ('full' in e) {
        next = e.full;
        await client.change(f, v, next);
      } else {
        next = apply(text, e);
        await client.changeRange(f, v, { start: positionAt(text, e.start), end: positionAt(text, e.end) }, e.insert);
      }
      texts.set(f, next);
      publishedTexts.set(`${uriOf(f)}@${v}`, next);
      counts.edits++;
      if (rng.chance(0.25)) await randomRequest();
      if (i % 50 === 49) {
        alive();
        checkRanges();
      }
      if ((i + 1) % checkEvery === 0 || i === edits - 1) {
        await compareWithCli();
        checkRanges();
        // Forget the texts of versions that can no longer be published.
        for (const k of [...publishedTexts.keys()]) {
          const [uri, ver] = [k.slice(0, k.lastIndexOf('@')), Number(k.slice(k.lastIndexOf('@') + 1))];
          const f = files.find((x) => uriOf(x) === uri);
          if (f && ver < versions.get(f)!) publishedTexts.delete(k);
        }
      }
    }
    alive();
    checkRanges();
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`      fuzz (seed ${seed}): ${counts.edits} edits, ${counts.requests} requests (${counts.completion} completion, ${counts.hover} hover, ${counts.codeAction} code actions, ${counts.codeLens} code lenses, ${counts.simulate} simulations; slowest ${counts.maxRequestMs} ms), ${counts.publishes} publishes checked, ${counts.checks} comparisons with agent-policy check, ${secs} s`);
  });
});
