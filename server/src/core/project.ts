import { generateCedarModel, type CedarModel } from './cedar/schemaGen';
import { isCedarSchemaFile, loadCedarSchema, type CedarSchemaFile } from './cedar/cedarSchema';
import { PolicyCache, checkPolicyFileSteps, runToEnd, type PolicyFileResult, type SplitBase } from './cedar/policyCheck';
import { effectiveSeverity, ruleLevel, ruleOption, type LintConfig } from './config';
import { CONFIG_FILE, mergeConfig, parseConfigFile, type RulesSetting } from './configFile';
import { withEngineHelp } from './cedar/fixes';
import { policyReferences } from './cedar/references';
import { leftOutReads } from './rules/argument-not-in-cedar';
import { LINT_RULES, type AccessRule, type ManifestRule, type PolicyRule, type PolicySetRule } from './rules';
import type { SetMember } from './rules/meta';
import { accessMapSteps, updatedAccessMapSteps, type AccessMap } from './analysis/access';
import { scenarioCoverage, type ScenarioCoverage } from './analysis/coverage';
import { simulate, warmSteps, type PolicySetInput, type SimulationInput, type SimulationResult } from './simulate';
import { judgeScenario, scenarioFinding, type ScenarioOutcome } from './scenarios';
import { splitPoliciesSteps, tokenizeSteps } from './cedar/split';
import { applySuppressions, cedarSuppressions, yamlSuppressions } from './suppress';
import type { PolicyInfo } from './cedar/policyCheck';
import { matchesGlob } from './glob';
import { loadManifest, readFrom, refusalMessage, type ManifestHost, type ManifestResult, type ReadRefusal } from './manifest/load';
import { DEFAULT_NAMESPACE, DEFAULT_POLICY_GLOBS, isManifestFile, isPolicyFile, isToolListFile, type Manifest } from './manifest/model';
import { parseToolList } from './manifest/toolList';
import { basename, dirname, hashText, joinPath, LineIndex, lineContentEnd, relativeTo } from './text';
import { isPlainObject, parseYaml } from './yamlDoc';
import { TimeSlice } from './timeSlice';
import type { CoreDiagnostic, Finding, Fix } from './types';

/** What the project needs from its adapter (language server, CLI, tests): files and their texts. */
export interface ProjectHost extends ManifestHost {
  /** Absolute paths of every manifest, policy file and tool list in the workspace. */
  listFiles(): readonly string[];
}

/**
 * A loaded manifest. Its Cedar model is generated on first use: deciding which manifest covers a policy file
 * needs only the manifests' globs, so the manifests of a large repository are not all turned into schemas.
 */
export class ManifestEntry {
  /** The texts of the tool lists it imports (undefined: missing), by file: a change to one reloads the manifest. */
  readonly imports = new Map<string, string | undefined>();
  private generated: { model?: CedarModel; findings: Finding[] } | undefined;
  private static serial = 0;
  /** Changes whenever the manifest is loaded again (cheap identity for caches that depend on it). */
  readonly serial = ++ManifestEntry.serial;

  constructor(
    readonly file: string,
    readonly result: ManifestResult,
    readonly text: string,
  ) {}

  get manifest(): Manifest | undefined {
    return this.result.manifest;
  }

  private generate() {
    this.generated ??= this.result.manifest ? generateCedarModel(this.result.manifest, this.result.sources) : { findings: [] };
    return this.generated;
  }

  get model(): CedarModel | undefined {
    return this.generate().model;
  }

  /** Findings of the schema generator (in the manifest or in an imported tool list). */
  get modelFindings(): Finding[] {
    return this.generate().findings;
  }
}

/**
 * What deciding coverage needs of a manifest, read without loading it: its `policies` globs and the tool lists it
 * imports. Loading a manifest resolves its imports and compiles every input schema; a check of one folder of a
 * repository must not pay that for the manifests of the other folders.
 */
export interface ManifestOutline {
  globs: string[];
  /** Absolute paths of the tool lists its servers import (inside the workspace or not: only compared). */
  imports: string[];
  /** Changes whenever the outline is read from a new text. */
  serial: number;
}

/** The outline of a manifest's text: as `loadManifest` reads the same fields (a manifest it cannot read claims the default globs). */
export function outlineOf(file: string, text: string, serial: number): ManifestOutline {
  const value = parseYaml(text, 'manifest-invalid', file.endsWith('.json') ? 'json' : 'yaml').source.value;
  const outline: ManifestOutline = { globs: DEFAULT_POLICY_GLOBS, imports: [], serial };
  if (!isPlainObject(value)) return outline;
  if (Array.isArray(value.policies)) outline.globs = value.policies.filter((g): g is string => typeof g === 'string' && g.length > 0);
  if (isPlainObject(value.servers)) {
    for (const s of Object.values(value.servers)) {
      const imp = isPlainObject(s) && isPlainObject(s.tools) ? s.tools.$import : undefined;
      const target = typeof imp === 'string' && !imp.startsWith('/') ? joinPath(dirname(file), imp) : undefined;
      if (target) outline.imports.push(target);
    }
  }
  // Hand-written Cedar schemas merged into the generated one.
  if (Array.isArray(value.schema)) {
    for (const rel of value.schema) {
      const target = typeof rel === 'string' && rel && !rel.startsWith('/') ? joinPath(dirname(file), rel) : undefined;
      if (target) outline.imports.push(target);
    }
  }
  return outline;
}

export interface FileReport {
  file: string;
  diagnostics: CoreDiagnostic[];
}

export interface CheckOptions {
  /** Run the security lint (default true). Engine checks always run. */
  lint?: boolean;
  /**
   * The access-map rules: `compute` the map when it is out of date (the CLI, tests), or use it only when it is
   * `cached` and up to date (the language server computes it after the edited file's diagnostics, see
   * `accessFindingsSteps` and `takeAccessChanges`). Default `compute`.
   */
  access?: 'compute' | 'cached';
}

export interface PolicyFileAnalysis {
  file: string;
  text: string;
  manifest?: ManifestEntry;
  /** For a file no manifest covers: the Cedar schema chosen for it (see `Project.plainSchemaFor`). */
  plain?: PlainSchemaChoice;
  result: PolicyFileResult;
}

