/**
 * `agent-policy diff` and `agent-policy replay`: what a change does to decisions (core/analysis/diff.ts), with the
 * base read from git (node/gitBase.ts, the working tree untouched) or from a folder. Thin adapters: loading the two
 * sides, printing, exit codes.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { diff, parseRecordedCalls, type CallFlip, type DiffResult, type DiffSide, type RecordedCall } from '../core/analysis/diff';
import { runToEnd } from '../core/cedar/policyCheck';
import { refusalMessage } from '../core/manifest/load';
import type { Project, ManifestEntry } from '../core/project';
import { simulate } from '../core/simulate';
import { LineIndex } from '../core/text';
import { escapeData, escapeProperty } from '../report';
import { readRegularFile, toCorePath } from '../node/fsHost';
import { baseManifestNote, baseManifestOf, gitBaseProject } from '../node/baseSide';
import { projectFor, resolveTargets } from '../node/workspace';
import { oneManifestOrReport } from './targets';

export interface DiffIo {
  out: (s: string) => void;
  err: (s: string) => void;
  cwd: string;
  color: boolean;
}

export const DIFF_USAGE = `agent-policy diff --base REF|--base-dir DIR [PATH] [--manifest FILE] [--calls FILE.jsonl]
                  [--format pretty|json|markdown|github] [--fail-on widening|any] [--max-cells N]
  agent-policy replay FILE.jsonl [PATH] [--manifest FILE] [--base REF|--base-dir DIR] [--format pretty|json]`;

export class DiffUsage extends Error {}

/** A decision log may be large (a day of a gateway's calls), not unbounded. */
export const MAX_CALLS_FILE_BYTES = 256 * 1024 * 1024;

interface Side {
  project: Project | undefined;
  entry: ManifestEntry | undefined;
  side: DiffSide;
  /** How the side is named for people: "HEAD (3f2a1b9c4d5e)", "the folder ../old", "the working tree". */
  label: string;
}

interface Loaded {
  current: Side & { project: Project; entry: ManifestEntry };
  base?: Side;
  rel: (file: string) => string;
  /** Positions for a side's file (its text read through that side's host). */
  where: (side: Side, file: string, offset: number) => { line: number; character: number };
}

/** The current side (PATH or --manifest) and the base (--base or --base-dir), or the exit code after printing why not. */
function load(values: { manifest?: string; base?: string; 'base-dir'?: string }, positional: string | undefined, io: DiffIo, needBase: boolean): Loaded | number {
  if (values.base !== undefined && values['base-dir'] !== undefined) throw new DiffUsage('give either --base or --base-dir, not both');
  if (needBase && values.base === undefined && values['base-dir'] === undefined) throw new DiffUsage('diff needs --base REF (a git branch, tag or commit) or --base-dir DIR');
  if (values.manifest && positional) throw new DiffUsage('give either PATH or --manifest, not both');
  const where = values.manifest ?? positional;
  const found = oneManifestOrReport(where, 'deciding calls', io);
  if (typeof found === 'number') return found;
  const { target, file, project, entry, rel } = found;
  const current = { project, entry, side: { entry, set: runToEnd(project.policySetSteps(entry)), root: target.root }, label: 'the working tree' };
  const manifestRel = file.slice(target.root.length + 1);
  const positions = new Map<string, LineIndex>();
  const whereFn = (side: Side, f: string, offset: number) => {
    const key = `${side.side.root}\u0000${f}`;
    let ix = positions.get(key);
    if (!ix) positions.set(key, (ix = new LineIndex(side.project?.host.readFile(`${side.side.root}/${f}`) ?? '')));
    const r = ix.range({ start: offset, end: offset });
    return r.start;
  };
  if (values.base === undefined && values['base-dir'] === undefined) return { current, rel, where: whereFn };

  let baseProject: Project;
  let label: string;
  if (values.base !== undefined) {
    const g = gitBaseProject(target.root, values.base);
    if ('error' in g) {
      io.err(`agent-policy: ${g.error}`);
      return 2;
    }
    baseProject = g.project;
    label = g.label;
  } else {
    const dir = values['base-dir']!;
    const r = resolveTargets([dir], io.cwd);
    if (r.errors.length) {
      for (const e of r.errors) io.err(`agent-policy: --base-dir: ${e}`);
      return 2;
    }
    const t = r.targets[0]!;
    // The folder itself is the base's workspace (not a repository above it): its files are compared with the PATH's.
    baseProject = projectFor({ root: toCorePath(path.resolve(io.cwd, dir)), files: t.files });
    label = `the folder ${dir}`;
  }
  // The manifest at the same place in the base; else the base's only manifest; else none (every call was denied).
  const atBase = baseManifestOf(baseProject, manifestRel);
  const baseEntry = atBase.entry;
  const base: Side = { project: baseProject, entry: baseEntry, side: { entry: baseEntry, set: baseEntry ? runToEnd(baseProject.policySetSteps(baseEntry)) : { files: [] }, root: baseProject.host.root }, label };
  const note = atBase.problem === 'elsewhere' ? undefined : baseManifestNote(label, manifestRel, atBase, (f) => f);
  if (note) io.err(`agent-policy: note: ${note}`);
  return { current, base, rel, where: whereFn };
}

