import { RULES, ruleDocsUrl } from './core/rules';
import type { CoreDiagnostic, Severity } from './core/types';

const SARIF_LEVEL: Record<Severity | 'off', string> = { error: 'error', warning: 'warning', info: 'note', off: 'none' };

/** SARIF 2.1.0: every rule in `tool.driver.rules` (with its help URI), one result per diagnostic. */
export function toSarif(diags: CoreDiagnostic[], rel: (file: string) => string, version: string): object {
  const index = new Map(RULES.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'agent-policy',
            fullName: 'Agent Policy Studio',
            version,
            informationUri: 'https://github.com/agent-policy-studio/agent-policy-studio',
            rules: RULES.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)([a-z])/g, (_, _d: string, c: string) => c.toUpperCase()),
              shortDescription: { text: r.description },
              fullDescription: { text: r.rationale },
              helpUri: ruleDocsUrl(r.id),
              help: { text: `${r.description} See ${ruleDocsUrl(r.id)}` },
              defaultConfiguration: { level: SARIF_LEVEL[r.defaultLevel] },
              properties: { category: r.category, tags: ['security', 'cedar', 'ai-agents'] },
            })),
          },
        },
        columnKind: 'utf16CodeUnits',
        results: diags.map((d) => ({
          ruleId: d.code,
          ruleIndex: index.get(d.code) ?? -1,
          level: SARIF_LEVEL[d.severity],
          message: { text: d.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: encodeURI(rel(d.file)), uriBaseId: '%SRCROOT%' },
                region: { startLine: d.range.start.line + 1, startColumn: d.range.start.character + 1, endLine: d.range.end.line + 1, endColumn: d.range.end.character + 1 },
              },
            },
          ],
          ...(d.policyId ? { properties: { policyId: d.policyId } } : {}),
        })),
      },
    ],
  };
}

const GITHUB_COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** GitHub Actions workflow commands: one `::error file=…,line=…::message` line per diagnostic (1-based). */
export function toGithubAnnotations(diags: CoreDiagnostic[], rel: (file: string) => string): string {
  return diags
    .map((d) => {
      const props = [
        `file=${escapeProperty(rel(d.file))}`,
        `line=${d.range.start.line + 1}`,
        `endLine=${d.range.end.line + 1}`,
        `col=${d.range.start.character + 1}`,
        `endColumn=${d.range.end.character + 1}`,
        `title=${escapeProperty(`agent-policy ${d.code}`)}`,
      ].join(',');
      return `::${GITHUB_COMMAND[d.severity]} ${props}::${escapeData(d.message)}`;
    })
    .join('\n');
}
