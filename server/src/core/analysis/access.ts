/**
 * The access map: for every agent × tool of a manifest, whether a call can be allowed — `always`, `conditional` (with
 * the condition, as Cedar text over `context.input` / `context.session`) or `never` — computed by Cedar's partial
 * evaluation with the principal, action and resource concrete and the call's input and session unknown. It evaluates
 * the policies the simulator evaluates (`decidingPolicies`) with the entities the simulator builds (`agentEntities`),
 * and fails closed where the simulator does: a policy set that cannot be evaluated safely is `never` everywhere.
 * Pure: manifest and analysed policies in, data out.
 */
import { diffSlice } from './slice';
import { mayMatchAgent, mayMatchTool } from './scope';
import { authorizePartial, unknownValue, validatePolicies, type EntityJson, type PartialAnswer, type PolicyJson, type SchemaJson } from '../cedar/engine';
import { dict, own } from '../own';
import { entityLiterals, nonLiteralConstructorCalls, unguardedTagReads } from '../cedar/ast';
import { CALL_TOOL } from '../cedar/schemaGen';
import { ValueConverter } from '../cedar/values';
import type { PolicyInfo } from '../cedar/policyCheck';
import type { AgentDef, Manifest, ToolDef } from '../manifest/model';
import type { ManifestEntry } from '../project';
import { redactValue, scrub } from '../redact';
import { agentEntities, decidingPolicies, type PolicyRef, type PolicySetInput } from '../simulate';
import { FALSE, TRUE, and, comparisons, conjuncts, fromUnknowns, mayErrorAtRunTime, not, or, printCondition, redactLiterals, residualCondition, simplify, type Comparison, type Expr } from './condition';

export type Access = 'always' | 'conditional' | 'never';

export interface AccessCell {
  agent: string;
  /** The tool's action id (the name users write). */
  tool: string;
  server: string;
  /** A delegated call: `via` handed the task to `agent` (the cell is the intersection of both agents' cells). */
  via?: string;
  access: Access;
  /** For `conditional`: when the call is allowed, as Cedar text (sensitive literals shown as "[redacted]"). */
  condition?: string;
  /** The permits and forbids that take part (may apply to some call of this agent and tool), in file order. */
  permits: PolicyRef[];
  forbids: PolicyRef[];
  destructive: boolean;
  /** A forbid that takes part can error: Cedar then skips it, and a call it should block may be allowed. */
  failOpenRisk: boolean;
  /** Why the cell is what it is when that is not the policies' plain verdict (fail closed, the engine refused...). */
  reason?: string;
  /** The condition compares a sensitive argument or session field with a literal, which is shown as "[redacted]". */
  redacted?: boolean;
  /** The unredacted condition, for evaluation (never for display). */
  expr?: Expr;
}

export interface AccessMap {
  manifest: string;
  namespace: string;
  agents: string[];
  tools: { tool: string; server: string; destructive: boolean }[];
  cells: AccessCell[];
  /** Every policy that takes part in decisions (those the simulator evaluates), in file order. */
  policies: PolicyRef[];
  /** Notes of the simulator about the policy set (permits left out, templates not linked). */
  notes: string[];
  /** Why the policy set cannot be evaluated (then every cell is `never`, as every simulation denies). */
  blocking: string[];
}

/**
 * A cell as it leaves the core (CLI JSON, the LSP answer): its policies as `at` shows them (ids, locations), optional
 * fields only when set, and never the unredacted `expr`.
 */
export function cellView<T>(c: AccessCell, at: (p: PolicyRef) => T) {
  return {
    agent: c.agent,
    ...(c.via ? { via: c.via } : {}),
    tool: c.tool,
    server: c.server,
    access: c.access,
    ...(c.condition !== undefined ? { condition: c.condition } : {}),
    permits: c.permits.map(at),
    forbids: c.forbids.map(at),
    destructive: c.destructive,
    failOpenRisk: c.failOpenRisk,
    ...(c.reason ? { reason: c.reason } : {}),
    ...(c.redacted ? { redacted: true as const } : {}),
  };
}