function readCalls(file: string | undefined, io: DiffIo): { calls: RecordedCall[] } | number {
  if (file === undefined) return { calls: [] };
  const r = readRegularFile(path.resolve(io.cwd, file), MAX_CALLS_FILE_BYTES);
  if ('missing' in r) {
    io.err(`agent-policy: ${file}: no such file`);
    return 2;
  }
  if ('refused' in r) {
    io.err(`agent-policy: ${file}: ${refusalMessage(r)}`);
    return 2;
  }
  const parsed = parseRecordedCalls(r.text);
  // Malformed lines are reported and skipped, never fatal (their content is not quoted: it may hold secrets).
  for (const p of parsed.problems.slice(0, 20)) io.err(`agent-policy: ${file}:${p.line}: skipped: ${p.message}`);
  if (parsed.problems.length > 20) io.err(`agent-policy: ${file}: ${parsed.problems.length - 20} more malformed lines skipped`);
  return { calls: parsed.calls };
}

const FORMATS = ['pretty', 'json', 'markdown', 'github'] as const;

/** The options both commands take: the two sides and the format. */
const SIDE_OPTIONS = {
  base: { type: 'string' },
  'base-dir': { type: 'string' },
  manifest: { type: 'string' },
  format: { type: 'string', short: 'f' },
} as const;

export function diffCommand(args: string[], io: DiffIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...SIDE_OPTIONS,
      calls: { type: 'string' },
      'fail-on': { type: 'string' },
      'max-cells': { type: 'string' },
    },
  });
  const format = values.format ?? 'pretty';
  if (!(FORMATS as readonly string[]).includes(format)) throw new DiffUsage(`--format must be one of ${FORMATS.join(', ')} (got \`${format}\`)`);
  const failOn = values['fail-on'];
  if (failOn !== undefined && failOn !== 'widening' && failOn !== 'any') throw new DiffUsage(`--fail-on must be widening or any (got \`${failOn}\`)`);
  const maxCells = values['max-cells'] === undefined ? undefined : Number(values['max-cells']);
  if (maxCells !== undefined && !(Number.isInteger(maxCells) && maxCells >= 0)) throw new DiffUsage('--max-cells must be a whole number');
  if (positionals.length > 1) throw new DiffUsage('diff takes at most one PATH');
  const calls = readCalls(values.calls, io);
  if (typeof calls === 'number') return calls;
  const loaded = load(values, positionals[0], io, true);
  if (typeof loaded === 'number') return loaded;
  const base = loaded.base!;
  const r = diff(base.side, loaded.current.side, { recorded: calls.calls, ...(maxCells !== undefined ? { maxCells } : {}) });
  const manifest = loaded.rel(loaded.current.entry.file);
  const at = (side: 'base' | 'current', file: string, offset: number) => loaded.where(side === 'base' ? base : loaded.current, file, offset);
  if (format === 'json') io.out(JSON.stringify(diffJson(r, base.label, manifest, at), null, 2));
  else if (format === 'markdown') io.out(diffMarkdown(r, base.label));
  else if (format === 'github') io.out(diffGithub(r, base.label, at, (f) => loaded.rel(`${loaded.current.side.root}/${f}`)));
  else io.out(diffPretty(r, base.label, io.color, at, (f) => loaded.rel(`${loaded.current.side.root}/${f}`)));
  if (failOn === 'widening') return r.summary.widening > 0 ? 1 : 0;
  if (failOn === 'any') return r.summary.changes > 0 ? 1 : 0;
  return 0;
}

