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

/**
 * Converted once per path: every simulation answer and publication names its files, and `pathToFileURL` took 2.4% of
 * the worker's time in a simulation burst at 10k. Bounded: forgotten wholesale past `URI_MEMO_MAX` paths.
 */
const uriMemo = new Map<string, string>();
const URI_MEMO_MAX = 50_000;

export function pathToUri(p: string): string {
  let uri = uriMemo.get(p);
  if (uri === undefined) {
    if (uriMemo.size >= URI_MEMO_MAX) uriMemo.clear();
    uri = pathToFileURL(toNativePath(p)).href;
    uriMemo.set(p, uri);
  }
  return uri;
}
