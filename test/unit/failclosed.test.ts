import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Project, type ManifestEntry } from '../../server/src/core/project';
import { runToEnd } from '../../server/src/core/cedar/policyCheck';
import type { SchemaJson } from '../../server/src/core/cedar/engine';
import { simulate, type PolicySetInput, type SimulationResult } from '../../server/src/core/simulate';
import { MemoryHost, REPO } from '../helpers/memoryHost';

/**
 * A policy that does not parse is only left out of a simulation when it provably cannot hold or hide a forbid;
 * otherwise every simulation of its set denies, and says which forbid it swallowed. Each case adds a file to the
 * examples and simulates a call that the examples allow (support-read-crm) and that the forbid below denies.
 */
const examples = MemoryHost.fromDir(path.join(REPO, 'examples'));
function projectWith(extra: string): Project {
  const files = new Map(examples.files);
  files.set('/ws/policies/zz.cedar', extra);
  return new Project(new MemoryHost('/ws', files));
}

const CALL = { agent: 'support-bot', tool: 'get_order', args: { order_id: 'o-1' }, context: { task_id: 't', purpose: 'support' } };
const PERMIT = '@id("support-purpose") permit (principal in Acme::Role::"support", action == Acme::Action::"lookup_customer", resource)';
const FORBID = '@id("no-orders-for-support") forbid (principal in Acme::Role::"support", action == Acme::Action::"get_order", resource);';
/** A forbid without a single `"`, so that an unterminated string before it runs to the end of the file. */
const FORBID_NO_QUOTES = 'forbid (principal, action, resource) unless { context.session.task_id == context.session.purpose };';

interface Case {
  name: string;
  text: string;
  /** Blocked: the set cannot be evaluated, the reason says why. Otherwise the policies decide. */
  blocked?: RegExp;
  decision?: 'allow' | 'deny';
  determining?: string[];
  note?: RegExp;
  /** Another call than CALL. */
  call?: typeof CALL | typeof RESTART;
}

/** A call only a permit for every agent allows: support-bot restarts a service (the examples permit it to ops only). */
const RESTART = { agent: 'support-bot', tool: 'restart_service', args: { service: 'checkout', environment: 'staging' }, context: { task_id: 't', purpose: 'support' } };

const SWALLOWS = /^permit `support-purpose` \(zz\.cedar\) does not parse and swallows the forbid `no-orders-for-support` \(line 2\): the policy set cannot be evaluated safely until it is fixed$/;

