import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { engineHead, tokenHead } from '../../server/src/core/cedar/headScope';
import { splitPolicies } from '../../server/src/core/cedar/split';
import { generateWorkspace } from '../../bench/generate';
import { REPO } from '../helpers/memoryHost';

/** Every .cedar file under `dir`. */
function cedarFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...cedarFiles(p));
    else if (e.name.endsWith('.cedar')) out.push(p);
  }
  return out;
}

/** The uid forms Cedar's JSON may use, made one. */
function norm(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(norm);
  if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if ('__entity' in o) return norm(o.__entity);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, norm(v)]));
  }
  return x;
}

/** Compares the two readers on every policy head of `text`; returns how many heads the engine read. */
function compareHeads(text: string, where: string, extra: string[] = []): number {
  let read = 0;
  const heads = splitPolicies(text)
    .filter((p) => p.effectSpan && p.headSpan)
    .map((p) => ({ head: text.slice(p.effectSpan!.start, p.headSpan!.end), template: p.isTemplate }));
  for (const { head, template } of [...heads, ...extra.map((h) => ({ head: h, template: h.includes('?') }))]) {
    const engine = engineHead(head, template);
    const tokens = tokenHead(head, template);
    if (!engine) {
      assert.equal(tokens, undefined, `${where}: the engine cannot read ${JSON.stringify(head)}, the tokens did`);
      continue;
    }
    read++;
    assert.ok(tokens, `${where}: the tokens could not read ${JSON.stringify(head)}`);
    assert.deepEqual(norm({ principal: tokens.principal, action: tokens.action, resource: tokens.resource }), norm({ principal: engine.principal, action: engine.action, resource: engine.resource }), `${where}: ${head}`);
  }
  return read;
}

describe('policy heads read from tokens (the router, which does not load the engine) and by the engine', () => {
  it('give the same scope for every policy of the examples, the test fixtures and generated sets', () => {
    let read = 0;
    for (const f of [...cedarFiles(path.join(REPO, 'examples')), ...cedarFiles(path.join(REPO, 'test', 'fixtures'))]) read += compareHeads(fs.readFileSync(f, 'utf8'), path.relative(REPO, f));
    for (const seed of [1, 2, 3]) {
      const ws = generateWorkspace({ policies: 300, files: 1, seed });
      read += compareHeads(ws.files.get('policies/all.cedar')!, `generated set, seed ${seed}`);
    }
    assert.ok(read > 1000, `only ${read} heads compared`);
  });

  it('give the same scope for every form of the scope grammar, and neither reads what is not a head', () => {
    const forms = [
      'permit (principal, action, resource)',
      'forbid(principal == A::Agent::"a", action == A::Action::"t", resource == A::McpServer::"s");',
      'permit (principal in A::Role::"r", action in A::Action::"call_tool", resource in A::McpServer::"s")',
      'permit (principal is A::Agent, action in [A::Action::"x", A::Action::"y"], resource is A::McpServer in A::McpServer::"s")',
      'permit (principal is A::Agent in A::Role::"r", action in [], resource is A::Tool)',
      'permit (principal == ?principal, action, resource in ?resource)',
      'permit (principal in ?principal, action == A::Action::"q\\"uote", resource is A::McpServer in ?resource)',
      'permit (principal, // a comment\n action == Action::"t", resource)',
      'permit (\n  principal,\n  action == A::B::C::Action::"deep",\n  resource\n)',
      'permit (principal == A::Agent::"é ü", action == A::Action::"t", resource)',
      'permit (principal, action in [A::Action::"x",], resource)',
      'permit (principal, action in [A::Action::"x"], resource)',
      // Not heads (the engine refuses each): both say so.
      'permit (principal, action)',
      'permit (principal, action, resource, context)',
      'permit (principal == A::Agent::"a" action, resource)',
      'allow (principal, action, resource)',
      'permit (principal, action == A::Action::"t", resource',
      'permit (principal is, action, resource)',
      'permit (principal, action in [A::Action::"x",,], resource)',
      'permit ( /* Cedar has no block comments */ principal, action, resource)',
    ];
    const read = compareHeads('', 'forms', forms);
    assert.equal(read, 12);
  });

  it('the router answers completion and hover without loading the engine', () => {
    // A fresh process, as the router: the reader set, then completion and hover in the examples' policies.
    const script = `
      const { setHeadReader, tokenHead } = require(${JSON.stringify(path.join(REPO, 'out/server/src/core/cedar/headScope.js'))});
      setHeadReader(tokenHead);
      const { loadManifest } = require(${JSON.stringify(path.join(REPO, 'out/server/src/core/manifest/load.js'))});
      const { completeAt, hoverAt } = require(${JSON.stringify(path.join(REPO, 'out/server/src/core/cedar/assist.js'))});
      const fs = require('fs');
      const dir = ${JSON.stringify(path.join(REPO, 'examples'))};
      const m = loadManifest(dir + '/acme.agents.yaml', fs.readFileSync(dir + '/acme.agents.yaml', 'utf8'), { root: dir, readFile: (p) => { try { return fs.readFileSync(p, 'utf8'); } catch { return undefined; } } }).manifest;
      let offered = 0;
      for (const f of fs.readdirSync(dir + '/policies')) {
        const text = fs.readFileSync(dir + '/policies/' + f, 'utf8');
        for (let at = text.indexOf('context.input.'); at >= 0; at = text.indexOf('context.input.', at + 1)) {
          offered += completeAt(text, at + 'context.input.'.length, m).length;
          hoverAt(text, at + 'context.input.'.length + 1, m);
        }
      }
      const loaded = Object.keys(require.cache).filter((k) => k.includes('cedar-wasm'));
      console.log(JSON.stringify({ offered, loaded }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { offered: number; loaded: string[] };
    assert.ok(out.offered > 0, 'completion offered nothing: the test proves nothing');
    assert.deepEqual(out.loaded, [], 'the engine was loaded');
  });
});