export interface AccessOptions {
  /** The simplifier (tests swap in a broken one to show that the checks catch it). */
  simplify?: (e: Expr) => Expr;
  /** Cells for delegated calls (A hands the task to B, for B in A's `delegates_to`). Default true. */
  delegation?: boolean;
  /** Only the cells of these tools (action ids), and of these agents: the slice a change can affect (see diff.ts). */
  tools?: ReadonlySet<string>;
  agents?: ReadonlySet<string>;
}

interface Member {
  text: string;
  json: PolicyJson;
  ref: PolicyRef;
  info?: PolicyInfo;
}

/** Computes the access map of a manifest and its policy set. Never throws: what it cannot decide is not `always`, with the reason. */
export function accessMap(entry: ManifestEntry, set: PolicySetInput, options: AccessOptions = {}): AccessMap {
  const steps = accessMapSteps(entry, set, options);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** The access map in steps: it yields about every 20 ms, so that the language server answers requests meanwhile. */
export function* accessMapSteps(entry: ManifestEntry, set: PolicySetInput, options: AccessOptions = {}): Generator<void, AccessMap> {
  const map = yield* compute(entry, set, options);
  // Messages may quote an agent's attributes (a value Cedar or the converter refused): sensitive ones never leave the core.
  const m = entry.manifest;
  const secrets = m?.agentAttributes ? m.agents.flatMap((a) => redactValue(a.attributes, m.agentAttributes).secrets) : [];
  if (!secrets.length) return map;
  const s = (text: string) => scrub(text, secrets);
  return { ...map, notes: map.notes.map(s), blocking: map.blocking.map(s), cells: map.cells.map((c) => (c.reason ? { ...c, reason: s(c.reason) } : c)) };
}

function* compute(entry: ManifestEntry, set: PolicySetInput, options: AccessOptions): Generator<void, AccessMap> {
  const m = entry.manifest;
  const model = entry.model;
  const out: AccessMap = { manifest: entry.file, namespace: m?.namespace ?? '', agents: m?.agents.map((a) => a.id) ?? [], tools: [], cells: [], policies: [], notes: [], blocking: [] };
  if (!m || !model) {
    out.blocking.push(`the manifest has errors that prevent generating the Cedar schema; fix them first`);
    return out;
  }
  const tools = m.tools.filter((t) => t.action !== CALL_TOOL && model.inputTypes.has(t.action) && (!options.tools || options.tools.has(t.action)));
  const agents = options.agents ? m.agents.filter((a) => options.agents!.has(a.id)) : m.agents;
  out.agents = agents.map((a) => a.id);
  out.tools = tools.map((t) => ({ tool: t.action, server: t.server, destructive: t.destructive }));
  const never = (why: string) => {
    for (const a of agents) for (const t of tools) out.cells.push(neverCell(a.id, t, why));
  };
  try {
    if (set.unread?.length) {
      out.blocking.push(...set.unread.map((u) => `policy file ${shortName(u.file)}: ${u.message}; without it the policy set cannot be evaluated safely`));
      never(out.blocking[0]!);
      return out;
    }
    const deciding = decidingPolicies(entry, set);
    out.notes.push(...deciding.notes);
    if (deciding.blocking.length) {
      out.blocking.push(...deciding.blocking);
      never(`every call is denied: ${deciding.blocking[0]}`);
      return out;
    }
    const infos = new Map<string, PolicyInfo>();
    for (const f of set.files) for (const p of f.policies) infos.set(`${f.file}\u0000${p.slice.bodySpan.start}`, p);
    const members: Member[] = deciding.policies.map((p) => ({ ...p, info: infos.get(`${p.ref.file}\u0000${p.ref.span.start}`) }));
    out.policies = members.map((p) => p.ref);

    const conv = new ValueConverter(m.namespace, 'call/');
    const entities: EntityJson[] = [...agentEntities(m, model.agentType, conv), ...conv.entities];
    if (conv.errors.length) {
      never(`every call is denied: ${conv.errors[0]}`);
      return out;
    }
    // The entities as the simulator builds them, checked once against the schema (the simulator's engine refuses every
    // call when they do not fit it). Cells are then evaluated without the schema (parsing it per cell costs more than
    // the evaluation): their entities carry the action hierarchy the schema declares, and only the agents Cedar can
    // reach (the principal, agents the policies name, agents other entities refer to).
    const check = authorizePartial({ principal: { type: `${m.namespace}::Agent`, id: m.agents[0]?.id ?? '' }, action: { type: `${m.namespace}::Action`, id: CALL_TOOL }, resource: { type: `${m.namespace}::McpServer`, id: tools[0]?.server ?? '' }, context: {}, entities, policies: {}, schema: model.schema, validateRequest: false });
    if ('errors' in check) {
      never(`every call is denied: the engine refused the request: ${check.errors[0]?.message ?? 'unknown error'}`);
      return out;
    }
    const agentType = `${m.namespace}::Agent`;
    const referenced = agentsReferenced(entities, agentType);
    const sensitive = sensitivity(m);
    const byAgentTool = new Map<string, Computed>();
    let last = Date.now();
    for (const t of tools) {
      if (Date.now() - last > 20) {
        yield;
        last = Date.now();
      }
      const claimed = m.ambiguousActions.find((a) => a.action === t.action);
      const forTool = members.filter((p) => mayMatchTool(p.json, t));
      const actions = actionEntities(model.schema, m.namespace, t.action);
      const simplifier = options.simplify ?? toolSimplifier(model.schema, m.namespace, t.action);
      for (const a of agents) {
        const forCell = forTool.filter((p) => mayMatchAgent(p.json, a));
        const c: Computed = claimed
          ? { cell: neverCell(a.id, t, `the action \`${t.action}\` is claimed by tools of several servers (${claimed.servers.join(', ')}): every call is denied`) }
          : forCell.length === 0
            ? { cell: neverCell(a.id, t, 'no permit applies to this agent and tool') }
            : evaluateCell(m, cellEntities(entities, agentType, a.id, forCell, referenced, actions), a, t, forCell, simplifier, sensitive);
        byAgentTool.set(`${a.id}\u0000${t.action}`, c);
        out.cells.push(c.cell);
      }
    }
    if (options.delegation !== false) {
      for (const from of agents) {
        for (const to of from.delegatesTo) {
          if (!agents.some((x) => x.id === to) || to === from.id) continue;
          for (const t of tools) {
            const a = byAgentTool.get(`${from.id}\u0000${t.action}`)!;
            const b = byAgentTool.get(`${to}\u0000${t.action}`)!;
            out.cells.push(delegated(from.id, a, b, t, options.simplify ?? toolSimplifier(model.schema, m.namespace, t.action), sensitive));
          }
        }
      }
    }
    return out;
  } catch (err) {
    out.cells = [];
    const why = `the access analysis failed: ${err instanceof Error ? err.message : String(err)}`;
    out.blocking.push(why);
    never(why);
    return out;
  }
}

interface Computed {
  cell: AccessCell;
}

function neverCell(agent: string, t: ToolDef, reason: string): AccessCell {
  return { agent, tool: t.action, server: t.server, access: 'never', permits: [], forbids: [], destructive: t.destructive, failOpenRisk: false, reason };
}

function evaluateCell(m: Manifest, entities: EntityJson[], agent: AgentDef, t: ToolDef, members: Member[], simplifier: (e: Expr) => Expr, sensitive: Sensitivity): Computed {
  const ns = m.namespace;
  const policies: Record<string, string> = {};
  members.forEach((p, i) => (policies[`p${i}`] = p.text));
  const r = authorizePartial({
    principal: { type: `${ns}::Agent`, id: agent.id },
    action: { type: `${ns}::Action`, id: t.action },
    resource: { type: `${ns}::McpServer`, id: t.server },
    context: { input: unknownValue('input'), session: unknownValue('session') },
    entities,
    policies,
  });
  if ('errors' in r) return { cell: neverCell(agent.id, t, `every call is denied: the engine refused the request: ${r.errors[0]?.message ?? 'unknown error'}`) };
  return fromAnswer(agent.id, t, members, r.answer, simplifier, sensitive);
}

/** A cell from Cedar's partial answer: which policies may apply, and the condition that is left. */
function fromAnswer(agent: string, t: ToolDef, members: Member[], ans: PartialAnswer, simplifier: (e: Expr) => Expr, sensitive: Sensitivity): Computed {
  const at = (k: string) => (/^p\d+$/.test(k) ? members[Number(k.slice(1))] : undefined);
  const satisfied = new Set(ans.satisfied);
  const errored = new Set(ans.errored);
  const permits: { m: Member; expr: Expr; sure: boolean }[] = [];
  const forbids: { m: Member; expr: Expr; sure: boolean; errored: boolean }[] = [];
  const seen = new Set<string>();
  const consider = (k: string) => {
    if (seen.has(k)) return;
    seen.add(k);
    const p = at(k);
    if (!p) return;
    if (errored.has(k)) {
      // Errored on what is known: Cedar skips it for every call. A permit then never applies; a forbid fails open.
      if (p.json.effect === 'forbid') forbids.push({ m: p, expr: FALSE, sure: false, errored: true });
      return;
    }
    const residual = ans.residuals[k];
    const sure = satisfied.has(k);
    if (!residual && !sure) return;
    const expr = sure ? TRUE : fromUnknowns(residualCondition(residual!));
    if (!sure && JSON.stringify(expr) === JSON.stringify(FALSE)) return;
    if (p.json.effect === 'permit') permits.push({ m: p, expr, sure });
    else forbids.push({ m: p, expr, sure, errored: false });
  };
  for (const k of [...ans.satisfied, ...Object.keys(ans.residuals), ...ans.errored]) consider(k);
  const byPlace = (a: { m: Member }, b: { m: Member }) => (a.m.ref.file < b.m.ref.file ? -1 : a.m.ref.file > b.m.ref.file ? 1 : a.m.ref.span.start - b.m.ref.span.start);
  permits.sort(byPlace);
  forbids.sort(byPlace);
  const failOpenRisk = forbids.some((f) => f.errored || mayError(f.m, f.expr));
  const base: AccessCell = {
    agent,
    tool: t.action,
    server: t.server,
    access: 'never',
    permits: permits.map((p) => p.m.ref),
    forbids: forbids.map((f) => f.m.ref),
    destructive: t.destructive,
    failOpenRisk,
  };
  if (forbids.some((f) => f.sure)) return { cell: { ...base, access: 'never', reason: `forbidden for every call by ${forbids.filter((f) => f.sure).map((f) => `\`${f.m.ref.id}\``).join(', ')}` } };
  if (permits.length === 0) return { cell: { ...base, reason: 'no permit applies to this agent and tool' } };
  const live = forbids.filter((f) => !f.errored);
  const permitPart = permits.some((p) => p.sure) ? TRUE : or(...permits.map((p) => p.expr));
  const expr = simplifier(and(permitPart, ...live.map((f) => not(f.expr))));
  const cell = finish(base, expr, sensitive);
  // Cedar's own verdict wins where it is sure to deny (fail closed).
  if (ans.decision === 'deny' && cell.access !== 'never') return { cell: { ...base, access: 'never', reason: 'Cedar decides deny for every call' } };
  return { cell };
}

/** A cell's access and printed condition from its (simplified) condition. */
function finish(base: AccessCell, expr: Expr, sensitive: Sensitivity): AccessCell {
  const s = JSON.stringify(expr);
  if (s === JSON.stringify(TRUE)) return { ...base, access: 'always' };
  // A `false` conjunct: the condition is false or errors, and is never true (evaluation stops there).
  if (s === JSON.stringify(FALSE) || conjuncts(expr).some((c) => JSON.stringify(c) === JSON.stringify(FALSE))) return { ...base, access: 'never', reason: 'no call satisfies the permits without a forbid applying' };
  const shown = redactLiterals(expr, sensitive);
  const printed = printCondition(shown.expr);
  if ('error' in printed) return { ...base, access: 'conditional', condition: '?', expr, reason: printed.error };
  return { ...base, access: 'conditional', condition: printed.text, expr, ...(shown.redacted ? { redacted: true } : {}) };
}

/** A delegated call is allowed only when every agent of the chain is: the intersection of both cells. */
function delegated(from: string, a: Computed, b: Computed, t: ToolDef, simplifier: (e: Expr) => Expr, sensitive: Sensitivity): AccessCell {
  const x = a.cell;
  const y = b.cell;
  const base: AccessCell = {
    agent: y.agent,
    via: from,
    tool: t.action,
    server: t.server,
    access: 'never',
    permits: unionRefs(x.permits, y.permits),
    forbids: unionRefs(x.forbids, y.forbids),
    destructive: t.destructive,
    failOpenRisk: x.failOpenRisk || y.failOpenRisk,
  };
  if (x.access === 'never' || y.access === 'never') {
    const which = x.access === 'never' ? x : y;
    return { ...base, reason: `\`${which.agent}\` can never make this call${which.reason ? ` (${which.reason})` : ''}` };
  }
  if (x.access === 'conditional' && x.condition === '?') return { ...base, access: 'conditional', condition: '?', reason: x.reason };
  if (y.access === 'conditional' && y.condition === '?') return { ...base, access: 'conditional', condition: '?', reason: y.reason };
  const expr = simplifier(and(x.expr ?? TRUE, y.expr ?? TRUE));
  const cell = finish(base, expr, sensitive);
  if (cell.access === 'never') return { ...cell, reason: `no call satisfies the conditions of both \`${from}\` and \`${y.agent}\`` };
  return x.reason || y.reason ? { ...cell, reason: x.reason ?? y.reason } : cell;
}