/**
 * The hand-written Cedar schema of a policy file that no manifest covers, chosen as the official Cedar extension
 * does: the one schema file in the policy's folder, else the one at the workspace root, else the
 * `agentPolicy.cedarSchemaPath` setting (`--schema` on the command line). Several schema files in the folder that
 * decides (or at the root) are ambiguous: the setting chooses then, and without it none is chosen.
 */
export type PlainSchemaChoice =
  | { file: string; from: 'folder' | 'root' | 'setting'; schema?: CedarSchemaFile; unread?: string }
  | { ambiguous: string[] }
  | { none: true };

/**
 * The workspace as the core sees it: manifests, the policy files they cover, the tool lists they import.
 * Pure: every text comes from the host. Results are cached by content, so asking again is cheap.
 */
export class Project {
  readonly cache: PolicyCache;
  /** The editor's `agentPolicy.rules` setting; `.agent-policy.yaml` wins over it for the rules it sets. */
  settingsRules: RulesSetting | undefined;
  /** The editor's `agentPolicy.cedarSchemaPath` (or the CLI's `--schema`): relative to the workspace root, or absolute. */
  settingsSchemaPath: string | undefined;
  private schemaMemo = new Map<string, { text: string; entry: CedarSchemaFile }>();
  private manifests = new Map<string, ManifestEntry>();
  private outlines = new Map<string, { text: string; outline: ManifestOutline }>();
  private outlineSerial = 0;
  private analyses = new Map<string, { text: string; key: string; analysis: PolicyFileAnalysis }>();
  /** Per policy file, the last split (stored as soon as it is made, before the rest of its check): the next edit's start. */
  private bases = new Map<string, SplitBase>();
  private idsCache = new Map<string, { text: string; members: SetMember[] }>();
  private coverage = new Map<string, { key: string; files: string[]; listing: readonly string[]; serials: string }>();
  /** The manifests of the last listing the host handed out (a host that lists the same array has the same files). */
  private manifestListing: { listing: readonly string[]; files: string[] } | undefined;
  private accessMemo = new Map<string, { entry: ManifestEntry; lists: PolicyInfo[][]; set: PolicySetInput; map: AccessMap }>();
  /** How many cells the last access map computation evaluated (all of them, or the slice an edit can affect): for tests and benches. */
  lastAccessCellsEvaluated = 0;
  /** Per manifest: the access rules' findings by file, for the map and configuration they were computed from. */
  private accessRuleMemo = new Map<string, { map: AccessMap; key: string; byFile: Map<string, Finding[]>; texts: Map<string, string | undefined> }>();
  /** Files whose access findings changed since `takeAccessChanges` was last asked. */
  private accessChanged = new Set<string>();
  /** Files last checked without some of their access findings (out of date, and not placeable): see accessFindingsFor. */
  private readonly droppedAccess = new Set<string>();
  private scenarioMemo = new Map<string, { entry: ManifestEntry; lists: PolicyInfo[][]; outcomes: ScenarioOutcome[] }>();
  /** Coverage by the outcomes it was computed from (the outcomes are the same array while the manifest and its policies are). */
  private coverageMemo = new WeakMap<ScenarioOutcome[], ScenarioCoverage>();
  private configMemo: { key: string; config: LintConfig; findings: Finding[] } | undefined;
  /** Per policy file: the findings of each policy's references and rules, relative to the policy's start. */
  private policyMemo = new Map<string, PolicyMemo>();
  /** Per manifest (or lone file): the set rules' findings by file, for the member lists they were computed from. */
  private setMemo = new Map<string, { key: string; lists: { file: string; members: PolicyInfo[] | SetMember[] }[]; byFile: Map<string, Finding[]> }>();

  constructor(readonly host: ProjectHost, cache?: PolicyCache) {
    this.cache = cache ?? new PolicyCache();
  }

  get configFile(): string {
    return `${this.host.root}/${CONFIG_FILE}`;
  }

  /** The lint configuration in force (cached while `.agent-policy.yaml` and the settings are unchanged). */
  get config(): LintConfig {
    return this.configState().config;
  }

  private configState() {
    const text = this.host.readFile(this.configFile);
    const key = `${hashOf(text)}|${JSON.stringify(this.settingsRules ?? null)}`;
    if (this.configMemo?.key !== key) {
      const parsed = text === undefined ? undefined : parseConfigFile(text);
      this.configMemo = { key, config: mergeConfig(parsed?.config, this.settingsRules), findings: parsed?.findings ?? [] };
    }
    return this.configMemo;
  }

  isIgnored(file: string): boolean {
    const ignore = this.config.ignore;
    return ignore.length > 0 && ignore.some((g) => matchesGlob(this.host.root, g, file));
  }

  /** The manifest at `file`, parsed, resolved and turned into a Cedar model (cached while its text and imports are unchanged). */
  manifest(file: string): ManifestEntry | undefined {
    const text = this.host.readFile(file);
    if (text === undefined) {
      this.manifests.delete(file);
      return undefined;
    }
    // Texts are compared, not hashed: the host hands back the same string while a file is unchanged.
    const hit = this.manifests.get(file);
    if (hit && hit.text === text && [...hit.imports].every(([f, t]) => this.host.readFile(f) === t)) return hit;
    const result = loadManifest(file, text, this.host);
    const entry = new ManifestEntry(file, result, text);
    for (const imp of result.manifest?.imports ?? []) entry.imports.set(imp, result.texts.get(imp));
    // A missing import must be noticed when it appears, so remember it as absent. An import refused for
    // leaving the workspace is not remembered: it is never read again, and the manifest stays cached.
    for (const absent of result.absentImports) entry.imports.set(absent, undefined);
    this.manifests.set(file, entry);
    return entry;
  }

  manifestFiles(): string[] {
    const listing = this.host.listFiles();
    if (this.manifestListing?.listing !== listing) this.manifestListing = { listing, files: listing.filter(isManifestFile).sort() };
    return [...this.manifestListing.files];
  }

