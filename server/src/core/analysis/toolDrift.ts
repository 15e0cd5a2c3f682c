/**
 * Drift between an imported MCP tool list and what the live server lists now, and what it means for the
 * policies and scenarios of the manifest: tools added (which permits already cover them — a destructive one
 * under a permit with no condition on the call is a finding), tools removed (the policies and scenarios that
 * name them), and arguments removed or retyped (the policies that read them). Pure: the caller fetches the
 * live list and hands in the analysed policies.
 */
import { accessPath, actionScope, entityLiterals, localType, readsContext, resourceServer, walkConditions } from '../cedar/ast';
import type { CedarExpr } from '../cedar/engine';
import type { PolicyInfo } from '../cedar/policyCheck';
import type { Manifest, ToolDef } from '../manifest/model';
import { own } from '../own';
import type { CoreDiagnostic, Severity, Span } from '../types';
import { isPlainObject } from '../yamlDoc';
import type { JsonTool } from '../tools/toolListFile';

export interface PolicyHit {
  id: string;
  file: string;
  span: Span;
  effect: 'permit' | 'forbid' | undefined;
  /** A permit that reads nothing of the call (`context.input`, `context.session`). */
  unconditioned: boolean;
}

export interface ScenarioHit {
  name: string;
  file: string;
  span: Span;
}

export interface ArgChange {
  /** The argument's path under `context.input` (`["options", "mode"]`). */
  path: string[];
  change: 'removed' | 'retyped' | 'added' | 'now-required' | 'enum-narrowed';
  from?: string;
  to?: string;
}

export interface DriftFinding {
  severity: Severity;
  tool: string;
  message: string;
  /** Where to look: a policy or a scenario (absent for a finding about the list itself). */
  at?: { file: string; span: Span };
}

export interface ServerDrift {
  server: string;
  added: { name: string; destructive: boolean; coveredBy: PolicyHit[] }[];
  removed: { name: string; namedBy: PolicyHit[]; scenarios: ScenarioHit[] }[];
  changed: { name: string; args: ArgChange[]; becameDestructive: boolean; readers: { change: ArgChange; policies: PolicyHit[] }[] }[];
  findings: DriftFinding[];
}

export interface DriftInput {
  manifest: Manifest;
  server: string;
  /** The live server's tools (see `collectTools`). */
  live: readonly JsonTool[];
  policies: readonly { file: string; policies: readonly PolicyInfo[] }[];
}

type Parsed = PolicyInfo & { json: NonNullable<PolicyInfo['json']> };

function isDestructive(annotations: unknown): boolean {
  return own(annotations, 'readOnlyHint') !== true && own(annotations, 'destructiveHint') !== false;
}

function hit(file: string, p: Parsed): PolicyHit {
  return { id: p.id, file, span: p.slice.bodySpan, effect: p.json.effect, unconditioned: !readsContext(p.json, 'input') && !readsContext(p.json, 'session') };
}

/** Whether the policy's scope can match a call of `tool` on `server`. */
function covers(p: Parsed, tool: string, server: string): boolean {
  const rs = resourceServer(p.json);
  if (rs !== undefined && rs !== server) return false;
  const scope = actionScope(p.json);
  return scope.kind !== 'tools' || scope.tools.includes(tool);
}

function namesAction(p: Parsed, tool: string): boolean {
  const scope = actionScope(p.json);
  if (scope.kind === 'tools' && scope.tools.includes(tool)) return true;
  return entityLiterals(p.json).some((u) => localType(u.type) === 'Action' && u.id === tool);
}

/** Whether a condition reads `context.input.<path…>` (or tests it with `has`). */
function readsInput(p: Parsed, path: readonly string[]): boolean {
  const want = ['context', 'input', ...path];
  let found = false;
  const startsWith = (a: readonly string[]) => want.every((w, i) => a[i] === w);
  walkConditions(p.json, (e: CedarExpr) => {
    if (found) return;
    const ap = accessPath(e);
    if (ap && startsWith(ap)) found = true;
    const o = e as Record<string, unknown>;
    if ('has' in o) {
      const h = o.has as { left: CedarExpr; attr: string | string[] };
      const base = accessPath(h.left);
      if (base) {
        const full = [...base, ...(Array.isArray(h.attr) ? h.attr : [h.attr])];
        if (startsWith(full)) found = true;
      }
    }
  });
  return found;
}

