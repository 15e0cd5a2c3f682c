import { RULES, ruleMeta, type Level } from './rules';
import type { Severity } from './types';

/** Lint configuration: rule levels, rule options and ignored files. */
export interface LintConfig {
  rules: Record<string, Level>;
  options: Record<string, Record<string, unknown>>;
  /** Globs (relative to the workspace root) of files that are not checked at all. */
  ignore: string[];
}

export function defaultConfig(): LintConfig {
  return { rules: {}, options: {}, ignore: [] };
}

/** The level a rule runs at under `config`. */
export function ruleLevel(config: LintConfig, id: string): Level {
  return config.rules[id] ?? ruleMeta(id)?.defaultLevel ?? 'error';
}

/** The severity a finding is reported at, or undefined when its rule is off. A finding may be weaker than its rule (never stronger). */
export function effectiveSeverity(config: LintConfig, id: string, findingSeverity: Severity | undefined): Severity | undefined {
  const level = ruleLevel(config, id);
  if (level === 'off') return undefined;
  if (!findingSeverity) return level;
  const order: Record<Severity, number> = { info: 1, warning: 2, error: 3 };
  return order[findingSeverity] < order[level] ? findingSeverity : level;
}

export function ruleOption<T extends string | number | boolean>(config: LintConfig, id: string, name: string): T {
  const set = config.options[id]?.[name];
  const def = ruleMeta(id)?.options?.[name]?.default;
  return (set ?? def) as T;
}

export function knownRuleIds(): string[] {
  return RULES.map((r) => r.id);
}
