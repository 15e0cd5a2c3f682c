import { isSeq, parseDocument } from 'yaml';
import type { Manifest } from './manifest/model';
import { REDACTED, redactCall } from './redact';
import type { TextEditSpan } from './types';

export interface NewScenario {
  name: string;
  agent: string;
  tool: string;
  args: unknown;
  context: unknown;
  via?: string[];
  expect: 'allow' | 'deny';
}

/** Order and shape of a scenario as the manifest format writes it. */
function scenarioObject(s: NewScenario): Record<string, unknown> {
  return { name: s.name, agent: s.agent, tool: s.tool, args: s.args ?? {}, context: s.context ?? {}, ...(s.via?.length ? { via: s.via } : {}), expect: s.expect };
}

/**
 * The edit that appends a scenario to a manifest: a new item at the end of `scenarios:` (created when
 * missing), keeping the rest of the file as it is. Returns undefined when the file cannot be edited safely.
 * A manifest is a file people commit: sensitive values (by the tool's and the context's schemas in
 * `manifest`; everything when the tool or the manifest is unknown) are written as the placeholder
 * "[redacted]", and `redacted` lists where, so that the user can put a test value there.
 */
export function appendScenarioEdit(file: string, text: string, scenario: NewScenario, manifest: Manifest | undefined): (TextEditSpan & { redacted: string[] }) | undefined {
  const shown = redactCall(manifest, scenario);
  const redacted = shown.paths;
  const e = appendEdit(file, text, { ...scenario, args: shown.args, context: shown.context });
  return e && { ...e, redacted };
}

/** The message that tells where placeholders were written (empty when none were). */
export function placeholderNote(redacted: string[]): string {
  return redacted.length ? `sensitive values were not written: replace the "${REDACTED}" placeholder${redacted.length > 1 ? 's' : ''} at ${redacted.join(', ')} with a test value` : '';
}

function appendEdit(file: string, text: string, scenario: NewScenario): TextEditSpan | undefined {
  const obj = scenarioObject(scenario);
  if (file.endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const m = parsed as Record<string, unknown>;
    m.scenarios = [...(Array.isArray(m.scenarios) ? m.scenarios : []), obj];
    return { file, span: { start: 0, end: text.length }, newText: JSON.stringify(m, null, 2) + '\n' };
  }
  const doc = parseDocument(text);
  if (doc.errors.length) return undefined;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const item = (indent: string) =>
    Object.entries(obj)
      .map(([k, v], i) => `${i === 0 ? `${indent}- ` : `${indent}  `}${k}: ${typeof v === 'string' ? yamlString(v) : JSON.stringify(v)}`)
      .join(eol) + eol;
  const scenarios = doc.get('scenarios', true);
  if (isSeq(scenarios) && scenarios.range && scenarios.flow !== true) {
    const first = scenarios.items[0] as { range?: [number, number, number] } | undefined;
    const lineStart = first?.range ? text.lastIndexOf('\n', first.range[0] - 1) + 1 : scenarios.range[0];
    const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
    const end = scenarios.range[2];
    const at = text.lastIndexOf('\n', end - 1) + 1 === end ? end : text.indexOf('\n', end - 1) + 1 || text.length;
    const prefix = at === text.length && !text.endsWith('\n') ? eol : '';
    return { file, span: { start: at, end: at }, newText: prefix + item(indent) };
  }
  if (scenarios !== undefined && !(isSeq(scenarios) && scenarios.items.length === 0)) return undefined;
  // No scenarios yet (or `scenarios: []`): add the key at the end.
  const sep = text.length === 0 || text.endsWith('\n') ? '' : eol;
  if (scenarios === undefined) return { file, span: { start: text.length, end: text.length }, newText: `${sep}${eol}scenarios:${eol}${item('  ')}` };
  return undefined;
}

function yamlString(s: string): string {
  return /^[A-Za-z0-9_./-][A-Za-z0-9_ ./-]*$/.test(s) && !/^(true|false|null|yes|no|on|off|~)$/i.test(s) && !/\s$/.test(s) && !/^\d/.test(s) ? s : JSON.stringify(s);
}
