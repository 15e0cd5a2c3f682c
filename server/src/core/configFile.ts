import { defaultConfig, type LintConfig } from './config';
import { ruleMeta, RULES, type Level } from './rules';
import { didYouMean } from './text';
import { parseDuration } from './manifest/model';
import type { Finding } from './types';
import { isPlainObject, keySpanAt, parseYaml, spanAt } from './yamlDoc';

export const CONFIG_FILE = '.agent-policy.yaml';
const LEVELS: Level[] = ['error', 'warning', 'info', 'off'];
const CODE = 'manifest-invalid';

/** A rules map as `.agent-policy.yaml` and the `agentPolicy.rules` setting write it. */
export type RulesSetting = Record<string, Level | ({ level?: Level } & Record<string, unknown>)>;

/** Parses `.agent-policy.yaml`: `rules: {<id>: level | {level, <option>: value}}` and `ignore: [globs]`. */
export function parseConfigFile(text: string): { config: LintConfig; findings: Finding[] } {
  const { source, findings } = parseYaml(text, CODE);
  const config = defaultConfig();
  const v = source.value;
  if (v === undefined || v === null) return { config, findings };
  if (!isPlainObject(v)) {
    findings.push({ code: CODE, message: 'the lint configuration is a mapping with `rules` and `ignore`', span: spanAt(source, []) });
    return { config, findings };
  }
  for (const key of Object.keys(v)) {
    if (key !== 'rules' && key !== 'ignore') {
      const hint = didYouMean(key, ['rules', 'ignore']);
      findings.push({ code: CODE, message: `unknown setting \`${key}\`: the configuration has \`rules\` and \`ignore\`${hint ? `; did you mean \`${hint}\`?` : ''}`, span: keySpanAt(source, [key]) });
    }
  }
  if (v.ignore !== undefined) {
    if (Array.isArray(v.ignore) && v.ignore.every((g) => typeof g === 'string')) config.ignore = v.ignore as string[];
    else findings.push({ code: CODE, message: '`ignore` is a list of globs, relative to the workspace folder', span: spanAt(source, ['ignore']) });
  }
  if (v.rules !== undefined) {
    if (!isPlainObject(v.rules)) findings.push({ code: CODE, message: '`rules` maps rule ids to a level (error, warning, info, off) or to options', span: spanAt(source, ['rules']) });
    else {
      const r = applyRules(config, v.rules as RulesSetting);
      for (const p of r) findings.push({ code: CODE, message: p.message, span: p.atKey ? keySpanAt(source, ['rules', ...p.path]) : spanAt(source, ['rules', ...p.path]) });
    }
  }
  return { config, findings };
}

/** Applies a rules map onto a configuration; returns the problems found (unknown rules, levels, options). */
export function applyRules(config: LintConfig, rules: RulesSetting): { path: string[]; atKey: boolean; message: string }[] {
  const problems: { path: string[]; atKey: boolean; message: string }[] = [];
  for (const [id, value] of Object.entries(rules)) {
    const meta = ruleMeta(id);
    if (!meta) {
      const hint = didYouMean(id, RULES.map((r) => r.id));
      problems.push({ path: [id], atKey: true, message: `unknown rule \`${id}\`${hint ? `; did you mean \`${hint}\`?` : ''}` });
      continue;
    }
    const level = typeof value === 'string' ? value : isPlainObject(value) ? value.level : undefined;
    if (level !== undefined) {
      if (LEVELS.includes(level as Level)) config.rules[id] = level as Level;
      else problems.push({ path: typeof value === 'string' ? [id] : [id, 'level'], atKey: false, message: `the level of \`${id}\` must be error, warning, info or off` });
    }
    if (isPlainObject(value)) {
      for (const [opt, optValue] of Object.entries(value)) {
        if (opt === 'level') continue;
        const spec = meta.options && Object.hasOwn(meta.options, opt) ? meta.options[opt] : undefined; // `constructor` is no option
        if (!spec) {
          const names = Object.keys(meta.options ?? {});
          problems.push({ path: [id, opt], atKey: true, message: `\`${id}\` has no option \`${opt}\`${names.length ? ` (options: ${names.join(', ')})` : ''}` });
          continue;
        }
        if (typeof optValue !== typeof spec.default) {
          problems.push({ path: [id, opt], atKey: false, message: `\`${id}.${opt}\` must be a ${typeof spec.default}` });
          continue;
        }
        if (spec.format === 'duration' && parseDuration(String(optValue)) === undefined) {
          problems.push({ path: [id, opt], atKey: false, message: `\`${id}.${opt}\` must be a duration such as 30s, 15m, 1h or 7d` });
          continue;
        }
        (config.options[id] ??= {})[opt] = optValue;
      }
    } else if (typeof value !== 'string') {
      problems.push({ path: [id], atKey: false, message: `\`${id}\` must be a level (error, warning, info, off) or a mapping of options` });
    }
  }
  return problems;
}

/**
 * The configuration in force: the editor's `agentPolicy.rules` setting first, then `.agent-policy.yaml` on top
 * of it — the workspace file wins for every rule it sets, so the editor and CI agree on what the team decided.
 */
export function mergeConfig(file: LintConfig | undefined, settingsRules: RulesSetting | undefined): LintConfig {
  const config = defaultConfig();
  if (settingsRules && isPlainObject(settingsRules)) applyRules(config, settingsRules);
  if (file) {
    Object.assign(config.rules, file.rules);
    for (const [id, opts] of Object.entries(file.options)) config.options[id] = { ...(config.options[id] ?? {}), ...opts };
    config.ignore = [...file.ignore];
  }
  return config;
}