function unionRefs(a: PolicyRef[], b: PolicyRef[]): PolicyRef[] {
  const seen = new Set<string>();
  return [...a, ...b].filter((r) => {
    const k = `${r.file}\u0000${r.span.start}`;
    return !seen.has(k) && !!seen.add(k);
  });
}

/** A forbid may error on a valid call: it fails validation (or its lint says it can), or its residual does arithmetic or calls an extension function. */
function mayError(m: Member, expr: Expr): boolean {
  if (m.info?.validationErrors.some((e) => e.severity === undefined || e.severity === 'error')) return true;
  if (nonLiteralConstructorCalls(m.json).length || unguardedTagReads(m.json).length) return true;
  return mayErrorAtRunTime(expr);
}

type Sensitivity = (root: string, path: string[]) => boolean;

/** Whether a context path is sensitive (writeOnly / x-sensitive): asked of THE redaction function, per tool and for the session. */
function sensitivity(m: Manifest): Sensitivity {
  const memo = new Map<string, boolean>();
  return (root, path) => {
    const k = `${root}\u0000${path.join('\u0000')}`;
    let v = memo.get(k);
    if (v === undefined) {
      v = false;
      const probe = (schema: unknown) => {
        let value: unknown = 'x';
        for (let i = path.length - 1; i >= 0; i--) value = Object.fromEntries([[path[i]!, value]]);
        return redactValue(value, schema).paths.length > 0;
      };
      if (root === 'session') v = probe(m.context ?? true);
      // Input paths: sensitive when any tool's schema marks them so (the condition does not say which tool it came from).
      else if (root === 'input') v = m.tools.some((t) => probe(t.inputSchema));
      memo.set(k, v);
    }
    return v;
  };
}

