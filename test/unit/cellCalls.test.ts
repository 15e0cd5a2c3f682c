import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Project } from '../../server/src/core/project';
import { accessMap } from '../../server/src/core/analysis/access';
import { cellCalls } from '../../server/src/core/analysis/cellCalls';
import { runToEnd } from '../../server/src/core/cedar/policyCheck';
import { schemaProblems, simulate } from '../../server/src/core/simulate';
import { MemoryHost, REPO } from '../helpers/memoryHost';
import { conditionHolds } from '../helpers/accessCheck';

const MANIFESTS = ['/ws/acme.agents.yaml', '/ws/helpdesk/helpdesk.agents.yaml', '/ws/sandbox/lab.agents.yaml'];

describe('the calls proposed for an access-map cell (cellCalls: one allowed, one denied)', () => {
  const project = new Project(MemoryHost.fromDir(path.join(REPO, 'examples')));

  for (const manifest of MANIFESTS) {
    it(`${path.basename(manifest)}: every conditional cell's allowed call allows and its denied call denies when simulated`, function () {
      this.timeout(120_000);
      const entry = project.manifest(manifest)!;
      const set = runToEnd(project.policySetSteps(entry));
      const map = accessMap(entry, set);
      const conditional = map.cells.filter((c) => c.access === 'conditional');
      const problems: string[] = [];
      const noSatisfying: string[] = [];
      const noFailing: string[] = [];
      for (const cell of conditional) {
        const label = `${cell.via ? `${cell.via} → ` : ''}${cell.agent} × ${cell.tool}`;
        const r = cellCalls(entry, set, cell);
        if (cell.redacted) {
          assert.equal(r.satisfying, undefined, `${label}: a call proposed for a condition over a sensitive value`);
          continue;
        }
        if (!r.satisfying) noSatisfying.push(label);
        if (!r.failing) noFailing.push(label);
        const tool = entry.manifest!.tools.find((t) => t.action === cell.tool)!;
        for (const [which, call, want] of [['allowed', r.satisfying, 'allow'], ['denied', r.failing, 'deny']] as const) {
          if (!call) continue;
          // Valid calls only, deciding as proposed, and (the cell's printed condition evaluated by Cedar) as the condition says.
          const invalid = [...schemaProblems(tool.inputSchema, call.args, 'args'), ...schemaProblems(entry.manifest!.context ?? { type: 'object' }, call.context, 'context')];
          if (invalid.length) problems.push(`${label}: the ${which} call is not valid: ${invalid.join('; ')}`);
          const sim = simulate(entry, set, { agent: cell.agent, tool: cell.tool, args: call.args, context: call.context, via: cell.via ? [cell.via] : [] });
          if (sim.decision !== want || call.decision !== want) problems.push(`${label}: the ${which} call ${JSON.stringify(call)} is simulated as ${sim.decision} (${sim.reason})`);
          if (JSON.stringify(sim.determining.map((p) => p.id)) !== JSON.stringify(call.policies)) problems.push(`${label}: the ${which} call names ${call.policies.join(', ')}, the simulator ${sim.determining.map((p) => p.id).join(', ')}`);
          const holds = conditionHolds(entry, cell, call.args, call.context);
          if (want === 'allow' && holds !== true && !cell.failOpenRisk) problems.push(`${label}: the allowed call does not satisfy \`${cell.condition}\` (${String(holds)})`);
          if (want === 'deny' && holds === true) problems.push(`${label}: the denied call satisfies \`${cell.condition}\``);
        }
      }
      assert.deepEqual(problems, []);
      // Reported, so that a regression of the search shows up in the test's output.
      console.log(`      ${path.basename(manifest)}: ${conditional.length} conditional cells; no allowed call found for ${noSatisfying.length}${noSatisfying.length ? ` (${noSatisfying.join(', ')})` : ''}; no denied call for ${noFailing.length}${noFailing.length ? ` (${noFailing.join(', ')})` : ''}`);
      if (manifest.endsWith('acme.agents.yaml')) {
        assert.ok(conditional.length > 0, 'the acme example has conditional cells');
        // Every conditional cell of acme has both calls: a cell can go either way, and its policies' literals lead there.
        assert.deepEqual({ noSatisfying, noFailing }, { noSatisfying: [], noFailing: [] });
      }
    });
  }

  it('a cell that is always or never allowed gets no calls, with the reason', () => {
    const entry = project.manifest('/ws/acme.agents.yaml')!;
    const set = runToEnd(project.policySetSteps(entry));
    const never = accessMap(entry, set).cells.find((c) => c.access === 'never')!;
    const r = cellCalls(entry, set, never);
    assert.deepEqual([r.satisfying, r.failing, r.decided], [undefined, undefined, 0]);
    assert.match(r.notes.join(' '), /`never`/);
  });
});