const cases: Case[] = [
  { name: 'an unclosed { and no ; before a forbid (the issue\'s repro)', text: `${PERMIT} when { context.session.purpose == "support"\n${FORBID}\n`, blocked: SWALLOWS },
  { name: 'an unclosed { before a forbid on the same line', text: `${PERMIT} when { context.session.purpose == "support" ${FORBID}`, blocked: /swallows the forbid `no-orders-for-support` \(line 1\)/ },
  { name: 'a missing ; before a forbid', text: `${PERMIT} when { context.session.purpose == "support" }\n${FORBID}`, blocked: SWALLOWS },
  { name: 'an unterminated string before a forbid', text: `${PERMIT} when { context.session.purpose == "support };\n${FORBID}\n`, blocked: /^permit `support-purpose` \(zz\.cedar\) does not parse and has a string that runs past the end of its line \(is a `"` missing\?\), which may hide the forbid `no-orders-for-support` \(line 2\)/ },
  { name: 'an unterminated string that runs to the end of the file', text: `${PERMIT} when { context.session.purpose == "support };\n// later\n${FORBID_NO_QUOTES}\n`, blocked: /which may hide a forbid \(line 3\)/ },
  { name: 'a broken template (a template is not linked, but a broken one may swallow a forbid)', text: `@id("tpl") permit (principal == ?principal, action, resource) when { context.session.purpose == "support"\n${FORBID}`, blocked: /^permit `tpl` \(zz\.cedar\) does not parse and swallows the forbid `no-orders-for-support`/ },
  { name: 'a broken template on the line of a forbid', text: `@id("tpl") permit (principal == ?principal, action, resource) when { true ${FORBID}`, blocked: /^permit `tpl` \(zz\.cedar\) does not parse and swallows the forbid `no-orders-for-support`/ },
  { name: 'a forbid whose @id is not its first annotation', text: `${PERMIT} when { true\n@advice("no orders") @id("f2")\nforbid (principal, action, resource);`, blocked: /swallows the forbid `f2` \(line 3\)/ },
  { name: 'a forbid without @id', text: `${PERMIT} when { true\n\n${FORBID_NO_QUOTES}`, blocked: /swallows a forbid \(line 3\)/ },
  { name: 'two broken permits in a row before a forbid', text: `${PERMIT} when { true\n@id("other") permit (principal, action, resource) when { true\n${FORBID}`, blocked: /^permit `support-purpose` \(zz\.cedar\) does not parse and swallows the forbid `no-orders-for-support` \(line 3\)/ },
  { name: 'a comment that says forbid inside a broken permit (its raw text is not trusted)', text: `${PERMIT} when { // unlike the forbid below\n context.session.purpose == "support" and true };`, blocked: /swallows a forbid \(line 1\)/ },
  { name: 'a string that spans lines in a broken permit, before a forbid', text: `${PERMIT} when { context.session.purpose == "sup\nport" and true };\n${FORBID}`, blocked: /runs past the end of its line .* which may hide the forbid `no-orders-for-support` \(line 3\)/ },
  {
    name: 'many forbids after an unterminated string (five are named)',
    text: `${PERMIT} when { context.session.purpose == "support };\n${Array.from({ length: 7 }, (_, i) => `@id("f${i + 1}") forbid (principal, action, resource);`).join('\n')}`,
    blocked: /which may hide the forbid `f1` \(line 2\), the forbid `f2` \(line 3\), the forbid `f3` \(line 4\), the forbid `f4` \(line 5\), the forbid `f5` \(line 6\) and more: /,
  },
  { name: 'a broken forbid', text: `${FORBID.replace('resource)', 'resource')}`, blocked: /^forbid `no-orders-for-support` \(zz\.cedar\) does not parse: without it the policy set cannot be evaluated safely$/ },
  { name: 'text that is no policy at all', text: 'permission granted;', blocked: /^policy `policy0` \(zz\.cedar\) does not parse/ },
  // Left out: these cannot hide a forbid.
  { name: 'a broken permit ended by its own ; before a forbid', text: `${PERMIT} when { context.session.purpose == "support" and true };\n${FORBID}`, decision: 'deny', determining: ['no-orders-for-support'], note: /permit `support-purpose` \(zz\.cedar\) does not parse and is left out/ },
  { name: 'a broken permit at the end of the file', text: `${FORBID}\n${PERMIT} when { context.session.purpose == "support"\n`, decision: 'deny', determining: ['no-orders-for-support'], note: /permit `support-purpose` \(zz\.cedar\) does not parse and is left out/ },
  { name: 'a broken permit whose own @id mentions forbid', text: `@id("forbid-override") permit (principal, action, resource) when { true and true };`, decision: 'allow', determining: ['support-read-crm'], note: /permit `forbid-override` \(zz\.cedar\) does not parse and is left out/ },
  { name: 'a broken permit with an attribute named forbidden', text: `${PERMIT} when { context.session.forbidden and true };`, decision: 'allow', determining: ['support-read-crm'], note: /left out/ },
  // A permit that parses on its own only because the splitter cut there: Cedar reads it as part of the broken one.
  { name: 'a permit after a broken permit without ; between them', text: `${PERMIT} when { true\n@id("wide") permit (principal, action, resource);`, call: RESTART, decision: 'deny', determining: [], note: /permit `wide` \(zz\.cedar\) follows the broken policy `support-purpose`, which runs on into it, and is left out/ },
  { name: 'a permit whose effect was typed twice (found by the fuzz)', text: '@id("p8") permit  permit (principal, action, resource);', call: RESTART, decision: 'deny', determining: [], note: /permit `policy1` \(zz\.cedar\) follows the broken policy `p8`, which runs on into it, and is left out/ },
  { name: 'a permit after a broken permit ended by its own ;', text: `${PERMIT} when { true and };\n@id("wide") permit (principal, action, resource);`, call: RESTART, decision: 'allow', determining: ['wide'], note: /permit `support-purpose` \(zz\.cedar\) does not parse and is left out/ },
];

describe('simulation fails closed on policies that do not parse', () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = projectWith(c.text).simulate('/ws/acme.agents.yaml', c.call ?? CALL);
      const label = `${r.decision}: ${r.reason}\n${r.requestErrors.join('\n')}\nnotes: ${r.notes.join('; ')}`;
      if (c.blocked) {
        assert.equal(r.decision, 'deny', label);
        assert.equal(r.cannotEvaluate, true, label);
        assert.match(r.reason, c.blocked, label);
        assert.deepEqual(r.determining, []);
      } else {
        assert.equal(r.cannotEvaluate, false, label);
        assert.equal(r.decision, c.decision, label);
        assert.deepEqual(r.determining.map((d) => d.id), c.determining, label);
        assert.match(r.notes.join('\n'), c.note!, label);
      }
    });
  }

  it('notices when the text after a broken permit changes into a forbid (no stale cached set)', () => {
    const files = new Map(examples.files);
    const host = new MemoryHost('/ws', files);
    const project = new Project(host);
    files.set('/ws/policies/zz.cedar', `${PERMIT} when { true\n// the next policy\n`);
    assert.equal(project.simulate('/ws/acme.agents.yaml', CALL).decision, 'allow');
    files.set('/ws/policies/zz.cedar', `${PERMIT} when { true\n// the next forbid\n`);
    const r = project.simulate('/ws/acme.agents.yaml', CALL);
    assert.equal(r.decision, 'deny');
    assert.equal(r.cannotEvaluate, true);
  });
});

