import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { FIXTURES } from './memoryHost';

/** A completion case of test/fixtures/assist/cases.yaml (see its header). */
export interface CompletionCase {
  name: string;
  text: string;
  labels: string[];
  replaced?: string;
  detail?: Record<string, string>;
}

/** A hover case of test/fixtures/assist/cases.yaml. */
export interface HoverCase {
  name: string;
  text: string;
  range: string | null;
  contains?: string[];
}

/** The cases: `completion` and `hover` in policy files, `manifest` completion in agent manifests. */
export function assistCases(): { completion: CompletionCase[]; hover: HoverCase[]; manifest: CompletionCase[] } {
  return parse(fs.readFileSync(path.join(FIXTURES, 'assist', 'cases.yaml'), 'utf8')) as { completion: CompletionCase[]; hover: HoverCase[]; manifest: CompletionCase[] };
}

/** The text without its `|`, and the cursor's UTF-16 offset. */
export function cursor(text: string): { text: string; offset: number } {
  const offset = text.indexOf('|');
  assert.ok(offset >= 0 && text.indexOf('|', offset + 1) < 0, 'a case has exactly one | (the cursor)');
  return { text: text.slice(0, offset) + text.slice(offset + 1), offset };
}
