/**
 * `agentPolicy/generateScenarios`: the boundary scenarios proposed for a tool (core/scenarioGen.ts), for review; with
 * `write`, also the edit that appends the chosen ones to the manifest (generated again here, so what is written is
 * what the server decided, never values sent back by a client). Computed in steps, like the access map, so that the
 * diagnostics and completion go on meanwhile, and a request the client cancels stops.
 */
import { appendScenariosEdit } from '../../core/scenarioEdit';
import { generateScenariosSteps, type GenerateResult } from '../../core/scenarioGen';
import { Methods, type GenerateScenariosParams, type GenerateScenariosResult } from '../../protocol';
import { pathToUri } from '../uris';
import type { Feature } from './feature';

export const generateScenariosFeature: Feature = {
  name: 'generate scenarios',
  register({ state }) {
    state.connection.onRequest(Methods.generateScenarios, async (params: GenerateScenariosParams, token): Promise<GenerateScenariosResult> => {
      const tool = typeof params?.tool === 'string' ? params.tool : '';
      const fail = (error: string, manifestUri?: string): GenerateScenariosResult => ({ ...(manifestUri ? { manifestUri } : {}), tool, agents: [], scenarios: [], notes: [], error });
      const found = state.manifestFor(params?.manifestUri);
      if (!found) return fail('no agent manifest in the workspace');
      const { pr, entry } = found;
      const manifestUri = pathToUri(entry.file);
      const agents = Array.isArray(params.agents) ? params.agents.filter((a): a is string => typeof a === 'string') : undefined;
      const run = function* () {
        const set = yield* pr.project.policySetSteps(entry);
        return yield* generateScenariosSteps(entry, set, tool, agents?.length ? { agents } : {});
      };
      const steps = run();
      let r: GenerateResult;
      for (;;) {
        const step = steps.next();
        if (step.done) {
          r = step.value;
          break;
        }
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (token.isCancellationRequested) return fail('cancelled: a newer request replaced this one', manifestUri);
      }
      const m = entry.manifest;
      const result: GenerateScenariosResult = {
        manifestUri,
        tool: r.tool,
        agents: (m?.agents ?? []).map((a) => ({ id: a.id, reaches: r.reaching.includes(a.id), used: r.agents.includes(a.id) })),
        // What leaves the server for review is the call as it may be shown.
        scenarios: r.scenarios.map((s) => ({ name: s.name, agent: s.agent, tool: s.tool, args: s.shown.args, context: s.shown.context, expect: s.expect, policies: s.policies, reason: s.reason, why: s.why })),
        notes: r.notes,
        ...(r.error ? { error: r.error } : {}),
      };
      if (!Array.isArray(params.write) || r.error) return result;
      const wanted = new Set(params.write.filter((n): n is string => typeof n === 'string'));
      const chosen = r.scenarios.filter((s) => wanted.has(s.name));
      const missing = [...wanted].filter((n) => !chosen.some((s) => s.name === n));
      if (missing.length) result.missing = missing;
      if (!chosen.length) return { ...result, error: 'none of the named scenarios is proposed any more (the manifest or the policies changed): generate them again' };
      const text = pr.project.host.readFile(entry.file);
      const e = text === undefined ? undefined : appendScenariosEdit(entry.file, text, chosen, m);
      if (text === undefined || !e) return { ...result, error: 'the manifest cannot be edited safely (fix its syntax first)' };
      const ix = state.lineIndexOf(entry.file, text);
      return { ...result, edit: { changes: { [manifestUri]: [{ range: ix.range(e.span), newText: e.newText }] } } };
    });
  },
};
