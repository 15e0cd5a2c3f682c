/**
 * `agent-policy access [PATH]`: what each agent can do — every agent x tool of a manifest as always / conditional /
 * never (the core's access map), as text, JSON, a Markdown PR comment or CSV. A thin adapter: the map, its
 * conditions and their redaction are the core's.
 */
import { oneManifestOrReport } from './targets';
import { parseArgs } from 'node:util';
import { cellView, summarizeAgent, type AccessCell, type AccessMap } from '../core/analysis/access';
import { didYouMean } from '../core/text';

export interface AccessIo {
  out: (s: string) => void;
  err: (s: string) => void;
  cwd: string;
  color: boolean;
}

export const ACCESS_USAGE = `agent-policy access [PATH] [--manifest FILE] [--agent ID]... [--server NAME]... [--destructive]
                    [--format pretty|json|markdown|csv]`;

export class AccessUsage extends Error {}

const FORMATS = ['pretty', 'json', 'markdown', 'csv'] as const;

export function accessCommand(args: string[], io: AccessIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      manifest: { type: 'string' },
      agent: { type: 'string', multiple: true },
      server: { type: 'string', multiple: true },
      destructive: { type: 'boolean' },
      format: { type: 'string', short: 'f' },
    },
  });
  const format = values.format ?? 'pretty';
  if (!(FORMATS as readonly string[]).includes(format)) throw new AccessUsage(`--format must be one of ${FORMATS.join(', ')} (got \`${format}\`)`);
  if (positionals.length > 1) throw new AccessUsage('access takes at most one PATH');
  if (values.manifest && positionals.length) throw new AccessUsage('give either PATH or --manifest, not both');
  const where = values.manifest ?? positionals[0];
  const found = oneManifestOrReport(where, 'computing the access map', io);
  if (typeof found === 'number') return found;
  const { project, entry, rel, file } = found;
  const m = entry.manifest;
  for (const a of values.agent ?? []) if (!m.agents.some((x) => x.id === a)) throw new AccessUsage(unknown('agent', a, m.agents.map((x) => x.id)));
  for (const s of values.server ?? []) if (!m.servers.some((x) => x.name === s) && !m.tools.some((t) => t.server === s)) throw new AccessUsage(unknown('server', s, [...new Set(m.tools.map((t) => t.server))]));
  const map = project.accessMap(entry);
  const cells = map.cells.filter(
    (c) =>
      (!values.agent?.length || values.agent.includes(c.agent) || (c.via !== undefined && values.agent.includes(c.via))) &&
      (!values.server?.length || values.server.includes(c.server)) &&
      (!values.destructive || c.destructive),
  );
  const view = { ...map, cells };
  const name = rel(file);
  if (format === 'json') io.out(JSON.stringify(toJson(view, name), null, 2));
  else if (format === 'csv') io.out(toCsv(view));
  else if (format === 'markdown') io.out(toMarkdown(view, name));
  else io.out(toPretty(view, name, io.color));
  return 0;
}

