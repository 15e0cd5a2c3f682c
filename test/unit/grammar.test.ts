import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vsctm from 'vscode-textmate';
import * as oniguruma from 'vscode-oniguruma';
import * as cedarWasm from '@cedar-policy/cedar-wasm/nodejs';

/**
 * The Cedar language support files: both TextMate grammars (tokenized with the same engine VS Code uses) and
 * the snippets (every body, once its tab stops are filled in, must parse with the Cedar engine).
 */

const GT_REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const GT_GRAMMAR_FILES: Record<string, string> = {
  'source.cedar': path.join(GT_REPO_ROOT, 'syntaxes', 'cedar.tmLanguage.json'),
  'source.cedarschema': path.join(GT_REPO_ROOT, 'syntaxes', 'cedarschema.tmLanguage.json'),
};
const GT_SNIPPETS_FILE = path.join(GT_REPO_ROOT, 'snippets', 'cedar.json');

// ---------------------------------------------------------------------------------------------------------------
// Tokenizing

interface GtToken {
  line: number;
  start: number;
  end: number;
  text: string;
  scopes: string[];
}

const gtGrammars = new Map<string, vsctm.IGrammar>();
let gtLoading: Promise<void> | undefined;

/** Loads both grammars once (the onig wasm can only be initialised once per process). */
function gtLoadGrammars(): Promise<void> {
  gtLoading ??= gtLoadGrammarsNow();
  return gtLoading;
}

async function gtLoadGrammarsNow(): Promise<void> {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM({ data: wasm });
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources: string[]) => new oniguruma.OnigScanner(sources),
      createOnigString: (text: string) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName: string) => {
      const file = GT_GRAMMAR_FILES[scopeName];
      return file ? vsctm.parseRawGrammar(fs.readFileSync(file, 'utf8'), file) : null;
    },
  });
  for (const scopeName of Object.keys(GT_GRAMMAR_FILES)) {
    const grammar = await registry.loadGrammar(scopeName);
    assert.ok(grammar, `grammar ${scopeName} did not load`);
    gtGrammars.set(scopeName, grammar);
  }
}

function gtGrammar(scopeName: string): vsctm.IGrammar {
  const grammar = gtGrammars.get(scopeName);
  assert.ok(grammar, `grammar ${scopeName} is not loaded`);
  return grammar;
}

/** Tokenizes a whole document, carrying the rule stack from line to line as the editor does. */
function gtTokenize(scopeName: string, source: string): GtToken[] {
  const grammar = gtGrammar(scopeName);
  const out: GtToken[] = [];
  let state = vsctm.INITIAL;
  source.split('\n').forEach((lineText, line) => {
    const result = grammar.tokenizeLine(lineText, state, 5000);
    assert.equal(result.stoppedEarly, false, `tokenizing line ${line + 1} took too long: ${lineText}`);
    for (const t of result.tokens) {
      const end = Math.min(t.endIndex, lineText.length);
      if (end > t.startIndex) {
        out.push({ line, start: t.startIndex, end, text: lineText.slice(t.startIndex, end), scopes: t.scopes });
      }
    }
    state = result.ruleStack;
  });
  return out;
}

/** TextMate selector semantics: `keyword` matches `keyword.control.effect.cedar`. */
function gtScopeMatches(scope: string, selector: string): boolean {
  return scope === selector || scope.startsWith(selector + '.');
}

/**
 * Finds the `nth` occurrence of `needle` in `source` (a whole word when the needle starts and ends with word
 * characters, so `in` does not match inside `input`) and returns its line and column range.
 */
function gtLocate(source: string, needle: string, nth: number): { line: number; start: number; end: number } {
  const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = /^\w/.test(needle) && /\w$/.test(needle) ? `(?<![\\w])${escaped}(?![\\w])` : escaped;
  const re = new RegExp(pattern, 'g');
  let match: RegExpExecArray | null = null;
  for (let i = 0; i <= nth; i++) {
    match = re.exec(source);
    assert.ok(match, `occurrence ${nth} of ${JSON.stringify(needle)} not found in the sample`);
  }
  assert.ok(match);
  const before = source.slice(0, match.index);
  const line = before.split('\n').length - 1;
  const start = match.index - (before.lastIndexOf('\n') + 1);
  assert.ok(!needle.includes('\n'), 'needles must stay on one line');
  return { line, start, end: start + needle.length };
}

function gtTokensAt(tokens: GtToken[], source: string, needle: string, nth: number, at?: string): GtToken[] {
  const where = gtLocate(source, needle, nth);
  if (at !== undefined) {
    const offset = needle.indexOf(at);
    assert.ok(offset >= 0, `${JSON.stringify(at)} is not part of ${JSON.stringify(needle)}`);
    where.start += offset;
    where.end = where.start + at.length;
  }
  const covering = tokens.filter((t) => t.line === where.line && t.start < where.end && t.end > where.start);
  assert.ok(covering.length > 0, `no token covers ${JSON.stringify(needle)}`);
  return covering;
}

