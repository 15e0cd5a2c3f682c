import { authorizePrepared, preparseSchema, preparseSet, type AuthorizationRequest, type CedarValue, type EntityJson, type EngineError, type PolicyJson } from './cedar/engine';
import { CALL_TOOL, type CedarModel } from './cedar/schemaGen';
import type { CType } from './cedar/ctype';
import { ValueConverter } from './cedar/values';
import { conditionLiterals } from './cedar/ast';
import { explainDecision, fillValues, type Explanation } from './explain';
import { describeBlocking, type PolicyInfo } from './cedar/policyCheck';
import { compileSchema, validateValue } from './jsonSchema';
import { toolSuggestions, type AgentDef, type JsonObject, type Manifest } from './manifest/model';
import type { ManifestEntry } from './project';
import { hasOwn, jsonObject, own } from './own';
import { REDACTED, redactCall, redactValue, scrub, type RedactedCall } from './redact';
import { didYouMean, hashText, valuePath } from './text';
import type { Span } from './types';

/** A tool call to simulate: agent X calls tool Y with arguments Z, for the task described by the context. */
export interface SimulationInput {
  agent: string;
  tool: string;
  args?: unknown;
  context?: unknown;
  /** The delegation chain, first to last: `via: [A]` means A handed the task to `agent`. */
  via?: string[];
  /** Explain the decision clause by clause (see explain.ts): a few more engine calls. */
  explain?: boolean;
}

export interface PolicyRef {
  id: string;
  file: string;
  span: Span;
  effect?: 'permit' | 'forbid';
}

export interface AgentDecision {
  agent: string;
  decision: 'allow' | 'deny';
  determining: PolicyRef[];
  errors: (PolicyRef & { message: string })[];
  failOpenRisk: boolean;
  /** Why, in one line: "support-refund-small allowed it", "no policy applied", "denied by no-confidential-email". */
  reason: string;
}

export interface SimulationResult {
  decision: 'allow' | 'deny';
  /** The policies that determined the decision (of the agent that decided it). */
  determining: PolicyRef[];
  /** Policies that errored during evaluation (Cedar skipped them). */
  errors: (PolicyRef & { message: string })[];
  /** A forbid errored and was skipped: the decision may be an allow that the forbid was meant to block. */
  failOpenRisk: boolean;
  /** Why the request itself was refused before or by the engine (schema errors, unknown names...). */
  requestErrors: string[];
  /** Notes that do not change the decision (permits left out because they do not parse, say). */
  notes: string[];
  /**
   * The deny is not a decision of the policies: the call could not be evaluated (no usable manifest, a policy
   * set that cannot be evaluated safely, the engine refused or failed). A scenario that expects deny fails too.
   */
  cannotEvaluate: boolean;
  /** The exact Cedar request of the final agent. */
  request?: { principal: string; action: string; resource: string; context: Record<string, CedarValue> };
  entities?: EntityJson[];
  /** One decision per agent of a delegated call, first to last. */
  chain: AgentDecision[];
  reason: string;
  /** The call as it may be shown (logged, printed, sent): sensitive arguments and context redacted. */
  call: { agent: string; tool: string; args: unknown; context: unknown; via: string[] };
  /** Why, clause by clause (when asked for with `explain`, and the policies decided the call). */
  explanation?: Explanation;
}

/** The policies of one policy set, as the simulator needs them. */
export interface PolicySetInput {
  files: { file: string; policies: PolicyInfo[] }[];
  /** Policy files of the set that the host refused to read (too large, say): the set is incomplete, so every call is denied. */
  unread?: { file: string; message: string }[];
}

/** A policy that takes part in simulations: its text for the engine, where it is, and which requests its scope can match. */
interface Member {
  text: string;
  json: PolicyJson;
  ref: PolicyRef;
  scope: Scope;
  /** The engine key of its text (`PolicyInfo.key`). */
  key: string;
}

/**
 * What a policy's scope can match, read from its JSON: the tools (action ids) and the servers (resource ids), or
 * 'any'. A policy whose scope cannot match a request is not satisfied and its condition is never evaluated, so
 * leaving it out of that request's evaluation changes neither the decision, the determining policies nor the errors.
 */
interface Scope {
  actions: 'any' | Set<string>;
  servers: 'any' | Set<string>;
  /** `agent:<id>` or `role:<id>` when the principal scope names one agent or one role, else 'any'. */
  principal: 'any' | string;
}

/** A group of members preparsed together in the engine, and evaluated together (one engine call per group). */
interface Group {
  members: Member[];
  /** The engine's content: the members' texts (their keys), in order. */
  content: string;
  /** Hash of `content` (computed once). */
  hash?: string;
}

interface Prepared {
  entry: ManifestEntry;
  members: Member[];
  notes: string[];
  blocking: string[];
  /** Policies whose scope matches every tool and server, in content-defined chunks (built on first use). */
  shared?: Group[];
  /** Per principal, server and tool, the other policies that can match their calls (built on first use, see index). */
  byKey?: Map<string, Group>;
  /** The entities the policies' conditions name as literals, as type\u0000id (built on first use). */
  entitiesNamed?: Set<string>;
}

/** The last preparation per manifest, reused while the project hands back the same analyses. */
const lastPrepared = new Map<string, { schemaKey: string; lists: PolicyInfo[][]; prepared: Prepared }>();
/** Scopes by parsed policy (the parse cache hands back the same JSON for the same text). */
const scopes = new WeakMap<object, Scope>();

/**
 * The policies of a set, ready for the engine. Policies that do not parse are left out only when they provably cannot
 * hold or hide a forbid (`PolicyInfo.leftOut`); otherwise the set cannot be evaluated safely and every simulation denies.
 * The engine work (preparsing) happens per group, on first use, and only for groups whose content changed.
 */
