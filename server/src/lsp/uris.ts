import { fileURLToPath, pathToFileURL } from 'node:url';
import { toCorePath, toNativePath } from '../node/fsHost';

/** A `file:` URI as the core's POSIX path, or undefined for any other scheme or a malformed URI. */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return toCorePath(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}

export function pathToUri(p: string): string {
  return pathToFileURL(toNativePath(p)).href;
}
