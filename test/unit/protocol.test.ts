import * as assert from 'node:assert/strict';
import {
  drawnMismatch, FORECAST_CHANGED, parseHostMessage, parseWebviewMessage, parseWebviewState, PendingRequests, PROTOCOL_VERSION,
  type ForecastViewData, type PanelData,
} from '../../src/protocol/forecast';

const target = { context: 'demo', namespace: 'shop', kind: 'Deployment', name: 'frontend', container: 'server' };
const data: ForecastViewData = {
  version: PROTOCOL_VERSION, target, title: 't', generatedAt: 0, modelsRun: ['prophet', 'fused'], notes: [], headline: 'h', yaml: 'resources:\n', panels: [],
};
/** Messages cross a structured-clone/JSON boundary: parse what actually arrives. */
const wire = (x: unknown) => JSON.parse(JSON.stringify(x));

describe('webview protocol', () => {
  it('accepts every message the webview sends, after a trip over the wire', () => {
    assert.deepEqual(parseWebviewMessage(wire({ type: 'ready' })), { type: 'ready' });
    for (const command of ['apply', 'copyYaml', 'refresh', 'ping'] as const) {
      assert.deepEqual(parseWebviewMessage(wire({ type: 'request', id: 7, command })), { type: 'request', id: 7, command });
    }
    assert.deepEqual(parseWebviewMessage(wire({ type: 'request', id: 3, command: 'apply', args: { panel: 'memory' } })),
      { type: 'request', id: 3, command: 'apply', args: { panel: 'memory' } });
    assert.deepEqual(parseWebviewMessage(wire({ type: 'response', id: 2, ok: true, result: { a: 1 } })), { type: 'response', id: 2, ok: true, result: { a: 1 } });
    const rendered = { type: 'rendered', phase: 'forecast', panels: ['cpu', 'memory'], lstmPanels: ['cpu'], drawMs: 12, workload: 'cartservice' } as const;
    assert.deepEqual(parseWebviewMessage(wire(rendered)), rendered);
    assert.deepEqual(parseWebviewMessage(wire({ type: 'rendered', phase: 'status', panels: [], lstmPanels: [], status: 'epoch 3/40' })),
      { type: 'rendered', phase: 'status', panels: [], lstmPanels: [], status: 'epoch 3/40' });
  });

  it('rejects unknown or malformed messages from the webview instead of acting on them', () => {
    const bad: unknown[] = [
      null, 'ready', [], { type: 'nope' }, { type: 'request', id: 1, command: 'deleteCluster' }, { type: 'request', id: -1, command: 'ping' },
      { type: 'request', id: 1.5, command: 'ping' }, { type: 'request', command: 'ping' }, { type: 'response', id: 1, ok: false },
      { type: 'response', id: 1, ok: 'yes' }, { type: 'rendered', phase: 'painted', panels: [], lstmPanels: [] },
      { type: 'rendered', phase: 'forecast', panels: ['disk'], lstmPanels: [] }, { type: 'rendered', phase: 'forecast', panels: [] },
    ];
    for (const m of bad) assert.equal(parseWebviewMessage(m), undefined, JSON.stringify(m));
  });

  it('drops arguments it does not know instead of passing them on', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'request', id: 1, command: 'apply', args: { panel: 'disk', extra: 1 } }), { type: 'request', id: 1, command: 'apply' });
  });

  it('restores saved state only when it is this version with a complete target', () => {
    const saved = wire({ version: PROTOCOL_VERSION, target, data, panel: 'memory' });
    assert.deepEqual(parseWebviewState(saved), { version: PROTOCOL_VERSION, target, data, panel: 'memory' });
    assert.equal(parseWebviewState({ ...saved, version: PROTOCOL_VERSION + 1 }), undefined);
    assert.equal(parseWebviewState({ ...saved, target: { ...target, container: 3 } }), undefined);
    assert.equal(parseWebviewState(undefined), undefined);
    // Stale data (another version) is dropped but the target survives, so the host recomputes.
    const stale = parseWebviewState({ ...saved, data: { ...data, version: 0 }, panel: 'bogus' });
    assert.deepEqual(stale, { version: PROTOCOL_VERSION, target, data: undefined, panel: undefined });
    // A ready message carries that state to the host.
    assert.deepEqual(parseWebviewMessage(wire({ type: 'ready', state: saved })), { type: 'ready', state: { version: PROTOCOL_VERSION, target, data, panel: 'memory' } });
  });

  it('accepts the host messages the webview understands', () => {
    assert.deepEqual(parseHostMessage(wire({ type: 'show', data })), { type: 'show', data: wire(data) });
    assert.equal(parseHostMessage({ type: 'show', data: { ...data, version: 99 } }), undefined);
    assert.deepEqual(parseHostMessage({ type: 'loading', message: 'x' }), { type: 'loading', message: 'x' });
    // A new target's progress line: the view must take its actions off the data it still draws.
    assert.deepEqual(parseHostMessage({ type: 'loading', message: 'x', newTarget: true }), { type: 'loading', message: 'x', newTarget: true });
    assert.deepEqual(parseHostMessage({ type: 'loading', message: 'x', newTarget: 'yes' }), { type: 'loading', message: 'x' });
    assert.deepEqual(parseHostMessage({ type: 'loading', message: 'x', newTarget: true, recompute: true }), { type: 'loading', message: 'x', newTarget: true, recompute: true });
    assert.deepEqual(parseHostMessage({ type: 'loading', message: 'x', recompute: true }), { type: 'loading', message: 'x' });
    assert.deepEqual(parseHostMessage({ type: 'error', message: 'x', newTarget: true }), { type: 'error', message: 'x' });
    assert.equal(parseHostMessage({ type: 'error' }), undefined);
    assert.deepEqual(parseHostMessage({ type: 'request', id: 4, command: 'describe' }), { type: 'request', id: 4, command: 'describe' });
    assert.equal(parseHostMessage({ type: 'request', id: 4, command: 'apply' }), undefined, 'the host cannot ask the webview to apply');
    assert.deepEqual(parseHostMessage({ type: 'response', id: 4, ok: false, error: 'no' }), { type: 'response', id: 4, ok: false, error: 'no' });
  });
});