type At = (side: 'base' | 'current', file: string, offset: number) => { line: number; character: number };

function callJson(c: CallFlip) {
  return { agent: c.agent, tool: c.tool, ...(c.via ? { via: c.via } : {}), args: c.args, context: c.context, from: c.from, to: c.to, source: c.source, label: c.label, policies: c.policies, basePolicies: c.basePolicies, widening: c.widening, ...(c.reasons ? { reasons: c.reasons } : {}), ...(c.redacted ? { redacted: true } : {}) };
}

export function diffJson(r: DiffResult, base: string, manifest: string, at: At) {
  return {
    version: 1,
    base,
    manifest,
    policies: r.policies.map((p) => ({ id: p.id, change: p.change, ...(p.effect ? { effect: p.effect } : {}), side: p.side, file: p.file, position: at(p.side, p.file, p.span.start) })),
    cells: r.cells,
    scenarios: r.scenarios,
    calls: r.calls.map(callJson),
    compared: r.compared,
    notes: r.notes,
    summary: r.summary,
  };
}

const PER_CELL = 3;
const SOURCE_ORDER = { scenario: 0, recorded: 1, boundary: 2 } as const;

/** Calls grouped by delegation, agent and tool (in the order they come), scenarios and recorded calls first in each. */
function perCell(list: CallFlip[]): CallFlip[][] {
  const groups = new Map<string, CallFlip[]>();
  for (const x of list) {
    const k = `${x.via?.join('>') ?? ''}\u0000${x.agent}\u0000${x.tool}`;
    groups.set(k, [...(groups.get(k) ?? []), x]);
  }
  return [...groups.values()].map((g) => [...g].sort((a, b) => SOURCE_ORDER[a.source] - SOURCE_ORDER[b.source]));
}

const showCall = (c: CallFlip) => `${c.via?.length ? `${c.via.join(' → ')} → ` : ''}${c.agent} × ${c.tool} ${JSON.stringify(c.args)}${c.context && typeof c.context === 'object' && Object.keys(c.context).length ? ` context ${JSON.stringify(c.context)}` : ''}`;
const policiesOf = (ids: string[], reason: string | undefined) => (ids.length ? ids.join(', ') : (reason ?? 'no policy applied'));

function headline(r: DiffResult, base: string): string {
  const c = r.compared;
  const what = c.everything ? 'every tool and agent' : `${c.tools} tool${c.tools === 1 ? '' : 's'} × ${c.agents} agent${c.agents === 1 ? '' : 's'} the change can affect`;
  return `Compared with ${base}: ${r.policies.length} polic${r.policies.length === 1 ? 'y' : 'ies'} changed; ${what}; ${c.scenarios} scenarios, ${c.boundary} boundary calls, ${c.recorded} recorded calls decided on both sides`;
}

