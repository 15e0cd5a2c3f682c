import type { Severity } from '../types';

export type Level = Severity | 'off';

export type RuleCategory = 'engine' | 'manifest' | 'security' | 'hygiene' | 'simulation';

/** Everything the docs, the configuration, SARIF and the diagnostics' links know about a rule. */
export interface RuleMeta {
  id: string;
  defaultLevel: Level;
  category: RuleCategory;
  /** One line, shown in SARIF and in the docs index. */
  description: string;
  /** Why it matters, one or two sentences (SARIF fullDescription). */
  rationale: string;
  /** Options the rule reads from `.agent-policy.yaml` / `agentPolicy.rules`, with their defaults. */
  options?: Record<string, { description: string; default: string | number | boolean }>;
}

/** Public home of the rule pages; the server may point at the copies shipped in the extension instead. */
export const DOCS_BASE_URL = 'https://github.com/agent-policy-studio/agent-policy-studio/blob/main/docs/rules/';

export function ruleDocsUrl(id: string, base: string = DOCS_BASE_URL): string {
  return `${base}${id}.md`;
}