function prepare(entry: ManifestEntry, set: PolicySetInput): Prepared {
  // Fast path: the very same analyses as last time (the project hands back cached results while files are unchanged).
  const lists = set.files.map((f) => f.policies);
  const last = lastPrepared.get(entry.file);
  if (last && last.prepared.entry === entry && last.schemaKey === entry.model!.key && last.lists.length === lists.length && lists.every((l, i) => l === last.lists[i])) {
    return last.prepared;
  }
  const ns = entry.manifest!.namespace;
  const members: Member[] = [];
  const notes: string[] = [];
  const blocking: string[] = [];
  for (const f of set.files) {
    for (const p of f.policies) {
      if (!p.json) {
        // Left out only when the analysis showed that it cannot hold or hide a forbid (a broken template may swallow one too).
        const left = p.leftOut;
        if (left === 'safe') notes.push(`permit \`${p.id}\` (${shortName(f.file)}) does not parse and is left out`);
        else if (left?.kind === 'swallows') blocking.push(`${describeBlocking(p, left, shortName(f.file))}: the policy set cannot be evaluated safely until it is fixed`);
        else if (left) blocking.push(`${describeBlocking(p, left, shortName(f.file))}: without it the policy set cannot be evaluated safely`);
        else blocking.push(`policy \`${p.id}\` (${shortName(f.file)}) does not parse: without it the policy set cannot be evaluated safely`);
        continue;
      }
      if (p.swallowedBy !== undefined) {
        // It parses on its own only because the splitter cut there: Cedar reads it as part of the broken policy.
        const why = `${p.slice.effect ?? 'policy'} \`${p.id}\` (${shortName(f.file)}) follows the broken policy \`${p.swallowedBy}\`, which runs on into it`;
        if (p.slice.effect === 'permit') notes.push(`${why}, and is left out`);
        // A forbid there already blocks the set through the broken policy's message; this holds even if it did not.
        else if (!blocking.length) blocking.push(`${why}: the policy set cannot be evaluated safely until it is fixed`);
        continue;
      }
      if (p.slice.isTemplate) {
        notes.push(`template \`${p.id}\` (${shortName(f.file)}) is not linked, so it takes no part`);
        continue;
      }
      let scope = scopes.get(p.json);
      if (!scope) {
        scope = scopeOf(p.json, ns);
        scopes.set(p.json, scope);
      }
      members.push({ text: p.text, json: p.json, key: p.key, scope, ref: { id: p.id, file: f.file, span: p.slice.bodySpan, effect: p.slice.effect } });
    }
  }
  const prepared: Prepared = { entry, members, notes, blocking };
  lastPrepared.set(entry.file, { schemaKey: entry.model!.key, lists, prepared });
  return prepared;
}

/** The entity ids of an action or resource scope (`==`, `in` one entity, `in` a list), else undefined. */
function scopeIds(s: unknown): unknown[] | undefined {
  const a = s as { op?: unknown; entity?: unknown; entities?: unknown } | undefined;
  if (!a || typeof a !== 'object') return undefined;
  if (a.op === '==' || (a.op === 'in' && a.entity !== undefined)) return [a.entity];
  if (a.op === 'in' && Array.isArray(a.entities)) return a.entities;
  return undefined;
}

function uidOf(e: unknown): { type?: unknown; id?: unknown } | undefined {
  return (e && typeof e === 'object' && '__entity' in e ? (e as { __entity: unknown }).__entity : e) as { type?: unknown; id?: unknown } | undefined;
}

/**
 * The tools a policy's action scope can match (unless unconstrained, an action group such as `call_tool`, or
 * anything not plainly a list of actions), and the servers its resource scope can match (`resource == / in` a server
 * of the manifest's namespace: servers have no parents, so `in` is `==`). Anything else is 'any': always safe.
 */
function scopeOf(json: PolicyJson, ns: string): Scope {
  const j = json as { action?: unknown; resource?: unknown; principal?: unknown };
  let actions: Scope['actions'] = 'any';
  const acts = scopeIds(j.action);
  if (acts) {
    const out = new Set<string>();
    for (const e of acts) {
      const uid = uidOf(e);
      if (!uid || typeof uid.type !== 'string' || typeof uid.id !== 'string' || !/(^|::)Action$/.test(uid.type) || uid.id === CALL_TOOL) {
        out.clear();
        break;
      }
      out.add(uid.id);
    }
    if (out.size) actions = out;
  }
  let servers: Scope['servers'] = 'any';
  const res = (j.resource as { op?: unknown } | undefined)?.op === '==' || (j.resource as { op?: unknown; entity?: unknown } | undefined)?.op === 'in' ? scopeIds(j.resource) : undefined;
  const uid = res?.length === 1 ? uidOf(res[0]) : undefined;
  if (uid && uid.type === `${ns}::McpServer` && typeof uid.id === 'string') servers = new Set([uid.id]);
  // Agents have no children and roles hold agents only: `== / in Agent::"a"` matches a alone, `in Role::"r"` its agents.
  let principal: Scope['principal'] = 'any';
  const pr = j.principal as { op?: unknown; entity?: unknown } | undefined;
  const puid = pr && (pr.op === '==' || pr.op === 'in') ? uidOf(pr.entity) : undefined;
  if (puid && typeof puid.id === 'string') {
    if (puid.type === `${ns}::Agent`) principal = `agent:${puid.id}`;
    else if (puid.type === `${ns}::Role` && pr!.op === 'in') principal = `role:${puid.id}`;
  }
  return { actions, servers, principal };
}

/** Entities named as literals in each policy's conditions (the parse cache hands back the same JSON for the same text). */
const literalsOf = new WeakMap<object, string[]>();
const uidKey = (type: string, id: string) => `${type}\u0000${id}`;

