// The Agent Access view's content (client/src/accessRender.ts, no `vscode`): grid, filters, changes since the last
// save, details, and the escaping of everything that comes from the workspace.
import * as assert from 'node:assert/strict';
import { NO_FILTERS, cellKey, changedCells, renderParts, sampleCall, visibleMap, type AccessViewModel } from '../../client/src/accessRender';
import type { AccessBase, AccessCellInfo, AccessResult, BaseAccessCellInfo, DiffCellInfo, PolicyLocation } from '../../server/src/protocol';

const range = (line: number) => ({ start: { line, character: 0 }, end: { line: line + 3, character: 2 } });
const pol = (id: string, line = 0, effect: 'permit' | 'forbid' = 'permit'): PolicyLocation => ({ id, uri: 'file:///ws/policies/p.cedar', range: range(line), effect });

function cell(agent: string, tool: string, access: AccessCellInfo['access'], extra: Partial<AccessCellInfo> = {}): AccessCellInfo {
  const destructive = tool === 'delete';
  return { agent, tool, server: tool === 'read' ? 'crm' : 'infra', access, permits: [], forbids: [], destructive, failOpenRisk: false, ...extra };
}

function result(cells: AccessCellInfo[]): AccessResult {
  const agents = ['bot', 'ops'];
  return {
    manifestUri: 'file:///ws/acme.agents.yaml',
    agents: agents.map((id, i) => ({ id, summary: `${id} summary`, uri: 'file:///ws/acme.agents.yaml', range: range(i) })),
    tools: [
      { tool: 'read', server: 'crm', destructive: false, uri: 'file:///ws/acme.agents.yaml', range: range(9) },
      { tool: 'delete', server: 'infra', destructive: true, uri: 'file:///ws/acme.agents.yaml', range: range(12) },
    ],
    cells,
    blocking: [],
    notes: [],
  };
}

const CELLS = [
  cell('bot', 'read', 'conditional', { condition: 'context.session.purpose == "<support>"', permits: [pol('bot-read', 3)] }),
  cell('bot', 'delete', 'never', { forbids: [pol('no-delete', 8, 'forbid')], reason: 'a forbid always applies' }),
  cell('ops', 'read', 'never'),
  cell('ops', 'delete', 'always', { permits: [pol('ops-all', 12)], failOpenRisk: true }),
  cell('ops', 'read', 'never', { via: 'bot' }),
  cell('ops', 'delete', 'never', { via: 'bot' }),
];

function model(over: Partial<AccessViewModel> = {}): AccessViewModel {
  return { state: { kind: 'map', result: result(CELLS) }, manifests: [], filters: { ...NO_FILTERS }, changed: new Map(), hasBaseline: true, updating: false, ...over };
}

const buttons = (html: string) => [...html.matchAll(/<button class="cell ([^"]*)" data-key="([^"]*)" data-access="(\w+)"/g)].map((m) => ({ cls: m[1], key: m[2].replace(/&quot;/g, '"'), access: m[3] }));