/**
 * The simplifier for one tool's conditions: it may drop a part that cannot change the outcome (`X || true`) when
 * Cedar's strict validator, against the schema cut down to this tool, says the part cannot error.
 */
function toolSimplifier(schema: SchemaJson, ns: string, action: string): (e: Expr) => Expr {
  const memo = new Map<string, boolean>();
  let reduced: SchemaJson | undefined;
  const cannotError = (e: Expr): boolean => {
    const k = JSON.stringify(e);
    let v = memo.get(k);
    if (v === undefined) {
      v = false;
      const printed = mayErrorAtRunTime(e) ? undefined : printCondition(e);
      if (printed && 'text' in printed) {
        reduced ??= schemaFor(schema, ns, action);
        const r = validatePolicies(reduced, { p: `permit (principal, action == ${ns}::Action::${JSON.stringify(action)}, resource) when { ${printed.text} };` }, {});
        v = r.general.length === 0 && (r.errors.get('p') ?? []).length === 0;
      }
      memo.set(k, v);
    }
    return v;
  };
  return (e) => simplify(e, undefined, { cannotError });
}

/** The schema with one tool's action (and the `call_tool` group): validating against it is much faster. */
function schemaFor(schema: SchemaJson, ns: string, action: string): SchemaJson {
  const nsDef = own(schema, ns) as SchemaJson[string] | undefined;
  if (!nsDef) return schema;
  const actions = dict<SchemaJson[string]['actions'][string]>();
  for (const id of [CALL_TOOL, action]) {
    const a = own(nsDef.actions, id);
    if (a !== undefined) actions[id] = a as SchemaJson[string]['actions'][string];
  }
  const out = dict<SchemaJson[string]>(Object.entries(schema));
  out[ns] = { ...nsDef, actions };
  return out;
}

