import { isSeq, parseDocument } from 'yaml';
import type { Manifest } from './manifest/model';
import { hasOwn, jsonObject, own } from './own';
import { REDACTED, redactCall } from './redact';
import { sampleValue } from './sampleValues';
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
  const e = appendEdit(file, text, [{ ...scenario, args: shown.args, context: shown.context }]);
  return e && { ...e, redacted };
}

/**
 * The edit that appends several scenarios (generated ones) to a manifest, in order, as `appendScenarioEdit` does one.
 * Their calls must run as written (their `expect` is what they decide), so a sensitive value is written as its
 * schema's sample value (`sensitiveAsSamples`) instead of a placeholder: never the value given.
 */
export function appendScenariosEdit(file: string, text: string, scenarios: NewScenario[], manifest: Manifest | undefined): TextEditSpan | undefined {
  if (!scenarios.length) return undefined;
  return appendEdit(
    file,
    text,
    scenarios.map((s) => ({ ...s, ...sensitiveAsSamples(manifest, s) })),
  );
}

/**
 * A call where every sensitive value (as `redactCall` finds them) is replaced by the value that its schema's sample
 * call has at that place, or left out when the sample has none there. A value that was not sensitive is kept. So that
 * a call that is written down or shown holds no secret, yet stays a call the schemas admit (most often).
 */
export function sensitiveAsSamples(manifest: Manifest | undefined, call: { tool: string; args?: unknown; context?: unknown }): { args: unknown; context: unknown } {
  const shown = redactCall(manifest, call);
  const tool = manifest?.tools.find((t) => t.action === call.tool);
  const sampleArgs = tool ? sampleValue(tool.inputSchema) : undefined;
  const sampleContext = manifest?.context ? sampleValue(manifest.context) : undefined;
  return { args: merge(call.args ?? {}, shown.args, sampleArgs) ?? {}, context: merge(call.context ?? {}, shown.context, sampleContext) ?? {} };
}

/** `value`, with the sample's value wherever `shown` (its redaction) holds the placeholder and `value` did not. */
function merge(value: unknown, shown: unknown, sample: unknown, depth = 0): unknown {
  if (shown === REDACTED) return value === REDACTED ? value : sample;
  if (depth > 64) return value;
  if (Array.isArray(value) && Array.isArray(shown)) {
    const out: unknown[] = [];
    value.forEach((v, i) => {
      const x = merge(v, shown[i], Array.isArray(sample) ? (sample[i] ?? sample[0]) : undefined, depth + 1);
      if (x !== undefined) out.push(x);
    });
    return out;
  }
  if (isObject(value) && isObject(shown)) {
    return jsonObject(
      Object.entries(value).flatMap(([k, v]) => {
        const x = merge(v, hasOwn(shown, k) ? own(shown, k) : REDACTED, own(sample, k), depth + 1);
        return x === undefined ? [] : [[k, x] as const];
      }),
    );
  }
  return value;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The message that tells where placeholders were written (empty when none were). */
export function placeholderNote(redacted: string[]): string {
  return redacted.length ? `sensitive values were not written: replace the "${REDACTED}" placeholder${redacted.length > 1 ? 's' : ''} at ${redacted.join(', ')} with a test value` : '';
}

function appendEdit(file: string, text: string, list: NewScenario[]): TextEditSpan | undefined {
  const objs = list.map(scenarioObject);
  if (file.endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const m = parsed as Record<string, unknown>;
    m.scenarios = [...(Array.isArray(m.scenarios) ? m.scenarios : []), ...objs];
    return { file, span: { start: 0, end: text.length }, newText: JSON.stringify(m, null, 2) + '\n' };
  }
  const doc = parseDocument(text);
  if (doc.errors.length) return undefined;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const item = (indent: string) =>
    objs
      .map(
        (obj) =>
          Object.entries(obj)
            .map(([k, v], i) => `${i === 0 ? `${indent}- ` : `${indent}  `}${k}: ${typeof v === 'string' ? yamlString(v) : JSON.stringify(v)}`)
            .join(eol) + eol,
      )
      .join('');
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