const panel: PanelData = {
  id: 'cpu', title: 'CPU', unit: 'cores', history: { t: [0, 1800], v: [0.1, 0.2] },
  forecasts: [{ model: 'fused', t: [3600], mean: [0.2], lower: [0.1], upper: [0.3], intervalWidth: 0.9 }],
  lines: [{ label: 'Recommended request', value: 0.25, role: 'recommended' }],
  summary: { caption: 's', columns: ['a'], rows: [['1']] }, detail: { caption: 'd', columns: ['a'], rows: [] },
};

describe('webview protocol: what Apply acts on, and what a restored view draws', () => {
  it('an Apply / Copy YAML request carries the drawn target, generatedAt and values to the host', () => {
    const drawn = { target, generatedAt: 1700000000, yaml: 'resources:\n  requests:\n    cpu: 100m\n' };
    assert.deepEqual(parseWebviewMessage(wire({ type: 'request', id: 5, command: 'apply', args: { panel: 'cpu', drawn } })),
      { type: 'request', id: 5, command: 'apply', args: { panel: 'cpu', drawn } });
    // A stamp missing a part is not a stamp: the host then refuses (nothing it can match).
    assert.deepEqual(parseWebviewMessage(wire({ type: 'request', id: 5, command: 'apply', args: { drawn: { target, yaml: '' } } })),
      { type: 'request', id: 5, command: 'apply' });
  });

  it('the host acts only on the recommendation that was drawn', () => {
    const current = { ...data, generatedAt: 100, yaml: 'resources:\n  requests:\n    cpu: 100m\n' };
    const drawn = { target, generatedAt: 100, yaml: current.yaml };
    assert.equal(drawnMismatch(drawn, current), undefined);
    assert.equal(drawnMismatch(undefined, current), FORECAST_CHANGED, 'nothing drawn (or the previous workload\'s, marked)');
    assert.equal(drawnMismatch(drawn, undefined), FORECAST_CHANGED, 'a refresh under way: nothing to act on yet');
    assert.equal(drawnMismatch({ ...drawn, generatedAt: 99 }, current), FORECAST_CHANGED);
    assert.equal(drawnMismatch({ ...drawn, yaml: 'resources:\n  requests:\n    cpu: 90m\n' }, current), FORECAST_CHANGED, 'same time, other values');
    assert.equal(drawnMismatch({ ...drawn, target: { ...target, name: 'cartservice' } }, current), FORECAST_CHANGED);
    assert.match(FORECAST_CHANGED, /forecast changed.*review it and apply again/);
  });

  it('drops saved data whose panels the webview could not draw (and a show carrying them)', () => {
    const good = { ...data, panels: [panel] };
    assert.deepEqual(parseWebviewState(wire({ version: PROTOCOL_VERSION, target, data: good }))?.data, wire(good));
    const broken: unknown[] = [
      { ...panel, history: undefined }, { ...panel, history: { t: [0], v: 'x' } }, { ...panel, id: 'disk' }, { ...panel, unit: 'parsecs' },
      { ...panel, forecasts: [{ model: 'fused', t: [1] }] }, { ...panel, lines: [{ label: 'x', value: '1', role: 'current' }] },
      { ...panel, summary: { caption: 's', columns: ['a'], rows: [[1]] } }, { ...panel, detail: undefined }, null,
    ];
    for (const p of broken) {
      const state = parseWebviewState(wire({ version: PROTOCOL_VERSION, target, data: { ...data, panels: [p] }, panel: 'cpu' }));
      assert.deepEqual(state, { version: PROTOCOL_VERSION, target, data: undefined, panel: 'cpu' }, JSON.stringify(p));
      assert.equal(parseHostMessage(wire({ type: 'show', data: { ...data, panels: [p] } })), undefined, JSON.stringify(p));
    }
    assert.equal(parseWebviewState(wire({ version: PROTOCOL_VERSION, target, data: { ...data, notes: 'x' } }))?.data, undefined);
    assert.equal(parseWebviewState(wire({ version: PROTOCOL_VERSION, target, data: { ...data, evidence: [1] } }))?.data, undefined);
    // NaN (a model's gap) crosses the wire as null: still drawable.
    const gappy = { ...data, panels: [{ ...panel, history: { t: [0, 1800], v: [NaN, 0.2] } }] };
    assert.ok(parseWebviewState(wire({ version: PROTOCOL_VERSION, target, data: gappy }))?.data);
  });
});