  /** The hand-written Cedar schema at `file`, read with Cedar (cached while its text is unchanged). */
  cedarSchema(file: string): CedarSchemaFile | undefined {
    const text = this.host.readFile(file);
    if (text === undefined) {
      this.schemaMemo.delete(file);
      return undefined;
    }
    const hit = this.schemaMemo.get(file);
    if (hit && hit.text === text) return hit.entry;
    const entry = loadCedarSchema(file, text);
    this.schemaMemo.set(file, { text, entry });
    return entry;
  }

  /** The schema file the setting names (absolute core path), when it is set. */
  private settingSchemaFile(): string | undefined {
    const s = this.settingsSchemaPath?.trim();
    if (!s) return undefined;
    return joinPath(this.host.root, s.replace(/\\/g, '/'));
  }

  /** The Cedar schema of a policy file that no manifest covers (see `PlainSchemaChoice`). */
  plainSchemaFor(policyFile: string): PlainSchemaChoice {
    const schemas = this.host.listFiles().filter(isCedarSchemaFile);
    const setting = this.settingSchemaFile();
    const choose = (file: string, from: 'folder' | 'root' | 'setting'): PlainSchemaChoice => {
      const read = readFrom(this.host, file);
      if ('refused' in read) return { file, from, unread: refusalMessage(read) };
      if ('missing' in read) return { file, from, unread: 'it does not exist' };
      return { file, from, schema: this.cedarSchema(file) };
    };
    const folders = [dirname(policyFile), this.host.root].filter((d, i, all) => all.indexOf(d) === i);
    for (const [i, dir] of folders.entries()) {
      const here = schemas.filter((f) => dirname(f) === dir);
      if (here.length === 1) return choose(here[0]!, i === 0 && dir !== this.host.root ? 'folder' : 'root');
      if (here.length > 1) return setting ? choose(setting, 'setting') : { ambiguous: here };
    }
    return setting ? choose(setting, 'setting') : { none: true };
  }

  /** The outline of the manifest at `file` (cached while its text is unchanged), or undefined when it has no text. */
  outline(file: string): ManifestOutline | undefined {
    const text = this.host.readFile(file);
    if (text === undefined) {
      this.outlines.delete(file);
      return undefined;
    }
    const hit = this.outlines.get(file);
    if (hit && hit.text === text) return hit.outline;
    const outline = outlineOf(file, text, ++this.outlineSerial);
    this.outlines.set(file, { text, outline });
    return outline;
  }

  /** The manifests that import the tool list `file` (only those are loaded). */
  importersOf(file: string): ManifestEntry[] {
    return this.manifestFiles()
      .filter((f) => this.outline(f)?.imports.includes(file))
      .map((f) => this.manifest(f))
      .filter((m): m is ManifestEntry => m !== undefined && m.imports.has(file));
  }

  allManifests(): ManifestEntry[] {
    return this.manifestFiles()
      .map((f) => this.manifest(f))
      .filter((m): m is ManifestEntry => m !== undefined);
  }

  /**
   * The manifest whose `policies` globs cover `policyFile`: the closest one (deepest folder), then by path. Decided on
   * the manifests' outlines: only the one chosen is loaded.
   */
  coveringManifest(policyFile: string): ManifestEntry | undefined {
    const file = this.coveringManifestFile(policyFile);
    return file === undefined ? undefined : this.manifest(file);
  }

  private coveringManifestFile(policyFile: string): string | undefined {
    // A manifest too broken to read its `policies` still claims the default globs (the outline says so), so that its
    // policy files say "the manifest has errors" rather than "no manifest".
    const covering = this.manifestFiles().filter((f) => this.outline(f)?.globs.some((g) => matchesGlob(dirname(f), g, policyFile)));
    covering.sort((a, b) => dirname(b).length - dirname(a).length || a.localeCompare(b));
    return covering[0];
  }

  /** Policy files covered by a manifest (each assigned to its closest manifest only). Memoised while the files and manifests' outlines are the same. */
  policyFilesOf(entry: ManifestEntry): string[] {
    const listing = this.host.listFiles();
    const serials = this.manifestFiles().map((f) => this.outline(f)?.serial ?? '-').join(',');
    const hit = this.coverage.get(entry.file);
    // The same listing (the very array: a simulation asks several times between two changes) and the same manifests.
    if (hit && hit.listing === listing && hit.serials === serials) return hit.files;
    const policyFiles = listing.filter(isPolicyFile);
    const key = `${serials}|${policyFiles.join('\n')}`;
    if (hit && hit.key === key) {
      hit.listing = listing;
      return hit.files;
    }
    const files = policyFiles.filter((f) => this.coveringManifestFile(f) === entry.file).sort();
    this.coverage.set(entry.file, { key, files, listing, serials });
    return files;
  }

  /** Files whose diagnostics may change when `file` changes (including `file` itself). */
  dependentsOf(file: string): string[] {
    if (file === this.configFile) return [file, ...this.host.listFiles()];
    const out = new Set<string>([file]);
    // A schema file (added, changed, removed) decides what the policy files that no manifest covers are validated against.
    if (isCedarSchemaFile(file) || file === this.settingSchemaFile()) {
      for (const p of this.host.listFiles().filter(isPolicyFile)) if (this.coveringManifestFile(p) === undefined) out.add(p);
      // And a manifest that merges it (`schema: [...]`): the manifest, and the policies validated against it.
      for (const mf of this.manifestFiles().filter((f) => this.outline(f)?.imports.includes(file))) {
        const m = this.manifest(mf);
        if (!m) continue;
        out.add(m.file);
        for (const p of this.policyFilesOf(m)) out.add(p);
      }
      return [...out];
    }
    // The files last checked under this manifest, too: an edit can shrink what it covers (a broken manifest claims the
    // default globs, a fixed one its own), or remove it, and those files must be checked again without it.
    if (isManifestFile(file)) for (const [f, a] of this.analyses) if (a.analysis.manifest?.file === file) out.add(f);
    const manifests = isManifestFile(file) ? [this.manifest(file)] : isToolListFile(file) ? this.importersOf(file) : [];
    for (const m of manifests) {
      if (!m) continue;
      out.add(m.file);
      for (const p of this.policyFilesOf(m)) out.add(p);
      for (const imp of m.imports.keys()) out.add(imp);
    }
    // Policy ids are unique per policy set: a policy file's siblings may gain or lose a duplicate; and the
    // manifest's scenarios are simulated against the policies.
    if (isPolicyFile(file)) {
      const m = this.coveringManifest(file);
      if (m) {
        out.add(m.file);
        for (const p of this.policyFilesOf(m)) out.add(p);
      }
    }
    return [...out];
  }