/**
 * The entities a request may read besides the principal and the resource: those any policy of the set names as a
 * literal in a condition (`Agent::"x".trust_level`, `Agent::"x" in Role::"r"`), and those the call's context or an
 * entity's attributes refer to. Cedar reads an entity's attributes and ancestors only through the principal, the
 * resource, the context, literals of conditions, and references in attributes (a scope's `principal in Role::"r"`
 * reads the principal's ancestors, never the role's entity); an entity reached by none of these is never looked at,
 * so leaving it out changes nothing but the size of each request (agents' attributes are most of it).
 */
function entitiesNamed(prepared: Prepared, entities: EntityJson[], context: unknown): Set<string> {
  prepared.entitiesNamed ??= new Set(
    prepared.members.flatMap((m) => {
      let all = literalsOf.get(m.json);
      if (!all) literalsOf.set(m.json, (all = conditionLiterals(m.json).map((u) => uidKey(u.type, u.id))));
      return all;
    }),
  );
  const out = new Set(prepared.entitiesNamed);
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null) return;
    const ref = own(v, '__entity');
    if (ref !== undefined) {
      const type = own(ref, 'type');
      const id = own(ref, 'id');
      if (typeof type === 'string' && typeof id === 'string') out.add(uidKey(type, id));
      return;
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x);
  };
  // The call itself may carry a reference to an entity (an argument typed as an entity).
  walk(context);
  for (const e of entities) {
    walk(e.attrs);
    walk(e.tags);
  }
  return out;
}

/** Content-defined chunks of the shared policies: an edit changes one chunk, and the others keep their engine copy. */
export const CHUNKING = { min: 64, average: 512, max: 2048 };

function chunk(members: Member[]): Group[] {
  const out: Group[] = [];
  let cur: Member[] = [];
  const close = () => {
    if (cur.length) out.push({ members: cur, content: cur.map((m) => m.key).join('\n') });
    cur = [];
  };
  for (const m of members) {
    cur.push(m);
    if (cur.length >= CHUNKING.max || (cur.length >= CHUNKING.min && boundaryHash(m.key) % CHUNKING.average === 0)) close();
  }
  close();
  return out;
}

