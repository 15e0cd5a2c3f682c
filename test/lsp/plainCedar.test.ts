import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CompletionRequest, DidChangeWatchedFilesNotification, FileChangeType, HoverRequest, type CompletionItem, type Hover, type MarkupContent } from 'vscode-languageserver-protocol/node';
import { TestClient, uriOf } from '../helpers/lspClient';
import { REPO } from '../helpers/memoryHost';

/** A plain Cedar project over stdio: policies.cedar + policies.cedarschema, no manifest (the cedar-examples layout). */
describe('language server: plain Cedar projects', function () {
  this.timeout(120000);
  let ws: string;
  let client: TestClient;
  const policies = () => path.join(ws, 'policies.cedar');
  const schema = () => path.join(ws, 'policies.cedarschema');
  const messages = (file: string) => (client.latest(file)?.diagnostics ?? []).map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1}-${d.range.end.line + 1}:${d.range.end.character + 1} ${String(d.code)} ${String(d.message).split('\n')[0]}`);

  beforeEach(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'apol-plain-'));
    for (const f of ['policies.cedar', 'policies.cedarschema']) fs.copyFileSync(path.join(REPO, 'examples', 'plain-cedar', f), path.join(ws, f));
    client = new TestClient(ws);
    await client.start();
  });
  afterEach(async () => {
    await client?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  it('publishes the validation error of the typo at its exact range, and no agent advice', async () => {
    await client.waitForPublish(policies(), (p) => p.diagnostics.length > 0);
    assert.deepEqual(messages(policies()), ['26:8-26:21 cedar-validation attribute `ownr` on entity type `PhotoApp::Photo` not found']);
  });

  it('checks an open schema as it is typed (non-ASCII before the error), and revalidates the policies against it', async () => {
    await client.waitForPublish(policies(), (p) => p.diagnostics.length > 0);
    const text = fs.readFileSync(schema(), 'utf8');
    await client.open(schema(), text, 'cedarschema');
    // A broken schema: its own error at the exact place, and the policies fall back to syntax checks.
    const broken = text.replace('department: String', '"département": Strng');
    await client.change(schema(), 2, broken);
    await client.waitForPublish(schema(), (p) => p.version === 2 && p.diagnostics.length > 0);
    const line = broken.split('\n').findIndex((l) => l.includes('Strng'));
    assert.deepEqual(messages(schema()), [`${line + 1}:20-${line + 1}:25 cedar-schema failed to resolve type: Strng`]);
    await client.waitFor('the policies to be told the schema has errors', () => messages(policies()).some((m) => m.includes('policy-not-covered only the syntax of this file is checked: its Cedar schema `policies.cedarschema` has errors')));
    // The typo fixed in the schema's sense: `ownr` declared, so the policy validates.
    await client.change(schema(), 3, text.replace('owner: User,\n    isPrivate: Bool,\n    "légende"', 'owner: User,\n    ownr: User,\n    isPrivate: Bool,\n    "légende"'));
    await client.waitForPublish(schema(), (p) => p.version === 3 && p.diagnostics.length === 0);
    await client.waitFor('the policies to validate', () => client.latest(policies())?.diagnostics.length === 0);
  });

  it('sees a schema created on disk, and completes and hovers from it', async () => {
    fs.rmSync(schema());
    fs.writeFileSync(path.join(ws, 'other.cedar'), '@id("x")\npermit (principal, action, resource) when { true };\n');
    await client.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(schema()), type: FileChangeType.Deleted }] });
    await client.waitFor('syntax-only notice', () => messages(policies()).some((m) => m.includes('no Cedar schema')));
    fs.copyFileSync(path.join(REPO, 'examples', 'plain-cedar', 'policies.cedarschema'), schema());
    await client.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(schema()), type: FileChangeType.Created }] });
    await client.waitFor('the typo found again', () => messages(policies()).some((m) => m.includes('ownr')));

    const text = 'permit (principal, action == PhotoApp::Action::"viewPhoto", resource)\nwhen { resource. };\n';
    await client.open(policies(), text, 'cedar', 10);
    await client.waitForPublish(policies(), (p) => p.version === 10);
    const items = (await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri: uriOf(policies()) }, position: { line: 1, character: 16 } })) as CompletionItem[];
    assert.ok(['owner', 'isPrivate'].every((l) => items.some((i) => i.label === l)), items.map((i) => i.label).join(','));
    const hover = (await client.conn.sendRequest(HoverRequest.type, { textDocument: { uri: uriOf(policies()) }, position: { line: 0, character: 50 } })) as Hover | null;
    assert.match((hover?.contents as MarkupContent | undefined)?.value ?? '', /Principals: `PhotoApp::User`/);
  });

  it('agentPolicy.cedarSchemaPath chooses among two schemas of one folder', async () => {
    fs.copyFileSync(schema(), path.join(ws, 'second.cedarschema'));
    await client.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(path.join(ws, 'second.cedarschema')), type: FileChangeType.Created }] });
    await client.waitFor('ambiguity', () => messages(policies()).some((m) => m.includes('several Cedar schemas could apply')));
    await client.configure({ validate: { onType: true }, cedarSchemaPath: 'second.cedarschema' });
    await client.waitFor('the typo found with the chosen schema', () => messages(policies()).some((m) => m.includes('ownr')) && !messages(policies()).some((m) => m.includes('several')));
  });
});