  /** Analyses a policy file against its covering manifest (cached by text and schema). A generator: the server pauses between steps. */
  *analysePolicyFileSteps(file: string, text: string, covering?: ManifestEntry): Generator<void, PolicyFileAnalysis> {
    const manifest = covering ?? this.coveringManifest(file);
    const plain = manifest ? undefined : this.plainSchemaFor(file);
    const own = plain && 'file' in plain ? plain.schema?.schema : undefined;
    const schema = manifest?.model
      ? { schema: manifest.model.schema, key: manifest.model.key }
      : own && plain && 'file' in plain
        ? { schema: own, key: plain.schema!.key, plain: true }
        : undefined;
    // The text itself is part of the key (comparing strings is cheaper than hashing 5 MB).
    // Without a manifest, how the schema was chosen is part of the key too (ambiguous, missing…: the notice it gives).
    const key = `${schema?.key ?? '-'}|${manifest?.file ?? (plain ? plainKey(plain) : '-')}`;
    const hit = this.analyses.get(file);
    if (hit && hit.key === key && hit.text === text && hit.analysis.manifest === manifest) return hit.analysis;
    // The last split of this file, whatever its schema: its tokens and policies make the split incremental. The split
    // moves its tokens (they are not copied), so the analysis they came from is dropped: it no longer matches its text.
    const base = this.bases.get(file);
    if (base && hit && hit.analysis.result.tokens === base.tokens) this.analyses.delete(file);
    const result = yield* checkPolicyFileSteps(text, schema, this.cache, base, (b) => this.bases.set(file, b));
    const analysis: PolicyFileAnalysis = { file, text, manifest, result };
    if (plain) analysis.plain = plain;
    this.analyses.set(file, { text, key, analysis });
    return analysis;
  }

  /** The ids of a policy file's policies, without the engine (cached by text). */
  private *policyIdsSteps(file: string, text: string): Generator<void, SetMember[]> {
    const hit = this.idsCache.get(file);
    if (hit && hit.text === text) return hit.members;
    const time = new TimeSlice();
    const slices = yield* splitPoliciesSteps(text, yield* tokenizeSteps(text, time), time);
    const members = slices.map((sl) => ({ file, policyId: sl.id?.value ?? `policy${sl.index}`, id: sl.id, parsed: true }));
    this.idsCache.set(file, { text, members });
    return members;
  }

