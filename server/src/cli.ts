import './node/v8guard';
import { targetsOrReport } from './cli/targets';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { SEVERITY_ORDER, type CoreDiagnostic, type Severity } from './core/types';
import { isManifestFile } from './core/manifest/model';
import { projectFor } from './node/workspace';
import { readRegularFile, toNativePath, toCorePath } from './node/fsHost';
import { readFrom, refusalMessage } from './core/manifest/load';
import { cedarVersion } from './core/cedar/engine';
import { toGithubAnnotations, toSarif } from './report';
import type { PolicyRef } from './core/simulate';
import { coverageJson, coveragePretty, coverageProperties, type PolicyPlace } from './cli/coverage';
import type { ScenarioCoverage } from './core/analysis/coverage';
import { explanationHeading, policyFinding } from './core/explain';
import { suiteProblem, type ScenarioOutcome, type SuiteProblem } from './core/scenarios';
import { LineIndex } from './core/text';
import { accessCommand, AccessUsage, ACCESS_USAGE } from './cli/access';
import { diffCommand, DiffUsage, DIFF_USAGE, replayCommand } from './cli/diff';

const USAGE = `agent-policy — check, lint and simulate Cedar policies for AI agents

Usage:
  agent-policy check [PATH...] [--format pretty|json|sarif|github] [--fail-level error|warning|info] [--schema FILE]
  agent-policy simulate --agent ID --tool NAME [--args JSON|@file] [--context JSON|@file]
                        [--via AGENT]... [--manifest FILE] [--format pretty|json] [--explain]
  agent-policy test [PATH...] [--format pretty|json|junit] [--coverage]
  ${ACCESS_USAGE}
  ${DIFF_USAGE}
  agent-policy schema [PATH]
  agent-policy tools pull|check|servers …   (agent-policy tools --help)
  agent-policy --version | --help

PATH is a file or folder (default: the current folder).
test --coverage also reports which policies and tools the scenarios exercise; it never changes the exit code.
Exit codes: check 0 when nothing is at or above the fail level, 1 when something is; simulate 0 allow,
1 deny; test 0 all scenarios pass, 1 any fails or cannot run (a manifest that does not load, no scenarios
at all); access 0 when the map is printed, 1 when the manifest has errors that prevent it; diff 0, or 1 with
--fail-on when a widening (or any change) is found; replay 0 when no call's decision differs, 1 when some do; every
command 2 for a usage error or unreadable input.`;

class UsageError extends Error {}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  cwd: string;
  color: boolean;
}

