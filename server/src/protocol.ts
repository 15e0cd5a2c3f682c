/** Custom messages between the client (or any editor) and the Agent Policy language server. */
export const Methods = {
  /** Request: the generated Cedar schema of a manifest (or of the manifest covering a policy file). */
  schema: 'agentPolicy/schema',
  /** Notification (server → client): checking state and problem count, for the status bar. */
  status: 'agentPolicy/status',
} as const;

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