  /** Diagnostics of one file, whatever its kind. */
  *checkSteps(file: string, options: CheckOptions = {}): Generator<void, FileReport> {
    if (this.isIgnored(file)) return { file, diagnostics: [] };
    const read = readFrom(this.host, file);
    // A file the host refused (too large, not a file, outside the workspace) is not read: say so on its first line.
    if ('refused' in read) return { file, diagnostics: this.toDiagnostics(file, '', [notRead(file, read)]) };
    if ('missing' in read) return { file, diagnostics: [] };
    const text = read.text;
    const lint = options.lint !== false;
    const config = this.config;
    const on = (id: string) => ruleLevel(config, id) !== 'off';
    const findings: Finding[] = [];
    if (file === this.configFile) {
      findings.push(...this.configState().findings);
    } else if (isManifestFile(file)) {
      let notRun: ReadonlySet<string> = NONE_RUN;
      const m = this.manifest(file);
      if (m) {
        findings.push(...(m.result.findings.get(file) ?? []), ...m.modelFindings.filter((f) => !f.file || f.file === file));
        if (lint) findings.push(...this.manifestLint(m).filter((f) => !f.file || f.file === file));
        if (lint) notRun = yield* this.addAccessFindings(findings, m, file, options.access);
        if (m.model && m.manifest?.scenarios.length) {
          const agents = new Set(m.manifest.agents.map((a) => a.id));
          const tools = new Set(m.manifest.tools.map((t) => t.action));
          for (const o of yield* this.runScenariosSteps(m)) {
            // A scenario naming an agent or tool that does not exist is already an unknown-reference.
            const s = o.scenario;
            if (!agents.has(s.agent) || !tools.has(s.tool) || s.via.some((v) => !agents.has(v))) continue;
            const f = scenarioFinding(o);
            if (f) findings.push(f);
          }
        }
      }
      const kept = applySuppressions(findings.filter((f) => !f.file || f.file === file), yamlSuppressions(text), file, text, notRun);
      addYamlSuppressionFixes(kept, text, file);
      return { file, diagnostics: this.toDiagnostics(file, text, kept) };
    } else if (isPolicyFile(file)) {
      const a = yield* this.analysePolicyFileSteps(file, text);
      const { policies, tokens } = a.result;
      for (const f of a.result.findings) findings.push(withEngineHelp(f, file, text, tokens));
      const first = policies[0]?.slice.headSpan ?? policies[0]?.slice.bodySpan;
      if (!a.manifest) {
        const f = plainNotice(a.plain, this.host.root, text, first);
        if (f) findings.push(f);
      }
      else if (!a.manifest.model) findings.push(notCovered(text, first, `only the syntax of this file is checked: its manifest \`${basename(a.manifest.file)}\` has errors that prevent generating the Cedar schema`));
      const time = new TimeSlice();
      // References and per-policy rules depend on the policy's own text (and the manifest and configuration), so
      // their findings are kept per policy, relative to its start: an edit re-runs them for the policies it changed.
      const refsOn = !!(a.manifest?.manifest && a.manifest.model);
      // Without a manifest, only the rules that are about Cedar itself apply (not those about agents and tools).
      const inScope = (r: { meta: { scope: 'any' | 'manifest' } }) => !!a.manifest || r.meta.scope === 'any';
      const rules = lint ? LINT_RULES.filter((r): r is PolicyRule => r.kind === 'policy' && on(r.meta.id) && inScope(r)) : [];
      const validated = a.manifest ? !!a.manifest.model : !!(a.plain && 'file' in a.plain && a.plain.schema?.schema);
      const stamp = `${a.manifest?.serial ?? '-'}|${validated}|${this.configState().key}|${refsOn}|${rules.map((r) => r.meta.id).join(',')}`;
      const before = this.policyMemo.get(file);
      const memo: PolicyMemo = { stamp, findings: new Map() };
      this.policyMemo.set(file, memo);
      for (const p of policies) {
        if (time.due()) yield;
        const base = p.slice.span.start;
        const lead = text.slice(text.lastIndexOf('\n', base - 1) + 1, base);
        const k = `${p.key}\u0000${p.id}\u0000${lead}`;
        let rel = before?.stamp === stamp ? before.findings.get(k) : undefined;
        if (!rel) {
          const own: Finding[] = [];
          if (refsOn) own.push(...policyReferences(p, a.manifest!.manifest!, file, tokens), ...leftOutReads(p, a.manifest!.manifest!, a.manifest!.model!, tokens));
          // No rule fires on a policy that does not parse.
          if (p.json && rules.length) {
            const ctx = { file, text, policy: p as PolicyInfo & { json: NonNullable<PolicyInfo['json']> }, manifest: a.manifest?.manifest, model: a.manifest?.model, validated, namespace: a.manifest?.manifest?.namespace ?? DEFAULT_NAMESPACE, config };
            for (const r of rules) for (const f of r.check(ctx)) own.push({ policyId: p.id, ...f });
          }
          rel = own.length ? own.map((f) => shiftFinding(f, -base, file)) : NONE;
        }
        memo.findings.set(k, rel);
        for (const f of rel) findings.push(shiftFinding(f, base, file));
      }
      if (lint) {
        const setRules = LINT_RULES.filter((r): r is PolicySetRule => r.kind === 'set' && on(r.meta.id) && inScope(r));
        if (setRules.length) {
          const members = a.manifest ? this.policyFilesOf(a.manifest) : [file];
          // Each file's policies as the set rules see them: its analysis when at hand, else just its ids (cheap for a
          // 5 MB sibling). The lists keep their identity while a file is unchanged, so the rules run once per change
          // of the set, not once per file of it.
          const lists: { file: string; members: PolicyInfo[] | SetMember[] }[] = [];
          for (const f of members.includes(file) ? members : [...members, file]) {
            if (f === file) {
              lists.push({ file, members: policies });
              continue;
            }
            const otherText = this.host.readFile(f);
            if (otherText === undefined) continue;
            const cached = this.analyses.get(f);
            lists.push({ file: f, members: cached && cached.text === otherText ? cached.analysis.result.policies : yield* this.policyIdsSteps(f, otherText) });
          }
          const setKey = `${this.configState().key}|${setRules.map((r) => r.meta.id).join(',')}`;
          const memoKey = a.manifest?.file ?? file;
          let hit = this.setMemo.get(memoKey);
          if (!hit || hit.key !== setKey || hit.lists.length !== lists.length || hit.lists.some((l, i) => l.file !== lists[i]!.file || l.members !== lists[i]!.members)) {
            const set: SetMember[] = [];
            for (const l of lists) {
              if (time.due()) yield;
              for (const m of l.members) set.push('slice' in m ? { file: l.file, policyId: m.id, id: m.slice.id, parsed: !!m.json } : m);
            }
            const byFile = new Map<string, Finding[]>();
            for (const r of setRules) {
              for (const f of r.check({ policies: set, config })) {
                if (!f.file) continue;
                let list = byFile.get(f.file);
                if (!list) byFile.set(f.file, (list = []));
                list.push({ ...f, file: undefined });
              }
            }
            hit = { key: setKey, lists, byFile };
            this.setMemo.set(memoKey, hit);
          }
          // Copies: the findings of this check get fixes added below, the kept ones must not.
          for (const f of hit.byFile.get(file) ?? []) findings.push({ ...f });
        }
      }
      const notRunHere = lint && a.manifest ? yield* this.addAccessFindings(findings, a.manifest, file, options.access, policies) : NONE_RUN;
      const kept = applySuppressions(findings, cedarSuppressions(text, policies, tokens), file, text, notRunHere);
      for (const f of kept) f.fixes = [...(f.fixes ?? []), ...suppressionFix(f, policies, text, file)];
      return { file, diagnostics: this.toDiagnostics(file, text, dedupe(kept)) };
    } else if (isCedarSchemaFile(file)) {
      findings.push(...(this.cedarSchema(file)?.findings ?? []));
    } else if (isToolListFile(file)) {
      const importers = this.importersOf(file);
      if (importers.length === 0) findings.push(...parseToolList(text).findings);
      for (const m of importers) {
        findings.push(...(m.result.findings.get(file) ?? []), ...m.modelFindings.filter((f) => f.file === file));
        if (lint) findings.push(...this.manifestLint(m).filter((f) => f.file === file).map((f) => ({ ...f, file: undefined })));
        if (lint) findings.push(...(yield* this.accessFindingsFor(m, file, options.access)).findings);
      }
    }
    return { file, diagnostics: this.toDiagnostics(file, text, dedupe(findings)) };
  }

  /** The policy set of a manifest: every policy file it covers, analysed. */
  *policySetSteps(entry: ManifestEntry): Generator<void, PolicySetInput> {
    const files: PolicySetInput['files'] = [];
    const unread: NonNullable<PolicySetInput['unread']> = [];
    for (const f of this.policyFilesOf(entry)) {
      const read = readFrom(this.host, f);
      // A policy file that was not read may hold a forbid: the simulation must not decide without it.
      if ('refused' in read) unread.push({ file: f, message: refusalMessage(read) });
      if (!('text' in read)) continue;
      // `entry` covers every file of its set (policyFilesOf): no need to find each one's manifest again.
      const a = yield* this.analysePolicyFileSteps(f, read.text, entry);
      files.push({ file: f, policies: a.result.policies });
    }
    return unread.length ? { files, unread } : { files };
  }

