import { resolveTargets, type Target } from '../node/workspace';

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
