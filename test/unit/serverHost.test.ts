import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Project } from '../../server/src/core/project';
import { toCorePath } from '../../server/src/node/fsHost';
import { ServerHost } from '../../server/src/node/serverHost';

/**
 * The language server's host hands out the same listing until a file or an open document comes or goes, and the
 * project keys what a manifest covers on that listing: every change of the file set must reach both, or a simulation
 * would decide without a policy file that was just created (and may hold a forbid).
 */

const MANIFEST = 'version: 1\nnamespace: H\nagents:\n  bot: { roles: [r] }\nroles: [r]\nservers:\n  s:\n    tools:\n      - name: t\n        inputSchema: { type: object }\n';
const PERMIT = '@id("allow")\npermit (principal, action == H::Action::"t", resource);\n';
const FORBID = '@id("stop")\nforbid (principal, action == H::Action::"t", resource);\n';

const made: string[] = [];
after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function workspace(): { root: string; host: ServerHost; project: Project; at: (rel: string) => string } {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'apol-host-')));
  made.push(dir);
  fs.mkdirSync(path.join(dir, '.git'));
  fs.mkdirSync(path.join(dir, 'policies'));
  fs.writeFileSync(path.join(dir, 'h.agents.yaml'), MANIFEST);
  fs.writeFileSync(path.join(dir, 'policies', 'a.cedar'), PERMIT);
  const root = toCorePath(dir);
  const host = new ServerHost(root);
  return { root, host, project: new Project(host), at: (rel) => `${root}/${rel}` };
}

describe('language-server host listing', () => {
  it('hands out the same listing while nothing comes or goes', () => {
    const { host, at } = workspace();
    host.setOpen(at('policies/a.cedar'), PERMIT);
    const first = host.listFiles();
    assert.ok(first.includes(at('policies/a.cedar')));
    assert.equal(host.listFiles(), first);
    // An open document edited: the same files.
    host.setOpen(at('policies/a.cedar'), PERMIT + '\n');
    assert.equal(host.listFiles(), first);
    // A change on disk of a listed file: the same files.
    host.diskChanged(at('policies/a.cedar'), 'changed');
    assert.equal(host.listFiles(), first);
  });

  it('lists a file created, opened, closed or deleted, and the project covers it at once', () => {
    const { host, project, at } = workspace();
    const entry = () => project.manifest(at('h.agents.yaml'))!;
    const call = { agent: 'bot', tool: 't', args: {}, context: {} };
    assert.deepEqual(project.policyFilesOf(entry()), [at('policies/a.cedar')]);
    assert.equal(project.simulate(at('h.agents.yaml'), call).decision, 'allow');

    // Created on disk (the watcher says so): the forbid in it decides the next simulation.
    fs.writeFileSync(path.join(host.root, 'policies', 'b.cedar'), FORBID);
    host.diskChanged(at('policies/b.cedar'), 'created');
    assert.deepEqual(project.policyFilesOf(entry()), [at('policies/a.cedar'), at('policies/b.cedar')]);
    assert.equal(project.simulate(at('h.agents.yaml'), call).decision, 'deny');

    // Deleted: gone from the listing and from the set.
    fs.rmSync(path.join(host.root, 'policies', 'b.cedar'));
    host.diskChanged(at('policies/b.cedar'), 'deleted');
    assert.deepEqual(project.policyFilesOf(entry()), [at('policies/a.cedar')]);
    assert.equal(project.simulate(at('h.agents.yaml'), call).decision, 'allow');

    // An unsaved document opened in the editor is part of the set while it is open.
    host.setOpen(at('policies/new.cedar'), FORBID);
    assert.ok(host.listFiles().includes(at('policies/new.cedar')));
    assert.equal(project.simulate(at('h.agents.yaml'), call).decision, 'deny');
    host.setOpen(at('policies/new.cedar'), undefined);
    assert.ok(!host.listFiles().includes(at('policies/new.cedar')));
    assert.equal(project.simulate(at('h.agents.yaml'), call).decision, 'allow');

    // A rescan (a folder came or went) lists the disk again.
    fs.mkdirSync(path.join(host.root, 'more'));
    fs.writeFileSync(path.join(host.root, 'more', 'c.cedar'), FORBID);
    host.rescan();
    assert.ok(host.listFiles().includes(at('more/c.cedar')));
    assert.equal(project.simulate(at('h.agents.yaml'), call).decision, 'deny');
  });
});
