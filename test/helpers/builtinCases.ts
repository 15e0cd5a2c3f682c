import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { FIXTURES } from './memoryHost';

/** The cases of test/fixtures/builtins/cases.yaml (see its header). */
export interface BuiltinCases {
  hover: { name: string; text: string; range: string | null; contains?: string[] }[];
  methods: { name: string; text: string; methods: string[] | 'all' }[];
  signature: { name: string; text: string; label: string | null; active?: number }[];
}

export function builtinCases(): BuiltinCases {
  return parse(fs.readFileSync(path.join(FIXTURES, 'builtins', 'cases.yaml'), 'utf8')) as BuiltinCases;
}
