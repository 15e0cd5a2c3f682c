import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeActionRequest, type CodeAction, type Diagnostic, type TextEdit } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { copyToTemp } from '../helpers/examples';
import { TestClient, uriOf } from '../helpers/lspClient';
import { FIXTURES } from '../helpers/memoryHost';

function apply(text: string, edits: TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create('file:///x', 'x', 0, text), edits);
}

const count = (ds: Diagnostic[], code: string) => ds.filter((d) => d.code === code).length;

describe('language server: lint, quick fixes and configuration', function () {
  this.timeout(120000);
  const workspaces: string[] = [];
  let client: TestClient;

  async function startIn(dir: string) {
    const ws = copyToTemp(dir);
    workspaces.push(ws);
    client = new TestClient(ws);
    await client.start();
    return ws;
  }

  afterEach(async () => {
    await client?.stop();
    for (const ws of workspaces.splice(0)) fs.rmSync(ws, { recursive: true, force: true });
  });

  /** Applies every quick fix offered for every diagnostic of `files`, one at a time, and checks that it removes its diagnostic. */
  async function applyEveryFix(ws: string, files: string[]): Promise<number> {
    let applied = 0;
    for (const rel of files) {
      const file = path.join(ws, rel);
      const original = fs.readFileSync(file, 'utf8');
      let version = 1;
      await client.open(file, original);
      const first = await client.waitForPublish(file, (p) => p.version === 1);
      for (const diag of first.diagnostics) {
        const actions = ((await client.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: uriOf(file) }, range: diag.range, context: { diagnostics: [diag] } })) ?? []) as CodeAction[];
        assert.ok(actions.length > 0 || diag.code === 'policy-not-covered', `no quick fix for ${diag.code} at ${JSON.stringify(diag.range)} in ${rel}`);
        for (const action of actions) {
          const edits = action.edit?.changes?.[uriOf(file)];
          assert.ok(edits?.length, `${action.title}: no edit for ${rel}`);
          const fixed = apply(original, edits);
          await client.change(file, ++version, fixed);
          const after = await client.waitForPublish(file, (p) => p.version === version);
          const code = String(diag.code);
          assert.ok(count(after.diagnostics, code) < count(first.diagnostics, code), `"${action.title}" did not remove ${code} in ${rel}:\n${fixed}`);
          if (action.title.startsWith('Suppress')) assert.equal(count(after.diagnostics, 'unused-suppression'), count(first.diagnostics, 'unused-suppression'), `"${action.title}" left an unused suppression`);
          applied++;
          await client.change(file, ++version, original);
          await client.waitForPublish(file, (p) => p.version === version);
        }
      }
      await client.close(file);
    }
    return applied;
  }

  it('applies every quick fix of the examples and each one removes its diagnostic', async () => {
    const ws = await startIn(path.join(FIXTURES, '..', '..', 'examples'));
    const n = await applyEveryFix(ws, ['acme.agents.yaml', 'policies/refunds.cedar', 'policies/ops.cedar', 'sandbox/drafts.cedar', 'sandbox/lab.agents.yaml']);
    assert.ok(n >= 20, `only ${n} fixes applied`);
  });

  it('applies every did-you-mean, has-guard and suppression fix of the validation fixture', async () => {
    const ws = await startIn(path.join(FIXTURES, 'rules', 'cedar-validation'));
    assert.equal(await applyEveryFix(ws, ['p.cedar']), 7);
  });

  it('applies every did-you-mean and suppression fix of the value-not-in-enum fixture', async () => {
    const ws = await startIn(path.join(FIXTURES, 'rules', 'value-not-in-enum'));
    // 10 findings, each with its suppression; 7 of them with the closest enum value.
    assert.equal(await applyEveryFix(ws, ['p.cedar']), 17);
  });

  it('applies the fix of a misspelt rule in a suppression', async () => {
    const ws = await startIn(path.join(FIXTURES, 'rules', 'unused-suppression'));
    assert.ok((await applyEveryFix(ws, ['p.cedar'])) >= 4);
  });

  it('offers the has-guard fix that makes a forbid safe', async () => {
    const ws = await startIn(path.join(FIXTURES, 'rules', 'forbid-may-error'));
    const file = path.join(ws, 'covered/p.cedar');
    const text = fs.readFileSync(file, 'utf8');
    await client.open(file, text);
    const p = await client.waitForPublish(file, (x) => x.version === 1);
    const diag = p.diagnostics.find((d) => d.code === 'cedar-validation' && String(d.message).includes('input.note'))!;
    const actions = (await client.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: uriOf(file) }, range: diag.range, context: { diagnostics: [diag] } })) as CodeAction[];
    const guard = actions.find((a) => a.title.includes('has note'))!;
    const fixed = apply(text, guard.edit!.changes![uriOf(file)]!);
    assert.match(fixed, /when \{ context\.input has note && context\.input\.note == "x" \}/);
    await client.change(file, 2, fixed);
    const after = await client.waitForPublish(file, (x) => x.version === 2);
    assert.equal(after.diagnostics.filter((d) => d.range.start.line === diag.range.start.line && d.code === 'forbid-may-error').length, 0);
  });

  it('lints on save only when lint.run is onSave, and the whole workspace then', async () => {
    const ws = await startIn(path.join(FIXTURES, '..', '..', 'examples'));
    await client.configure({ validate: { onType: true }, lint: { run: 'onSave' } });
    const file = path.join(ws, 'policies/support.cedar');
    const text = fs.readFileSync(file, 'utf8');
    await client.open(file, text);
    await client.waitForPublish(file, (p) => p.version === 1);
    // Drop the condition of a role grant: a role-only grant, which the lint reports only on save.
    const roleOnly = text.replace('when { context.session.purpose == "support" };\n\n// Only the ticket', ';\n\n// Only the ticket');
    assert.notEqual(roleOnly, text);
    await client.change(file, 2, roleOnly);
    const typed = await client.waitForPublish(file, (p) => p.version === 2);
    assert.equal(count(typed.diagnostics, 'role-only-grant'), 0, 'linted while typing with lint.run = onSave');
    fs.writeFileSync(file, roleOnly);
    const mark = client.published.length;
    await client.save(file);
    await client.waitForPublish(file, (p) => count(p.diagnostics, 'role-only-grant') === 1, mark);
    // ... and the other files were linted again as well.
    await client.waitForPublish(path.join(ws, 'sandbox/drafts.cedar'), (p) => count(p.diagnostics, 'wildcard-grant') === 1, mark);
  });

  it('applies .agent-policy.yaml as it is edited, and the rules setting under it', async () => {
    const ws = await startIn(path.join(FIXTURES, '..', '..', 'examples'));
    const drafts = path.join(ws, 'sandbox/drafts.cedar');
    await client.waitForPublish(drafts, (p) => count(p.diagnostics, 'role-only-grant') === 1 && count(p.diagnostics, 'wildcard-principal') === 2);
    // The setting turns off wildcard-principal and sets role-only-grant to error ...
    let mark = client.published.length;
    await client.configure({ validate: { onType: true }, rules: { 'wildcard-principal': 'off', 'role-only-grant': 'error' } });
    await client.waitForPublish(drafts, (p) => count(p.diagnostics, 'wildcard-principal') === 0 && p.diagnostics.some((d) => d.code === 'role-only-grant' && d.severity === 1), mark);
    // ... and the workspace file, which wins where both speak, turns role-only-grant off.
    const config = path.join(ws, '.agent-policy.yaml');
    mark = client.published.length;
    await client.open(config, 'rules:\n  role-only-grant: off\n');
    await client.waitForPublish(drafts, (p) => count(p.diagnostics, 'role-only-grant') === 0 && count(p.diagnostics, 'wildcard-principal') === 0, mark);
    // A mistake in the file is reported in the file.
    mark = client.published.length;
    await client.change(config, 2, 'rules:\n  role-only-grnt: off\n');
    const c = await client.waitForPublish(config, (p) => p.version === 2 && p.diagnostics.length === 1, mark);
    assert.match(String(c.diagnostics[0]!.message), /did you mean `role-only-grant`/);
  });
});