function boundaryHash(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Every policy's group, in one pass over the set: open to every tool and server but for one agent or role
 * (`principal\u0000agent:x`, `principal\u0000role:r`), open to every tool of one server (`server\u0000s`: each is
 * preparsed once, not once per tool), or scoped to tools (`tool\u0000t`, one group per tool it names). The rest (open
 * to every tool, server and principal) goes into the shared chunks.
 */
function index(prepared: Prepared): Map<string, Group> {
  if (prepared.byKey) return prepared.byKey;
  const lists = new Map<string, Member[]>();
  const add = (key: string, m: Member) => {
    const l = lists.get(key);
    if (l) l.push(m);
    else lists.set(key, [m]);
  };
  const shared: Member[] = [];
  for (const m of prepared.members) {
    const { actions, servers, principal } = m.scope;
    if (actions !== 'any') for (const t of actions) add(`tool\u0000${t}`, m);
    else if (servers !== 'any') for (const sv of servers) add(`server\u0000${sv}`, m);
    else if (principal !== 'any') add(`principal\u0000${principal}`, m);
    else shared.push(m);
  }
  prepared.shared = chunk(shared);
  prepared.byKey = new Map([...lists].map(([k, members]) => [k, { members, content: members.map((m) => m.key).join('\n') }]));
  return prepared.byKey;
}

/**
 * The groups that can apply to a call of `tool` on `server` by `principals` (the agent and its roles): the shared
 * chunks, the principals' groups, the server's group and the tool's own group (a policy of the tool's group scoped to
 * another server cannot match; the engine finds that out as it would in the whole set).
 */
function groupsFor(prepared: Prepared, tool: string, server: string, principals: string[]): { shared: Group[]; own: { key: string; group: Group }[] } {
  const byKey = index(prepared);
  const own: { key: string; group: Group }[] = [];
  for (const key of [...principals.map((p) => `principal\u0000${p}`), `server\u0000${server}`, `tool\u0000${tool}`]) {
    const g = byKey.get(key);
    if (g?.members.length) own.push({ key, group: g });
  }
  return { shared: prepared.shared!, own };
}

/**
 * What the engine holds per manifest, under stable ids that are replaced, never leaked (the engine has no call to free
 * a set): one id per tool simulated (its own group), and one per shared chunk. A group whose content its id already
 * holds is not preparsed again.
 */
interface Holdings {
  /** Engine id of a tool's group → the content it holds. */
  tools: Map<string, string>;
  /** Content held by each shared-chunk id (`''`: nothing usable). */
  shared: string[];
  /** The shared chunks last assigned, and their ids. */
  assigned?: { chunks: Group[]; ids: string[] };
}
const holdings = new Map<string, Holdings>();
/** What each schema id holds now (the model key). */
const schemaHolds = new Map<string, string>();

function preparseGroup(id: string, g: Group): EngineError[] {
  const policies: Record<string, string> = {};
  g.members.forEach((m, i) => (policies[`p${i}`] = m.text));
  return preparseSet(id, policies);
}

/** The schema's engine id for a manifest, preparsed under a stable id when its model changed. */
function schemaFor(entry: ManifestEntry): { id: string } | { errors: EngineError[] } {
  const id = `schema:${entry.file}`;
  if (schemaHolds.get(id) !== entry.model!.key) {
    const errs = preparseSchema(id, entry.model!.schema);
    if (errs.length) {
      schemaHolds.delete(id);
      return { errors: errs };
    }
    schemaHolds.set(id, entry.model!.key);
  }
  return { id };
}

/**
 * Ids for the shared chunks: a chunk whose content an id holds keeps it; the others take the ids whose content is no
 * longer a chunk's (then new ids). So an edit preparses only the chunk it changed, and the ids stay as many as chunks.
 */
function sharedIds(h: Holdings, file: string, chunks: Group[]): { ids: string[]; preparsed: number } | { errors: EngineError[] } {
  if (h.assigned?.chunks === chunks) return { ids: h.assigned.ids, preparsed: 0 };
  let preparsed = 0;
  const contents = chunks.map((c) => hashText(c.content));
  const wanted = new Set(contents);
  const slotOf = new Map<string, number>();
  h.shared.forEach((c, i) => c && wanted.has(c) && !slotOf.has(c) && slotOf.set(c, i));
  const taken = new Set(slotOf.values());
  const free = h.shared.map((_, i) => i).filter((i) => !taken.has(i));
  const ids: string[] = [];
  for (let k = 0; k < chunks.length; k++) {
    let slot = slotOf.get(contents[k]!);
    if (slot === undefined) {
      slot = free.shift() ?? h.shared.length;
      const errs = preparseGroup(`shared:${file}\u0000${slot}`, chunks[k]!);
      preparsed++;
      h.shared[slot] = errs.length ? '' : contents[k]!;
      // Not remembered when the engine refused or failed: the next simulation asks it again (and denies again if it must).
      if (errs.length) return { errors: errs };
      slotOf.set(contents[k]!, slot);
    }
    ids.push(`shared:${file}\u0000${slot}`);
  }
  h.assigned = { chunks, ids };
  return { ids, preparsed };
}

/** The engine ids of the groups that can apply to a call (one engine call per group). */
function holdingsOf(file: string): Holdings {
  let h = holdings.get(file);
  if (!h) {
    h = { tools: new Map(), shared: [] };
    holdings.set(file, h);
  }
  return h;
}

/** Preparses a group under its stable id (per manifest and principal, server or tool) unless the id holds it already. */
function holdGroup(h: Holdings, file: string, key: string, g: Group): { id: string } | { errors: EngineError[] } {
  // Stable per manifest and principal, server or tool: replaced when the group's content changes, never leaked.
  const id = `group:${file}\u0000${key}`;
  g.hash ??= hashText(g.content);
  if (h.tools.get(id) !== g.hash) {
    const errs = preparseGroup(id, g);
    if (errs.length) {
      h.tools.delete(id);
      return { errors: errs };
    }
    h.tools.set(id, g.hash);
  }
  return { id };
}

function engineGroups(prepared: Prepared, entry: ManifestEntry, tool: string, server: string, principals: string[]): { groups: { id: string; members: Member[] }[]; schemaId: string } | { errors: EngineError[] } {
  const schema = schemaFor(entry);
  if ('errors' in schema) return schema;
  const h = holdingsOf(entry.file);
  const { shared, own } = groupsFor(prepared, tool, server, principals);
  const ids = sharedIds(h, entry.file, shared);
  if ('errors' in ids) return ids;
  const groups = shared.map((g, k) => ({ id: ids.ids[k]!, members: g.members }));
  for (const { key, group: g } of own) {
    const held = holdGroup(h, entry.file, key, g);
    if ('errors' in held) return held;
    groups.push({ id: held.id, members: g.members });
  }
  return { groups, schemaId: schema.id };
}

/**
 * Preparses, one group per step, every group of the set that the engine does not hold yet (after a change: the groups
 * it changed), so that the next simulations find them ready. For an idle language server; nothing depends on it: a
 * simulation preparses what it needs itself, and a group the engine refuses here is asked for again (and denies) then.
 */
export function* warmSteps(entry: ManifestEntry | undefined, set: PolicySetInput): Generator<void, number> {
  if (!entry?.manifest || !entry.model || set.unread?.length) return 0;
  const prepared = prepare(entry, set);
  if (prepared.blocking.length || 'errors' in schemaFor(entry)) return 0;
  const byKey = index(prepared);
  const h = holdingsOf(entry.file);
  let preparsed = 0;
  if (h.assigned?.chunks !== prepared.shared) {
    const r = sharedIds(h, entry.file, prepared.shared!);
    if ('preparsed' in r && r.preparsed) {
      preparsed += r.preparsed;
      yield;
    }
  }
  for (const [key, g] of byKey) {
    g.hash ??= hashText(g.content);
    if (h.tools.get(`group:${entry.file}\u0000${key}`) === g.hash) continue;
    holdGroup(h, entry.file, key, g);
    preparsed++;
    yield;
  }
  return preparsed;
}

/**
 * One request against several groups, combined as Cedar combines policies: any satisfied forbid denies (the
 * satisfied forbids determine it), else any satisfied permit allows (the satisfied permits determine it), else deny;
 * errored policies are skipped, in every group alike. Identical to one call on the union of the groups.
 */
function authorizeGroups(groups: { id: string; members: Member[] }[], schemaId: string, req: AuthorizationRequest, schemaFree?: EntityJson[]): { decision: 'allow' | 'deny'; determining: PolicyRef[]; errors: (PolicyRef & { message: string })[] } | { errors: EngineError[]; refused: true } {
  const forbids: PolicyRef[] = [];
  const permits: PolicyRef[] = [];
  const errors: (PolicyRef & { message: string })[] = [];
  const memberOf = (g: { members: Member[] }, key: string) => (/^p\d+$/.test(key) ? g.members[Number(key.slice(1))] : undefined);
  // No policy can apply: the engine still validates the request (an unknown entity is refused as with policies).
  const list = groups.length ? groups : [{ id: EMPTY_SET, members: [] }];
  for (const g of list) {
    if (g.id === EMPTY_SET && !emptySetReady) {
      const errs = preparseSet(EMPTY_SET, {});
      if (errs.length) return { errors: errs, refused: true };
      emptySetReady = true;
    }
    // The same request for every group: the engine validates it against the schema once, with the first. The others
    // go without the schema when the request reads the same without it (`schemaFree`: what the schema adds, the
    // action's ancestors): the schema costs ~0.3 ms per call even preparsed, half an empty call (bench/lsp.ts).
    const answer =
      g === list[0] || !schemaFree
        ? authorizePrepared(g.id, schemaId, req, g === list[0])
        : authorizePrepared(g.id, undefined, { ...req, entities: [...req.entities, ...schemaFree] });
    if ('errors' in answer) return { errors: answer.errors, refused: true };
    const d = answer.decision;
    const refs = d.reason.map((k) => memberOf(g, k)?.ref).filter((r): r is PolicyRef => r !== undefined);
    if (d.decision === 'deny') forbids.push(...refs);
    else permits.push(...refs);
    for (const e of d.errored) errors.push({ ...(memberOf(g, e.policyId)?.ref ?? { id: e.policyId, file: '', span: { start: 0, end: 0 } }), message: e.message });
  }
  const byPlace = (a: PolicyRef, b: PolicyRef) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.span.start - b.span.start);
  errors.sort(byPlace);
  if (forbids.length) return { decision: 'deny', determining: forbids.sort(byPlace), errors };
  return { decision: permits.length ? 'allow' : 'deny', determining: permits.sort(byPlace), errors };
}

