/** Custom messages between the client (or any editor) and the Agent Policy language server. */
import type { CellChange, DiffResult, ScenarioChange } from './core/analysis/diff';

export const Methods = {
  /** Request: the generated Cedar schema of a manifest (or of the manifest covering a policy file). */
  schema: 'agentPolicy/schema',
  /** Notification (server → client): checking state and problem count, for the status bar. */
  status: 'agentPolicy/status',
  /** Request: simulate a tool call (agent, tool, args, context, delegation chain). */
  simulate: 'agentPolicy/simulate',
  /** Request: the manifests with their agents, tools and example arguments (for the Simulate command). */
  simulationTargets: 'agentPolicy/simulationTargets',
  /** Request: the edit that appends a scenario to a manifest (the client applies it on the user's click). */
  scenarioEdit: 'agentPolicy/scenarioEdit',
  /** Request: the access map of a manifest (every agent x tool: always / conditional / never), for the Agent Access view. */
  access: 'agentPolicy/access',
  /** Request: for a conditional cell of the access map, a call the policies allow and the nearest one they deny. */
  accessCalls: 'agentPolicy/accessCalls',
  /** Notification (server → client): one decision-log record per simulation, as a JSON-ready object. */
  decisionLog: 'agentPolicy/decisionLog',
  /** Request: what a change does to decisions — a manifest and its policies compared with a git ref (Compare Policies with…). */
  diff: 'agentPolicy/diff',
  /** Request: the refs a comparison may use (HEAD, local branches, tags), for the picker. */
  gitRefs: 'agentPolicy/gitRefs',
  /** Request: boundary scenarios proposed for a tool (each expecting its current decision), and the edit writing the chosen ones. */
  generateScenarios: 'agentPolicy/generateScenarios',
} as const;

export interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export interface SimulateParams {
  /** The manifest to simulate against; the first manifest of the workspace when absent. */
  manifestUri?: string;
  /** Or: run this scenario of the manifest (its index in `scenarios`). */
  scenarioIndex?: number;
  agent?: string;
  tool?: string;
  args?: unknown;
  context?: unknown;
  via?: string[];
  /** Explain the decision clause by clause (`explanation` in the response). */
  explain?: boolean;
  /**
   * Or: call `index` of an `agentPolicy/diff` answer (its `callsId`), as it was decided — the server kept its
   * sensitive values, which the answer showed redacted. The server keeps the calls of its last few comparisons.
   */
  diffCall?: { id: string; index: number };
}

export interface PolicyLocation {
  id: string;
  uri: string;
  range: Range;
  effect?: 'permit' | 'forbid';
}

export interface SimulateResponse {
  manifestUri?: string;
  agent: string;
  tool: string;
  args: unknown;
  context: unknown;
  via: string[];
  decision: 'allow' | 'deny';
  reason: string;
  determining: PolicyLocation[];
  errors: (PolicyLocation & { message: string })[];
  failOpenRisk: boolean;
  /** The call could not be evaluated with certainty (a broken policy that may hide a forbid, an engine failure…): denied. */
  cannotEvaluate: boolean;
  requestErrors: string[];
  notes: string[];
  chain: { agent: string; decision: 'allow' | 'deny'; reason: string }[];
  request?: { principal: string; action: string; resource: string; context: unknown };
  /** For a scenario: what it expects, and whether it passed. */
  scenario?: { name: string; expect: 'allow' | 'deny'; passed: boolean; summary: string };
  /** When asked for (`explain`): why, clause by clause — the policies examined, each with its finding in one line. */
  explanation?: {
    heading: string;
    examined: 'permit' | 'forbid';
    policies: (PolicyLocation & { status: 'applies' | 'condition' | 'errored' | 'out-of-scope'; finding: string })[];
  };
}

export interface SimulationTarget {
  uri: string;
  name: string;
  namespace: string;
  agents: { id: string; description?: string; roles: string[] }[];
  tools: { name: string; title?: string; description?: string; server: string; readOnly: boolean; destructive: boolean; exampleArgs: unknown }[];
  exampleContext: unknown;
}

export interface SimulationTargetsResult {
  manifests: SimulationTarget[];
  error?: string;
}

