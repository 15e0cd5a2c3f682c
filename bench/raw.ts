/**
 * The raw engine as a process of its own, for the references of bench/lsp.ts that need one:
 *
 *   node out/bench/raw.js check SCHEMA.json POLICY_FILE...   reads the files, checkParsePolicySet + strict validate
 *                                                            of the whole set (the CLI `check` CPU reference)
 *   node out/bench/raw.js check-json SCHEMA.json POLICY_FILE...
 *                                                            the same, then the JSON of every policy, one
 *                                                            policyToJson each (the least a linter that reads each
 *                                                            policy's structure must add: the floor of `check`)
 *   node out/bench/raw.js hold SCHEMA.json POLICY_FILE...    preparses the set and the schema and reports the
 *                                                            process's VmRSS while it holds them (the memory reference)
 *
 * Prints one JSON line. It uses cedar-wasm as anyone would, with nothing of ours: the schema is the one the bench
 * generated from the manifest beforehand (so generating it is not part of the reference), and V8 keeps its
 * default flags (no v8guard: two engine calls cannot meet the Node 20 deoptimisation crash it works around).
 */
import * as fs from 'node:fs';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';

function rssBytes(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

const [mode, schemaFile, ...policyFiles] = process.argv.slice(2);
if ((mode !== 'check' && mode !== 'check-json' && mode !== 'hold') || !schemaFile || policyFiles.length === 0) {
  console.error('usage: node out/bench/raw.js check|check-json|hold SCHEMA.json POLICY_FILE...');
  process.exit(2);
}
const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as cedar.SchemaJson<string>;
const text = policyFiles.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
const t0 = process.hrtime.bigint();
if (mode === 'check' || mode === 'check-json') {
  const parsed = cedar.checkParsePolicySet({ staticPolicies: text });
  const v = cedar.validate({ schema, policies: { staticPolicies: text }, validationSettings: { mode: 'strict' } });
  let json = 0;
  if (mode === 'check-json') {
    const parts = cedar.policySetTextToParts(text);
    if (parts.type === 'success') for (const p of parts.policies) if (cedar.policyToJson(p).type === 'success') json++;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(JSON.stringify({ ms, parsed: parsed.type, errors: v.type === 'success' ? v.validationErrors.length : -1, json }));
} else {
  const p = cedar.preparsePolicySet('raw-set', { staticPolicies: text });
  const s = cedar.preparseSchema('raw-schema', schema);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(JSON.stringify({ ms, preparsed: p.type, schema: s.type, rss: rssBytes() }));
}
