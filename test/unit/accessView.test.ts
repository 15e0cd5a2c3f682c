// The Agent Access view's content (client/src/accessRender.ts, no `vscode`): grid, filters, changes since the last
// save, details, and the escaping of everything that comes from the workspace.
import * as assert from 'node:assert/strict';
import { NO_FILTERS, cellKey, changedCells, renderParts, sampleCall, visibleMap, type AccessViewModel } from '../../client/src/accessRender';
import type { AccessCellInfo, AccessResult, PolicyLocation } from '../../server/src/protocol';

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
});
