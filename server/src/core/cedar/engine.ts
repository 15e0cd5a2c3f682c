/**
 * The only module that talks to the Cedar engine (@cedar-policy/cedar-wasm). Everything it returns is plain
 * data; byte offsets stay byte offsets here and are converted to UTF-16 by the callers that know the text.
 */
import { editDistance } from '../text';
import type {
  AuthorizationAnswer,
  DetailedError,
  EntityJson,
  EntityUidJson,
  PolicyJson,
  SchemaJson as GenericSchemaJson,
  Context,
} from '@cedar-policy/cedar-wasm/nodejs';

export type SchemaJson = GenericSchemaJson<string>;

type Cedar = typeof import('@cedar-policy/cedar-wasm/nodejs');
let loaded: Cedar | undefined;
/**
 * The engine, instantiated on first use: the language server's router thread, which needs it only to read a policy
 * head for completion while the worker is busy, does not compile a second copy of the wasm at start.
 */
function engine(): Cedar {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('@cedar-policy/cedar-wasm/nodejs') as Cedar);
}

export type { PolicyJson, EntityJson, EntityUidJson, Context };
export type CedarExpr = import('@cedar-policy/cedar-wasm/nodejs').Expr;
export type CedarValue = import('@cedar-policy/cedar-wasm/nodejs').CedarValueJson;

/** One engine error, with nested `related` errors flattened into the list that holds it. */
export interface EngineError {
  message: string;
  help?: string;
  /** UTF-8 byte offsets into the text that was given to the engine. */
  spans: { start: number; end: number; label?: string }[];
}

export function cedarVersion(): string {
  return engine().getCedarVersion();
}

function flatten(errors: DetailedError[] | undefined): EngineError[] {
  const out: EngineError[] = [];
  const walk = (e: DetailedError) => {
    out.push({
      message: e.message,
      help: e.help ?? undefined,
      spans: (e.sourceLocations ?? []).map((l) => ({ start: l.start, end: l.end, label: l.label ?? undefined })),
    });
    for (const r of e.related ?? []) walk(r);
  };
  for (const e of errors ?? []) walk(e);
  return out;
}

function guard<T>(fn: () => T, fallback: (message: string) => T): T {
  try {
    return fn();
  } catch (err) {
    return fallback(`the Cedar engine failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Parses one policy (or template) and returns its JSON AST. */
export function parsePolicy(text: string, template: boolean): { json: PolicyJson } | { errors: EngineError[] } {
  return guard(
    () => {
      const r = template ? engine().templateToJson(text) : engine().policyToJson(text);
      return r.type === 'success' ? { json: r.json } : { errors: flatten(r.errors) };
    },
    (message) => ({ errors: [{ message, spans: [] }] }),
  );
}

/**
 * Cedar's own formatter (`formatPolicies`) on a policy text. It keeps comments, but it reads the whole text as one
 * policy set: callers format one policy at a time (see cedar/format.ts), so that the text between policies stays as
 * written.
 */
export function formatPolicies(text: string, options: { lineWidth?: number; indentWidth?: number } = {}): { text: string } | { errors: EngineError[] } {
  return guard(
    () => {
      const r = engine().formatPolicies({ policyText: text, lineWidth: options.lineWidth, indentWidth: options.indentWidth });
      return r.type === 'success' ? { text: r.formatted_policy } : { errors: flatten(r.errors) };
    },
    (message) => ({ errors: [{ message, spans: [] }] }),
  );
}

export interface ValidationResult {
  /** Errors and warnings per policy key; offsets are bytes into that policy's text. */
  errors: Map<string, EngineError[]>;
  warnings: Map<string, EngineError[]>;
  /** Problems that are not tied to a policy (the schema itself is invalid, say). */
  general: EngineError[];
}

/** Strict validation of already-parseable policies and templates against a schema, in one engine call. */
export function validatePolicies(schema: SchemaJson, policies: Record<string, string>, templates: Record<string, string>): ValidationResult {
  const result: ValidationResult = { errors: new Map(), warnings: new Map(), general: [] };
  return guard(
    () => {
      const r = engine().validate({ schema, policies: { staticPolicies: policies, templates }, validationSettings: { mode: 'strict' } });
      if (r.type === 'failure') {
        result.general = flatten(r.errors);
        return result;
      }
      for (const e of r.validationErrors) push(result.errors, e.policyId, flatten([e.error]).map((x) => steadySuggestion(x, schema)));
      for (const e of r.validationWarnings) push(result.warnings, e.policyId, flatten([e.error]));
      return result;
    },
    (message) => ({ ...result, general: [{ message, spans: [] }] }),
  );
}

/**
 * Cedar's "did you mean" for an unrecognized action is not deterministic: among near candidates it picks one in the
 * order of a hash map, which changes from call to call (`send_email` gave `read_logs`, then `call_tool`, for the same
 * schema in one process). The language server and `check` must agree, and CI output must not flicker: the suggestion
 * is chosen again, the same way each time — the closest action id by edit distance, ties in alphabetical order.
 */
function steadySuggestion(e: EngineError, schema: SchemaJson): EngineError {
  if (!e.help || !/^did you mean `.+`\?$/.test(e.help)) return e;
  // The same for an unrecognized entity type (`Acme::Rol`): the closest type of the schema's namespaces.
  const t = /unrecognized entity type `([^`]+)`$/.exec(e.message);
  if (t) {
    const types = Object.entries(schema as Record<string, { entityTypes?: Record<string, unknown> }>)
      .flatMap(([ns, def]) => Object.keys(def?.entityTypes ?? {}).map((n) => (ns ? `${ns}::${n}` : n)))
      .sort();
    const best = closest(t[1]!, types);
    return best === undefined ? e : { ...e, help: `did you mean \`${best}\`?` };
  }
  const m = /unrecognized action `([^`]+?)::Action::"((?:[^"\\]|\\.)*)"`$/.exec(e.message);
  if (!m) return e;
  const ns = m[1]!;
  const wanted = JSON.parse(`"${m[2]!}"`) as string;
  const actions = Object.keys((schema as Record<string, { actions?: Record<string, unknown> }>)[ns]?.actions ?? {}).sort();
  const best = closest(wanted, actions);
  return best === undefined ? e : { ...e, help: `did you mean \`${ns}::Action::${JSON.stringify(best)}\`?` };
}

