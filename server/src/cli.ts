import './node/v8guard';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { SEVERITY_ORDER, type CoreDiagnostic, type Severity } from './core/types';
import { isManifestFile } from './core/manifest/model';
import { projectFor, resolveTargets } from './node/workspace';
import { toNativePath, toCorePath } from './node/fsHost';
import { cedarVersion } from './core/cedar/engine';
import { toGithubAnnotations, toSarif } from './report';

const USAGE = `agent-policy — check, lint and simulate Cedar policies for AI agents

Usage:
  agent-policy check [PATH...] [--format pretty|json|sarif|github] [--fail-level error|warning|info]
  agent-policy schema [PATH]
  agent-policy --version | --help

PATH is a file or folder (default: the current folder).
Exit codes: 0 nothing at or above the fail level, 1 something is, 2 usage error or unreadable input.`;

class UsageError extends Error {}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  cwd: string;
  color: boolean;
}

export function main(argv: string[], io: Io): number {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'check':
        return check(rest, io);
      case 'schema':
        return schema(rest, io);
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
    if (err instanceof UsageError || (err instanceof Error && 'code' in err && String((err as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
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
    options: { format: { type: 'string', short: 'f' }, 'fail-level': { type: 'string' } },
  });
  const format = oneOf(values.format, ['pretty', 'json', 'sarif', 'github'] as const, 'pretty', '--format');
  const failLevel = oneOf(values['fail-level'], ['error', 'warning', 'info'] as const, 'error', '--fail-level');
  const { targets, errors } = resolveTargets(positionals, io.cwd);
  if (errors.length) {
    for (const e of errors) io.err(`agent-policy: ${e}`);
    return 2;
  }
  const diagnostics: CoreDiagnostic[] = [];
  for (const t of targets) {
    const project = projectFor(t);
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
  const { targets, errors } = resolveTargets(positionals, io.cwd);
  if (errors.length) {
    for (const e of errors) io.err(`agent-policy: ${e}`);
    return 2;
  }
  const target = targets[0];
  const manifestFile = target?.files.find(isManifestFile);
  if (!target || !manifestFile) {
    io.err(`agent-policy: no agent manifest (*.agents.yaml, agents.yaml, *.agents.json) in ${positionals[0] ?? '.'}`);
    return 2;
  }
  const entry = projectFor(target).manifest(manifestFile);
  if (!entry?.model) {
    io.err(`agent-policy: cannot generate a Cedar schema from ${path.relative(io.cwd, toNativePath(manifestFile)) || manifestFile}: fix its errors first (agent-policy check ${path.relative(io.cwd, toNativePath(manifestFile))})`);
    return 1;
  }
  io.out(entry.model.text.trimEnd());
  return 0;
}

if (require.main === module) {
  const color = !!process.stdout.isTTY && !process.env.NO_COLOR;
  const code = main(process.argv.slice(2), {
    out: (s) => process.stdout.write(s + '\n'),
    err: (s) => process.stderr.write(s + '\n'),
    cwd: toNativePath(toCorePath(process.cwd())),
    color,
  });
  process.exitCode = code;
}