/** A JSON Schema's type as a short string: `string`, `integer|null`, `array<string>`, `object`. */
export function schemaType(s: unknown, depth = 0): string {
  if (!isPlainObject(s) || depth > 20) return 'any';
  const t = own(s, 'type');
  const variants = own(s, 'anyOf') ?? own(s, 'oneOf');
  let base: string;
  if (typeof t === 'string') base = t;
  else if (Array.isArray(t)) base = t.filter((x): x is string => typeof x === 'string').sort().join('|');
  else if (Array.isArray(variants)) base = [...new Set(variants.map((v) => schemaType(v, depth + 1)))].sort().join('|');
  else if (own(s, 'enum') !== undefined || own(s, 'const') !== undefined) base = 'enum';
  else if (isPlainObject(own(s, 'properties'))) base = 'object';
  else base = 'any';
  if (base === 'array') base = `array<${schemaType(own(s, 'items'), depth + 1)}>`;
  return base;
}

function propertiesOf(s: unknown): Record<string, unknown> {
  const p = own(s, 'properties');
  return isPlainObject(p) ? p : {};
}

function requiredOf(s: unknown): Set<string> {
  const r = own(s, 'required');
  return new Set(Array.isArray(r) ? r.filter((x): x is string => typeof x === 'string') : []);
}

function enumOf(s: unknown): unknown[] | undefined {
  const e = own(s, 'enum');
  return Array.isArray(e) ? e : undefined;
}

/** Argument changes between two input schemas, nested objects included. */
export function compareInputSchemas(before: unknown, after: unknown, path: string[] = [], depth = 0): ArgChange[] {
  if (depth > 10) return [];
  const out: ArgChange[] = [];
  const a = propertiesOf(before);
  const b = propertiesOf(after);
  const reqA = requiredOf(before);
  const reqB = requiredOf(after);
  for (const name of Object.keys(a)) {
    const p = [...path, name];
    if (!Object.hasOwn(b, name)) {
      out.push({ path: p, change: 'removed', from: schemaType(a[name]) });
      continue;
    }
    const ta = schemaType(a[name]);
    const tb = schemaType(b[name]);
    if (ta !== tb) out.push({ path: p, change: 'retyped', from: ta, to: tb });
    else if (ta === 'object') out.push(...compareInputSchemas(a[name], b[name], p, depth + 1));
    const ea = enumOf(a[name]);
    const eb = enumOf(b[name]);
    if (ea && eb) {
      const gone = ea.filter((x) => !eb.some((y) => JSON.stringify(y) === JSON.stringify(x)));
      if (gone.length) out.push({ path: p, change: 'enum-narrowed', from: gone.slice(0, 5).map((g) => JSON.stringify(g)).join(', ') + (gone.length > 5 ? ', …' : '') });
    }
    if (!reqA.has(name) && reqB.has(name)) out.push({ path: p, change: 'now-required' });
  }
  for (const name of Object.keys(b)) if (!Object.hasOwn(a, name)) out.push({ path: [...path, name], change: reqB.has(name) ? 'now-required' : 'added', to: schemaType(b[name]) });
  return out;
}

const arg = (path: readonly string[]) => `\`${path.join('.')}\``;

export function describeArgChange(c: ArgChange): string {
  switch (c.change) {
    case 'removed':
      return `argument ${arg(c.path)} removed`;
    case 'retyped':
      return `argument ${arg(c.path)} retyped ${c.from} → ${c.to}`;
    case 'added':
      return `argument ${arg(c.path)} added (${c.to})`;
    case 'now-required':
      return `argument ${arg(c.path)} is now required`;
    case 'enum-narrowed':
      return `argument ${arg(c.path)} no longer accepts ${c.from}`;
  }
}

