import { generateCedarModel, type CedarModel } from './cedar/schemaGen';
import { PolicyCache, checkPolicyFileSteps, runToEnd, type PolicyFileResult } from './cedar/policyCheck';
import { defaultConfig, effectiveSeverity, type LintConfig } from './config';
import { matchesGlob } from './glob';
import { loadManifest, type ManifestHost, type ManifestResult } from './manifest/load';
import { DEFAULT_POLICY_GLOBS, isManifestFile, isPolicyFile, isToolListFile, type Manifest } from './manifest/model';
import { parseToolList } from './manifest/toolList';
import { basename, dirname, hashText, joinPath, LineIndex } from './text';
import type { CoreDiagnostic, Finding } from './types';

/** What the project needs from its adapter (language server, CLI, tests): files and their texts. */
export interface ProjectHost extends ManifestHost {
  /** Absolute paths of every manifest, policy file and tool list in the workspace. */
  listFiles(): string[];
}

export interface ManifestEntry {
  file: string;
  result: ManifestResult;
  manifest?: Manifest;
  model?: CedarModel;
  /** Findings of the schema generator (in the manifest or in an imported tool list). */
  modelFindings: Finding[];
  textHash: string;
  importHashes: Map<string, string>;
}

export interface FileReport {
  file: string;
  diagnostics: CoreDiagnostic[];
}

export interface PolicyFileAnalysis {
  file: string;
  text: string;
  manifest?: ManifestEntry;
  result: PolicyFileResult;
}

/**
 * The workspace as the core sees it: manifests, the policy files they cover, the tool lists they import.
 * Pure: every text comes from the host. Results are cached by content, so asking again is cheap.
 */
export class Project {
  readonly cache: PolicyCache;
  config: LintConfig = defaultConfig();
  private manifests = new Map<string, ManifestEntry>();

  constructor(readonly host: ProjectHost, cache?: PolicyCache) {
    this.cache = cache ?? new PolicyCache();
  }

  /** The manifest at `file`, parsed, resolved and turned into a Cedar model (cached while its text and imports are unchanged). */
  manifest(file: string): ManifestEntry | undefined {
    const text = this.host.readFile(file);
    if (text === undefined) {
      this.manifests.delete(file);
      return undefined;
    }
    const textHash = hashText(text);
    const hit = this.manifests.get(file);
    if (hit && hit.textHash === textHash && [...hit.importHashes].every(([f, h]) => hashOf(this.host.readFile(f)) === h)) return hit;
    const result = loadManifest(file, text, this.host);
    const entry: ManifestEntry = { file, result, manifest: result.manifest, modelFindings: [], textHash, importHashes: new Map() };
    for (const imp of result.manifest?.imports ?? []) entry.importHashes.set(imp, hashOf(result.texts.get(imp)));
    // A missing import must be noticed when it appears, so remember it as "absent".
    for (const s of result.manifest?.servers ?? []) {
      const missing = s.importPath && !s.importFile ? joinPath(result.manifest!.dir, s.importPath) : undefined;
      if (missing) entry.importHashes.set(missing, hashOf(undefined));
    }
    if (result.manifest) {
      const gen = generateCedarModel(result.manifest, result.sources);
      entry.model = gen.model;
      entry.modelFindings = gen.findings;
    }
    this.manifests.set(file, entry);
    return entry;
  }

  manifestFiles(): string[] {
    return this.host.listFiles().filter(isManifestFile).sort();
  }

  allManifests(): ManifestEntry[] {
    return this.manifestFiles()
      .map((f) => this.manifest(f))
      .filter((m): m is ManifestEntry => m !== undefined);
  }

  /** The manifest whose `policies` globs cover `policyFile`: the closest one (deepest folder), then by path. */
  coveringManifest(policyFile: string): ManifestEntry | undefined {
    // A manifest too broken to read its `policies` still claims the default globs, so that its policy files
    // say "the manifest has errors" rather than "no manifest".
    const globsOf = (e: ManifestEntry) => e.manifest?.policyGlobs ?? DEFAULT_POLICY_GLOBS;
    const covering = this.allManifests().filter((e) => globsOf(e).some((g) => matchesGlob(dirname(e.file), g, policyFile)));
    covering.sort((a, b) => dirname(b.file).length - dirname(a.file).length || a.file.localeCompare(b.file));
    return covering[0];
  }

  /** Policy files covered by a manifest (each assigned to its closest manifest only). */
  policyFilesOf(entry: ManifestEntry): string[] {
    return this.host
      .listFiles()
      .filter(isPolicyFile)
      .filter((f) => this.coveringManifest(f)?.file === entry.file)
      .sort();
  }