export interface ScenarioEditParams {
  manifestUri: string;
  scenario: { name: string; agent: string; tool: string; args: unknown; context: unknown; via?: string[]; expect: 'allow' | 'deny' };
}

export interface ScenarioEditResult {
  /** The LSP `WorkspaceEdit` to apply. */
  edit?: unknown;
  error?: string;
  /** Where sensitive values were written as the "[redacted]" placeholder, in a sentence (absent when none were). */
  note?: string;
}

export interface SchemaParams {
  /** A manifest, policy file or tool list; the first manifest of the workspace when absent. */
  uri?: string;
}

export interface SchemaResult {
  manifestUri?: string;
  schema?: string;
  error?: string;
}

export interface StatusParams {
  state: 'checking' | 'idle';
  problems: number;
}

export interface AccessParams {
  /** A manifest, or a file it covers (a policy file, an imported tool list); the workspace's first manifest when absent. */
  uri?: string;
  /** Only these agents' cells (as the agent, or as the agent that delegates). */
  agents?: string[];
  servers?: string[];
  destructiveOnly?: boolean;
  /** Also the map of the same manifest at this git ref (a branch, a tag, a commit), as `base` in the answer. */
  baseRef?: string;
}

/** One agent x tool (or delegated A → B x tool) of the access map; policies as locations a view can link to. */
export interface AccessCellInfo {
  agent: string;
  via?: string;
  tool: string;
  server: string;
  access: 'always' | 'conditional' | 'never';
  /** For `conditional`: Cedar text over `context.input` / `context.session` (sensitive literals as "[redacted]"). */
  condition?: string;
  permits: PolicyLocation[];
  forbids: PolicyLocation[];
  destructive: boolean;
  failOpenRisk: boolean;
  reason?: string;
  redacted?: boolean;
}

export interface AccessResult {
  manifestUri?: string;
  namespace?: string;
  /** Rows: the agents, where they are declared, and their access in one line ("10 tools: 0 always, 6 conditional…"). */
  agents: { id: string; summary: string; uri: string; range: Range }[];
  /** Columns: the tools (by action id) and where they are declared. */
  tools: { tool: string; server: string; destructive: boolean; uri: string; range: Range }[];
  cells: AccessCellInfo[];
  /** Why every call is denied (the policy set cannot be evaluated), if so. */
  blocking: string[];
  notes: string[];
  error?: string;
  /** With `baseRef`: the map of the manifest at that ref. */
  base?: AccessBase;
}

/** A cell at the base: as the current ones, its policies located in the base's files (they may not exist any more). */
export type BaseAccessCellInfo = Omit<AccessCellInfo, 'permits' | 'forbids'> & { permits: DiffPolicyRef[]; forbids: DiffPolicyRef[] };

/** The access map of a manifest at a git ref, beside the current one (the same filters applied). */
export interface AccessBase {
  ref: string;
  /** How the base is named for people: "HEAD (3f2a1b9c4d5e)". */
  label?: string;
  commit?: string;
  cells: BaseAccessCellInfo[];
  /** The cells that differ between the base and the current map, each widening or narrowing (as `diff` judges them). */
  changes: DiffCellInfo[];
  /** Why every call is denied at the base, if so. */
  blocking: string[];
  notes: string[];
  /** Why there is no base map (not a git repository, no such ref, a shallow clone…). */
  error?: string;
}

export interface AccessCallsParams {
  /** The manifest (or a file it covers), as for `agentPolicy/access`. */
  uri?: string;
  agent: string;
  tool: string;
  via?: string;
}

/** A call proposed for a cell, decided by the simulator (`decision`, by `policies`). */
export interface ProposedCallInfo {
  args: Record<string, unknown>;
  context: Record<string, unknown>;
  why: string;
  decision: 'allow' | 'deny';
  policies: string[];
}

export interface AccessCallsResult {
  /** A call the policies allow (it satisfies the cell's condition). */
  satisfying?: ProposedCallInfo;
  /** The nearest call found that the policies deny. */
  failing?: ProposedCallInfo;
  notes: string[];
  error?: string;
}

export interface DiffParams {
  /** A manifest, or a file it covers; the workspace's first manifest when absent. */
  manifestUri?: string;
  /** The git ref to compare with: a branch, a tag, a commit (`HEAD` for the last commit). */
  ref: string;
}