/** Compares a server's imported tools with its live list. Never throws on odd schemas. */
export function compareServerTools(input: DriftInput): ServerDrift {
  const { manifest, server, live } = input;
  const pulled = manifest.tools.filter((t) => t.server === server);
  const pulledByName = new Map<string, ToolDef>(pulled.map((t) => [t.name, t]));
  const liveByName = new Map<string, JsonTool>(live.map((t) => [t.name, t]));
  const parsed: { file: string; p: Parsed }[] = [];
  for (const f of input.policies) for (const p of f.policies) if (p.json) parsed.push({ file: f.file, p: p as Parsed });
  const drift: ServerDrift = { server, added: [], removed: [], changed: [], findings: [] };
  // Policies and scenarios name a tool by its action id: the server's action_prefix, then its name.
  const prefix = manifest.servers.find((s) => s.name === server)?.actionPrefix ?? '';
  const act = (name: string) => prefix + name;
  const where = (h: PolicyHit | ScenarioHit) => ({ file: h.file, span: h.span });

  for (const t of [...live].sort((x, y) => (x.name < y.name ? -1 : 1))) {
    if (pulledByName.has(t.name)) continue;
    const destructive = isDestructive(own(t, 'annotations'));
    const coveredBy = parsed.filter(({ p }) => p.json.effect === 'permit' && covers(p, act(t.name), server)).map(({ file, p }) => hit(file, p));
    drift.added.push({ name: t.name, destructive, coveredBy });
    const open = coveredBy.filter((h) => h.unconditioned);
    if (destructive && open.length) {
      for (const h of open) drift.findings.push({ severity: 'warning', tool: t.name, message: `new destructive tool \`${t.name}\` is already allowed by permit \`${h.id}\`, with no condition on the call (overly permissive): review it before the server ships it`, at: where(h) });
    } else if (coveredBy.length) {
      drift.findings.push({ severity: 'info', tool: t.name, message: `new ${destructive ? 'destructive ' : ''}tool \`${t.name}\` is covered by ${coveredBy.map((h) => `\`${h.id}\``).join(', ')}` });
    } else {
      drift.findings.push({ severity: 'info', tool: t.name, message: `new ${destructive ? 'destructive ' : ''}tool \`${t.name}\`: no permit covers it (calls are denied until one does)` });
    }
  }

  for (const t of pulled) {
    if (liveByName.has(t.name)) continue;
    const namedBy = parsed.filter(({ p }) => namesAction(p, act(t.name))).map(({ file, p }) => hit(file, p));
    const scenarios = manifest.scenarios.filter((s) => s.tool === act(t.name)).map((s) => ({ name: s.name, file: manifest.file, span: s.nameSpan }));
    drift.removed.push({ name: t.name, namedBy, scenarios });
    for (const h of namedBy) drift.findings.push({ severity: 'error', tool: t.name, message: `${h.effect ?? 'policy'} \`${h.id}\` names \`${t.name}\`, which the server no longer lists`, at: where(h) });
    for (const s of scenarios) drift.findings.push({ severity: 'error', tool: t.name, message: `scenario "${s.name}" calls \`${t.name}\`, which the server no longer lists`, at: where(s) });
    if (!namedBy.length && !scenarios.length) drift.findings.push({ severity: 'info', tool: t.name, message: `tool \`${t.name}\` was removed; no policy or scenario names it` });
  }

  for (const t of pulled) {
    const now = liveByName.get(t.name);
    if (!now) continue;
    const args = compareInputSchemas(t.inputSchema, own(now, 'inputSchema') ?? { type: 'object' });
    const becameDestructive = !t.destructive && isDestructive(own(now, 'annotations'));
    if (!args.length && !becameDestructive) continue;
    const scoped = parsed.filter(({ p }) => covers(p, act(t.name), server));
    const readers = args
      .filter((c) => c.change === 'removed' || c.change === 'retyped' || c.change === 'enum-narrowed')
      .map((c) => ({ change: c, policies: scoped.filter(({ p }) => readsInput(p, c.path)).map(({ file, p }) => hit(file, p)) }))
      .filter((r) => r.policies.length);
    drift.changed.push({ name: t.name, args, becameDestructive, readers });
    for (const r of readers) {
      for (const h of r.policies) {
        const sev: Severity = r.change.change === 'enum-narrowed' ? 'warning' : 'error';
        drift.findings.push({ severity: sev, tool: t.name, message: `${h.effect ?? 'policy'} \`${h.id}\` reads \`context.input.${r.change.path.join('.')}\` of \`${t.name}\`: ${describeArgChange(r.change)}`, at: where(h) });
      }
    }
    if (becameDestructive) {
      const open = scoped.filter(({ p }) => p.json.effect === 'permit').map(({ file, p }) => hit(file, p)).filter((h) => h.unconditioned);
      for (const h of open) drift.findings.push({ severity: 'warning', tool: t.name, message: `\`${t.name}\` is now destructive and permit \`${h.id}\` allows it with no condition on the call (overly permissive)`, at: where(h) });
      if (!open.length) drift.findings.push({ severity: 'info', tool: t.name, message: `\`${t.name}\` is now destructive (it was read-only or non-destructive)` });
    }
    const unread = args.filter((c) => !readers.some((r) => r.change === c));
    if (unread.length) drift.findings.push({ severity: 'info', tool: t.name, message: `\`${t.name}\`: ${unread.map(describeArgChange).join('; ')}` });
  }
  return drift;
}

/** Diagnostics present with the live lists and not with the imported ones (same file, code, range and message). */
export function newDiagnostics(before: readonly CoreDiagnostic[], after: readonly CoreDiagnostic[]): CoreDiagnostic[] {
  const key = (d: CoreDiagnostic) => `${d.file}|${d.code}|${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}|${d.message}`;
  const had = new Set(before.map(key));
  return after.filter((d) => !had.has(key(d)));
}

/** Whether a drift report has anything to say (a difference at all). */
export function hasDrift(d: ServerDrift): boolean {
  return d.added.length + d.removed.length + d.changed.length > 0;
}