describe('request/response bookkeeping', () => {
  it('settles each request with the response carrying its id, in any order', async () => {
    const p = new PendingRequests(1000);
    const a = p.create();
    const b = p.create();
    assert.notEqual(a.id, b.id);
    assert.equal(p.settle({ type: 'response', id: b.id, ok: true, result: 'B' }), true);
    assert.equal(p.settle({ type: 'response', id: a.id, ok: false, error: 'failed A' }), true);
    assert.equal(await b.promise, 'B');
    await assert.rejects(a.promise, /failed A/);
    assert.equal(p.size, 0);
  });

  it('ignores late and duplicate responses', async () => {
    const p = new PendingRequests(1000);
    const a = p.create();
    p.settle({ type: 'response', id: a.id, ok: true, result: 1 });
    assert.equal(p.settle({ type: 'response', id: a.id, ok: true, result: 2 }), false);
    assert.equal(p.settle({ type: 'response', id: 999, ok: true }), false);
    assert.equal(await a.promise, 1);
  });

  it('rejects a request nobody answers, and everything pending on dispose', async () => {
    const p = new PendingRequests(20);
    await assert.rejects(p.create().promise, /no response to request \d+ within 20 ms/);
    const q = new PendingRequests(10_000);
    const x = q.create();
    q.dispose();
    await assert.rejects(x.promise, /closed/);
  });
});