function gtDescribe(tokens: GtToken[]): string {
  return tokens.map((t) => `  ${JSON.stringify(t.text)}: ${t.scopes.join(' ')}`).join('\n');
}

interface GtExpectation {
  /** Text to find in the sample. */
  text: string;
  /** Which occurrence (0-based); default 0. */
  nth?: number;
  /** Check only this part of `text` (its first occurrence in it); default the whole text. */
  at?: string;
  /** Every token of the text must carry a scope matching one of these selectors. */
  is?: string | string[];
  /** No token of the text may carry a scope matching one of these selectors. */
  not?: string | string[];
}

function gtCheck(scopeName: string, tokens: GtToken[], source: string, e: GtExpectation): void {
  const covering = gtTokensAt(tokens, source, e.text, e.nth ?? 0, e.at);
  const part = e.at !== undefined ? `${JSON.stringify(e.at)} of ` : '';
  const label = `${part}${JSON.stringify(e.text)}${e.nth ? ` (occurrence ${e.nth})` : ''} in ${scopeName}`;
  if (e.is !== undefined) {
    const selectors = Array.isArray(e.is) ? e.is : [e.is];
    for (const t of covering) {
      if (!t.scopes.some((s) => selectors.some((sel) => gtScopeMatches(s, sel)))) {
        assert.fail(`${label} should be ${selectors.join(' or ')}; its tokens are\n${gtDescribe(covering)}`);
      }
    }
  }
  if (e.not !== undefined) {
    const selectors = Array.isArray(e.not) ? e.not : [e.not];
    for (const t of covering) {
      if (t.scopes.some((s) => selectors.some((sel) => gtScopeMatches(s, sel)))) {
        assert.fail(`${label} should not be ${selectors.join(' or ')}; its tokens are\n${gtDescribe(covering)}`);
      }
    }
  }
}

function gtCheckAll(scopeName: string, source: string, expectations: GtExpectation[]): void {
  const tokens = gtTokenize(scopeName, source);
  for (const e of expectations) gtCheck(scopeName, tokens, source, e);
}

function gtInvalidTokens(scopeName: string, source: string): GtToken[] {
  return gtTokenize(scopeName, source).filter((t) => t.scopes.some((s) => gtScopeMatches(s, 'invalid')));
}

function gtCedarErrors(answer: { type: 'success' } | { type: 'failure'; errors: { message: string }[] }): string {
  return answer.type === 'success' ? '' : answer.errors.map((e) => e.message).join('; ');
}

/**
 * Pathological lines must tokenize fast in both grammars. A rule that rescans a whole qualified path from every
 * position (quadratic) takes seconds on these; the grammars match paths one segment at a time.
 */