  /** Files whose diagnostics may change when `file` changes (including `file` itself). */
  dependentsOf(file: string): string[] {
    const out = new Set<string>([file]);
    const manifests = isManifestFile(file) ? [this.manifest(file)] : isToolListFile(file) ? this.allManifests().filter((m) => m.importHashes.has(file)) : [];
    for (const m of manifests) {
      if (!m) continue;
      out.add(m.file);
      for (const p of this.policyFilesOf(m)) out.add(p);
      for (const imp of m.importHashes.keys()) out.add(imp);
    }
    return [...out];
  }

  /** Analyses a policy file against its covering manifest. A generator: the server pauses between steps. */
  *analysePolicyFileSteps(file: string, text: string): Generator<void, PolicyFileAnalysis> {
    const manifest = this.coveringManifest(file);
    const schema = manifest?.model ? { schema: manifest.model.schema, key: manifest.model.key } : undefined;
    const result = yield* checkPolicyFileSteps(text, schema, this.cache);
    return { file, text, manifest, result };
  }

  /** Diagnostics of one file, whatever its kind. */
  *checkSteps(file: string): Generator<void, FileReport> {
    const text = this.host.readFile(file);
    if (text === undefined) return { file, diagnostics: [] };
    const findings: Finding[] = [];
    if (isManifestFile(file)) {
      const m = this.manifest(file);
      if (m) findings.push(...(m.result.findings.get(file) ?? []), ...m.modelFindings.filter((f) => !f.file || f.file === file));
    } else if (isPolicyFile(file)) {
      const a = yield* this.analysePolicyFileSteps(file, text);
      findings.push(...a.result.findings);
      const first = a.result.policies[0]?.slice.headSpan ?? a.result.policies[0]?.slice.bodySpan;
      if (!a.manifest) findings.push(notCovered(text, first, 'no agent manifest covers this file, so only its syntax is checked; add it to a manifest\'s `policies` globs to validate it against the tools'));
      else if (!a.manifest.model) findings.push(notCovered(text, first, `only the syntax of this file is checked: its manifest \`${basename(a.manifest.file)}\` has errors that prevent generating the Cedar schema`));
    } else if (isToolListFile(file)) {
      const importers = this.allManifests().filter((m) => m.importHashes.has(file));
      if (importers.length === 0) findings.push(...parseToolList(text).findings);
      for (const m of importers) findings.push(...(m.result.findings.get(file) ?? []), ...m.modelFindings.filter((f) => f.file === file));
    }
    return { file, diagnostics: this.toDiagnostics(file, text, dedupe(findings)) };
  }

  check(file: string): FileReport {
    return runToEnd(this.checkSteps(file));
  }

  /** Places findings of `file` as diagnostics, applying rule levels. */
  toDiagnostics(file: string, text: string, findings: Finding[]): CoreDiagnostic[] {
    const index = new LineIndex(text);
    const out: CoreDiagnostic[] = [];
    const otherIndexes = new Map<string, LineIndex | undefined>();
    const indexOf = (f: string) => {
      if (f === file) return index;
      if (!otherIndexes.has(f)) {
        const t = this.host.readFile(f);
        otherIndexes.set(f, t === undefined ? undefined : new LineIndex(t));
      }
      return otherIndexes.get(f);
    };
    for (const f of findings) {
      const severity = effectiveSeverity(this.config, f.code, f.severity);
      if (!severity) continue;
      const d: CoreDiagnostic = { file, range: index.range(f.span), severity, code: f.code, message: f.message };
      if (f.policyId) d.policyId = f.policyId;
      if (f.related?.length) {
        d.related = f.related.flatMap((r) => {
          const ix = indexOf(r.file);
          return ix ? [{ file: r.file, range: ix.range(r.span), message: r.message }] : [];
        });
      }
      if (f.fixes?.length) {
        d.fixes = f.fixes.map((fx) => ({
          title: fx.title,
          preferred: fx.preferred,
          edits: fx.edits.flatMap((e) => {
            const ix = indexOf(e.file);
            return ix ? [{ file: e.file, range: ix.range(e.span), newText: e.newText }] : [];
          }),
        }));
      }
      out.push(d);
    }
    out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    return out;
  }
}

function hashOf(text: string | undefined): string {
  return text === undefined ? '-' : hashText(text);
}

function notCovered(text: string, at: { start: number; end: number } | undefined, message: string): Finding {
  const span = at ?? { start: 0, end: Math.max(0, text.indexOf('\n') < 0 ? text.length : text.indexOf('\n')) };
  return { code: 'policy-not-covered', message, span };
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.code}|${f.span.start}|${f.span.end}|${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