  /** Simulates a tool call against a manifest (the closest one when `manifestFile` is not given). */
  simulate(manifestFile: string | undefined, input: SimulationInput): SimulationResult {
    const entry = manifestFile ? this.manifest(manifestFile) : this.allManifests()[0];
    const set = entry ? runToEnd(this.policySetSteps(entry)) : { files: [] };
    return simulate(entry, set, input);
  }

  /**
   * The access map of a manifest (every agent x tool), cached while the manifest and the analyses of its policy files
   * are the same objects (the project hands back the same ones while nothing changed). A generator, like the checks.
   */
  *accessMapSteps(entry: ManifestEntry): Generator<void, AccessMap> {
    const set = yield* this.policySetSteps(entry);
    const lists = set.files.map((f) => f.policies);
    const hit = this.accessMemo.get(entry.file);
    if (hit && hit.entry === entry && !set.unread && hit.lists.length === lists.length && lists.every((l, i) => l === hit.lists[i])) return hit.map;
    // The same manifest: only the cells the policies that changed can affect are evaluated again (see updatedAccessMapSteps).
    const { map, recomputed } = hit && hit.entry === entry ? yield* updatedAccessMapSteps(entry, { set: hit.set, map: hit.map }, set) : { map: yield* accessMapSteps(entry, set), recomputed: -1 };
    this.lastAccessCellsEvaluated = recomputed < 0 ? map.cells.length : recomputed;
    this.accessMemo.set(entry.file, { entry, lists, set, map });
    return map;
  }

  /** The access map of a manifest when it is up to date with the analyses at hand, without computing anything. */
  cachedAccessMap(entry: ManifestEntry): AccessMap | undefined {
    const memo = this.accessMemo.get(entry.file);
    if (!memo || memo.entry !== entry || !this.analysesMatch(entry, memo.lists)) return undefined;
    return memo.map;
  }

  /** The analyses at hand of a manifest's policy files are these lists (and of the current texts). */
  private analysesMatch(entry: ManifestEntry, lists: PolicyInfo[][]): boolean {
    const files = this.policyFilesOf(entry);
    if (files.length !== lists.length) return false;
    for (let i = 0; i < files.length; i++) {
      const cached = this.analyses.get(files[i]!);
      if (!cached || cached.text !== this.host.readFile(files[i]!) || cached.analysis.result.policies !== lists[i]) return false;
    }
    return true;
  }

  accessMap(entry: ManifestEntry): AccessMap {
    return runToEnd(this.accessMapSteps(entry));
  }

  /**
   * The access rules' findings of a manifest, by file (computing the map if it is out of date). Remembers which files'
   * findings changed, for `takeAccessChanges`.
   */
  *accessFindingsSteps(entry: ManifestEntry): Generator<void, Map<string, Finding[]>> {
    if (!this.accessRules().length || !entry.manifest || !entry.model) return new Map();
    const { rules, skipped } = this.accessBudget(entry);
    // Past every rule's `maxCells` the map is not computed at all: the manifest says so (see accessBudget).
    if (!rules.length) return new Map([[entry.file, skipped]]);
    const map = yield* this.accessMapSteps(entry);
    const key = this.accessRulesKey(rules);
    const hit = this.accessRuleMemo.get(entry.file);
    if (hit && hit.map === map && hit.key === key) return hit.byFile;
    const infos = new Map<string, PolicyInfo>();
    for (const f of this.policyFilesOf(entry)) for (const p of this.analyses.get(f)?.analysis.result.policies ?? []) infos.set(`${f}\u0000${p.slice.bodySpan.start}`, p);
    const byFile = new Map<string, Finding[]>(skipped.length ? [[entry.file, skipped]] : []);
    const ctx = { map, manifest: entry.manifest, policy: (r: { file: string; span: { start: number } }) => infos.get(`${r.file}\u0000${r.span.start}`), config: this.config };
    for (const r of rules) {
      for (const f of r.check(ctx)) {
        const at = f.file ?? entry.file;
        byFile.set(at, [...(byFile.get(at) ?? []), { ...f, file: undefined }]);
      }
    }
    const before = hit?.byFile;
    for (const f of new Set([...(before?.keys() ?? []), ...byFile.keys()])) {
      if (JSON.stringify(before?.get(f) ?? []) !== JSON.stringify(byFile.get(f) ?? [])) this.accessChanged.add(f);
    }
    for (const f of this.droppedAccess) this.accessChanged.add(f);
    this.droppedAccess.clear();
    this.accessRuleMemo.set(entry.file, { map, key, byFile, texts: new Map([...byFile.keys()].map((f) => [f, this.host.readFile(f)])) });
    return byFile;
  }

  /** Files whose access findings changed since the last call (the language server checks them again). */
  takeAccessChanges(): string[] {
    const out = [...this.accessChanged];
    this.accessChanged.clear();
    return out;
  }

  /**
   * The access rules that run for a manifest, and a note for each that does not: the map costs about 10 ms a cell (a
   * partial evaluation each), so past a rule's `maxCells` it says so on the manifest instead of holding `check` and the
   * editor for minutes (`agent-policy access` computes any map on demand).
   */
  private accessBudget(entry: ManifestEntry): { rules: AccessRule[]; skipped: Finding[] } {
    const m = entry.manifest!;
    const cells = m.agents.length * m.tools.length;
    const all = this.accessRules();
    const limit = (r: AccessRule) => Number(ruleOption(this.config, r.meta.id, 'maxCells'));
    const rules = all.filter((r) => cells <= limit(r));
    const skipped: Finding[] = all
      .filter((r) => cells > limit(r))
      .map((r) => ({
        code: r.meta.id,
        severity: 'info',
        span: { start: 0, end: 0 },
        message: `not computed: ${m.agents.length} agents × ${m.tools.length} tools make ${cells} cells, more than this rule's \`maxCells\` (${limit(r)}); raise it in the configuration, or run \`agent-policy access\``,
      }));
    return { rules, skipped };
  }

  private accessRules(): AccessRule[] {
    const config = this.config;
    return LINT_RULES.filter((r): r is AccessRule => r.kind === 'access' && ruleLevel(config, r.meta.id) !== 'off');
  }

