import * as path from 'node:path';
import { readFrom, refusalMessage } from '../core/manifest/load';
import { isManifestFile, type Manifest } from '../core/manifest/model';
import type { ManifestEntry, Project } from '../core/project';
import { toNativePath } from '../node/fsHost';
import { projectFor, resolveTargets, type Target } from '../node/workspace';

/**
 * The workspaces of the PATHs a command was given, with the notes printed; undefined after printing the errors (the
 * command then exits 2). One place for what every command does first.
 */
export function targetsOrReport(paths: string[], io: { err: (s: string) => void; cwd: string }): Target[] | undefined {
  const { targets, errors, notes } = resolveTargets(paths, io.cwd);
  if (errors.length) {
    for (const e of errors) io.err(`agent-policy: ${e}`);
    return undefined;
  }
  for (const n of notes) io.err(`agent-policy: note: ${n}`);
  return targets;
}

/** A command's one manifest: the workspace of `where` (a manifest, or a folder with exactly one), loaded. */
export interface OneManifest {
  target: Target;
  file: string;
  project: Project;
  entry: ManifestEntry & { manifest: Manifest };
  /** A path as the user sees it: relative to the current folder. */
  rel: (file: string) => string;
}

/**
 * Finds and loads the one manifest a command works on, or prints why not and gives the exit code: 2 when there is
 * none, several, or it cannot be read; 1 when it has errors that prevent `purpose` ("computing the access map").
 */
export function oneManifestOrReport(where: string | undefined, purpose: string, io: { err: (s: string) => void; cwd: string }): OneManifest | number {
  const targets = targetsOrReport(where ? [where] : [], io);
  if (!targets) return 2;
  const target = targets[0]!;
  const manifests = target.files.filter(isManifestFile);
  const rel = (f: string) => path.relative(io.cwd, toNativePath(f)).split(path.sep).join('/') || '.';
  if (manifests.length === 0) {
    io.err(`agent-policy: no agent manifest (*.agents.yaml, agents.yaml, *.agents.json) in ${where ?? '.'}`);
    return 2;
  }
  if (manifests.length > 1) {
    io.err(`agent-policy: several manifests here; choose one with --manifest (or a PATH):\n${manifests.map((m) => `  ${rel(m)}`).join('\n')}`);
    return 2;
  }
  const file = manifests[0]!;
  const project = projectFor(target);
  const read = readFrom(project.host, file);
  if ('refused' in read) {
    io.err(`agent-policy: ${rel(file)}: ${refusalMessage(read)}`);
    return 2;
  }
  const entry = project.manifest(file);
  if (!entry?.manifest || !entry.model) {
    io.err(`agent-policy: ${rel(file)} has errors that prevent ${purpose}: fix them first (agent-policy check ${rel(file)})`);
    return 1;
  }
  return { target, file, project, entry: entry as ManifestEntry & { manifest: Manifest }, rel };
}