/** The candidate closest to `wanted` by edit distance, the first in `sorted` order among equals. */
function closest(wanted: string, sorted: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const a of sorted) {
    const d = editDistance(wanted, a);
    if (d < bestD) [best, bestD] = [a, d];
  }
  return best;
}

function push<K, V>(map: Map<K, V[]>, key: K, values: V[]) {
  map.set(key, [...(map.get(key) ?? []), ...values]);
}

/** Checks that a schema is acceptable to Cedar and renders it as human-readable Cedar schema text. */
export function schemaToText(schema: SchemaJson): { text: string } | { errors: EngineError[] } {
  return guard(
    () => {
      const r = engine().schemaToText(schema);
      return r.type === 'success' ? { text: r.text } : { errors: flatten(r.errors) };
    },
    (message) => ({ errors: [{ message, spans: [] }] }),
  );
}

export interface AuthorizationRequest {
  principal: EntityUidJson;
  action: EntityUidJson;
  resource: EntityUidJson;
  context: Context;
  entities: EntityJson[];
}

export interface EngineDecision {
  decision: 'allow' | 'deny';
  /** Keys of the policies that determined the decision. */
  reason: string[];
  /** Policies that errored during evaluation (and were therefore skipped). */
  errored: { policyId: string; message: string }[];
}

/**
 * Preparses (and keeps inside the engine) a policy set under `id`, and the schema under `schemaId`.
 * Later calls to `authorizePrepared` with the same ids skip the parse.
 */
export function preparse(id: string, policies: Record<string, string>, templates: Record<string, string>, schemaId: string, schema: SchemaJson): EngineError[] {
  const errs = preparseSet(id, policies, templates);
  return errs.length ? errs : preparseSchema(schemaId, schema);
}

/**
 * Preparses a policy set under `id`. The engine keeps every set until its id is preparsed again (it has no call to
 * free one): callers reuse a bounded set of stable ids, so that memory stays flat over thousands of edits.
 */
export function preparseSet(id: string, policies: Record<string, string>, templates: Record<string, string> = {}): EngineError[] {
  preparsedIds.add(id);
  preparseCalls++;
  return guard(
    () => {
      const p = engine().preparsePolicySet(id, { staticPolicies: policies, templates });
      return p.type === 'failure' ? flatten(p.errors) : [];
    },
    (message) => [{ message, spans: [] }],
  );
}

/** Preparses a schema under `id` (replacing what that id held). */
export function preparseSchema(id: string, schema: SchemaJson): EngineError[] {
  preparsedIds.add(id);
  return guard(
    () => {
      const s = engine().preparseSchema(id, schema);
      return s.type === 'failure' ? flatten(s.errors) : [];
    },
    (message) => [{ message, spans: [] }],
  );
}

/** Every id this process has preparsed a policy set or schema under: what the engine holds (for tests). */
const preparsedIds = new Set<string>();
export function preparsedIdCount(): number {
  return preparsedIds.size;
}
let preparseCalls = 0;
/** How many policy sets this process has preparsed (for tests). */
export function preparsedSetCount(): number {
  return preparseCalls;
}

/**
 * One authorization against a preparsed policy set; the request is validated against the preparsed schema. Without a
 * schema (`schemaId` undefined) the entities and context are read as plain Cedar JSON and the request is not validated:
 * the caller then passes what the schema would have given (the action's entity and its ancestors).
 */
export function authorizePrepared(policySetId: string, schemaId: string | undefined, req: AuthorizationRequest, validateRequest = true): { decision: EngineDecision } | { errors: EngineError[] } {
  return guard(
    () =>
      answer(
        engine().statefulIsAuthorized(
          schemaId === undefined
            ? { ...req, preparsedPolicySetId: policySetId, validateRequest: false }
            : { ...req, preparsedPolicySetId: policySetId, preparsedSchemaName: schemaId, validateRequest },
        ),
      ),
    (message) => ({ errors: [{ message, spans: [] }] }),
  );
}

