import manifestSchema from '../../../../schemas/agents.schema.json';
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import { SAFE_AJV_OPTIONS, validateValue } from '../jsonSchema';
import { isPlainObject, parseYaml, spanAt, type JsonPath, type YamlSource } from '../yamlDoc';
import type { Finding } from '../types';
import type { JsonObject } from './model';

const CODE = 'manifest-invalid';

let validators: { manifest: ValidateFunction; tool: ValidateFunction } | undefined;
/** Validators for the manifest format itself (compiled once). */
export function formatValidators(): { manifest: ValidateFunction; tool: ValidateFunction } {
  if (!validators) {
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: false, ...SAFE_AJV_OPTIONS });
    const manifest = ajv.compile(manifestSchema);
    const tool = ajv.getSchema(`${manifestSchema.$id}#/$defs/tool`)!;
    validators = { manifest, tool };
  }
  return validators;
}

export function manifestFormatSchema(): unknown {
  return manifestSchema;
}

/** Turns schema errors on a YAML source into findings at the offending node (or key). */
export function schemaFindings(source: YamlSource, basePath: JsonPath, validate: ValidateFunction, value: unknown, rootSchema: unknown): Finding[] {
  return validateValue(validate, value, rootSchema).map((e) => ({
    code: CODE,
    message: e.message,
    span: spanAt(source, [...basePath, ...e.path], e.atKey ? 'key' : 'value'),
  }));
}

export interface RawTool {
  value: JsonObject;
  path: JsonPath;
}

/**
 * Reads an MCP tool list: the `result` of `tools/list` (`{"tools": [...]}`), a whole JSON-RPC response
 * (`{"result": {"tools": [...]}}`) or a bare array of tools. Invalid tools are reported and skipped.
 */
type ParsedToolList = { source?: YamlSource; tools: RawTool[]; findings: Finding[]; notAToolList?: string };

/** The last tool lists parsed, by text: a manifest edit reloads the manifest, not the (often large) lists it imports. */
const parsedLists = new Map<string, ParsedToolList>();
const PARSED_LISTS_KEPT = 32;

export function parseToolList(text: string): ParsedToolList {
  const hit = parsedLists.get(text);
  if (hit) return hit;
  const parsed = parseToolListText(text);
  if (parsedLists.size >= PARSED_LISTS_KEPT) parsedLists.delete(parsedLists.keys().next().value!);
  parsedLists.set(text, parsed);
  return parsed;
}

function parseToolListText(text: string): ParsedToolList {
  const { source, findings } = parseYaml(text, CODE, 'json');
  if (source.value === undefined) return { source, tools: [], findings };
  const v = source.value;
  let basePath: JsonPath;
  let list: unknown;
  if (Array.isArray(v)) {
    basePath = [];
    list = v;
  } else if (isPlainObject(v) && Array.isArray(v.tools)) {
    basePath = ['tools'];
    list = v.tools;
  } else if (isPlainObject(v) && isPlainObject(v.result) && Array.isArray(v.result.tools)) {
    basePath = ['result', 'tools'];
    list = v.result.tools;
  } else {
    const why = 'not an MCP tool list: expected the result of tools/list ({"tools": [...]}) or an array of tools';
    return { source, tools: [], findings: [...findings, { code: CODE, message: why, span: spanAt(source, []) }], notAToolList: why };
  }
  const tools: RawTool[] = [];
  const { tool: validateTool } = formatValidators();
  (list as unknown[]).forEach((item, i) => {
    const path = [...basePath, i];
    const errs = schemaFindings(source, path, validateTool, item, manifestSchema.$defs.tool);
    findings.push(...errs);
    if (errs.length === 0 && isPlainObject(item)) tools.push({ value: item, path });
  });
  return { source, tools, findings };
}