/** The action and the groups it is in, as entities, read from the schema's `memberOf` (what Cedar builds from the schema). */
function actionEntities(schema: SchemaJson, ns: string, action: string): EntityJson[] {
  const actions = own(own(schema, ns), 'actions');
  const out: EntityJson[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    const memberOf = own(own(actions, id), 'memberOf');
    const parents = Array.isArray(memberOf) ? memberOf.flatMap((p) => (typeof own(p, 'id') === 'string' ? [{ type: typeof own(p, 'type') === 'string' ? (own(p, 'type') as string) : `${ns}::Action`, id: own(p, 'id') as string }] : [])) : [];
    out.push({ uid: { type: `${ns}::Action`, id }, attrs: {}, parents });
    for (const p of parents) if (p.type === `${ns}::Action`) visit(p.id);
  };
  visit(action);
  return out;
}

/** Agents that other entities' attributes or tags refer to: Cedar can reach them whatever the policies say. */
function agentsReferenced(entities: EntityJson[], agentType: string): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null) return;
    const ref = own(v, '__entity');
    if (ref !== undefined) {
      if (own(ref, 'type') === agentType && typeof own(ref, 'id') === 'string') out.add(own(ref, 'id') as string);
      return;
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x);
  };
  for (const e of entities) {
    walk(e.attrs);
    walk(e.tags);
  }
  return out;
}