function answer(r: AuthorizationAnswer): { decision: EngineDecision } | { errors: EngineError[] } {
  if (r.type === 'failure') return { errors: flatten(r.errors) };
  return {
    decision: {
      decision: r.response.decision,
      reason: r.response.diagnostics.reason,
      errored: r.response.diagnostics.errors.map((e) => ({ policyId: e.policyId, message: e.error.message })),
    },
  };
}

/** A Cedar schema (text or JSON form) as Cedar reads it: its JSON form, or its errors (byte offsets into the text form). */
export function schemaJsonOf(schema: string | SchemaJson): { json: SchemaJson; warnings: EngineError[] } | { errors: EngineError[] } {
  return guard(
    () => {
      const r = engine().schemaToJson(schema);
      return r.type === 'success' ? { json: r.json, warnings: flatten(r.warnings) } : { errors: flatten(r.errors) };
    },
    (message) => ({ errors: [{ message, spans: [] }] }),
  );
}

/**
 * The JSON form of a Cedar schema text with every type name resolved and qualified (`PhotoApp::User`, `String`): what
 * completion and hover read. Only the text form is accepted; a JSON schema is rendered to text first.
 */
export function resolvedSchemaOf(text: string): { json: SchemaJson } | { errors: EngineError[] } {
  return guard(
    () => {
      const r = engine().schemaToJsonWithResolvedTypes(text);
      return r.type === 'success' ? { json: r.json } : { errors: flatten(r.errors) };
    },
    (message) => ({ errors: [{ message, spans: [] }] }),
  );
}

/** What partial evaluation left of each policy (see `authorizePartial`). */
export interface PartialAnswer {
  /** Cedar's decision when the unknowns cannot change it, else null. */
  decision: 'allow' | 'deny' | null;
  /** Policies whose condition holds whatever the unknowns are. */
  satisfied: string[];
  /** Policies that errored on the known parts (Cedar skips them). */
  errored: string[];
  /** Per policy that may still apply: what is left of it (its condition over the unknowns). Trivially false ones are included. */
  residuals: Record<string, PolicyJson>;
  /** Policies whose residual is neither `true` nor `false`. */
  nontrivial: string[];
}

/**
 * Partial authorization: principal, action and resource concrete, context values possibly `unknown("name")`
 * (see `unknownValue`). Policies are parsed for this call (there is no preparsed variant for partial evaluation).
 */
export function authorizePartial(req: AuthorizationRequest & { policies: Record<string, string>; schema?: SchemaJson; validateRequest?: boolean }): { answer: PartialAnswer } | { errors: EngineError[] } {
  return guard(
    () => {
      const r = engine().isAuthorizedPartial({
        principal: req.principal,
        action: req.action,
        resource: req.resource,
        context: req.context,
        entities: req.entities,
        policies: { staticPolicies: req.policies },
        ...(req.schema ? { schema: req.schema, validateRequest: req.validateRequest ?? true } : { validateRequest: false }),
      });
      if (r.type === 'failure') return { errors: flatten(r.errors) };
      const x = r.response;
      return { answer: { decision: x.decision, satisfied: x.satisfied, errored: x.errored, residuals: x.residuals, nontrivial: x.nontrivialResiduals } };
    },
    (message) => ({ errors: [{ message, spans: [] }] }),
  );
}

/** Every error Cedar finds in a schema (parse, undeclared types, duplicates); empty when it is fine. */
export function checkSchema(schema: string | SchemaJson): EngineError[] {
  return guard(
    () => {
      const r = engine().checkParseSchema(schema);
      return r.type === 'success' ? [] : flatten(r.errors);
    },
    (message) => [{ message, spans: [] }],
  );
}

/** The context value that partial evaluation treats as unknown (`unknown("name")` in residuals). */
export function unknownValue(name: string): CedarValue {
  return { __extn: { fn: 'unknown', arg: name } };
}

/** Cedar's own printer: a policy's JSON AST as Cedar text. */
export function policyJsonToText(json: PolicyJson): { text: string } | { errors: EngineError[] } {
  return guard(
    () => {
      const r = engine().policyToText(json);
      return r.type === 'success' ? { text: r.text } : { errors: flatten(r.errors) };
    },
    (message) => ({ errors: [{ message, spans: [] }] }),
  );
}

/** One stateless authorization of a small policy set (tests, one-shot checks): the policies are parsed for this call. */
export function authorizeOnce(policies: Record<string, string>, schema: SchemaJson | undefined, req: AuthorizationRequest): { decision: EngineDecision } | { errors: EngineError[] } {
  return guard(
    () => answer(engine().isAuthorized({ ...req, policies: { staticPolicies: policies }, ...(schema ? { schema, validateRequest: true } : {}) })),
    (message) => ({ errors: [{ message, spans: [] }] }),
  );
}