function summaryLine(r: DiffResult): string {
  return `${r.summary.widening} widening, ${r.summary.narrowing} narrowing (${r.cells.length} access cells, ${r.scenarios.length} scenarios, ${r.calls.length} calls changed)`;
}

function diffPretty(r: DiffResult, base: string, color: boolean, at: At, rel: (f: string) => string): string {
  const c = (code: number, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const lines = [headline(r, base)];
  for (const n of r.notes) lines.push(c(2, `  note: ${n}`));
  if (r.policies.length) {
    lines.push('', c(4, 'Policies'));
    for (const p of r.policies) {
      const pos = at(p.side, p.file, p.span.start);
      const mark = p.change === 'added' ? c(32, '+') : p.change === 'removed' ? c(31, '-') : c(33, '~');
      lines.push(`  ${mark} ${p.change} ${p.effect ?? 'policy'} ${p.id}  ${p.side === 'base' ? `${p.file} at the base` : rel(p.file)}:${pos.line + 1}:${pos.character + 1}`);
    }
  }
  if (r.cells.length) {
    lines.push('', c(4, 'Access'));
    for (const x of r.cells) {
      const mark = x.widening ? c(31, '▲') : c(32, '▼');
      const cond = (s: string | undefined) => (s ? ` when ${s}` : '');
      lines.push(`  ${mark} ${x.via ? `${x.via} → ` : ''}${x.agent} × ${x.tool}${x.destructive ? ' (destructive)' : ''}: ${x.from}${cond(x.fromCondition)} → ${x.to}${cond(x.toCondition)}${x.unproven ? c(2, '  (the condition changed; no sampled call shows it only narrows: review it)') : ''}`);
    }
  }
  if (r.scenarios.length) {
    lines.push('', c(4, 'Scenarios'));
    for (const s of r.scenarios) lines.push(`  ${s.to === 'allow' ? c(31, '▲') : c(32, '▼')} ${s.name}: ${s.from} → ${s.to} (expects ${s.expect})`);
  }
  for (const [title, list] of [
    ['Widening calls (denied before, allowed now)', r.calls.filter((x) => x.widening)],
    ['Narrowing calls (allowed before, denied now)', r.calls.filter((x) => !x.widening)],
  ] as const) {
    if (!list.length) continue;
    lines.push('', c(4, title));
    // A few calls per agent and tool (the sources that matter most first); --format json lists every one.
    for (const group of perCell(list)) {
      for (const x of group.slice(0, PER_CELL)) {
        lines.push(`  ${x.widening ? c(31, '▲') : c(32, '▼')} ${showCall(x)}  ${c(2, `[${x.source}: ${x.label}]`)}`);
        lines.push(`      now ${x.to}: ${policiesOf(x.policies, x.reasons?.current)}; before ${x.from}: ${policiesOf(x.basePolicies, x.reasons?.base)}`);
      }
      if (group.length > PER_CELL) lines.push(c(2, `    … and ${group.length - PER_CELL} more call${group.length - PER_CELL === 1 ? '' : 's'} of ${group[0]!.agent} × ${group[0]!.tool} (--format json lists them all)`));
    }
  }
  lines.push('', r.summary.changes ? (r.summary.widening ? c(31, summaryLine(r)) : summaryLine(r)) : c(32, 'no change in what any agent can do'));
  return lines.join('\n');
}

const md = (s: string) => s.replace(/[|\\`*_[\]<>]/g, (ch) => `\\${ch}`);

function diffMarkdown(r: DiffResult, base: string): string {
  const out = [`### Agent policy impact: ${r.summary.widening ? `⚠️ ${r.summary.widening} widening` : '✅ no widening'}, ${r.summary.narrowing} narrowing`, '', md(headline(r, base))];
  for (const n of r.notes) out.push('', `> ${md(n)}`);
  if (r.policies.length) out.push('', `Policies: ${r.policies.map((p) => `${p.change} \`${p.id}\``).join(', ')}`);
  const byAgent = (list: { agent: string }[]) => [...new Set(list.map((x) => x.agent))].sort();
  for (const [title, widening] of [
    ['Widening', true],
    ['Narrowing', false],
  ] as const) {
    const cells = r.cells.filter((x) => (widening ? x.widening : !x.widening));
    const calls = r.calls.filter((x) => x.widening === widening);
    if (!cells.length && !calls.length) continue;
    out.push('', `#### ${title}`);
    for (const agent of byAgent([...cells, ...calls])) {
      out.push('', `**${md(agent)}**`, '');
      for (const x of cells.filter((y) => y.agent === agent)) out.push(`- \`${x.tool}\`${x.via ? ` (delegated by ${md(x.via)})` : ''}${x.destructive ? ' (destructive)' : ''}: ${x.from} → **${x.to}**${x.toCondition ? ` when \`${x.toCondition.replace(/`/g, "'")}\`` : ''}${x.unproven ? ' _(condition changed; review)_' : ''}`);
      for (const group of perCell(calls.filter((y) => y.agent === agent))) {
        for (const x of group.slice(0, PER_CELL)) out.push(`- \`${x.tool}\` \`${JSON.stringify(x.args).replace(/`/g, "'")}\`: ${x.from} → **${x.to}** (${x.source}: ${md(x.label)}; now ${md(policiesOf(x.policies, x.reasons?.current))})`);
        if (group.length > PER_CELL) out.push(`- … and ${group.length - PER_CELL} more calls of \`${group[0]!.tool}\``);
      }
    }
  }
  if (r.scenarios.length) {
    out.push('', '#### Scenarios', '', '| scenario | expects | before | now |', '| --- | --- | --- | --- |');
    for (const s of r.scenarios) out.push(`| ${md(s.name)} | ${s.expect} | ${s.from} | ${s.to} |`);
  }
  if (!r.summary.changes) out.push('', 'No change in what any agent can do.');
  return out.join('\n');
}