  private accessRulesKey(rules: AccessRule[]): string {
    return `${this.configState().key}|${rules.map((r) => r.meta.id).join(',')}`;
  }

  /** The access findings of a manifest when they are up to date with the analyses at hand, without computing anything. */
  private freshAccessFindings(entry: ManifestEntry): Map<string, Finding[]> | undefined {
    const budget = entry.manifest ? this.accessBudget(entry) : undefined;
    if (budget && !budget.rules.length) return new Map([[entry.file, budget.skipped]]);
    const memo = this.accessMemo.get(entry.file);
    const rules = this.accessRuleMemo.get(entry.file);
    if (!memo || !rules || memo.entry !== entry || rules.map !== memo.map || rules.key !== this.accessRulesKey(this.accessRules())) return undefined;
    return this.analysesMatch(entry, memo.lists) ? rules.byFile : undefined;
  }

  /**
   * The access findings of `file`: `fresh` when they are up to date. Out of date (`cached` mode, the map not yet
   * recomputed after an edit) they are the last ones, so that they do not flicker while the user types: as they were
   * when the file's text is unchanged, else moved to the policy of the same id (those of no policy are dropped).
   */
  private *accessFindingsFor(entry: ManifestEntry, file: string, mode: CheckOptions['access'], policies?: PolicyInfo[]): Generator<void, { findings: Finding[]; fresh: boolean }> {
    if (!entry.manifest || !entry.model || !this.accessRules().length) return { findings: [], fresh: true };
    const byFile = mode === 'cached' ? this.freshAccessFindings(entry) : yield* this.accessFindingsSteps(entry);
    if (byFile) return { findings: (byFile.get(file) ?? []).map((f) => ({ ...f })), fresh: true };
    const last = this.accessRuleMemo.get(entry.file);
    const old = last?.byFile.get(file) ?? [];
    if (!last || !old.length) return { findings: [], fresh: false };
    if (last.texts.get(file) === this.host.readFile(file)) return { findings: old.map((f) => ({ ...f })), fresh: false };
    const byId = new Map<string, PolicyInfo>();
    for (const p of policies ?? []) if (!byId.has(p.id)) byId.set(p.id, p);
    const moved = old.flatMap((f) => {
      const p = f.policyId === undefined ? undefined : byId.get(f.policyId);
      return p ? [{ ...f, span: p.slice.headSpan ?? p.slice.bodySpan }] : [];
    });
    // Findings were dropped (a manifest's own, or those of a policy gone): the file is checked again once the map is
    // computed, even if the findings then come out as before (else they would stay dropped until the next edit).
    if (moved.length < old.length) this.droppedAccess.add(file);
    return { findings: moved, fresh: false };
  }

  /** Adds the access findings of `file` to `findings`; returns the access rules' ids when they are not up to date (see applySuppressions). */
  private *addAccessFindings(findings: Finding[], entry: ManifestEntry, file: string, mode: CheckOptions['access'], policies?: PolicyInfo[]): Generator<void, ReadonlySet<string>> {
    const found = yield* this.accessFindingsFor(entry, file, mode, policies);
    findings.push(...found.findings);
    if (!found.fresh) return new Set(this.accessRules().map((r) => r.meta.id));
    // Rules past their `maxCells` did not run either: their suppressions are not unused.
    const skipped = entry.manifest ? this.accessBudget(entry).skipped : [];
    return skipped.length ? new Set(skipped.map((f) => f.code)) : NONE_RUN;
  }

  /** Preparses, a group per step, what the next simulations against a manifest need (see warmSteps). */
  *warmSimulationSteps(entry: ManifestEntry): Generator<void, number> {
    const set = yield* this.policySetSteps(entry);
    return yield* warmSteps(entry, set);
  }

  /** Runs a manifest's scenarios. */
  *runScenariosSteps(entry: ManifestEntry): Generator<void, ScenarioOutcome[]> {
    const set = yield* this.policySetSteps(entry);
    // The same manifest and the same analyses (the check just ran them, the code lenses ask again): same outcomes.
    const lists = set.files.map((f) => f.policies);
    const hit = this.scenarioMemo.get(entry.file);
    if (hit && hit.entry === entry && hit.lists.length === lists.length && lists.every((l, i) => l === hit.lists[i])) return hit.outcomes;
    const out: ScenarioOutcome[] = [];
    for (const s of entry.manifest?.scenarios ?? []) {
      out.push(judgeScenario(s, simulate(entry, set, { agent: s.agent, tool: s.tool, args: s.args, context: s.context, via: s.via })));
    }
    this.scenarioMemo.set(entry.file, { entry, lists, outcomes: out });
    return out;
  }

  runScenarios(entry: ManifestEntry): ScenarioOutcome[] {
    return runToEnd(this.runScenariosSteps(entry));
  }

  /** The scenario coverage of a manifest (see analysis/coverage), kept while its scenarios' outcomes are the same. */
  scenarioCoverage(entry: ManifestEntry): ScenarioCoverage {
    const set = runToEnd(this.policySetSteps(entry));
    const outcomes = this.runScenarios(entry);
    const hit = this.coverageMemo.get(outcomes);
    if (hit) return hit;
    const coverage = scenarioCoverage(entry, set, outcomes);
    this.coverageMemo.set(outcomes, coverage);
    return coverage;
  }

  private manifestLint(m: ManifestEntry): Finding[] {
    const config = this.config;
    const out: Finding[] = [];
    for (const r of LINT_RULES) {
      if (r.kind !== 'manifest' || ruleLevel(config, r.meta.id) === 'off') continue;
      out.push(...(r as ManifestRule).check({ file: m.file, manifest: m.manifest, sources: m.result.sources, config }));
    }
    return out;
  }

  check(file: string, options: CheckOptions = {}): FileReport {
    return runToEnd(this.checkSteps(file, options));
  }

  /** Places findings of `file` as diagnostics, applying rule levels. */
  toDiagnostics(file: string, text: string, findings: Finding[]): CoreDiagnostic[] {
    if (findings.length === 0) return [];
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
    // Deterministic: the engine's order of several errors at one place may vary with what it validated alongside.
    out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.range.end.line - b.range.end.line || a.range.end.character - b.range.end.character || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
    return out;
  }
}

