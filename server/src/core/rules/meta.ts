import type { Finding, Severity, Span } from '../types';
import type { PolicyInfo } from '../cedar/policyCheck';
import type { CedarModel } from '../cedar/schemaGen';
import type { Manifest } from '../manifest/model';
import type { LintConfig } from '../config';
import type { YamlSource } from '../yamlDoc';
import type { AccessMap } from '../analysis/access';
import type { PolicyRef } from '../simulate';


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
  /**
   * Where the rule applies: `any` — every Cedar file, with or without an agent manifest (a plain Cedar project);
   * `manifest` — only under an agent manifest (its words are about agents and tools). Each rule page says which.
   */
  scope: 'any' | 'manifest';
  /** Options the rule reads from `.agent-policy.yaml` / `agentPolicy.rules`, with their defaults. */
  options?: Record<string, { description: string; default: string | number | boolean; /** Extra check of a string option. */ format?: 'duration' }>;
}

/** Public home of the rule pages; the server may point at the copies shipped in the extension instead. */
export const DOCS_BASE_URL = 'https://github.com/agent-policy-studio/agent-policy-studio/blob/main/docs/rules/';

export function ruleDocsUrl(id: string, base: string = DOCS_BASE_URL): string {
  return `${base}${id}.md`;
}


/** What a policy rule sees: one parsed policy, its file, and the manifest that covers the file (if any). */
export interface PolicyRuleContext {
  file: string;
  text: string;
  policy: PolicyInfo & { json: NonNullable<PolicyInfo['json']> };
  manifest?: Manifest;
  model?: CedarModel;
  /** True when the policy was validated against a schema (the manifest's generated one, or a plain project's own): `policy.validationErrors` are then Cedar's. */
  validated: boolean;
  /** The Cedar namespace of the covering manifest (`Agents` when there is none), for messages. */
  namespace: string;
  config: LintConfig;
}

export interface PolicyRule {
  kind: 'policy';
  meta: RuleMeta;
  check(ctx: PolicyRuleContext): Finding[];
}

/** What a manifest rule sees: the manifest file (and the tool lists it imports, by file). */
export interface ManifestRuleContext {
  file: string;
  manifest?: Manifest;
  sources: Map<string, YamlSource>;
  config: LintConfig;
}

export interface ManifestRule {
  kind: 'manifest';
  meta: RuleMeta;
  check(ctx: ManifestRuleContext): Finding[];
}

/** One policy of a policy set, as far as set rules need it (cheap to get for large sibling files). */
export interface SetMember {
  file: string;
  policyId: string;
  id?: { value: string; span: Span };
  /** False when the policy is known not to parse: no rule reports on it. */
  parsed: boolean;
}

/** What a policy-set rule sees: every policy of one policy set (the files a manifest covers). */
export interface PolicySetRuleContext {
  policies: SetMember[];
  config: LintConfig;
}

export interface PolicySetRule {
  kind: 'set';
  meta: RuleMeta;
  /** Findings carry their `file`. */
  check(ctx: PolicySetRuleContext): Finding[];
}

/**
 * What an access rule sees: the access map of one manifest (every agent x tool, computed by partial evaluation) and
 * where things are declared. It runs per manifest, off the keystroke path (the map is engine work).
 */
export interface AccessRuleContext {
  map: AccessMap;
  manifest: Manifest;
  /** A policy of the set by its reference (for its head span), if it is at hand. */
  policy(ref: PolicyRef): PolicyInfo | undefined;
  config: LintConfig;
}

export interface AccessRule {
  kind: 'access';
  meta: RuleMeta;
  /** Findings carry their `file` (a policy file, the manifest, an imported tool list). */
  check(ctx: AccessRuleContext): Finding[];
}

export type LintRule = PolicyRule | ManifestRule | PolicySetRule | AccessRule;