/** A policy added, removed or changed. A removed policy exists only at the base: it has `file` (relative) and no `uri`. */
export interface DiffPolicyInfo {
  id: string;
  change: 'added' | 'removed' | 'changed';
  effect?: 'permit' | 'forbid';
  side: 'base' | 'current';
  /** Relative to the workspace folder (on its side). */
  file: string;
  /** The working tree's file, for a policy of the current side. */
  uri?: string;
  range: Range;
}

/** A policy that decided a call on one side: linkable (`uri`) on the current side, by file and range at the base. */
export interface DiffPolicyRef {
  id: string;
  file: string;
  uri?: string;
  range?: Range;
  effect?: 'permit' | 'forbid';
}

/** An access cell (agent × tool) whose access or condition changed; conditions as Cedar text, sensitive literals redacted. */
export type DiffCellInfo = CellChange;

export type DiffScenarioInfo = ScenarioChange;

/** A call whose decision flips (as the simulator shows it: sensitive values redacted). */
export interface DiffCallInfo {
  agent: string;
  tool: string;
  via?: string[];
  args: unknown;
  context: unknown;
  from: 'allow' | 'deny';
  to: 'allow' | 'deny';
  source: 'scenario' | 'boundary' | 'recorded';
  /** What the call probes (boundary), the scenario's name, or the recorded call's line. */
  label: string;
  /** The policies that determined the decision now, and at the base. */
  policies: DiffPolicyRef[];
  basePolicies: DiffPolicyRef[];
  widening: boolean;
  /** Why a side denied when no policy decided. */
  reasons?: { base?: string; current?: string };
  /** `args`/`context` show "[redacted]" for sensitive values: simulate it with `diffCall`, the server has the values. */
  redacted?: boolean;
}

export interface DiffResponse {
  manifestUri?: string;
  ref: string;
  /** How the base is named for people: "HEAD (3f2a1b9c4d5e)". */
  base?: string;
  commit?: string;
  policies: DiffPolicyInfo[];
  cells: DiffCellInfo[];
  scenarios: DiffScenarioInfo[];
  calls: DiffCallInfo[];
  /** The server keeps these calls as decided (sensitive values included) under this id: see SimulateParams.diffCall. */
  callsId?: string;
  compared?: DiffResult['compared'];
  summary: { widening: number; narrowing: number; changes: number };
  notes: string[];
  /** Why there is no comparison (not a git repository, no such ref, a shallow clone, no manifest…). */
  error?: string;
}

export interface GitRefsParams {
  /** A file of the workspace folder whose repository is asked; the first folder when absent. */
  uri?: string;
}

export interface GitRefsResult {
  /** `HEAD` first, then local branches and tags. */
  refs: string[];
  error?: string;
}

export interface GenerateScenariosParams {
  /** The manifest (or a file it covers); the workspace's first manifest when absent. */
  manifestUri?: string;
  /** The tool (its action id). */
  tool: string;
  /** The agents that make the calls; by default those a permit can reach the tool for (else every agent). */
  agents?: string[];
  /** The names of proposed scenarios to write: the result then holds the edit that appends them (generated again, the same way). */
  write?: string[];
}

/** A proposed scenario, for review: its call as it may be shown (sensitive values redacted). */
export interface GeneratedScenarioInfo {
  name: string;
  agent: string;
  tool: string;
  args: unknown;
  context: unknown;
  expect: 'allow' | 'deny';
  /** The policies that decide it now (ids). */
  policies: string[];
  reason: string;
  /** What the call probes ("amount = 51 (one above 50)"). */
  why: string;
}

export interface GenerateScenariosResult {
  manifestUri?: string;
  tool: string;
  /** Every agent of the manifest: whether a permit can reach the tool for it, and whether its calls were generated. */
  agents: { id: string; reaches: boolean; used: boolean }[];
  scenarios: GeneratedScenarioInfo[];
  notes: string[];
  /** With `write`: the LSP `WorkspaceEdit` that appends the named scenarios to the manifest. */
  edit?: unknown;
  /** With `write`: names that are no longer proposed (the manifest or the policies changed), not written. */
  missing?: string[];
  error?: string;
}