/**
 * What the schema gives a request besides validating it, as plain entities: the entity of each action the request can
 * read (the call's, and those the policies name as literals, as in `Action::"a" in Action::"call_tool"`) with each of
 * its ancestors as a parent, and the ancestors' own. Undefined when the request could read differently without the
 * schema: an attribute key of the model starting with `__` (Cedar's escapes, `__entity` and `__extn`, are read by their
 * shape when no schema gives the type), or an action group of another type. Every value the converter makes is
 * otherwise plain JSON (decimals and entities as explicit escapes).
 */
function schemaFreeEntities(model: CedarModel, ns: string, actions: Iterable<string>): EntityJson[] | undefined {
  let known = schemaFree.get(model);
  if (known === undefined) {
    const types = [...model.inputTypes.values(), ...model.taggedTypes.values(), model.sessionType, { kind: 'Record', attrs: model.agentType } as CType];
    known = types.some(escapeLike) ? null : new Map();
    schemaFree.set(model, known);
  }
  if (known === null) return undefined;
  const out = new Map<string, EntityJson>();
  for (const id of actions) {
    if (out.has(id)) continue;
    const e = actionEntity(model, ns, id, known);
    if (e === 'refused') return undefined;
    if (e === 'undeclared') continue;
    out.set(id, e.entity);
    for (const a of e.ancestors) {
      const up = actionEntity(model, ns, a, known);
      if (typeof up === 'string') return undefined;
      out.set(a, up.entity);
    }
  }
  return [...out.values()];
}
type ActionEntity = { entity: EntityJson; ancestors: string[] } | 'undeclared' | 'refused';
const schemaFree = new WeakMap<CedarModel, Map<string, ActionEntity> | null>();

/** An action's entity as the schema declares it, with every ancestor as a parent (cached per model). */
function actionEntity(model: CedarModel, ns: string, action: string, known: Map<string, ActionEntity>): ActionEntity {
  const hit = known.get(action);
  if (hit) return hit;
  const actionType = `${ns}::Action`;
  const actions = own(own(model.schema, ns), 'actions');
  const parentsOf = (id: string): string[] | undefined => {
    const refs = own(own(actions, id), 'memberOf');
    if (refs === undefined) return [];
    if (!Array.isArray(refs)) return undefined;
    const out: string[] = [];
    for (const r of refs) {
      const id = own(r, 'id');
      const type = own(r, 'type');
      if (typeof id !== 'string' || (type !== undefined && type !== 'Action' && type !== actionType)) return undefined;
      out.push(id);
    }
    return out;
  };
  let e: ActionEntity;
  if (own(actions, action) === undefined) e = 'undeclared';
  else {
    const seen = new Set<string>();
    const todo = [action];
    let ok = true;
    while (ok && todo.length) {
      const p = parentsOf(todo.pop()!);
      if (!p) ok = false;
      else
        for (const x of p) {
          if (seen.has(x)) continue;
          seen.add(x);
          todo.push(x);
        }
    }
    seen.delete(action);
    const ancestors = [...seen];
    e = ok ? { entity: { uid: { type: actionType, id: action }, attrs: {}, parents: ancestors.map((x) => ({ type: actionType, id: x })) }, ancestors } : 'refused';
  }
  known.set(action, e);
  return e;
}

function escapeLike(t: CType): boolean {
  switch (t.kind) {
    case 'Set':
      return escapeLike(t.element);
    case 'Record':
    case 'Tagged':
      return Object.entries(t.attrs).some(([k, a]) => k.startsWith('__') || escapeLike(a.type)) || (t.kind === 'Tagged' && !!t.tags && escapeLike(t.tags));
    default:
      return false;
  }
}

const EMPTY_SET = 'group:empty';
let emptySetReady = false;