/** Annotations on the changed policies of the working tree: each carries the flips it takes part in (or the summary). */
function diffGithub(r: DiffResult, base: string, at: At, rel: (f: string) => string): string {
  const lines: string[] = [];
  for (const p of r.policies) {
    if (p.side === 'base') continue;
    const mine = r.calls.filter((x) => x.policies.includes(p.id) || x.basePolicies.includes(p.id));
    const widening = mine.some((x) => x.widening) || (r.summary.widening > 0 && !mine.length);
    const pos = at('current', p.file, p.span.start);
    const message = mine.length
      ? `${mine.length} call${mine.length === 1 ? '' : 's'} flip: ${perCell(mine)
          .map((g) => `${g[0]!.agent} × ${g[0]!.tool}: ${g.filter((x) => x.widening).length} deny → allow, ${g.filter((x) => !x.widening).length} allow → deny`)
          .join('; ')}`
      : `${p.change} policy; across the change: ${summaryLine(r)}`;
    lines.push(`::${widening ? 'warning' : 'notice'} file=${escapeProperty(rel(p.file))},line=${pos.line + 1},col=${pos.character + 1},title=${escapeProperty(`agent-policy diff: ${widening ? 'widening' : 'change'} (vs ${base})`)}::${escapeData(message)}`);
  }
  lines.push(`::${r.summary.widening ? 'warning' : 'notice'} title=${escapeProperty('agent-policy diff')}::${escapeData(`${headline(r, base)}. ${summaryLine(r)}`)}`);
  return lines.join('\n');
}

