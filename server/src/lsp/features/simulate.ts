/**
 * Simulation: `agentPolicy/simulate` (a call or a scenario → the decision, the policies that decided, and a decision-log
 * record) and `agentPolicy/simulationTargets` (the agents and tools the pickers offer).
 */
import * as path from 'node:path';
import type { ManifestEntry } from '../../core/project';
import { simulate, type PolicyRef, type SimulationResult } from '../../core/simulate';
import { judgeScenario } from '../../core/scenarios';
import { explanationHeading, policyFinding } from '../../core/explain';
import { sampleValue } from '../../core/sampleValues';
import { Methods, type SimulateParams, type SimulateResponse, type SimulationTargetsResult } from '../../protocol';
import { pathToUri } from '../uris';
import type { ProjectSlot, WorkerState } from '../workspace';
import type { Feature } from './feature';

interface CallInput {
  agent: string;
  tool: string;
  args: unknown;
  context: unknown;
  via: string[];
}

/** Ranges of policies, from the texts the project already holds. */
function locate(state: WorkerState, pr: ProjectSlot, ref: PolicyRef) {
  const text = pr.project.host.readFile(ref.file) ?? '';
  return { id: ref.id, uri: pathToUri(ref.file), range: state.lineIndexOf(ref.file, text).range(ref.span), effect: ref.effect };
}

function toResponse(state: WorkerState, pr: ProjectSlot, entry: ManifestEntry | undefined, r: SimulationResult, input: CallInput): SimulateResponse {
  return {
    manifestUri: entry ? pathToUri(entry.file) : undefined,
    ...input,
    // What leaves the core is redacted: the call as the simulator shows it, never the raw arguments.
    args: r.call.args,
    context: r.call.context,
    decision: r.decision,
    reason: r.reason,
    determining: r.determining.map((d) => locate(state, pr, d)),
    errors: r.errors.map((e) => ({ ...locate(state, pr, e), message: e.message })),
    failOpenRisk: r.failOpenRisk,
    cannotEvaluate: r.cannotEvaluate,
    requestErrors: r.requestErrors,
    notes: r.notes,
    chain: r.chain.map((c) => ({ agent: c.agent, decision: c.decision, reason: c.reason })),
    request: r.request,
    ...(r.explanation
      ? {
          explanation: {
            heading: explanationHeading(r.explanation),
            examined: r.explanation.examined,
            policies: r.explanation.policies.map((p) => ({ ...locate(state, pr, p), status: p.status, finding: policyFinding(p) })),
          },
        }
      : {}),
  };
}

export const simulateFeature: Feature = {
  name: 'simulation',
  register({ state }) {
    const { connection } = state;
    connection.onRequest(Methods.simulate, (params: SimulateParams): SimulateResponse => {
      const found = state.manifestFor(params.manifestUri);
      const empty: CallInput = { agent: params.agent ?? '', tool: params.tool ?? '', args: params.args ?? {}, context: params.context ?? {}, via: params.via ?? [] };
      if (!found) {
        const r = simulate(undefined, { files: [] }, empty);
        return { ...empty, args: r.call.args, context: r.call.context, decision: r.decision, reason: r.reason, determining: [], errors: [], failOpenRisk: false, cannotEvaluate: r.cannotEvaluate, requestErrors: r.requestErrors, notes: [], chain: [] };
      }
      const { pr, entry } = found;
      const scenario = params.scenarioIndex !== undefined ? entry.manifest?.scenarios.find((s) => s.index === params.scenarioIndex) : undefined;
      const held = params.diffCall ? state.heldCalls.get(params.diffCall.id, params.diffCall.index) : undefined;
      const input = scenario ? { agent: scenario.agent, tool: scenario.tool, args: scenario.args, context: scenario.context, via: scenario.via } : (held ?? empty);
      const result = pr.project.simulate(entry.file, { ...input, explain: params.explain === true });
      const response = toResponse(state, pr, entry, result, input);
      if (params.diffCall && !held) response.notes = [...response.notes, 'that comparison is no longer held by the server: the call was decided as it was shown, with "[redacted]" for its sensitive values; compare again to simulate it as it was decided'];
      if (scenario) {
        const o = judgeScenario(scenario, result);
        response.scenario = { name: scenario.name, expect: scenario.expect, passed: o.passed, summary: o.summary };
      }
      // The decision log: one JSON record per explicit simulation, sensitive arguments redacted (by the core).
      void connection.sendNotification(Methods.decisionLog, {
        time: new Date().toISOString(),
        manifest: path.posix.basename(entry.file),
        agent: input.agent,
        ...(input.via.length ? { via: input.via } : {}),
        tool: input.tool,
        args: result.call.args,
        context: result.call.context,
        decision: result.decision,
        policies: result.determining.map((d) => d.id),
        ...(result.errors.length ? { errored: result.errors.map((e) => e.id) } : {}),
        ...(result.failOpenRisk ? { failOpenRisk: true } : {}),
        ...(result.requestErrors.length ? { requestErrors: result.requestErrors } : {}),
        ...(scenario ? { scenario: scenario.name } : {}),
      });
      return response;
    });

    connection.onRequest(Methods.simulationTargets, (): SimulationTargetsResult => {
      const manifests = state.projects.flatMap(({ project }) =>
        project.allManifests().flatMap((e) => {
          const m = e.manifest;
          if (!m) return [];
          return [
            {
              uri: pathToUri(e.file),
              name: path.posix.relative(project.host.root, e.file),
              namespace: m.namespace,
              agents: m.agents.map((a) => ({ id: a.id, description: a.description, roles: a.roles })),
              tools: m.tools.map((t) => ({ name: t.action, title: t.title, description: t.description, server: t.server, readOnly: t.readOnly, destructive: t.destructive, exampleArgs: sampleValue(t.inputSchema) ?? {} })),
              exampleContext: m.context ? (sampleValue(m.context) ?? {}) : {},
            },
          ];
        }),
      );
      return manifests.length ? { manifests } : { manifests, error: 'no agent manifest (*.agents.yaml) found in the workspace' };
    });
  },
};