/** The entities of one cell's request: all but the agents Cedar cannot reach from it, plus the action hierarchy. */
function cellEntities(entities: EntityJson[], agentType: string, agent: string, members: Member[], referenced: Set<string>, actions: EntityJson[]): EntityJson[] {
  const named = new Set(referenced);
  named.add(agent);
  for (const p of members) for (const u of entityLiterals(p.json)) if (u.type === agentType) named.add(u.id);
  const kept = entities.filter((e) => {
    const uid = own(e.uid, '__entity') ?? e.uid;
    return own(uid, 'type') !== agentType || named.has(own(uid, 'id') as string);
  });
  return [...kept, ...actions];
}

function shortName(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

/** The literals a cell's condition compares the call with, for boundary sampling and "Simulate" pre-fills. */
export function cellComparisons(cell: AccessCell): Comparison[] {
  return cell.expr ? comparisons(cell.expr) : [];
}

/** "12 tools: 3 always, 7 conditional — 2 destructive always": an agent's access in one line (direct calls only). */
export function summarizeAgent(map: AccessMap, agent: string): string {
  const cells = map.cells.filter((c) => c.agent === agent && !c.via);
  const n = (a: Access) => cells.filter((c) => c.access === a).length;
  const destructiveAlways = cells.filter((c) => c.access === 'always' && c.destructive).length;
  const parts = [`${n('always')} always`, `${n('conditional')} conditional`, `${n('never')} never`];
  const risk = cells.filter((c) => c.failOpenRisk && c.access !== 'never').length;
  const tail = [destructiveAlways ? `${destructiveAlways} destructive always` : '', risk ? `${risk} with fail-open risk` : ''].filter((x) => x);
  return `${cells.length} tool${cells.length === 1 ? '' : 's'}: ${parts.join(', ')}${tail.length ? ` — ${tail.join(', ')}` : ''}`;
}

/**
 * The access map after a change of the policy set, computed from the map before it: only the cells of the tools and
 * agents the added, removed or changed policies can match (diff.ts's slice, plus the agents they delegate to) are
 * evaluated again; the others are kept, their policies moved to where the new set has them. Falls back to the whole
 * map when the change cannot be placed (the manifest changed, a policy does not parse, a file was not read, either
 * set cannot be evaluated). Identical to `accessMapSteps(entry, set)` (the tests compare them on random edits).
 */
export function* updatedAccessMapSteps(entry: ManifestEntry, before: { set: PolicySetInput; map: AccessMap }, set: PolicySetInput, options: AccessOptions = {}): Generator<void, { map: AccessMap; recomputed: number }> {
  const full = function* () {
    const map = yield* accessMapSteps(entry, set, options);
    return { map, recomputed: map.cells.length };
  };
  if (before.map.blocking.length || options.tools || options.agents) return yield* full();
  const side = (s: PolicySetInput) => ({ entry, set: s, root: '' });
  const slice = diffSlice(side(before.set), side(set));
  if (slice.everything) return yield* full();
  const m = entry.manifest!;
  const agents = new Set(slice.agentIds);
  for (const a of m.agents) if (slice.agentIds.has(a.id)) for (const d of a.delegatesTo) agents.add(d);
  const part = yield* accessMapSteps(entry, set, { ...options, tools: slice.toolSet, agents });
  if (part.blocking.length) return yield* full();
  const key = (c: AccessCell) => `${c.via ?? ''}\u0000${c.agent}\u0000${c.tool}`;
  const fresh = new Map(part.cells.map((c) => [key(c), c]));
  // Unchanged cells keep their verdict; their policies are where the new set has them (an edit above moves them): the
  // n-th policy of an id in a file is the n-th one still (ids may repeat: duplicate-policy-id is a finding, not a stop).
  const byId = (refs: PolicyRef[]) => {
    const m = new Map<string, PolicyRef[]>();
    for (const r of refs) {
      const k = `${r.file}\u0000${r.id}`;
      const l = m.get(k);
      if (l) l.push(r);
      else m.set(k, [r]);
    }
    return m;
  };
  const was = byId(before.map.policies);
  const now = byId(part.policies);
  for (const [k, l] of was) if (l.length > 1 && now.get(k)?.length !== l.length) return yield* full();
  const moved = (r: PolicyRef) => {
    const k = `${r.file}\u0000${r.id}`;
    const i = was.get(k)?.findIndex((x) => x.span.start === r.span.start) ?? -1;
    return (i >= 0 ? now.get(k)?.[i] : undefined) ?? r;
  };
  const move = (refs: PolicyRef[]) => refs.map(moved);
  const cells = before.map.cells.map((c) => fresh.get(key(c)) ?? { ...c, permits: move(c.permits), forbids: move(c.forbids) });
  return { map: { ...part, agents: before.map.agents, tools: before.map.tools, cells }, recomputed: part.cells.length };
}