export function replayCommand(args: string[], io: DiffIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: SIDE_OPTIONS,
  });
  const format = values.format ?? 'pretty';
  if (format !== 'pretty' && format !== 'json') throw new DiffUsage(`--format must be one of pretty, json (got \`${format}\`)`);
  if (positionals.length < 1) throw new DiffUsage('replay needs the decision log: agent-policy replay FILE.jsonl');
  if (positionals.length > 2) throw new DiffUsage('replay takes FILE.jsonl and at most one PATH');
  const calls = readCalls(positionals[0], io);
  if (typeof calls === 'number') return calls;
  const loaded = load(values, positionals[1], io, false);
  if (typeof loaded === 'number') return loaded;
  const start = process.hrtime.bigint();
  const differing: ReturnType<typeof replayRow>[] = [];
  let allow = 0;
  let unrecorded = 0;
  // Decided in agent and tool order, so that the engine's caches of a slice stay warm; reported by line.
  const ordered = [...calls.calls].sort((a, b) => (a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : a.line - b.line));
  for (const call of ordered) {
    const input = { agent: call.agent, tool: call.tool, args: call.args, context: call.context, via: call.via };
    const now = simulate(loaded.current.entry, loaded.current.side.set, input);
    if (now.decision === 'allow') allow++;
    let before: { decision: 'allow' | 'deny'; policies?: string[] } | undefined;
    if (loaded.base) {
      const b = simulate(loaded.base.entry, loaded.base.side.set, input);
      before = { decision: b.decision, policies: b.determining.map((d) => d.id) };
    } else if (call.decision) before = { decision: call.decision };
    else unrecorded++;
    if (before && before.decision !== now.decision) differing.push(replayRow(call, now, before));
  }
  differing.sort((a, b) => a.line - b.line);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const against = loaded.base ? loaded.base.label : 'the recorded decisions';
  const summary = { calls: calls.calls.length, allow, deny: calls.calls.length - allow, differing: differing.length, widening: differing.filter((d) => d.widening).length, ...(unrecorded ? { withoutRecordedDecision: unrecorded } : {}), seconds: Math.round(seconds * 1000) / 1000, callsPerSecond: seconds > 0 ? Math.round(calls.calls.length / seconds) : 0 };
  if (format === 'json') io.out(JSON.stringify({ version: 1, against, calls: differing, summary }, null, 2));
  else {
    const c = (code: number, s: string) => (io.color ? `\u001b[${code}m${s}\u001b[0m` : s);
    const lines = [`Replayed ${calls.calls.length} call${calls.calls.length === 1 ? '' : 's'} against the working tree, compared with ${against}`];
    for (const d of differing) {
      lines.push(`  ${d.widening ? c(31, '▲') : c(32, '▼')} line ${d.line}: ${d.via ? `${d.via.join(' → ')} → ` : ''}${d.agent} × ${d.tool}: ${d.from} → ${d.to}  ${c(2, `now: ${policiesOf(d.policies, d.reason)}${d.basePolicies ? `; before: ${policiesOf(d.basePolicies, undefined)}` : ''}`)}`);
    }
    if (unrecorded) lines.push(c(2, `  note: ${unrecorded} call${unrecorded === 1 ? ' has' : 's have'} no recorded decision (nothing to compare with; give --base to compare with a commit)`));
    lines.push(`${differing.length ? c(31, `${differing.length} differ`) : c(32, 'none differ')} (${allow} allow, ${calls.calls.length - allow} deny; ${summary.callsPerSecond} calls/s)`);
    io.out(lines.join('\n'));
  }
  return differing.length ? 1 : 0;
}

function replayRow(call: RecordedCall, now: ReturnType<typeof simulate>, before: { decision: 'allow' | 'deny'; policies?: string[] }) {
  return {
    line: call.line,
    agent: now.call.agent,
    tool: now.call.tool,
    ...(call.via.length ? { via: call.via } : {}),
    args: now.call.args,
    context: now.call.context,
    from: before.decision,
    to: now.decision,
    policies: now.determining.map((d) => d.id),
    ...(before.policies ? { basePolicies: before.policies } : {}),
    ...(now.determining.length ? {} : { reason: now.reason }),
    widening: before.decision === 'deny' && now.decision === 'allow',
  };
}