interface PolicyMemo {
  /** The manifest, configuration and rules the findings were computed under. */
  stamp: string;
  /** By policy key, id and the text before the policy on its first line. */
  findings: Map<string, Finding[]>;
}

const NONE: Finding[] = [];
const NONE_RUN: ReadonlySet<string> = new Set();

/** A finding moved by `d` characters in `file` (its span, and the related spans and fix edits in the same file). */
function shiftFinding(f: Finding, d: number, file: string): Finding {
  const here = !f.file || f.file === file;
  const out: Finding = here ? { ...f, span: { start: f.span.start + d, end: f.span.end + d } } : { ...f };
  if (f.related) out.related = f.related.map((r) => (r.file === file ? { ...r, span: { start: r.span.start + d, end: r.span.end + d } } : r));
  if (f.fixes) out.fixes = f.fixes.map((fx) => ({ ...fx, edits: fx.edits.map((e) => (e.file === file ? { ...e, span: { start: e.span.start + d, end: e.span.end + d } } : e)) }));
  return out;
}

function hashOf(text: string | undefined): string {
  return text === undefined ? '-' : hashText(text);
}

/** The finding of a file the host refused to read, on its first line (there is no text to point into). */
function notRead(file: string, read: { refused: ReadRefusal; detail: string }): Finding {
  const what = isPolicyFile(file) ? 'this policy file' : isCedarSchemaFile(file) ? 'this Cedar schema' : file.endsWith(`/${CONFIG_FILE}`) ? 'this lint configuration' : isManifestFile(file) ? 'this agent manifest' : isToolListFile(file) ? 'this MCP tool list' : 'this file';
  const message = `${what}: ${refusalMessage(read)}${file.endsWith(`/${CONFIG_FILE}`) ? '; the default lint configuration applies' : ''}`;
  return { code: isPolicyFile(file) ? 'cedar-syntax' : isCedarSchemaFile(file) ? 'cedar-schema' : 'manifest-invalid', message, span: { start: 0, end: 0 } };
}

/** How a plain schema was chosen, as a cache key: what the policy file's notice depends on besides the schema's text. */
function plainKey(plain: PlainSchemaChoice): string {
  if ('none' in plain) return 'none';
  if ('ambiguous' in plain) return `ambiguous:${plain.ambiguous.join('\n')}`;
  return `schema:${plain.from}:${plain.file}:${plain.unread ?? (plain.schema ? plain.schema.key : '-')}`;
}

/**
 * What a policy file that no manifest covers is told: which Cedar schema it is validated against when that cannot be
 * done (ambiguous, unreadable, rejected by Cedar), or that there is none. Nothing when it is validated.
 */
function plainNotice(plain: PlainSchemaChoice | undefined, root: string, text: string, first: { start: number; end: number } | undefined): Finding | undefined {
  const rel = (f: string) => relativeTo(root, f) ?? basename(f);
  if (!plain || 'none' in plain) {
    return notCovered(text, first, 'no agent manifest covers this file and no Cedar schema (`*.cedarschema`, `cedarschema.json`, `*.cedarschema.json`) was found in its folder or the workspace root, so only its syntax is checked; add a schema, set `agentPolicy.cedarSchemaPath`, or add the file to a manifest\'s `policies` globs');
  }
  if ('ambiguous' in plain) {
    const names = plain.ambiguous.map((f) => `\`${rel(f)}\``).join(', ');
    return notCovered(text, first, `several Cedar schemas could apply to this file (${names}), so none is chosen and only its syntax is checked: keep one schema per folder, or choose one with \`agentPolicy.cedarSchemaPath\` (\`--schema\` on the command line)`);
  }
  if (plain.unread !== undefined) {
    return notCovered(text, first, `only the syntax of this file is checked: its Cedar schema \`${rel(plain.file)}\` (from ${plain.from === 'setting' ? '`agentPolicy.cedarSchemaPath` or `--schema`' : `the ${plain.from === 'folder' ? 'file\'s folder' : 'workspace root'}`}) was not read: ${plain.unread}`);
  }
  if (!plain.schema?.schema) return notCovered(text, first, `only the syntax of this file is checked: its Cedar schema \`${rel(plain.file)}\` has errors`);
  return undefined;
}

function notCovered(text: string, at: { start: number; end: number } | undefined, message: string): Finding {
  const span = at ?? { start: 0, end: lineContentEnd(text, 0) };
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

/** "Suppress <rule> here": a `# agent-policy-ignore` comment above the finding's line, at its indentation. */
function addYamlSuppressionFixes(findings: Finding[], text: string, file: string): void {
  for (const f of findings) {
    if (f.code === 'unused-suppression') continue;
    const lineStart = text.lastIndexOf('\n', f.span.start - 1) + 1;
    const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
    f.fixes = [...(f.fixes ?? []), { title: `Suppress ${f.code} here`, edits: [{ file, span: { start: lineStart, end: lineStart }, newText: `${indent}# agent-policy-ignore ${f.code}\n` }] }];
  }
}

/** "Suppress <rule> for this policy": a comment on the line above the policy (or the rule added to one there). */
function suppressionFix(f: Finding, policies: PolicyInfo[], text: string, file: string): Fix[] {
  if (f.code === 'unused-suppression' || f.code === 'policy-not-covered') return [];
  const p = policies.find((x) => f.span.start >= x.slice.span.start && f.span.start <= x.slice.span.end);
  if (!p) return [];
  const existing = p.slice.leadingComments.find((c) => /^\/\/\s*agent-policy-ignore\b/.test(c.text));
  if (existing) {
    return [{ title: `Suppress ${f.code} for this policy`, edits: [{ file, span: { start: existing.span.end, end: existing.span.end }, newText: `, ${f.code}` }] }];
  }
  const at = p.slice.bodySpan.start;
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  return [{ title: `Suppress ${f.code} for this policy`, edits: [{ file, span: { start: lineStart, end: lineStart }, newText: `${indent}// agent-policy-ignore ${f.code}\n` }] }];
}
