/** Custom messages between the client (or any editor) and the Agent Policy language server. */
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
  /** Notification (server → client): one decision-log record per simulation, as a JSON-ready object. */
  decisionLog: 'agentPolicy/decisionLog',
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