function unknown(kind: string, name: string, known: string[]): string {
  const hint = didYouMean(name, known);
  return `unknown ${kind} \`${name}\`${hint ? `; did you mean \`${hint}\`?` : ''}`;
}

/** The JSON of DESIGN.md (`access --format json`), with the optional fields documented in the README. */
export function toJson(map: AccessMap, manifest: string): object {
  return {
    version: 1,
    manifest,
    cells: map.cells.map((c) => cellView(c, (p) => p.id)),
    ...(map.blocking.length ? { blocking: map.blocking } : {}),
    ...(map.notes.length ? { notes: map.notes } : {}),
  };
}

const CSV_COLUMNS = ['agent', 'via', 'tool', 'server', 'access', 'destructive', 'failOpenRisk', 'condition', 'permits', 'forbids', 'reason'] as const;

/** RFC 4180, one row per cell; a field that a spreadsheet would read as a formula is prefixed with `'`. */
export function toCsv(map: AccessMap): string {
  const field = (v: string) => {
    const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const rows = map.cells.map((c) =>
    [c.agent, c.via ?? '', c.tool, c.server, c.access, String(c.destructive), String(c.failOpenRisk), c.condition ?? '', c.permits.map((p) => p.id).join(' '), c.forbids.map((p) => p.id).join(' '), c.reason ?? ''].map(field).join(','),
  );
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n');
}

const ICON: Record<AccessCell['access'], string> = { always: '✅', conditional: '🔶', never: '⛔' };

/** A PR comment: a summary per agent, then a table per agent (delegated calls last). */
export function toMarkdown(map: AccessMap, manifest: string): string {
  const code = (s: string) => `\`${s.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}\``;
  const text = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const lines = [`### Agent access — \`${manifest}\``, ''];
  if (map.blocking.length) lines.push(`> ⛔ every call is denied: ${text(map.blocking[0]!)}`, '');
  const groups = groupsOf(map);
  if (!groups.length) lines.push('_No cells match the filters._');
  for (const g of groups) {
    lines.push(`#### ${g.via ? `${g.via} → ${g.agent}` : g.agent}${g.via ? '' : ` — ${summarizeAgent({ ...map, cells: g.cells }, g.agent)}`}`, '', '| tool | server | access | condition | policies |', '| --- | --- | --- | --- | --- |');
    for (const c of g.cells) {
      const flags = [c.destructive ? '⚠️ destructive' : '', c.failOpenRisk ? '🔓 fail-open risk' : ''].filter((x) => x).join(', ');
      const policies = [...c.permits.map((p) => `+${p.id}`), ...c.forbids.map((p) => `−${p.id}`)].map(code).join(' ');
      const cond = c.condition ? code(c.condition) : c.reason ? `_${text(c.reason)}_` : '';
      lines.push(`| ${code(c.tool)}${flags ? ` ${flags}` : ''} | ${text(c.server)} | ${ICON[c.access]} ${c.access} | ${cond} | ${policies} |`);
    }
    lines.push('');
  }
  lines.push('<sub>✅ always: every call is allowed · 🔶 conditional: allowed when the condition holds · ⛔ never · +permit −forbid. Generated by `agent-policy access`.</sub>');
  return lines.join('\n');
}

export function toPretty(map: AccessMap, manifest: string, color: boolean): string {
  const c = (n: number, s: string) => (color ? `\u001b[${n}m${s}\u001b[0m` : s);
  const mark: Record<AccessCell['access'], string> = { always: c(32, '✓ always     '), conditional: c(33, '? conditional'), never: c(2, '✗ never      ') };
  const lines = [c(4, manifest)];
  for (const b of map.blocking) lines.push(c(31, `  every call is denied: ${b}`));
  for (const n of map.notes) lines.push(c(2, `  note: ${n}`));
  for (const g of groupsOf(map)) {
    lines.push('', g.via ? `${c(1, `${g.via} → ${g.agent}`)}  ${c(2, '(delegated: both agents must be allowed)')}` : `${c(1, g.agent)}  ${c(2, summarizeAgent({ ...map, cells: g.cells }, g.agent))}`);
    for (const x of g.cells) {
      const flags = [x.destructive ? c(31, 'destructive') : '', x.failOpenRisk ? c(33, 'fail-open risk') : ''].filter((f) => f).join(' ');
      const policies = [...x.permits.map((p) => `+${p.id}`), ...x.forbids.map((p) => `-${p.id}`)].join(' ');
      lines.push(`  ${mark[x.access]} ${x.tool} ${c(2, `(${x.server})`)}${flags ? ` ${flags}` : ''}${policies ? `  ${c(2, policies)}` : ''}`);
      if (x.condition) lines.push(`      when ${x.condition}`);
      if (x.reason && x.access !== 'never') lines.push(c(2, `      ${x.reason}`));
    }
  }
  if (!map.cells.length) lines.push('', 'no cells match the filters');
  return lines.join('\n');
}

function groupsOf(map: AccessMap): { agent: string; via?: string; cells: AccessCell[] }[] {
  const out: { agent: string; via?: string; cells: AccessCell[] }[] = [];
  for (const cell of map.cells) {
    let g = out.find((x) => x.agent === cell.agent && x.via === cell.via);
    if (!g) out.push((g = { agent: cell.agent, ...(cell.via ? { via: cell.via } : {}), cells: [] }));
    g.cells.push(cell);
  }
  return [...out.filter((g) => !g.via), ...out.filter((g) => g.via)];
}
