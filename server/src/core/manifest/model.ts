import { didYouMean } from '../text';
import type { Span } from '../types';

export type JsonObject = Record<string, unknown>;

/** Where something is declared: a file and the span of its name (or key). */
export interface Located {
  file: string;
  span: Span;
}

export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface ToolDef {
  /** The tool's name on its MCP server (what the server is called with). */
  name: string;
  /**
   * Its Cedar action id: the name, after the server's `action_prefix` (`supabase/create_branch`). The name every
   * user-facing place uses: policies, scenarios, `simulate --tool`, the pickers, completion, hover and logs.
   */
  action: string;
  title?: string;
  description?: string;
  inputSchema: JsonObject;
  annotations: ToolAnnotations;
  server: string;
  loc: Located;
  /**
   * Arguments whose JSON Schema `number` is a Cedar Long instead of a decimal (`number_as_long`): every one, or these
   * argument paths (`page`, `filter.limit`).
   */
  numberAsLong?: true | string[];
  /** Path of the inputSchema node in `loc.file` (for findings inside the schema). */
  schemaPath?: (string | number)[];
  /** MCP defaults: a tool is destructive unless it says readOnlyHint: true or destructiveHint: false. */
  destructive: boolean;
  readOnly: boolean;
}

export type IdentityKind = 'workload' | 'oauth' | 'service-account' | 'api-key';

export interface AgentDef {
  id: string;
  description?: string;
  owner?: string;
  roles: string[];
  attributes: JsonObject;
  identity?: { kind: IdentityKind; ttl?: string; ttlMs?: number; kindSpan?: Span; ttlSpan?: Span };
  delegatesTo: string[];
  loc: Located;
}

export interface ServerDef {
  name: string;
  description?: string;
  /** Put before the name of each of its tools to make its action id (so that two servers may share a tool name). */
  actionPrefix?: string;
  loc: Located;
  /** The manifest-relative path of an imported tool list, and the file it resolved to. */
  importPath?: string;
  importFile?: string;
}

export interface ScenarioDef {
  index: number;
  name: string;
  agent: string;
  tool: string;
  args: JsonObject;
  context: JsonObject;
  via: string[];
  expect: 'allow' | 'deny';
  reasons?: string[];
  /** Span of the whole scenario item and of its name value. */
  span: Span;
  nameSpan: Span;
}

export interface Manifest {
  file: string;
  dir: string;
  namespace: string;
  policyGlobs: string[];
  context?: JsonObject;
  agentAttributes?: JsonObject;
  roles: { name: string; loc: Located }[];
  agents: AgentDef[];
  servers: ServerDef[];
  tools: ToolDef[];
  scenarios: ScenarioDef[];
  /** Files (absolute) of imported tool lists and Cedar schemas, so that a change to one re-validates what depends on it. */
  imports: string[];
  /**
   * The hand-written Cedar schemas of `schema: [...]`, in order, each as Cedar read it (`schema` absent when Cedar
   * rejects the file: the file says why), with the span of its entry in the manifest.
   */
  extraSchemas: { rel: string; file: string; span: Span; schema?: import('../cedar/engine').SchemaJson }[];
  /**
   * Action ids that tools of several servers claim (an error in the manifest): only the first declaration is in
   * `tools`, and a call to one of these ids is denied, since which tool it means is not known.
   */
  ambiguousActions: { action: string; servers: string[] }[];
}

export const DEFAULT_NAMESPACE = 'Agents';
export const DEFAULT_SERVER = 'default';
export const DEFAULT_POLICY_GLOBS = ['**/*.cedar'];

/** File names recognised as agent manifests. */
export function isManifestFile(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return /\.agents\.(ya?ml|json)$/.test(name) || name === 'agents.yaml' || name === 'agents.yml' || name === 'agents.json';
}

export function isToolListFile(path: string): boolean {
  return /\.tools\.json$/.test(path);
}

export function isPolicyFile(path: string): boolean {
  return path.endsWith('.cedar');
}

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "15m", "1h", "30s", "7d", "500ms" into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  return m ? Number(m[1]) * DURATION_MS[m[2]!]! : undefined;
}

/**
 * The action ids a name the user wrote may have meant: the tools whose MCP name it is (`create_branch` when the
 * servers prefix it), else the closest action id. For "did you mean" in messages and quick fixes.
 */
export function toolSuggestions(m: Pick<Manifest, 'tools'>, written: string): string[] {
  const byName = m.tools.filter((t) => t.name === written && t.action !== written).map((t) => t.action);
  if (byName.length) return byName;
  const hint = didYouMean(written, m.tools.map((t) => t.action));
  return hint ? [hint] : [];
}