function gtCheckLinear(scopeName: string): void {
  const n = 6000;
  const lines = [
    'when { ' + 'A::'.repeat(n) + ' }',
    'when { ' + 'A :: '.repeat(n) + ' }',
    'when { ' + 'a'.repeat(10 * n) + ' }',
    '"' + '\\u{'.repeat(n) + '"',
    'when { ' + 'context.x.'.repeat(n) + 'y }',
    '@' + 'a'.repeat(10 * n) + '(',
    'entity ' + 'A, '.repeat(n),
    'action ' + '"a", '.repeat(n),
    'action ' + '"a, '.repeat(n),
  ];
  for (const line of lines) {
    const t0 = Date.now();
    gtTokenize(scopeName, line);
    const ms = Date.now() - t0;
    assert.ok(ms < 1500, `${scopeName} took ${ms} ms for a ${line.length}-character line starting ${JSON.stringify(line.slice(0, 30))}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Samples. Both must be accepted by the Cedar engine (checked below), so the expectations are about real Cedar.

const GT_POLICIES = String.raw`// Support agents read the CRM. "quotes" and permit in a comment
@id("support-read-crm")
@advice("ask for the ticket // first")
@reviewed
permit (
  principal in Acme::Agents::Role::"support",
  action in [Acme::Agents::Action::"lookup_customer", Acme::Agents::Action::"get_order"],
  resource == Acme::Agents::McpServer::"crm"
)
when {
  context.session.purpose == "support" &&
  context.session has ticket_id &&
  context.input.url like "https://crm.example/*\*" &&
  ["support", "billing"].contains(context.session.purpose) &&
  { limit: 10, "max count": 2 }.limit >= context.input.limit &&
  context["input"].amount <= 50 + 2 * 3 - 1 && context.input.amount < 100 &&
  ip("10.0.0.1").isInRange(ip("10.0.0.0/8")) && !ip("127.0.0.1").isLoopback() &&
  decimal("1.5").lessThan(decimal("2.5")) &&
  datetime("2024-01-01").offset(duration("1h")) > datetime("2024-01-01") &&
  principal is Acme::Agents::Agent && resource is McpServer &&
  principal.hasTag("team") && principal.getTag("team") != "ops" &&
  (if context.session has destination then context.session.destination like "*.acme.example" else true) &&
  !context.input.tags.isEmpty() && context.input.tags.containsAll(["a"]) && context.input.tags.containsAny(["b"]) ||
  false
}
unless { context.input.note == "esc \n \t \" \\ \0 \' \r \x41 \u{1F600} // not a comment" };

@id("grant-tool")
permit (principal in ?principal, action == Acme::Agents::Action::"send_email", resource in ?resource);

forbid (principal, action, resource == Acme::Agents::McpServer::"permit_all")
when { context.input.forbidden_tool == context.principal };
`;

const GT_SCHEMA = String.raw`// Generated from agents.yaml: "quoted" words stay comment
@doc("Acme's agents // not a comment")
namespace Acme::Agents {
  type Session = {
    purpose: String,
    ticket_id?: String,
    tags: Set<String>,
    approved: Bool,
  };

  entity Role;
  entity McpServer;
  entity Agent in [Role] = {
    action: String,
    trust_level: Long,
    home: ipaddr,
    budget: decimal,
    since: datetime,
    ttl: duration,
    team: __cedar::String,
  } tags String;
  entity Status enum ["active", "retired"];

  action "call_tool";
  action "send_email", lookup_customer in [Action::"call_tool"] appliesTo {
    principal: [Agent],
    resource: [McpServer],
    context: {
      input: { to: String, "cc list"?: Set<String> },
      session: Session,
    },
  };
}
`;

// ---------------------------------------------------------------------------------------------------------------

describe('grammar: Cedar policies (source.cedar)', () => {
  const C = 'source.cedar';
  before(async function () {
    this.timeout(60000);
    await gtLoadGrammars();
  });

  it('the sample is real Cedar and has no invalid tokens', () => {
    const parts = cedarWasm.policySetTextToParts(GT_POLICIES);
    assert.equal(parts.type, 'success', gtCedarErrors(parts));
    assert.deepEqual(gtInvalidTokens(C, GT_POLICIES), []);
  });

  it('comments, including quotes and keywords in them', () => {
    gtCheckAll(C, GT_POLICIES, [
      { text: '// Support agents', is: 'comment.line.double-slash' },
      { text: '"quotes"', is: 'comment', not: 'string' },
      { text: 'permit', nth: 0, is: 'comment', not: ['keyword', 'storage'] },
    ]);
  });

  it('effects and condition keywords', () => {
    gtCheckAll(C, GT_POLICIES, [
      { text: 'permit', nth: 1, is: ['keyword', 'storage'], not: 'comment' },
      { text: 'permit', nth: 2, is: ['keyword', 'storage'] },
      { text: 'forbid', is: ['keyword', 'storage'] },
      { text: 'when', nth: 0, is: 'keyword' },
      { text: 'unless', is: 'keyword' },
      { text: 'if', is: 'keyword' },
      { text: 'then', is: 'keyword' },
      { text: 'else', is: 'keyword' },
      { text: 'in', nth: 0, is: 'comment', not: 'keyword' },
      { text: 'in', nth: 1, is: 'keyword' },
      { text: 'in', nth: 2, is: 'keyword' },
      { text: 'has', nth: 0, is: 'keyword' },
      { text: 'like', nth: 0, is: 'keyword' },
      { text: 'is', nth: 0, is: 'keyword' },
      { text: 'true', is: 'constant.language' },
      { text: 'false', is: 'constant.language' },
    ]);
  });

  it('scope variables, attributes and keywords inside other words', () => {
    gtCheckAll(C, GT_POLICIES, [
      { text: 'principal', nth: 0, is: 'variable.language' },
      { text: 'action', nth: 0, is: 'variable.language' },
      { text: 'resource', nth: 0, is: 'variable.language' },
      { text: 'context', nth: 0, is: 'variable.language' },
      { text: 'session', nth: 0, is: 'variable.other.property' },
      { text: 'purpose', nth: 0, is: 'variable.other.property' },
      { text: 'input', nth: 0, is: 'variable.other.property' },
      { text: 'ticket_id', is: 'variable.other.property' },
      { text: 'context.session', at: '.', is: 'punctuation.accessor' },
      { text: 'forbidden_tool', is: 'variable.other.property', not: 'keyword' },
      { text: '.principal', at: 'principal', is: 'variable.other.property', not: 'variable.language' },
    ]);
  });

  it('entity references: namespaces, type and quoted id', () => {
    gtCheckAll(C, GT_POLICIES, [
      { text: 'Acme', nth: 0, is: 'entity.name.namespace' },
      { text: 'Agents', nth: 0, is: 'entity.name.namespace' },
      { text: 'Role', is: 'entity.name.type' },
      { text: '::', nth: 0, is: 'punctuation.separator.namespace' },
      { text: '"support"', nth: 0, is: 'string.quoted.double', not: 'entity.name' },
      { text: 'McpServer', nth: 0, is: 'entity.name.type' },
      { text: '"crm"', is: 'string' },
      { text: '"permit_all"', is: 'string', not: 'keyword' },
      // types after `is`, qualified or not
      { text: 'Agent', nth: 0, is: 'entity.name.type' },
      { text: 'McpServer', nth: 1, is: 'entity.name.type' },
    ]);
  });

  it('annotations', () => {
    gtCheckAll(C, GT_POLICIES, [
      { text: '@id', nth: 0, is: ['storage.type.annotation', 'punctuation.definition.annotation'] },
      { text: 'id', nth: 0, is: 'storage.type.annotation' },
      { text: '"support-read-crm"', is: 'string' },
      { text: 'advice', is: 'storage.type.annotation' },
      { text: '// first', is: 'string', not: 'comment' },
      { text: 'reviewed', is: 'storage.type.annotation' },
      { text: '"grant-tool"', is: 'string' },
    ]);
  });

  it('template slots', () => {
    gtCheckAll(C, GT_POLICIES, [
      { text: '?principal', is: 'variable.parameter', not: 'variable.language' },
      { text: '?resource', is: 'variable.parameter', not: 'variable.language' },
    ]);
    gtCheckAll(C, 'permit (principal == ?agent, action, resource);', [{ text: '?agent', is: 'invalid.illegal' }]);
  });

  it('extension functions and methods', () => {
    const expectations: GtExpectation[] = ['ip', 'decimal', 'datetime', 'duration'].map((f) => ({
      text: f,
      is: 'support.function',
    }));
    for (const m of ['contains', 'containsAll', 'containsAny', 'isEmpty', 'getTag', 'hasTag', 'lessThan', 'isInRange', 'isLoopback', 'offset']) {
      expectations.push({ text: m, is: ['support.function', 'entity.name.function'] });
    }
    gtCheckAll(C, GT_POLICIES, expectations);
    gtCheckAll(C, 'permit (principal, action, resource) when { context.input.frobnicate(1) };', [
      { text: 'frobnicate', is: 'entity.name.function', not: 'variable.other.property' },
    ]);
  });

  it('operators, numbers and brackets', () => {
    gtCheckAll(C, GT_POLICIES, [
      { text: '==', is: 'keyword.operator' },
      { text: '!=', is: 'keyword.operator' },
      { text: '<=', is: 'keyword.operator' },
      { text: '>=', is: 'keyword.operator' },
      { text: '< 100', at: '<', is: 'keyword.operator' },
      { text: '> datetime', at: '>', is: 'keyword.operator' },
      { text: '&&', is: 'keyword.operator' },
      { text: '||', is: 'keyword.operator' },
      { text: '!ip', at: '!', is: 'keyword.operator' },
      { text: '+', is: 'keyword.operator' },
      { text: '- 1', at: '-', is: 'keyword.operator' },
      { text: '* 3', at: '*', is: 'keyword.operator' },
      { text: '10', is: 'constant.numeric' },
      { text: '50', is: 'constant.numeric' },
      { text: '{', nth: 0, is: 'punctuation.section.block' },
      { text: '{ limit', at: '{', is: 'punctuation.definition.record' },
      { text: 'limit', nth: 0, is: 'variable.other.property' },
      { text: '"max count"', is: 'string' },
      { text: '"max count": 2 }', at: '}', is: 'punctuation.definition.record' },
      { text: '[Acme', at: '[', is: 'punctuation.definition.set' },
      { text: '["support"', at: '[', is: 'punctuation.definition.set' },
      { text: '"get_order"]', at: ']', is: 'punctuation.definition.set' },
      { text: '["input"]', at: '[', is: 'punctuation.section.brackets', not: 'punctuation.definition.set' },
      { text: '"input"', is: 'string' },
      { text: ';', nth: 0, is: 'punctuation.terminator' },
    ]);
  });

  it('strings: escapes, like patterns, and no comments inside', () => {
    gtCheckAll(C, GT_POLICIES, [
      ...['\\n', '\\t', '\\"', '\\\\', '\\0', "\\'", '\\r', '\\x41', '\\u{1F600}'].map((text) => ({
        text,
        is: 'constant.character.escape',
      })),
      { text: '// not a comment', is: 'string', not: 'comment' },
      { text: '"esc', is: 'string' },
      { text: '*\\*', is: 'string' },
      { text: '*\\*', at: '*', is: 'keyword.operator.wildcard', not: 'constant.character.escape' },
      { text: '\\*', is: 'constant.character.escape', not: 'keyword.operator.wildcard' },
      { text: '/*', is: 'string', not: 'comment' },
      { text: '"*.acme.example"', is: 'string' },
      { text: '"*.acme.example"', at: '*', is: 'keyword.operator.wildcard' },
    ]);
    gtCheckAll(C, 'permit (principal, action, resource) when { context.input.glob == "a*b" };', [
      { text: '"a*b"', at: '*', is: 'string', not: 'keyword' },
    ]);
  });

  it('escapes: the grammar agrees with the Cedar engine', () => {
    // [escape, valid in a plain string, valid in a like pattern]
    const cases: [string, boolean, boolean][] = [
      ['\\n', true, true],
      ['\\r', true, true],
      ['\\t', true, true],
      ['\\\\', true, true],
      ['\\0', true, true],
      ["\\'", true, true],
      ['\\"', true, true],
      ['\\x41', true, true],
      ['\\x7f', true, true],
      ['\\x80', false, false],
      ['\\u{41}', true, true],
      ['\\u{1F600}', true, true],
      ['\\u{1F_600}', true, true],
      ['\\u{10FFFF}', true, true],
      ['\\u{}', false, false],
      ['\\u{1234567}', false, false],
      ['\\u0041', false, false],
      ['\\q', false, false],
      ['\\a', false, false],
      ['\\*', false, true],
    ];
    for (const [escape, inString, inPattern] of cases) {
      for (const [pattern, expected] of [[false, inString], [true, inPattern]] as const) {
        const source = pattern
          ? `permit (principal, action, resource) when { "" like "a${escape}b" };`
          : `permit (principal, action, resource) when { "a${escape}b" == "" };`;
        const parsed = cedarWasm.policyToJson(source);
        assert.equal(parsed.type === 'success', expected, `engine on ${source}: ${gtCedarErrors(parsed)}`);
        gtCheckAll(C, source, [
          expected
            ? { text: escape, is: 'constant.character.escape', not: 'invalid' }
            : { text: escape, at: escape.slice(0, 2), is: 'invalid.illegal', not: 'constant.character.escape' },
          { text: 'b"', is: 'string', not: 'invalid' },
        ]);
      }
    }
  });

  it('strings may span lines, as in Cedar', () => {
    const source = 'permit (principal, action, resource)\nwhen { context.input.text == "line one\nline two // still" };';
    assert.equal(cedarWasm.policyToJson(source).type, 'success');
    gtCheckAll(C, source, [
      { text: 'line two', is: 'string' },
      { text: '// still', is: 'string', not: 'comment' },
      { text: '}', is: 'punctuation.section.block', not: 'string' },
    ]);
  });

  it('rules that span lines stop where the construct stops', () => {
    gtCheckAll(C, '@id("unclosed"\npermit (principal, action, resource);', [
      { text: 'permit', is: 'keyword', not: 'meta.annotation' },
    ]);
    gtCheckAll(C, 'permit (principal, action, resource) when\npermit (principal, action, resource);', [
      { text: 'permit', nth: 1, is: 'keyword', not: 'meta.condition' },
    ]);
    gtCheckAll(C, 'permit (principal, action, resource)\nwhen // the body follows\n{ context.input.n == 1 };', [
      { text: '// the body follows', is: 'comment' },
      { text: '{', is: 'punctuation.section.block' },
      { text: 'input', is: 'variable.other.property' },
    ]);
    gtCheckAll(C, 'permit (principal, action, resource) when { context.path like\n  "/tmp/*" };\nforbid (principal, action, resource);', [
      { text: '*', is: 'keyword.operator.wildcard' },
      { text: '}', is: 'punctuation.section.block', not: 'string' },
      { text: 'forbid', is: 'keyword', not: ['meta.like', 'meta.condition'] },
    ]);
  });

  it('keywords used as record keys or attribute names are not keywords', () => {
    const source = 'permit (principal, action, resource) when { { permit: 1, when: 2 }.when == context.input.unless };';
    assert.equal(cedarWasm.policyToJson(source).type, 'success');
    gtCheckAll(C, source, [
      { text: 'permit', nth: 1, is: 'variable.other.property', not: 'keyword' },
      { text: 'when', nth: 1, is: 'variable.other.property', not: 'keyword' },
      { text: 'when', nth: 2, is: 'variable.other.property', not: 'keyword' },
      { text: 'unless', is: 'variable.other.property', not: 'keyword' },
    ]);
  });

  it('marks what Cedar rejects', () => {
    gtCheckAll(C, 'permit (principal, action, resource) when { context.input.x = 1 };', [{ text: '=', is: 'invalid.illegal' }]);
  });

  it('has no catastrophic backtracking on long lines', () => {
    gtCheckLinear(C);
  });
});

describe('grammar: Cedar schema (source.cedarschema)', () => {
  const S = 'source.cedarschema';
  before(async function () {
    this.timeout(60000);
    await gtLoadGrammars();
  });

  it('the sample is a real Cedar schema and has no invalid tokens', () => {
    const parsed = cedarWasm.checkParseSchema(GT_SCHEMA);
    assert.equal(parsed.type, 'success', gtCedarErrors(parsed));
    assert.deepEqual(gtInvalidTokens(S, GT_SCHEMA), []);
  });

  it('declarations and keywords', () => {
    gtCheckAll(S, GT_SCHEMA, [
      { text: 'namespace', is: 'keyword' },
      { text: 'Acme', nth: 1, is: 'entity.name.namespace' },
      { text: 'Agents', is: 'entity.name.namespace' },
      { text: 'type', is: 'keyword' },
      { text: 'Session', nth: 0, is: 'entity.name.type' },
      { text: 'entity', nth: 0, is: 'keyword' },
      { text: 'Role', nth: 0, is: 'entity.name.type' },
      { text: 'Agent', nth: 0, is: 'entity.name.type' },
      { text: 'in', nth: 0, is: 'keyword' },
      { text: 'Role', nth: 1, is: 'entity.name.type' },
      { text: 'tags', nth: 1, is: 'keyword' },
      { text: 'enum', is: 'keyword' },
      { text: '"active"', is: 'string' },
      { text: 'action', nth: 1, is: 'keyword' },
      { text: '"call_tool"', nth: 0, is: 'string' },
      { text: 'appliesTo', is: 'keyword' },
      { text: 'principal', is: 'keyword' },
      { text: 'resource', is: 'keyword' },
      { text: 'context', is: 'keyword' },
      { text: 'Action', is: 'entity.name.type' },
      { text: '"call_tool"', nth: 1, is: 'string' },
      { text: 'McpServer', nth: 1, is: 'entity.name.type' },
    ]);
    gtCheckAll(S, 'entity Agent in [Role];', [
      { text: 'entity', is: 'keyword' },
      { text: 'Agent', is: 'entity.name.type' },
      { text: 'in', is: 'keyword' },
      { text: 'Role', is: 'entity.name.type' },
    ]);
  });

  it('attributes, optional marker and types', () => {
    gtCheckAll(S, GT_SCHEMA, [
      { text: 'purpose', is: 'variable.other.property' },
      { text: 'ticket_id', is: 'variable.other.property' },
      { text: '?', nth: 0, is: 'keyword.operator.optional' },
      { text: 'tags', nth: 0, is: 'variable.other.property', not: 'keyword' },
      { text: 'action', nth: 0, is: 'variable.other.property', not: 'keyword' },
      { text: 'String', nth: 0, is: 'support.type' },
      { text: 'Set', nth: 0, is: 'support.type' },
      { text: 'Bool', is: 'support.type' },
      { text: 'Long', is: 'support.type' },
      { text: 'ipaddr', is: 'support.type' },
      { text: 'decimal', is: 'support.type' },
      { text: 'datetime', is: 'support.type' },
      { text: 'duration', is: 'support.type' },
      { text: '__cedar', is: ['support.other.namespace', 'entity.name.namespace'] },
      { text: '__cedar::String', at: 'String', is: 'support.type' },
      { text: 'input', is: 'variable.other.property' },
      { text: '"cc list"', is: 'string' },
      { text: '?', nth: 1, is: 'keyword.operator.optional' },
    ]);
    gtCheckAll(S, 'type T = { a: Boolean, b: Record };', [
      { text: 'Boolean', is: 'support.type' },
      { text: 'Record', is: 'support.type' },
    ]);
  });

  it('has no catastrophic backtracking on long lines', () => {
    gtCheckLinear(S);
  });

  it('annotations, comments and strings', () => {
    gtCheckAll(S, GT_SCHEMA, [
      { text: '// Generated', is: 'comment' },
      { text: '"quoted"', is: 'comment', not: 'string' },
      { text: 'doc', is: 'storage.type.annotation' },
      { text: '// not a comment', is: 'string', not: 'comment' },
    ]);
    gtCheckAll(S, 'entity E enum ["a\\q"];', [{ text: '\\q', is: 'invalid.illegal' }]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Snippets

interface GtSnippet {
  prefix: string | string[];
  body: string | string[];
  description: string;
}

type GtSnippetNode =
  | { kind: 'text'; value: string }
  | { kind: 'tabstop'; index: number; children: GtSnippetNode[] | null; choices: string[] | null }
  | { kind: 'variable'; children: GtSnippetNode[] | null };

/** Parses VS Code snippet syntax ($1, ${1}, ${1:default}, ${1|a,b|}, $VAR, ${VAR:default}, \$ \} \\ escapes). */
function gtParseSnippet(src: string, pos: number, nested: boolean): { nodes: GtSnippetNode[]; pos: number } {
  const nodes: GtSnippetNode[] = [];
  let text = '';
  const flush = () => {
    if (text) nodes.push({ kind: 'text', value: text });
    text = '';
  };
  while (pos < src.length) {
    const ch = src[pos];
    if (ch === '\\' && pos + 1 < src.length && '$}\\'.includes(src[pos + 1] ?? '')) {
      text += src[pos + 1];
      pos += 2;
      continue;
    }
    if (ch === '}' && nested) break;
    if (ch === '$') {
      const rest = src.slice(pos);
      let m: RegExpExecArray | null;
      if ((m = /^\$(\d+)/.exec(rest)) || (m = /^\$\{(\d+)\}/.exec(rest))) {
        flush();
        nodes.push({ kind: 'tabstop', index: Number(m[1]), children: null, choices: null });
        pos += m[0].length;
        continue;
      }
      if ((m = /^\$\{(\d+)\|((?:[^|\\]|\\.)*)\|\}/.exec(rest))) {
        flush();
        const choices = (m[2] ?? '').split(/(?<!\\),/).map((c) => c.replace(/\\(.)/g, '$1'));
        nodes.push({ kind: 'tabstop', index: Number(m[1]), children: null, choices });
        pos += m[0].length;
        continue;
      }
      if ((m = /^\$\{(\d+):/.exec(rest))) {
        flush();
        const inner = gtParseSnippet(src, pos + m[0].length, true);
        assert.equal(src[inner.pos], '}', `unclosed placeholder in ${JSON.stringify(src)}`);
        nodes.push({ kind: 'tabstop', index: Number(m[1]), children: inner.nodes, choices: null });
        pos = inner.pos + 1;
        continue;
      }
      if ((m = /^\$\{[A-Za-z_]\w*:/.exec(rest))) {
        flush();
        const inner = gtParseSnippet(src, pos + m[0].length, true);
        assert.equal(src[inner.pos], '}', `unclosed variable in ${JSON.stringify(src)}`);
        nodes.push({ kind: 'variable', children: inner.nodes });
        pos = inner.pos + 1;
        continue;
      }
      if ((m = /^\$\{[A-Za-z_]\w*\}/.exec(rest)) || (m = /^\$[A-Za-z_]\w*/.exec(rest))) {
        flush();
        nodes.push({ kind: 'variable', children: null });
        pos += m[0].length;
        continue;
      }
    }
    text += ch;
    pos++;
  }
  flush();
  return { nodes, pos };
}

interface GtExpandedSnippet {
  text: string;
  tabstops: Set<number>;
  /** Tab stops that appear with two different default values. */
  conflicts: string[];
}

/** Fills every tab stop with its default (mirrors take the default given elsewhere), or `true` if it has none. */
function gtExpandSnippet(body: string): GtExpandedSnippet {
  const { nodes, pos } = gtParseSnippet(body, 0, false);
  assert.equal(pos, body.length, `stray } in ${JSON.stringify(body)}`);
  const defaults = new Map<number, string>();
  const conflicts: string[] = [];
  const tabstops = new Set<number>();
  const render = (list: GtSnippetNode[], resolve: boolean): string =>
    list
      .map((n) => {
        if (n.kind === 'text') return n.value;
        if (n.kind === 'variable') return n.children ? render(n.children, resolve) : '';
        tabstops.add(n.index);
        let value: string | undefined;
        if (n.children) value = render(n.children, resolve);
        else if (n.choices) value = n.choices[0] ?? '';
        if (value !== undefined && !resolve) {
          const seen = defaults.get(n.index);
          if (seen === undefined) defaults.set(n.index, value);
          else if (seen !== value) conflicts.push(`$${n.index}: ${JSON.stringify(seen)} vs ${JSON.stringify(value)}`);
        }
        return value ?? defaults.get(n.index) ?? 'true';
      })
      .join('');
  render(nodes, false);
  return { text: render(nodes, true), tabstops, conflicts };
}

/** A snippet that is a fragment (a lone clause or annotation) is wrapped into a whole policy before parsing. */
function gtSnippetAsPolicy(text: string): string {
  const code = text.replace(/\/\/.*$/gm, '').trim();
  if (/^(when|unless)\b/.test(code)) return `permit (principal, action, resource)\n${text}\n;`;
  if (/^@/.test(code) && !/\b(permit|forbid)\b/.test(code)) return `${text}\npermit (principal, action, resource);`;
  return text;
}

function gtLoadSnippets(): [string, GtSnippet][] {
  const raw: unknown = JSON.parse(fs.readFileSync(GT_SNIPPETS_FILE, 'utf8'));
  assert.ok(raw && typeof raw === 'object' && !Array.isArray(raw), 'snippets/cedar.json must be an object');
  return Object.entries(raw as Record<string, unknown>).map(([name, value]) => {
    assert.ok(value && typeof value === 'object', `snippet ${name} must be an object`);
    const s = value as Record<string, unknown>;
    const isText = (v: unknown) => typeof v === 'string' && v.trim().length > 0;
    const isTextOrList = (v: unknown) => isText(v) || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
    assert.ok(isTextOrList(s['prefix']), `snippet ${name} needs a prefix`);
    assert.ok(isTextOrList(s['body']), `snippet ${name} needs a body`);
    assert.ok(isText(s['description']), `snippet ${name} needs a description`);
    return [name, s as unknown as GtSnippet];
  });
}

function gtBodyText(s: GtSnippet): string {
  return Array.isArray(s.body) ? s.body.join('\n') : s.body;
}

describe('snippets/cedar.json', () => {
  const snippets = gtLoadSnippets();
  before(async function () {
    this.timeout(60000);
    await gtLoadGrammars();
  });

  it('the test expands snippet syntax the way VS Code inserts it', () => {
    const e = gtExpandSnippet('a ${1:x} $1 ${2|p,q|} ${3:b ${4:c}} $4 $0 \\$ ${TM_FILENAME:f}');
    assert.equal(e.text, 'a x x p b c c true $ f');
    assert.deepEqual([...e.tabstops].sort(), [0, 1, 2, 3, 4]);
    assert.deepEqual(gtExpandSnippet('${1:a} ${1:b}').conflicts.length, 1);
  });

  it('every snippet has a prefix, a body and a description; prefixes are unique', () => {
    assert.ok(snippets.length >= 7, `only ${snippets.length} snippets`);
    const seen = new Map<string, string>();
    for (const [name, s] of snippets) {
      assert.ok(s.description.length >= 30, `snippet ${name}: the description should say what it is for`);
      for (const prefix of Array.isArray(s.prefix) ? s.prefix : [s.prefix]) {
        assert.ok(prefix.trim() === prefix && prefix.length > 0, `snippet ${name}: bad prefix ${JSON.stringify(prefix)}`);
        assert.ok(!seen.has(prefix), `prefix ${prefix} is used by ${seen.get(prefix)} and ${name}`);
        seen.set(prefix, name);
      }
    }
  });

  for (const [name, s] of snippets) {
    it(`"${name}" has tab stops and parses as Cedar`, () => {
      const body = gtBodyText(s);
      const expanded = gtExpandSnippet(body);
      assert.ok(expanded.tabstops.size > 0, `snippet ${name} has no tab stop`);
      assert.deepEqual(expanded.conflicts, [], `snippet ${name}: a tab stop has different defaults`);
      const source = gtSnippetAsPolicy(expanded.text);
      const template = /\?(principal|resource)\b/.test(source);
      const parsed = template ? cedarWasm.templateToJson(source) : cedarWasm.policyToJson(source);
      assert.equal(parsed.type, 'success', `snippet ${name} does not parse:\n${source}\n${gtCedarErrors(parsed)}`);
      assert.deepEqual(gtInvalidTokens('source.cedar', source), [], `snippet ${name} has tokens the grammar marks invalid`);
      // Entity types are always written under the namespace placeholder, never a hard-coded namespace.
      for (const m of body.matchAll(/(\S*)::(Agent|Role|Action|McpServer)::/g)) {
        assert.match(m[1] ?? '', /^\W*\$\{\d+:[A-Za-z_]\w*\}$/, `snippet ${name}: namespace of ${m[0]} is not a placeholder`);
      }
    });
  }

  it('covers the agent tool-call patterns', () => {
    const bodies = snippets.map(([name, s]) => ({ name, body: gtBodyText(s), description: s.description }));
    const find = (what: string, test: (b: { body: string; description: string }) => boolean) =>
      assert.ok(bodies.some(test), `no snippet for: ${what}`);
    find('one tool for one named agent, with a condition on context.input', (b) =>
      /^permit\b/m.test(b.body) && /principal == \S+::Agent::/.test(b.body) && /action == \S+::Action::/.test(b.body) && /when \{[^}]*context\.input\./.test(b.body),
    );
    find('a role on a set of tools, with a condition on context.session.purpose', (b) =>
      /principal in \S+::Role::/.test(b.body) && /action in \[/.test(b.body) && /context\.session\.purpose/.test(b.body),
    );
    find('a forbid guardrail that tests an optional field with has, explaining that a forbid that errors fails open', (b) =>
      /^forbid\b/m.test(b.body) && /\bhas\b/.test(b.body) && /fail(s|ing)? open/i.test(b.description) && /error/i.test(b.description),
    );
    find('an @id annotation', (b) => /^@id\("/.test(b.body) && !/\b(permit|forbid)\b/.test(b.body));
    find('a when clause', (b) => /^when \{/.test(b.body));
    find('an unless clause', (b) => /^unless \{/.test(b.body));
    find('a template with ?principal', (b) => /\?principal\b/.test(b.body));
  });
});