describe('simulation fails closed when the engine cannot evaluate', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cedar = require('@cedar-policy/cedar-wasm/nodejs') as Record<string, unknown>;
  const project = new Project(examples);
  const entry = project.manifest('/ws/acme.agents.yaml')!;
  const set = runToEnd(project.policySetSteps(entry));
  /** The examples' manifest with another generated schema (under a key of its own, so nothing cached applies). */
  function withSchema(edit: (schema: SchemaJson) => void): ManifestEntry {
    const schema = JSON.parse(JSON.stringify(entry.model!.schema)) as SchemaJson;
    edit(schema);
    const model = { ...entry.model!, schema, key: `${entry.model!.key}-${Math.random()}` };
    return Object.create(entry, { model: { value: model } }) as ManifestEntry;
  }
  function patched<T>(name: string, fn: () => T): T {
    const original = cedar[name];
    cedar[name] = () => {
      throw new Error('boom');
    };
    try {
      return fn();
    } finally {
      cedar[name] = original;
    }
  }
  const assertCannotEvaluate = (r: SimulationResult, reason: RegExp) => {
    const label = `${r.decision}: ${r.reason}`;
    assert.equal(r.decision, 'deny', label);
    assert.equal(r.cannotEvaluate, true, label);
    assert.match(r.reason, reason, label);
    assert.deepEqual(r.determining, []);
  };

  it('allows the call while the engine works (the control case)', () => {
    const r = simulate(entry, set, CALL);
    assert.equal(r.decision, 'allow', r.reason);
    assert.equal(r.cannotEvaluate, false);
  });

  it('denies when Cedar refuses the schema', () => {
    const broken = withSchema((s) => {
      (s.Acme!.entityTypes as Record<string, unknown>).Agent = { memberOfTypes: ['NoSuchType'], shape: { type: 'Record', attributes: {} } };
    });
    assertCannotEvaluate(simulate(broken, set, CALL), /^the engine refused the policy set: .*NoSuchType/);
  });

  it('denies when Cedar refuses the request (it does not match the schema)', () => {
    const broken = withSchema((s) => {
      const action = (s.Acme!.actions as Record<string, { appliesTo: { context: { attributes: Record<string, unknown> } } }>).get_order!;
      action.appliesTo.context.attributes.input = { type: 'Long', required: true };
    });
    assertCannotEvaluate(simulate(broken, set, CALL), /^the engine refused the request: /);
  });

  it('denies when the engine throws while preparing the policy set, and tries again next time', () => {
    const fresh = withSchema(() => undefined);
    // Policies the engine has not seen yet (each gets a new comment), so that they must be preparsed.
    const tag = `// ${Math.random()}\n`;
    const freshSet: PolicySetInput = { files: set.files.map((f) => ({ ...f, policies: f.policies.map((p) => ({ ...p, text: tag + p.text, key: `${p.key}${tag}` })) })) };
    assertCannotEvaluate(patched('preparsePolicySet', () => simulate(fresh, freshSet, CALL)), /^the engine refused the policy set: the Cedar engine failed: boom/);
    assert.equal(simulate(fresh, freshSet, CALL).decision, 'allow');
  });

  it('denies when the engine throws while deciding', () => {
    assertCannotEvaluate(patched('statefulIsAuthorized', () => simulate(entry, set, CALL)), /^the engine refused the request: the Cedar engine failed: boom/);
  });

  it('denies when the simulator itself fails', () => {
    const failing = { get files(): PolicySetInput['files'] { throw new Error('boom'); } };
    assertCannotEvaluate(simulate(withSchema(() => undefined), failing, CALL), /^the simulator failed: boom/);
  });

  it('denies when there is no manifest, or it cannot produce a Cedar schema', () => {
    assertCannotEvaluate(simulate(undefined, set, CALL), /^no agent manifest/);
    const noModel = Object.create(entry, { model: { value: undefined } }) as ManifestEntry;
    assertCannotEvaluate(simulate(noModel, set, CALL), /errors that prevent generating the Cedar schema/);
  });
});