describe('Agent Access view (rendering)', () => {
  it('draws one button per cell, with its access, destructive and fail-open marks, and a column per delegation', () => {
    const { grid } = renderParts(model());
    const b = buttons(grid);
    assert.equal(b.length, CELLS.length);
    for (const c of CELLS) {
      const x = b.find((y) => y.key === cellKey(c));
      assert.ok(x, `no button for ${cellKey(c)}`);
      assert.equal(x.access, c.access);
      assert.equal(x.cls.includes('destructive'), c.destructive);
      assert.equal(x.cls.includes('fail-open'), c.failOpenRisk);
    }
    assert.match(grid, /<th scope="col" class="agent delegation" title="bot hands the task over to ops[^"]*">bot →<br>ops<\/th>/);
    assert.match(grid, /delete<\/span> <span class="server">infra<\/span> <span class="danger" title="destructive tool">⚠<\/span>/);
    // Text from the workspace is escaped (a condition's literal here).
    const details = renderParts(model({ selected: cellKey(CELLS[0]) })).details;
    assert.ok(details.includes('&quot;&lt;support&gt;&quot;') && !details.includes('<support>'));
  });

  it('filters by agent (its column and its delegations), server, destructive and changed cells', () => {
    const r = result(CELLS);
    const cols = (f: Partial<AccessViewModel['filters']>, changed = new Map<string, string>()) => {
      const v = visibleMap(model({ filters: { ...NO_FILTERS, ...f }, changed }), r);
      return { columns: v.columns.map((c) => (c.via ? `${c.via}>${c.agent}` : c.agent)), rows: v.rows.map((t) => t.tool) };
    };
    assert.deepEqual(cols({}), { columns: ['bot', 'ops', 'bot>ops'], rows: ['read', 'delete'] });
    assert.deepEqual(cols({ agent: 'bot' }).columns, ['bot', 'bot>ops']);
    assert.deepEqual(cols({ server: 'crm' }).rows, ['read']);
    assert.deepEqual(cols({ destructiveOnly: true }).rows, ['delete']);
    assert.deepEqual(cols({ changedOnly: true }, new Map([[cellKey(CELLS[3]), 'was never']])).rows, ['delete']);
    assert.match(renderParts(model({ filters: { ...NO_FILTERS, changedOnly: true } })).grid, /id="no-match">No tool matches the filters/);
  });

  it('compares with the map of the last save: access, condition, policies, fail-open, new cells', () => {
    assert.equal(changedCells(undefined, CELLS).size, 0);
    assert.equal(changedCells(CELLS, CELLS).size, 0);
    const now = CELLS.map((c) => ({ ...c }));
    now[0] = { ...now[0], condition: 'true' };
    now[2] = { ...now[2], access: 'always' as const, permits: [pol('ops-read')] };
    now[3] = { ...now[3], failOpenRisk: false };
    const extra = cell('bot', 'read', 'never', { via: 'ops' });
    const changed = changedCells(CELLS, [...now, extra]);
    assert.deepEqual([...changed.keys()].sort(), [cellKey(now[0]), cellKey(now[2]), cellKey(now[3]), cellKey(extra)].sort());
    assert.equal(changed.get(cellKey(now[0])), 'the condition changed');
    assert.equal(changed.get(cellKey(now[2])), 'was never; policies were none');
    assert.equal(changed.get(cellKey(extra)), 'new since the last save');
    assert.match(renderParts(model({ changed })).grid, /class="cell conditional changed"/);
  });

  it('details: the condition, the policies as links to their ranges, and a sample call to simulate', () => {
    const target = { uri: 'file:///ws/acme.agents.yaml', name: 'acme', namespace: 'Acme', agents: [], tools: [{ name: 'read', server: 'crm', readOnly: true, destructive: false, exampleArgs: { id: 'x' } }], exampleContext: { purpose: 'support' } };
    const d = renderParts(model({ selected: cellKey(CELLS[0]), target })).details;
    assert.match(d, /id="detail-access">conditional</);
    assert.match(d, /<pre class="condition" id="detail-condition">context\.session\.purpose == /);
    assert.match(d, /<a href="#" class="policy" data-uri="file:\/\/\/ws\/policies\/p\.cedar" data-range="[^"]+">bot-read<\/a> <span class="where">p\.cedar:4<\/span>/);
    assert.deepEqual(sampleCall(target, 'read'), { args: { id: 'x' }, context: { purpose: 'support' } });
    assert.ok(d.includes(JSON.stringify({ args: { id: 'x' }, context: { purpose: 'support' } }, null, 2).replace(/"/g, '&quot;')));
    const fo = renderParts(model({ selected: cellKey(CELLS[3]) })).details;
    assert.match(fo, /id="detail-fail-open"/);
    assert.match(fo, /Allowed for every call/);
    assert.match(renderParts(model({ selected: cellKey(CELLS[1]) })).details, /No call can be allowed: a forbid always applies/);
    assert.equal(renderParts(model({ selected: 'gone' })).details, '');
  });

  it('says why there is no map', () => {
    assert.match(renderParts(model({ state: { kind: 'error', message: 'no agent manifest in the workspace' } })).grid, /data-state="error".*no agent manifest in the workspace/s);
    assert.match(renderParts(model({ state: { kind: 'noServer' } })).grid, /language server is not running/);
    const blocked = { ...result(CELLS), blocking: ['policy `x` does not parse'] };
    assert.match(renderParts(model({ state: { kind: 'map', result: blocked } })).grid, /id="blocking".*<code>x<\/code> does not parse/s);
  });

  describe('beside the map at a git ref', () => {
    const baseOf = (c: AccessCellInfo): BaseAccessCellInfo => ({ ...c, permits: c.permits.map((p) => ({ id: p.id, file: 'policies/p.cedar', range: p.range, effect: p.effect })), forbids: c.forbids.map((p) => ({ id: p.id, file: 'policies/p.cedar', range: p.range, effect: p.effect })) });
    // At the base, bot could read under a narrower condition and ops could not delete (widening both), bot deleted always (narrowing).
    const baseCells = CELLS.map((c, i) =>
      i === 0 ? baseOf({ ...c, condition: 'context.session.purpose == "<old>"' }) : i === 3 ? baseOf({ ...c, access: 'never', permits: [] }) : i === 1 ? baseOf({ ...c, access: 'always', forbids: [], reason: undefined }) : baseOf(c),
    );
    const changes: DiffCellInfo[] = [
      { agent: 'bot', tool: 'read', server: 'crm', from: 'conditional', to: 'conditional', fromCondition: 'context.session.purpose == "<old>"', toCondition: CELLS[0].condition, widening: true, narrowing: false, unproven: true, destructive: false },
      { agent: 'ops', tool: 'delete', server: 'infra', from: 'never', to: 'always', widening: true, narrowing: false, destructive: true },
      { agent: 'bot', tool: 'delete', server: 'infra', from: 'always', to: 'never', widening: false, narrowing: true, destructive: true },
    ];
    const base: AccessBase = { ref: 'main', label: 'main (0123456789ab)', commit: '0123456789ab'.padEnd(40, '0'), cells: baseCells, changes, blocking: [], notes: [] };

    it('each cell shows base → current, marked when it differs, widening highlighted; the controls name the base', () => {
      const parts = renderParts(model({ baseRef: 'main', base }));
      const b = buttons(parts.grid);
      assert.equal(b.length, CELLS.length);
      const at = (c: AccessCellInfo) => b.find((x) => x.key === cellKey(c))!;
      assert.ok(at(CELLS[3]).cls.includes('widening') && at(CELLS[3]).cls.includes('differs'));
      assert.ok(at(CELLS[1]).cls.includes('narrowing') && !at(CELLS[1]).cls.includes('widening'));
      assert.ok(!at(CELLS[2]).cls.includes('differs') && at(CELLS[2]).cls.includes('compared'));
      assert.match(parts.grid, /data-access="always" data-base-access="never"[^>]*><span class="was never">✗<\/span><span class="arrow" aria-hidden="true">→<\/span><span class="now">✓<\/span><span class="shift" aria-hidden="true">▲<\/span>/);
      assert.match(parts.grid, /id="base-summary">.*main \(0123456789ab\).*3 cells differ: <span class="widening-text">▲ 2 widening<\/span>, ▼ 1 narrowing/);
      assert.match(parts.controls, /id="compare-with"/);
      assert.match(parts.controls, /id="compare-clear"/);
      assert.match(parts.controls, /vs <b>main \(0123456789ab\)<\/b>/);
      assert.match(parts.controls, /data-filter="changedVsBase"> Changed vs base \(3, /);
      // Without a base: one icon per cell, no comparison controls but "Compare with…".
      const plain = renderParts(model());
      assert.doesNotMatch(plain.grid, /class="was /);
      assert.match(plain.controls, /id="compare-with"/);
      assert.doesNotMatch(plain.controls, /compare-clear/);
    });

    it('"changed vs base" keeps the rows with a cell that differs; an error is said in the controls', () => {
      const rows = (over: Partial<AccessViewModel>) => visibleMap(model(over), result(CELLS)).rows.map((t) => t.tool);
      assert.deepEqual(rows({ baseRef: 'main', base: { ...base, changes: [changes[0]!] }, filters: { ...NO_FILTERS, changedVsBase: true } }), ['read']);
      assert.deepEqual(rows({ baseRef: 'main', base: { ...base, changes: [] }, filters: { ...NO_FILTERS, changedVsBase: true } }), []);
      const err = renderParts(model({ baseRef: 'nope', base: { ref: 'nope', cells: [], changes: [], blocking: [], notes: [], error: 'the ref `nope` does not name a commit' } }));
      assert.match(err.controls, /id="base-error" role="alert">the ref <code>nope<\/code> does not name a commit/);
      assert.doesNotMatch(err.grid, /class="was /);
    });

    it("details: the base's access, condition and policies (in the base's files), and how the cell changed", () => {
      const d = renderParts(model({ baseRef: 'main', base, selected: cellKey(CELLS[0]) })).details;
      assert.match(d, /At main \(0123456789ab\) <span class="access conditional" id="detail-base-access">conditional<\/span>/);
      assert.match(d, /<pre class="condition base" id="detail-base-condition">context\.session\.purpose == &quot;&lt;old&gt;&quot;<\/pre>/);
      assert.match(d, /id="detail-base-change">▲ widening: the condition changed \(no sampled call shows that it only narrows: review it\)\./);
      assert.match(d, /id="base-policies" title="At main \(0123456789ab\): bot-read \(policies\/p\.cedar:4\)">The same policies take part at main/);
      // Policies that differ are listed, each in the base's file (not a link: it may not exist any more).
      const other = renderParts(model({ baseRef: 'main', base, selected: cellKey(CELLS[3]) })).details;
      assert.match(other, /At main \(0123456789ab\) <span class="access never" id="detail-base-access">never<\/span>/);
      const gone = renderParts(model({ baseRef: 'main', base, selected: cellKey(CELLS[1]) })).details;
      assert.match(gone, /id="detail-base-condition">Allowed for every call/);
      assert.doesNotMatch(gone, /id="base-policies"/);
      const same = renderParts(model({ baseRef: 'main', base, selected: cellKey(CELLS[2]) })).details;
      assert.match(same, /id="detail-base-change">The same at main/);
    });

    it('details of a conditional cell: the proposed allowed and denied calls, each with its button', () => {
      const key = cellKey(CELLS[0]);
      const waiting = renderParts(model({ selected: key, calls: { key } })).details;
      assert.match(waiting, /id="proposed-state">Finding a call/);
      const calls = {
        satisfying: { args: { id: 'x' }, context: { purpose: '<support>' }, why: 'a call the permit `bot-read` admits', decision: 'allow' as const, policies: ['bot-read'] },
        failing: { args: { id: 'x' }, context: { purpose: 'other' }, why: 'purpose = "other"', decision: 'deny' as const, policies: [] },
        notes: [],
      };
      const d = renderParts(model({ selected: key, calls: { key, result: calls } })).details;
      assert.match(d, /<button id="simulate-allow" data-key="[^"]+" data-which="satisfying">✓ Simulate a call that is allowed<\/button>/);
      assert.match(d, /<button id="simulate-deny" data-key="[^"]+" data-which="failing">✗ Simulate a call that is denied<\/button>/);
      assert.ok(d.includes('context: {&quot;purpose&quot;:&quot;&lt;support&gt;&quot;}'), 'the allowed call is shown, escaped');
      // Not for a cell that is always or never allowed.
      assert.doesNotMatch(renderParts(model({ selected: cellKey(CELLS[3]), calls: { key: cellKey(CELLS[3]), result: calls } })).details, /simulate-allow/);
    });
  });
});