function shortName(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

/**
 * Simulates a tool call against a manifest and its policy set. Anything unexpected ends in deny, with the reason.
 * The result leaves the core redacted: the call, the Cedar request and entities, and every message.
 */
export function simulate(entry: ManifestEntry | undefined, set: PolicySetInput, input: SimulationInput): SimulationResult {
  const shown = redactCall(entry?.manifest, input);
  const r = redactResult(evaluate(entry, set, input, shown), shown, entry);
  const x = r.explanation;
  if (x && r.request && entry?.manifest) {
    const ns = entry.manifest.namespace;
    const tool = entry.manifest.tools.find((t) => t.action === input.tool);
    // The values each condition read, as the redacted result shows them; messages scrubbed like every other.
    fillValues(x, r.request.context, r.entities, { type: `${ns}::Agent`, id: x.agent }, { type: `${ns}::McpServer`, id: tool?.server ?? '' });
    for (const p of x.policies) {
      if (p.blocking?.error) p.blocking.error = scrub(p.blocking.error, shown.secrets);
      const n = p.nearest;
      if (!n) continue;
      // Would the call be allowed with that value? Decided again, by the simulator, on a copy of the call.
      const [, part, name] = n.path.split('.') as [string, 'input' | 'session', string];
      const source = part === 'input' ? input.args : input.context;
      const changed = { ...(source && typeof source === 'object' && !Array.isArray(source) ? (source as Record<string, unknown>) : {}), [name]: n.value };
      const again = evaluate(entry, set, { ...input, explain: false, ...(part === 'input' ? { args: changed } : { context: changed }) }, shown);
      n.allows = again.decision === 'allow';
    }
  }
  return r;
}

function evaluate(entry: ManifestEntry | undefined, set: PolicySetInput, input: SimulationInput, shown: RedactedCall): SimulationResult {
  const call = { agent: input.agent, tool: input.tool, args: shown.args, context: shown.context, via: input.via ?? [] };
  const result: SimulationResult = { decision: 'deny', determining: [], errors: [], failOpenRisk: false, requestErrors: [], notes: [], cannotEvaluate: false, chain: [], reason: '', call };
  const deny = (why: string[]): SimulationResult => {
    result.requestErrors.push(...why);
    result.decision = 'deny';
    result.reason = why[0] ?? 'denied';
    return result;
  };
  /** Fail closed: the call cannot be evaluated, so it is denied, with the reason. */
  const cannotEvaluate = (why: string[]): SimulationResult => {
    result.cannotEvaluate = true;
    result.determining = [];
    return deny(why);
  };
  try {
    const m = entry?.manifest;
    const model = entry?.model;
    if (!entry) return cannotEvaluate(['no agent manifest: there is nothing to simulate against']);
    if (!m || !model) return cannotEvaluate([`the manifest ${shortName(entry.file)} has errors that prevent generating the Cedar schema; fix them first`]);
    if (set.unread?.length) return cannotEvaluate(set.unread.map((u) => `policy file ${shortName(u.file)}: ${u.message}; without it the policy set cannot be evaluated safely`));
    const chainIds = [...(input.via ?? []), input.agent];
    const problems: string[] = [];
    for (const a of chainIds) if (!m.agents.some((x) => x.id === a)) problems.push(unknown('agent', a, m.agents.map((x) => x.id)));
    const tool = m.tools.find((t) => t.action === input.tool);
    if (!tool || tool.action === CALL_TOOL) problems.push(unknownTool(m, input.tool));
    for (let i = 0; i + 1 < chainIds.length; i++) {
      const from = agentsById(m).get(chainIds[i]!);
      if (from && !from.delegatesTo.includes(chainIds[i + 1]!)) problems.push(`\`${chainIds[i]}\` may not hand tasks to \`${chainIds[i + 1]}\` (it is not in its delegates_to)`);
    }
    if (problems.length || !tool) return deny(problems);
    // Tools of several servers claim this action id (an error in the manifest): which one the call means is not known.
    const claimed = m.ambiguousActions.find((a) => a.action === tool.action);
    if (claimed) return cannotEvaluate([`the action \`${tool.action}\` is claimed by tools of several servers (${claimed.servers.join(', ')}): give the servers an \`action_prefix\` to tell them apart`]);

    const args = input.args ?? {};
    const context = input.context ?? {};
    problems.push(...schemaProblems(tool.inputSchema, args, 'args'));
    problems.push(...schemaProblems(m.context ?? { type: 'object' }, context, 'context'));
    if (problems.length) return deny(problems);

    const conv = new ValueConverter(m.namespace, 'call/');
    const cInput = conv.convert(args, model.inputTypes.get(tool.action)!, 'args', shown.args);
    const cSession = conv.convert(context, model.sessionType, 'context', shown.context);
    const entities = [...agentEntities(m, model.agentType, conv), ...conv.entities];
    if (conv.errors.length || cInput === undefined || cSession === undefined) return deny(conv.errors.length ? conv.errors : ['the call cannot be expressed in Cedar']);

    const prepared = prepare(entry, set);
    result.notes.push(...prepared.notes);
    if (prepared.blocking.length) return cannotEvaluate(prepared.blocking);


    const ns = m.namespace;
    const ctx = { input: cInput, session: cSession };
    const resource = { type: `${ns}::McpServer`, id: tool.server };
    const action = { type: `${ns}::Action`, id: tool.action };
    const agentType = `${ns}::Agent`;
    // The engine gets the agent deciding, the server, and the entities the policies' conditions or the other
    // entities name (see entitiesNamed): converting every agent's attributes was most of a call's cost. The result
    // still shows every entity.
    const named = entitiesNamed(prepared, entities, ctx);
    // Actions named as literals in the policies' conditions: the engine calls made without the schema get their
    // entities. An action type of another namespace (a hand-written schema's) keeps the schema on every call.
    const namedActions: string[] = [];
    let foreignAction = false;
    for (const k of named) {
      const type = k.slice(0, k.indexOf('\u0000'));
      if (type === action.type) namedActions.push(k.slice(type.length + 1));
      else if (/(^|::)Action$/.test(type)) foreignAction = true;
    }
    const actionEntities = foreignAction ? undefined : schemaFreeEntities(model, ns, [tool.action, ...namedActions]);
    const steps: { agent: string; decision: 'allow' | 'deny'; members: Member[]; req: AuthorizationRequest }[] = [];
    for (const agentId of chainIds) {
      const sent = entities.filter((e) => {
        const uid = entityUid(e);
        if (!uid) return true;
        return (uid.type === agentType && uid.id === agentId) || (uid.type === resource.type && uid.id === resource.id) || named.has(uidKey(uid.type, uid.id));
      });
      // Only the policies whose scope can match this agent, tool and server take part (decisions are those of the whole set).
      const agent = agentsById(m).get(agentId);
      const principals = [`agent:${agentId}`, ...(agent?.roles ?? []).filter((r) => m.roles.some((x) => x.name === r)).map((r) => `role:${r}`)];
      const slice = engineGroups(prepared, entry, tool.action, tool.server, principals);
      if ('errors' in slice) return cannotEvaluate(slice.errors.map((e) => `the engine refused the policy set: ${e.message}`));
      const req: AuthorizationRequest = { principal: { type: agentType, id: agentId }, action, resource, context: ctx, entities: sent };
      const d = authorizeGroups(slice.groups, slice.schemaId, req, actionEntities);
      if ('refused' in d) {
        const why = d.errors.map((e) => `the engine refused the request: ${e.message}`);
        result.chain.push({ agent: agentId, decision: 'deny', determining: [], errors: [], failOpenRisk: false, reason: why[0] ?? 'refused' });
        return cannotEvaluate(why);
      }
      const { determining, errors } = d;
      const failOpenRisk = errors.some((e) => e.effect === 'forbid');
      const reason =
        d.decision === 'allow'
          ? `allowed by ${determining.map((r) => r.id).join(', ')}`
          : determining.length
            ? `denied by ${determining.map((r) => r.id).join(', ')}`
            : 'no policy applied';
      result.chain.push({ agent: agentId, decision: d.decision, determining, errors, failOpenRisk, reason });
      if (input.explain) steps.push({ agent: agentId, decision: d.decision, members: slice.groups.flatMap((g) => g.members), req });
    }
    const denied = result.chain.find((c) => c.decision === 'deny');
    const final = result.chain[result.chain.length - 1]!;
    const decider = denied ?? final;
    result.decision = denied ? 'deny' : 'allow';
    result.determining = decider.determining;
    const seen = new Set<string>();
    result.errors = result.chain.flatMap((c) => c.errors).filter((e) => !seen.has(`${e.id}|${e.message}`) && !!seen.add(`${e.id}|${e.message}`));
    result.failOpenRisk = result.chain.some((c) => c.failOpenRisk);
    result.reason = chainIds.length > 1 && denied ? `${denied.agent} in the delegation chain: ${denied.reason}` : decider.reason;
    result.request = { principal: `${ns}::Agent::${JSON.stringify(input.agent)}`, action: `${ns}::Action::${JSON.stringify(tool.action)}`, resource: `${ns}::McpServer::${JSON.stringify(tool.server)}`, context: ctx as Record<string, CedarValue> };
    result.entities = entities;
    const step = steps.find((x) => x.agent === decider.agent);
    if (step) result.explanation = explainDecision(step.agent, step.decision, step.members, step.req, model.schema);
    return result;
  } catch (err) {
    return cannotEvaluate([`the simulator failed: ${err instanceof Error ? err.message : String(err)}`]);
  }
}

/** The result with the call's sensitive values redacted everywhere: request, entities and messages. */
function redactResult(r: SimulationResult, shown: RedactedCall, entry: ManifestEntry | undefined): SimulationResult {
  const s = (text: string) => scrub(text, shown.secrets);
  const out: SimulationResult = {
    ...r,
    reason: s(r.reason),
    requestErrors: r.requestErrors.map(s),
    notes: r.notes.map(s),
    errors: r.errors.map((e) => ({ ...e, message: s(e.message) })),
    chain: r.chain.map((c) => ({ ...c, reason: s(c.reason), errors: c.errors.map((e) => ({ ...e, message: s(e.message) })) })),
  };
  if (!r.request) return out;
  const m = entry?.manifest;
  const key = (uid: unknown) => `${String(own(uid, 'type'))}\u0000${String(own(uid, 'id'))}`;
  const byKey = new Map((r.entities ?? []).map((e) => [key(e.uid), e]));
  const views = new Map<string, unknown>();
  const pending: string[] = [];
  const see = (k: string, view: unknown) => {
    if (views.has(k)) return;
    views.set(k, view);
    pending.push(k);
  };
  // Mirrors a Cedar value on the redacted JSON it was converted from: a redacted part becomes "[redacted]".
  const mirror = (v: CedarValue, view: unknown): CedarValue => {
    if (view === REDACTED || view === undefined) {
      const ref = entityRef(v);
      if (ref) see(key(ref), REDACTED);
      return REDACTED;
    }
    if (Array.isArray(v)) return v.map((x, i) => mirror(x, own(view, i)));
    if (typeof v !== 'object' || v === null) return v;
    const ref = entityRef(v);
    if (ref) {
      see(key(ref), view);
      return v;
    }
    if (hasOwn(v, '__extn')) return v;
    return jsonObject(Object.entries(v).map(([k, x]) => [k, mirror(x as CedarValue, own(view, k))] as const));
  };
  const context = r.request.context;
  const shownContext = jsonObject(Object.entries(context).map(([k, v]) => [k, mirror(v, k === 'input' ? shown.args : k === 'session' ? shown.context : undefined)] as const));
  // Agents: their attributes as the manifest's agent_attributes schema would show them.
  if (m?.agentAttributes) {
    for (const e of r.entities ?? []) {
      const id = own(e.uid, 'id');
      const a = typeof id === 'string' && String(own(e.uid, 'type')).endsWith('::Agent') ? agentsById(m).get(id) : undefined;
      if (a) see(key(e.uid), shownAttributes(m, a));
    }
  }
  const shownEntities = new Map<string, EntityJson>();
  while (pending.length) {
    const k = pending.shift()!;
    const e = byKey.get(k);
    if (!e) continue;
    const view = views.get(k);
    const side = (rec: Record<string, CedarValue> | undefined) => (rec === undefined ? undefined : jsonObject(Object.entries(rec).map(([n, x]) => [n, mirror(x, view === REDACTED ? REDACTED : own(view, n))] as const)));
    shownEntities.set(k, { ...e, attrs: side(e.attrs as Record<string, CedarValue>) ?? {}, ...(e.tags ? { tags: side(e.tags as Record<string, CedarValue>) } : {}) });
  }
  out.request = { ...r.request, context: shownContext };
  out.entities = (r.entities ?? []).map((e) => shownEntities.get(key(e.uid)) ?? e);
  return out;
}

const agentIndex = new WeakMap<Manifest, Map<string, AgentDef>>();
const attributeViews = new WeakMap<AgentDef, unknown>();

/** A manifest's agents by id (the first of an id, as the manifest's own lookups take it). */
function agentsById(m: Manifest): Map<string, AgentDef> {
  let byId = agentIndex.get(m);
  if (!byId) {
    byId = new Map();
    for (const a of m.agents) if (!byId.has(a.id)) byId.set(a.id, a);
    agentIndex.set(m, byId);
  }
  return byId;
}

/**
 * An agent's attributes as the manifest's `agent_attributes` schema shows them, computed once per parsed manifest: a
 * simulation runs it for the agents it sends, and the manifest's agents do not change under it.
 */
function shownAttributes(m: Manifest, a: AgentDef): unknown {
  if (!attributeViews.has(a)) attributeViews.set(a, redactValue(a.attributes, m.agentAttributes).value);
  return attributeViews.get(a);
}

/** An entity's uid, in either JSON form (`{type, id}` or `{__entity: {type, id}}`). */
function entityUid(e: EntityJson): { type: string; id: string } | undefined {
  const u = own(e.uid, '__entity') ?? e.uid;
  return typeof own(u, 'type') === 'string' && typeof own(u, 'id') === 'string' ? (u as { type: string; id: string }) : undefined;
}

function entityRef(v: CedarValue): { type: string; id: string } | undefined {
  const ref = own(v, '__entity');
  return typeof ref === 'object' && ref !== null && typeof own(ref, 'type') === 'string' && typeof own(ref, 'id') === 'string' ? (ref as { type: string; id: string }) : undefined;
}

/** "unknown tool `create_branch`; did you mean `github/create_branch` or `supabase/create_branch`?" */
function unknownTool(m: Manifest, name: string): string {
  const hints = toolSuggestions(m, name);
  return `unknown tool \`${name}\`${hints.length ? `; did you mean ${hints.map((h) => `\`${h}\``).join(' or ')}?` : ''}`;
}

function unknown(kind: string, name: string, known: string[]): string {
  const hint = didYouMean(name, known);
  return `unknown ${kind} \`${name}\`${hint ? `; did you mean \`${hint}\`?` : ''}`;
}

/** Every JSON Schema error of a value, with its path in the one style of every request error (`args.items[0].amount: must be >= 0`). */
export function schemaProblems(schema: unknown, value: unknown, root: string): string[] {
  const compiled = compileSchema(schema);
  if (!compiled.validate) return compiled.errors.map((e) => `${root}: the schema is invalid (${e.message})`);
  return validateValue(compiled.validate, value, schema).map((e) => `${valuePath(root, e.path)}: ${e.message.replace(/^`[^`]*` |^the document /, '').replace(/ in the document\b/, '')}`);
}

