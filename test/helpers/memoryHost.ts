import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProjectHost } from '../../server/src/core/project';
import { isRelevantFile } from '../../server/src/node/fsHost';

/** A project host over an in-memory set of files (absolute core paths → text). */
export class MemoryHost implements ProjectHost {
  constructor(readonly root: string, readonly files: Map<string, string>) {}

  static fromDir(dir: string, root = '/ws'): MemoryHost {
    const files = new Map<string, string>();
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const full = path.join(d, e.name);
        if (e.isDirectory()) walk(full);
        else if (isRelevantFile(e.name)) files.set(`${root}/${path.relative(dir, full).split(path.sep).join('/')}`, fs.readFileSync(full, 'utf8'));
      }
    };
    walk(dir);
    return new MemoryHost(root, files);
  }

  static of(files: Record<string, string>, root = '/ws'): MemoryHost {
    return new MemoryHost(root, new Map(Object.entries(files).map(([k, v]) => [`${root}/${k}`, v])));
  }

  listFiles(): string[] {
    return [...this.files.keys()].filter(isRelevantFile).sort();
  }

  readFile(p: string): string | undefined {
    return this.files.get(p);
  }
}

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const FIXTURES = path.join(REPO, 'test', 'fixtures');
