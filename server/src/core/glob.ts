import picomatch from 'picomatch';
import { joinPath, relativeTo } from './text';

const matchers = new Map<string, (p: string) => boolean>();

function matcher(glob: string): (p: string) => boolean {
  let m = matchers.get(glob);
  if (!m) {
    m = picomatch(glob, { dot: false });
    matchers.set(glob, m);
  }
  return m;
}

/**
 * Whether `file` (absolute) matches `glob`, which is relative to `dir`. Leading `./` and `../` segments
 * move the base folder, so `../shared/*.cedar` works.
 */
export function matchesGlob(dir: string, glob: string, file: string): boolean {
  let base = dir;
  let rest = glob;
  for (;;) {
    if (rest.startsWith('./')) rest = rest.slice(2);
    else if (rest.startsWith('../')) {
      const up = joinPath(base, '..');
      if (!up) return false;
      base = up;
      rest = rest.slice(3);
    } else break;
  }
  const rel = relativeTo(base, file);
  return rel !== undefined && rel !== '' && matcher(rest)(rel);
}