export function main(argv: string[], io: Io): number | Promise<number> {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'check':
        return check(rest, io);
      case 'schema':
        return schema(rest, io);
      case 'simulate':
        return simulateCommand(rest, io);
      case 'test':
        return testCommand(rest, io);
      case 'access':
        return accessCommand(rest, io);
      case 'diff':
        return diffCommand(rest, io);
      case 'replay':
        return replayCommand(rest, io);
      case 'tools':
        // Loaded on demand: the MCP SDK is not something `check` or `simulate` should pay for at start-up.
        return import('./cli/tools.js').then(({ toolsCommand }) => toolsCommand(rest, io)).catch((err: unknown) => {
          io.err(`agent-policy: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
          return 2;
        });
      case '--version':
      case '-v':
        io.out(`agent-policy ${VERSION} (Cedar ${cedarVersion()})`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command \`${command}\``);
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof AccessUsage || err instanceof DiffUsage || (err instanceof Error && 'code' in err && String((err as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
      io.err(`agent-policy: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    io.err(`agent-policy: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 2;
  }
}

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], def: T, flag: string): T {
  if (value === undefined) return def;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got \`${value}\`)`);
}

function check(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: 'string', short: 'f' }, 'fail-level': { type: 'string' }, schema: { type: 'string' } },
  });
  const format = oneOf(values.format, ['pretty', 'json', 'sarif', 'github'] as const, 'pretty', '--format');
  // The Cedar schema of plain Cedar files whose folder and workspace root hold none (or several): as the
  // `agentPolicy.cedarSchemaPath` setting, but relative to the current folder. It must be inside the workspace.
  const schema = values.schema ? toCorePath(path.resolve(io.cwd, values.schema)) : undefined;
  const failLevel = oneOf(values['fail-level'], ['error', 'warning', 'info'] as const, 'error', '--fail-level');
  const targets = targetsOrReport(positionals, io);
  if (!targets) return 2;
  const diagnostics: CoreDiagnostic[] = [];
  for (const t of targets) {
    const project = projectFor(t);
    project.settingsSchemaPath = schema;
    for (const f of t.files) diagnostics.push(...project.check(f).diagnostics);
  }
  const rel = (f: string) => path.relative(io.cwd, toNativePath(f)).split(path.sep).join('/') || '.';
  const summary = { error: 0, warning: 0, info: 0 };
  for (const d of diagnostics) summary[d.severity]++;
  if (format === 'json') {
    const out = {
      version: 1,
      diagnostics: diagnostics.map((d) => ({
        file: rel(d.file),
        severity: d.severity,
        code: d.code,
        message: d.message,
        range: d.range,
        ...(d.policyId ? { policyId: d.policyId } : {}),
      })),
      summary,
    };
    io.out(JSON.stringify(out, null, 2));
  } else if (format === 'sarif') {
    io.out(JSON.stringify(toSarif(diagnostics, rel, VERSION), null, 2));
  } else if (format === 'github') {
    const lines = toGithubAnnotations(diagnostics, rel);
    if (lines) io.out(lines);
  } else {
    io.out(pretty(diagnostics, rel, io.color, summary));
  }
  return diagnostics.some((d) => SEVERITY_ORDER[d.severity] >= SEVERITY_ORDER[failLevel]) ? 1 : 0;
}

function pretty(diags: CoreDiagnostic[], rel: (f: string) => string, color: boolean, summary: Record<Severity, number>): string {
  const c = (code: number, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const sev: Record<Severity, string> = { error: c(31, 'error'), warning: c(33, 'warning'), info: c(36, 'info') };
  const lines: string[] = [];
  const byFile = new Map<string, CoreDiagnostic[]>();
  for (const d of diags) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  for (const [file, ds] of byFile) {
    lines.push(c(4, rel(file)));
    for (const d of ds) {
      const [first, ...more] = d.message.split('\n');
      const pos = `${d.range.start.line + 1}:${d.range.start.character + 1}`;
      lines.push(`  ${pos.padEnd(8)} ${sev[d.severity]}${' '.repeat(8 - d.severity.length)} ${first}  ${c(2, d.code)}`);
      for (const m of more) lines.push(`  ${' '.repeat(8)} ${' '.repeat(8)} ${c(2, m)}`);
    }
    lines.push('');
  }
  const total = summary.error + summary.warning + summary.info;
  lines.push(total === 0 ? c(32, '✔ no problems') : `${summary.error ? c(31, '✖') : '⚠'} ${total} problem${total === 1 ? '' : 's'} (${summary.error} error${summary.error === 1 ? '' : 's'}, ${summary.warning} warning${summary.warning === 1 ? '' : 's'}, ${summary.info} info)`);
  return lines.join('\n');
}

function schema(args: string[], io: Io): number {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length > 1) throw new UsageError('schema takes at most one PATH');
  const targets = targetsOrReport(positionals, io);
  if (!targets) return 2;
  const target = targets[0];
  const manifestFile = target?.files.find(isManifestFile);
  if (!target || !manifestFile) {
    io.err(`agent-policy: no agent manifest (*.agents.yaml, agents.yaml, *.agents.json) in ${positionals[0] ?? '.'}`);
    return 2;
  }
  const project = projectFor(target);
  const read = readFrom(project.host, manifestFile);
  if ('refused' in read) {
    io.err(`agent-policy: ${rel(io, manifestFile)}: ${refusalMessage(read)}`);
    return 2;
  }
  const entry = project.manifest(manifestFile);
  if (!entry?.model) {
    io.err(`agent-policy: cannot generate a Cedar schema from ${path.relative(io.cwd, toNativePath(manifestFile)) || manifestFile}: fix its errors first (agent-policy check ${path.relative(io.cwd, toNativePath(manifestFile))})`);
    return 1;
  }
  io.out(entry.model.text.trimEnd());
  return 0;
}