export function agentEntities(m: Manifest, agentType: Record<string, import('./cedar/ctype').CAttr>, conv: ValueConverter): EntityJson[] {
  const ns = m.namespace;
  const out: EntityJson[] = [];
  for (const r of m.roles) out.push({ uid: { type: `${ns}::Role`, id: r.name }, attrs: {}, parents: [] });
  for (const s of m.servers) out.push({ uid: { type: `${ns}::McpServer`, id: s.name }, attrs: {}, parents: [] });
  for (const a of m.agents) {
    out.push({
      uid: { type: `${ns}::Agent`, id: a.id },
      attrs: conv.attrs(a.attributes as JsonObject, agentType, `agents.${a.id}.attributes`),
      parents: a.roles.filter((r) => m.roles.some((x) => x.name === r)).map((r) => ({ type: `${ns}::Role`, id: r })),
    });
  }
  return out;
}

/**
 * The policies of a set that take part in its decisions, as the simulator evaluates them (left out: templates, permits
 * that do not parse and provably hide no forbid, ...), with the notes it shows and why the whole set cannot be
 * evaluated (`blocking`: then every simulation denies). For analyses that must agree with the simulator (the access map).
 */
export function decidingPolicies(entry: ManifestEntry, set: PolicySetInput): { policies: { text: string; json: PolicyJson; ref: PolicyRef }[]; notes: string[]; blocking: string[] } {
  if (!entry.manifest || !entry.model) return { policies: [], notes: [], blocking: [`the manifest ${shortName(entry.file)} has errors that prevent generating the Cedar schema; fix them first`] };
  const p = prepare(entry, set);
  return { policies: p.members.map((m) => ({ text: m.text, json: m.json, ref: m.ref })), notes: [...p.notes], blocking: [...p.blocking] };
}