class InputError extends Error {}

/** `--args @file` and `--context @file` read at most this many bytes (a call's arguments, not a data set). */
export const MAX_ARG_FILE_BYTES = 1024 * 1024;

/** A JSON argument given inline or as `@file` (a regular file of at most MAX_ARG_FILE_BYTES). */
function jsonArg(value: string | undefined, flag: string, cwd: string): unknown {
  if (value === undefined) return undefined;
  let text = value;
  if (value.startsWith('@')) {
    const r = readRegularFile(path.resolve(cwd, value.slice(1)), MAX_ARG_FILE_BYTES);
    if ('missing' in r) throw new InputError(`${flag} ${value}: no such file`);
    if ('refused' in r) throw new InputError(`${flag} ${value}: ${refusalMessage(r)}`);
    text = r.text;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // V8 quotes the text around the error: it may be a secret or a file's content, so only the reason is kept.
    const why = (err instanceof Error ? err.message : String(err)).replace(/, .*is not valid JSON$/s, '').replace(/^(Unexpected token '.'?).*$/s, '$1');
    const at = /at position (\d+)/.exec(err instanceof Error ? err.message : String(err));
    if (value.startsWith('@')) throw new InputError(`${flag} ${value}: not valid JSON${at ? ` (at position ${at[1]})` : ''}`);
    throw new InputError(`${flag}: not valid JSON (${why})`);
  }
}

function simulateCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: false,
    options: {
      agent: { type: 'string' },
      tool: { type: 'string' },
      args: { type: 'string' },
      context: { type: 'string' },
      via: { type: 'string', multiple: true },
      manifest: { type: 'string' },
      format: { type: 'string', short: 'f' },
      explain: { type: 'boolean' },
    },
  });
  void positionals;
  const format = oneOf(values.format, ['pretty', 'json'] as const, 'pretty', '--format');
  if (!values.agent || !values.tool) throw new UsageError('simulate needs --agent and --tool');
  let input;
  try {
    input = { agent: values.agent, tool: values.tool, args: jsonArg(values.args, '--args', io.cwd) ?? {}, context: jsonArg(values.context, '--context', io.cwd) ?? {}, via: values.via ?? [], explain: values.explain === true };
  } catch (err) {
    if (err instanceof InputError) {
      io.err(`agent-policy: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const targets = targetsOrReport(values.manifest ? [values.manifest] : [], io);
  if (!targets) return 2;
  const target = targets[0]!;
  const manifests = target.files.filter(isManifestFile);
  if (manifests.length === 0) {
    io.err(`agent-policy: no agent manifest found${values.manifest ? ` at ${values.manifest}` : ' in the current folder'} (use --manifest FILE)`);
    return 2;
  }
  if (manifests.length > 1) {
    io.err(`agent-policy: several manifests here; choose one with --manifest:\n${manifests.map((m) => `  ${rel(io, m)}`).join('\n')}`);
    return 2;
  }
  const project = projectFor(target);
  const read = readFrom(project.host, manifests[0]!);
  if ('refused' in read) {
    io.err(`agent-policy: ${rel(io, manifests[0]!)}: ${refusalMessage(read)}`);
    return 2;
  }
  // The result comes redacted from the core (CI logs keep what is printed): never print `input` itself.
  const r = project.simulate(manifests[0], input);
  // One line index per file: 10,000 determining policies in one file must not index it 10,000 times.
  const indexes = new Map<string, LineIndex>();
  const where = (ref: PolicyRef) => {
    let ix = indexes.get(ref.file);
    if (!ix) indexes.set(ref.file, (ix = new LineIndex(project.host.readFile(ref.file) ?? '')));
    return { id: ref.id, file: rel(io, ref.file), range: ix.range(ref.span) };
  };
  if (format === 'json') {
    io.out(
      JSON.stringify(
        {
          decision: r.decision,
          determining: r.determining.map(where),
          errors: r.errors.map((e) => ({ policyId: e.id, message: e.message })),
          failOpenRisk: r.failOpenRisk,
          cannotEvaluate: r.cannotEvaluate,
          requestErrors: r.requestErrors,
          request: r.request ?? null,
          ...(values.explain ? { explanation: r.explanation ? { ...r.explanation, policies: r.explanation.policies.map((p) => ({ ...p, ...where(p), span: undefined, finding: policyFinding(p) })) } : null } : {}),
        },
        null,
        2,
      ),
    );
  } else {
    const c = (code: number, s: string) => (io.color ? `\u001b[${code}m${s}\u001b[0m` : s);
    const lines = [r.decision === 'allow' ? c(32, '✓ ALLOW') : c(31, '✗ DENY'), `  ${r.reason}`];
    if (r.chain.length > 1) for (const step of r.chain) lines.push(`  ${step.decision === 'allow' ? '✓' : '✗'} ${step.agent}: ${step.reason}`);
    for (const d of r.determining) {
      const w = where(d);
      lines.push(`  ${d.effect ?? 'policy'} ${d.id}  ${w.file}:${w.range.start.line + 1}:${w.range.start.character + 1}`);
    }
    for (const e of r.requestErrors) lines.push(c(31, `  request error: ${e}`));
    for (const e of r.errors) lines.push(c(33, `  ${e.effect ?? 'policy'} ${e.id} errored: ${e.message}`));
    if (r.failOpenRisk) lines.push(c(33, '  ⚠ fail-open risk: a forbid errored and Cedar skipped it'));
    for (const n of r.notes) lines.push(c(2, `  note: ${n}`));
    if (values.explain) {
      const x = r.explanation;
      lines.push(`  why: ${x ? explanationHeading(x) : 'the call was not decided by the policies, so there is nothing to explain'}`);
      for (const p of x?.policies ?? []) {
        const w = where(p);
        const mark = p.status === 'out-of-scope' ? c(2, '·') : p.status === 'applies' ? c(32, '✓') : p.status === 'errored' ? c(33, '!') : c(31, '✗');
        lines.push(`    ${mark} ${p.effect ?? 'policy'} ${p.id}  ${w.file}:${w.range.start.line + 1}:${w.range.start.character + 1}`, `        ${policyFinding(p)}`);
      }
    }
    if (r.request) lines.push(c(2, `  request: ${JSON.stringify({ principal: r.request.principal, action: r.request.action, resource: r.request.resource, context: r.request.context })}`));
    io.out(lines.join('\n'));
  }
  return r.decision === 'allow' ? 0 : 1;
}

interface Suite {
  file: string;
  outcomes: ScenarioOutcome[];
  /** Why the manifest's scenarios could not run (the suite fails). */
  error?: string;
  /** With `--coverage`: what its scenarios exercise, and where its policies are. */
  coverage?: { data: ScenarioCoverage; place: PolicyPlace };
}

/** A suite that cannot run is a failed suite: a manifest that does not load, no Cedar schema, no scenarios at all. */
const NO_SCENARIOS = 'no scenarios found: a suite that cannot run fails (add scenarios to an agent manifest)';

function testCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string', short: 'f' }, coverage: { type: 'boolean' } } });
  const format = oneOf(values.format, ['pretty', 'json', 'junit'] as const, 'pretty', '--format');
  const withCoverage = values.coverage === true;
  const targets = targetsOrReport(positionals, io);
  if (!targets) return 2;
  const suites: Suite[] = [];
  for (const t of targets) {
    const project = projectFor(t);
    for (const f of t.files.filter(isManifestFile)) {
      const read = readFrom(project.host, f);
      if ('refused' in read) {
        suites.push({ file: f, outcomes: [], error: refusalMessage(read) });
        continue;
      }
      const entry = project.manifest(f);
      if (!entry) {
        suites.push({ file: f, outcomes: [], error: 'the manifest cannot be read' });
        continue;
      }
      // Checked before looking for scenarios: a manifest that does not load may have lost them.
      const problem = suiteProblem(entry);
      if (problem) {
        suites.push({ file: f, outcomes: [], error: describeSuiteProblem(problem, project, io) });
        continue;
      }
      // With --coverage a manifest without scenarios is reported too: nothing of it is exercised.
      if (!entry.manifest?.scenarios.length && !withCoverage) continue;
      const suite: Suite = { file: f, outcomes: project.runScenarios(entry) };
      if (withCoverage) suite.coverage = { data: project.scenarioCoverage(entry), place: placer(project, io) };
      suites.push(suite);
    }
  }
  const passed = suites.reduce((n, s) => n + s.outcomes.filter((o) => o.passed).length, 0);
  const failed = suites.reduce((n, s) => n + s.outcomes.filter((o) => !o.passed).length, 0);
  const total = passed + failed;
  const broken = suites.filter((s) => s.error).length;
  const noScenarios = total === 0 && broken === 0;
  const errorCount = broken + (noScenarios ? 1 : 0);
  if (format === 'json') {
    io.out(
      JSON.stringify(
        {
          version: 1,
          ...(noScenarios ? { error: NO_SCENARIOS } : {}),
          manifests: suites.map((s) => ({
            file: rel(io, s.file),
            ...(s.error ? { error: s.error } : {}),
            scenarios: s.outcomes.map((o) => ({
              name: o.scenario.name,
              expect: o.scenario.expect,
              decision: o.result.decision,
              passed: o.passed,
              summary: o.summary,
              determining: o.result.determining.map((d) => d.id),
              ...(o.result.requestErrors.length ? { requestErrors: o.result.requestErrors } : {}),
            })),
            ...(s.coverage ? { coverage: coverageJson(s.coverage.data, s.coverage.place) } : {}),
          })),
          summary: { passed, failed, errors: errorCount },
        },
        null,
        2,
      ),
    );
  } else if (format === 'junit') {
    io.out(junit(suites, rel.bind(null, io), noScenarios));
  } else {
    const c = (code: number, s: string) => (io.color ? `\u001b[${code}m${s}\u001b[0m` : s);
    const lines: string[] = [];
    for (const s of suites) {
      lines.push(c(4, rel(io, s.file)));
      if (s.error) lines.push(c(31, `  ✗ ${s.error}`));
      for (const o of s.outcomes) lines.push(`  ${o.passed ? c(32, '✓') : c(31, '✗')} ${o.scenario.name}  ${c(2, o.summary.replace(/^[✓✗] /, ''))}`);
      if (s.coverage) lines.push(...coveragePretty(s.coverage.data, s.coverage.place, io.color));
      lines.push('');
    }
    if (noScenarios) lines.push(c(31, NO_SCENARIOS));
    const head = [broken ? c(31, `${broken} manifest${broken === 1 ? '' : 's'} could not run`) : '', failed ? c(31, `${failed} failed`) : '', !errorCount && !failed ? c(32, 'all passed') : ''].filter((x) => x);
    lines.push(`${head.length ? `${head.join(', ')}, ` : ''}${passed} passed (${total} scenarios)`);
    io.out(lines.join('\n'));
  }
  return failed > 0 || errorCount > 0 ? 1 : 0;
}

/** Which manifest and why, without quoting the files: the number of errors and where the first one is. */
function describeSuiteProblem(p: SuiteProblem, project: ReturnType<typeof projectFor>, io: Io): string {
  const first = p.errors[0];
  const where = first ? `, the first at ${rel(io, first.file)}:${positionOf(project, first.file, first.span.start)}` : '';
  const count = p.errors.length ? `: ${p.errors.length} manifest-invalid error${p.errors.length === 1 ? '' : 's'}${where}` : '';
  const what = p.kind === 'load' ? 'the manifest does not load' : 'the Cedar schema cannot be generated from the manifest';
  return `${what}${count}; run \`agent-policy check\` for the details`;
}

/** Where a policy is, relative to the current folder (one line index per file, made when first asked). */
function placer(project: ReturnType<typeof projectFor>, io: Io): PolicyPlace {
  const indexes = new Map<string, LineIndex>();
  return (p) => {
    let ix = indexes.get(p.file);
    if (!ix) indexes.set(p.file, (ix = new LineIndex(project.host.readFile(p.file) ?? '')));
    return { file: rel(io, p.file), range: ix.range(p.span) };
  };
}

function positionOf(project: ReturnType<typeof projectFor>, file: string, offset: number): string {
  const p = new LineIndex(project.host.readFile(file) ?? '').positionAt(offset);
  return `${p.line + 1}:${p.character + 1}`;
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JUnit XML: a manifest that could not run is a test case with an `<error>`, and so is "no scenarios at all". */
function junit(suites: Suite[], rel: (f: string) => string, noScenarios: boolean): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const total = suites.reduce((n, s) => n + s.outcomes.length + (s.error ? 1 : 0), 0) + (noScenarios ? 1 : 0);
  const failures = suites.reduce((n, s) => n + s.outcomes.filter((o) => !o.passed).length, 0);
  const errors = suites.filter((s) => s.error).length + (noScenarios ? 1 : 0);
  out.push(`<testsuites name="agent-policy scenarios" tests="${total}" failures="${failures}" errors="${errors}">`);
  for (const s of suites) {
    const name = rel(s.file);
    const f = s.outcomes.filter((o) => !o.passed).length;
    out.push(`  <testsuite name="${xml(name)}" tests="${s.outcomes.length + (s.error ? 1 : 0)}" failures="${f}" errors="${s.error ? 1 : 0}">`);
    if (s.coverage) out.push('    <properties>', ...coverageProperties(s.coverage.data, s.coverage.place).map(([k, v]) => `      <property name="${xml(k)}" value="${xml(v)}"/>`), '    </properties>');
    if (s.error) out.push(`    <testcase classname="${xml(name)}" name="manifest"><error message="${xml(s.error)}"/></testcase>`);
    for (const o of s.outcomes) {
      const head = `    <testcase classname="${xml(name)}" name="${xml(o.scenario.name)}"`;
      if (o.passed) out.push(`${head}/>`);
      else out.push(`${head}><failure message="${xml(o.summary.replace(/^✗ /, ''))}">${xml([...o.result.requestErrors, ...o.result.notes].join('\n'))}</failure></testcase>`);
    }
    out.push('  </testsuite>');
  }
  if (noScenarios) {
    out.push('  <testsuite name="agent-policy" tests="1" failures="0" errors="1">');
    out.push(`    <testcase classname="agent-policy" name="scenarios"><error message="${xml(NO_SCENARIOS)}"/></testcase>`);
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n');
}

function rel(io: Io, f: string): string {
  return path.relative(io.cwd, toNativePath(f)).split(path.sep).join('/') || '.';
}

if (require.main === module) {
  const color = !!process.stdout.isTTY && !process.env.NO_COLOR;
  void Promise.resolve(
    main(process.argv.slice(2), {
      out: (s) => process.stdout.write(s + '\n'),
      err: (s) => process.stderr.write(s + '\n'),
      cwd: toNativePath(toCorePath(process.cwd())),
      color,
    }),
  ).then((code) => {
    process.exitCode = code;
  });
}
