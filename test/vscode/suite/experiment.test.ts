// Run Load Experiment in real VS Code: the plan picker and the wizard, the confirmation before anything is sent, per-cell
// progress, Cancel reaching the runner's AbortSignal mid-cell, plan diagnostics, and the results in the forecast view.
// The load is real (MOrA's autocannon driver against an HTTP server in this process); Prometheus is a small stand-in
// answering the queries the runner makes (every series constant), since no real one scrapes this server here.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PlanDocument, PlanEvent, PlanRunResult } from '../../../src/data/experiments/plan-run';
import type { ExperimentViewData, WebviewDescription } from '../../../src/protocol/forecast';
import { FIXTURE_FAILED, fixturePlanDocument } from '../../harness/experiment-fixture';
import { tempDir } from '../../harness/temp-dir';
import { activateMora, pollUntil, waitFor } from './helpers';

interface Api {
  forecast: { describe(): Promise<WebviewDescription>; experiment(): ExperimentViewData | undefined };
  planDiagnostics(uri: vscode.Uri): readonly vscode.Diagnostic[];
}

interface PickItem extends vscode.QuickPickItem { file: string }

function listen(handler: http.RequestListener): Promise<http.Server> {
  const server = http.createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
const portOf = (s: http.Server) => (s.address() as AddressInfo).port;

/** A Prometheus stand-in: instant queries answer 5 (timestamp() queries: now), range queries a constant series. */
function fakePrometheus(): Promise<http.Server> {
  return listen((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => answerPrometheus(req, res, body));
  });
}

function answerPrometheus(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
  // MOrA's client POSTs its queries (form-encoded), as Prometheus allows.
  const url = new URL(req.url ?? '/', 'http://x');
  for (const [k, v] of new URLSearchParams(body)) url.searchParams.set(k, v);
  const q = url.searchParams.get('query') ?? '';
  const now = Date.now() / 1000;
  let data: unknown;
  if (url.pathname === '/api/v1/status/buildinfo') data = { version: '2.55.0-test' };
  else if (url.pathname === '/api/v1/query') data = { resultType: 'vector', result: [{ metric: {}, value: [now, String(q.includes('timestamp(') ? now + 1 : 5)] }] };
  else if (url.pathname === '/api/v1/query_range') {
    const start = Number(url.searchParams.get('start')), end = Number(url.searchParams.get('end')), step = Number(url.searchParams.get('step'));
    const values: Array<[number, string]> = [];
    for (let t = start; step > 0 && t <= end; t += step) values.push([t, q.includes('memory') ? '67108864' : q.includes('cpu') ? '0.05' : '7']);
    data = { resultType: 'matrix', result: [{ metric: {}, values }] };
  } else {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data }));
}

describe('MOrA: Run Load Experiment', function () {
  this.timeout(120_000);
  let service: http.Server;
  let prometheus: http.Server;
  let requests = 0;
  let planFile: string;
  let outDir: string;
  const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
  const created: string[] = [];

  before(async () => {
    service = await listen((_req, res) => { requests++; res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'); });
    prometheus = await fakePrometheus();
    outDir = tempDir('mora-vsc-exp-');
    planFile = path.join(root(), `vsc-${process.pid}.mora-plan.yaml`);
    fs.writeFileSync(planFile, [
      `prometheus: http://127.0.0.1:${portOf(prometheus)}`,
      'scrapeInterval: 1s',
      'rateCap: 20',
      `out: ${JSON.stringify(outDir)}`,
      'services:',
      '  - name: vsc',
      `    target: http://127.0.0.1:${portOf(service)}/`,
      '    replicas: [1]',
      '    levels: [5, 10]',
      '    duration: 3s',
      '    slo: { latencyP95Ms: 500 }',
      '',
    ].join('\n'));
    created.push(planFile);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const f of created) fs.rmSync(f, { force: true });
    await new Promise((r) => service.close(r));
    await new Promise((r) => prometheus.close(r));
  });

  it('offers the workspace\'s plans and "Create a plan…", and confirms the cells and total load before sending anything', async () => {
    await activateMora();
    let items: PickItem[] = [];
    let asked: { message: string; detail: string } | undefined;
    const result = await vscode.commands.executeCommand('mora.runExperiment', undefined, {
      ui: {
        pickPlan: async (offered: PickItem[]) => { items = offered; return offered.find((i) => i.file === planFile); },
        confirm: async (message: string, detail: string) => { asked = { message, detail }; return false; },
      },
    });
    assert.equal(result, undefined);
    assert.ok(items.some((i) => i.file === planFile), `offered: ${items.map((i) => i.label).join(', ')}`);
    assert.equal(items[items.length - 1].file, 'create');
    assert.match(items[items.length - 1].label, /Create a plan…/);
    assert.ok(asked, 'a confirmation was asked');
    assert.equal(asked.message, `Send load for experiment plan "vsc-${process.pid}"? 2 cell(s), 45 requests in total, at most 10 req/s, to 127.0.0.1:${portOf(service)}.`);
    assert.match(asked.detail, /^vsc × 1 replica @ 10 req\/s — constant, 3 s, 30 requests$/m);
    assert.equal(requests, 0, 'declined: nothing was sent');
    assert.equal(fs.existsSync(path.join(outDir, `vsc-${process.pid}.json`)), false, 'declined: nothing was written');
  });

  it('runs cell by cell with progress; Cancel stops the running cell through the runner\'s signal; the results open in the forecast view', async () => {
    const api = (await activateMora()) as unknown as Api;
    const messages: string[] = [];
    const cts = new vscode.CancellationTokenSource();
    let atCancel = 0;
    const result = await vscode.commands.executeCommand<PlanRunResult>('mora.runExperiment', undefined, {
      plan: planFile,
      ui: {
        confirm: async () => true,
        withProgress: (_title: string, task: (p: { report(v: { message?: string }): void }, t: vscode.CancellationToken) => Promise<unknown>) =>
          task({ report: (v) => { if (v.message) messages.push(v.message); } }, cts.token),
      },
      onEvent: (e: PlanEvent) => {
        // The second cell: cancel once its load reaches the server (the first cell's requests are all answered by then).
        if (e.kind === 'cell-start' && e.cell.index === 1) {
          const before = requests;
          // Cancel only once the load arrived: if it never does, the run is not cancelled and the asserts below fail.
          void pollUntil(() => requests, (n) => n >= before + 3, 20_000).then((r) => { if (r.ok) { atCancel = requests; cts.cancel(); } });
        }
      },
    });
    assert.ok(result, 'the command returned the run');
    const doc: PlanDocument = result.document;
    assert.deepEqual(messages.filter((m) => m.startsWith('cell ')), ['cell 1/2: vsc × 1 replica @ 5 req/s', 'cell 2/2: vsc × 1 replica @ 10 req/s']);
    assert.equal(doc.status, 'partial');
    assert.deepEqual(doc.cells.map((c) => c.status), ['done', 'pending'], 'the running cell is dropped, the written one stays');
    assert.ok(atCancel > 0, 'cancelled while the second cell was sending');
    // Cancelled mid-cell: well short of the second cell's 30 requests.
    assert.ok(requests - atCancel < 25, `${requests - atCancel} requests after Cancel`);
    const stored = JSON.parse(fs.readFileSync(path.join(outDir, `vsc-${process.pid}.json`), 'utf8')) as PlanDocument;
    assert.equal(stored.cells[0].status, 'done');
    assert.ok(stored.cells[0].stats!.requests > 0);

    const shown = await waitFor(() => api.forecast.experiment(), (d) => d?.name === `vsc-${process.pid}`);
    assert.equal(shown?.services[0].cells.rows.length, 2);
    const d = await waitFor(() => api.forecast.describe(), (x) => (x.experiment?.charts ?? 0) === 3 && x.paintedPixels > 0);
    assert.equal(d.experiment?.service, 'vsc');
    assert.ok(d.paintedPixels > 100, `painted ${d.paintedPixels}`);

    // Run again: the confirmation says the done cell is skipped (resume); declined, nothing more is sent.
    let detail = '';
    const sent = requests;
    await vscode.commands.executeCommand('mora.runExperiment', undefined, { plan: planFile, ui: { confirm: async (_m: string, dt: string) => { detail = dt; return false; } } });
    assert.match(detail, /; 1 already done and skipped$/m);
    assert.match(detail, /^✓ vsc × 1 replica @ 5 req\/s/m);
    assert.equal(requests, sent);
  });

  it('a record whose scaling note is still pending (a window closed or killed mid-run) is named first in the confirmation', async () => {
    await activateMora();
    const out = tempDir('mora-vsc-pending-');
    const file = path.join(root(), `pend${process.pid}.mora-plan.yaml`);
    created.push(file);
    fs.writeFileSync(file, fs.readFileSync(planFile, 'utf8').replace(/^out: .*$/m, `out: ${JSON.stringify(out)}`));
    const note = { workload: 'Deployment/vsc', namespace: 'shop', restoreCommand: 'kubectl -n shop scale deployment/vsc --replicas=3', originalReplicas: 3, restored: false };
    fs.writeFileSync(path.join(out, `pend${process.pid}.json`), JSON.stringify({ schema: 'mora.experiment-plan/1', name: `pend${process.pid}`, status: 'running', cells: [], scaling: { vsc: note } }));
    let detail = '';
    const sent = requests;
    await vscode.commands.executeCommand('mora.runExperiment', undefined, { plan: file, ui: { confirm: async (_m: string, dt: string) => { detail = dt; return false; } } });
    assert.match(detail, /^Experiment plan pend\d+ was interrupted before it restored replica counts: Deployment\/vsc in namespace shop was left scaled; its original count is 3 \(by hand: kubectl -n shop scale deployment\/vsc --replicas=3\)\. Running the plan again restores them first\.$/m);
    assert.equal(requests, sent, 'declined: nothing sent');
  });

  it('"Create a plan…" asks five questions and writes a plan that parses, opened in the editor', async () => {
    await activateMora();
    const answers = [`wiz${process.pid}`, 'http://127.0.0.1:9/', '1', '5, 15', '10'];
    const prompts: string[] = [];
    await vscode.commands.executeCommand('mora.runExperiment', undefined, {
      ui: {
        pickPlan: async (offered: PickItem[]) => offered.find((i) => i.file === 'create'),
        input: async (o: vscode.InputBoxOptions) => {
          prompts.push(o.title ?? '');
          const a = answers.shift();
          assert.equal(o.validateInput?.(a ?? ''), undefined, `${o.prompt}: ${a}`);
          return a;
        },
        confirm: async () => false,
      },
    });
    const file = path.join(root(), `wiz${process.pid}.mora-plan.yaml`);
    created.push(file);
    assert.equal(prompts.length, 5);
    assert.ok(fs.existsSync(file), 'the plan was written');
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, file, 'and opened');
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, /levels: \[5, 15\]/);
    assert.match(text, /duration: 10s/);
  });

  it('scaling names its kube context: the confirmation says the current one for a plan without, the wizard pins the tree node\'s', async () => {
    await activateMora();
    const cfg = () => vscode.workspace.getConfiguration('mora');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-vsc-ctx-'));
    const kubeconfig = path.join(dir, 'kubeconfig.yaml');
    // Two clusters (never contacted: declined before anything is sent); the current context is "ctx-current".
    fs.writeFileSync(kubeconfig, ['apiVersion: v1', 'kind: Config', 'current-context: ctx-current',
      'clusters:', '- name: a', '  cluster: { server: "https://127.0.0.1:9" }', '- name: b', '  cluster: { server: "https://127.0.0.1:10" }',
      'users:', '- name: u', '  user: { token: t }',
      'contexts:', '- name: ctx-current', '  context: { cluster: a, user: u }', '- name: ctx-tree', '  context: { cluster: b, user: u }', ''].join('\n'));
    await cfg().update('kubeconfig', kubeconfig, vscode.ConfigurationTarget.Global);
    try {
      const unpinned = path.join(root(), `ctx${process.pid}.mora-plan.yaml`);
      created.push(unpinned);
      fs.writeFileSync(unpinned, `${fs.readFileSync(planFile, 'utf8').trimEnd()}\n    workload: { namespace: shop, name: web }\n`);
      const asked: Array<{ message: string; detail: string }> = [];
      const confirm = async (message: string, detail: string) => { asked.push({ message, detail }); return false; };
      await vscode.commands.executeCommand('mora.runExperiment', undefined, { plan: unpinned, ui: { confirm } });
      assert.match(asked[0]?.message ?? '', / Scales shop\/Deployment\/web in context "ctx-current"\.$/);
      assert.match(asked[0]?.detail ?? '', /^Scaled between cells \(put back at the end\): shop\/Deployment\/web in context "ctx-current" \(the current kubeconfig context; the plan names none\)$/m);

      // The wizard from a workload of the tree in ctx-tree: the plan pins ctx-tree, and the confirmation names it.
      const answers = [`ctxwiz${process.pid}`, 'http://127.0.0.1:9/', '1, 2', '5', '10', 'shop/web'];
      const node = { kind: 'workload', context: 'ctx-tree', workload: { context: 'ctx-tree', namespace: 'shop', kind: 'Deployment', name: 'web' } };
      await vscode.commands.executeCommand('mora.runExperiment', node, {
        ui: { pickPlan: async (offered: PickItem[]) => offered.find((i) => i.file === 'create'), input: async () => answers.shift(), confirm },
      });
      const file = path.join(root(), `ctxwiz${process.pid}.mora-plan.yaml`);
      created.push(file);
      assert.match(fs.readFileSync(file, 'utf8'), /^ {6}context: "ctx-tree"$/m);
      assert.match(asked[1]?.message ?? '', / Scales shop\/Deployment\/web in context "ctx-tree"\.$/);
    } finally {
      await cfg().update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the wizard from a StatefulSet in the tree writes kind StatefulSet, and the confirmation scales shop/StatefulSet/db', async () => {
    await activateMora();
    const answers = [`sts${process.pid}`, 'http://127.0.0.1:9/', '1, 3', '5', '10', 'shop/db'];
    const prompts: string[] = [];
    let message = '';
    const node = { kind: 'workload', context: 'ctx-tree', workload: { context: 'ctx-tree', namespace: 'shop', kind: 'StatefulSet', name: 'db' } };
    await vscode.commands.executeCommand('mora.runExperiment', node, {
      ui: {
        pickPlan: async (offered: PickItem[]) => offered.find((i) => i.file === 'create'),
        input: async (o: vscode.InputBoxOptions) => { prompts.push(o.prompt ?? ''); return answers.shift(); },
        confirm: async (m: string) => { message = m; return false; },
      },
    });
    const file = path.join(root(), `sts${process.pid}.mora-plan.yaml`);
    created.push(file);
    assert.match(prompts[5] ?? '', /^namespace\/name of the StatefulSet MOrA scales/);
    assert.match(fs.readFileSync(file, 'utf8'), /^ {6}kind: StatefulSet$/m);
    assert.match(message, / Scales shop\/StatefulSet\/db in context "ctx-tree"\.$/);
  });

  it('an edited, unsaved plan runs as the editor shows it, and declining leaves the file on disk as it was (not saved)', async () => {
    await activateMora();
    const file = path.join(root(), `dirty${process.pid}.mora-plan.yaml`);
    created.push(file);
    const onDisk = fs.readFileSync(planFile, 'utf8');
    fs.writeFileSync(file, onDisk);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    const line = doc.getText().split('\n').findIndex((l) => l.startsWith('    levels: '));
    await editor.edit((e) => e.replace(doc.lineAt(line).range, '    levels: [7]'));
    assert.ok(doc.isDirty);
    let detail = '';
    const sent = requests;
    await vscode.commands.executeCommand('mora.runExperiment', undefined, { plan: file, ui: { confirm: async (_m: string, dt: string) => { detail = dt; return false; } } });
    assert.match(detail, /^vsc × 1 replica @ 7 req\/s — constant, 3 s, 21 requests$/m, 'the edited levels are the ones confirmed');
    assert.equal(fs.readFileSync(file, 'utf8'), onDisk, 'declined: the edits were not saved');
    assert.ok(doc.isDirty, 'the document is still unsaved');
    assert.equal(requests, sent, 'declined: nothing sent');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('marks a plan\'s problem at its line', async () => {
    const api = (await activateMora()) as unknown as Api;
    const bad = path.join(root(), `bad${process.pid}.mora-plan.yaml`);
    created.push(bad);
    fs.writeFileSync(bad, fs.readFileSync(planFile, 'utf8').replace('levels: [5, 10]', 'levels: [5, 50]'));
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(bad));
    await vscode.window.showTextDocument(doc);
    const diags = await waitFor(() => api.planDiagnostics(doc.uri), (x) => x.length > 0);
    assert.equal(diags.length, 1);
    assert.equal(diags[0].range.start.line, 8, 'the levels line');
    assert.equal(diags[0].message, 'services[0].levels[1]: 50 req/s exceeds rateCap 20 req/s (raise rateCap if this load is intended)');
  });

  it('Show Experiment Results draws a stored record: three charts, the failed cell marked, the capacity with its interval', async () => {
    const api = (await activateMora()) as unknown as Api;
    const dir = tempDir('mora-vsc-stored-');
    const { doc } = fixturePlanDocument(path.join(dir, 'shop.mora-plan.yaml'));
    const json = path.join(dir, 'shop.json');
    fs.writeFileSync(json, JSON.stringify(doc));
    assert.equal(await vscode.commands.executeCommand('mora.showExperimentResults', json), json);
    const d = await waitFor(() => api.forecast.describe(), (x) => x.experiment?.service === 'checkout' && x.paintedPixels > 0);
    assert.equal(d.experiment?.charts, 3);
    assert.equal(d.experiment?.failedPoints, 4, `${FIXTURE_FAILED} is marked on each chart (p95 and p99 both on the latency chart)`);
    assert.match(d.experiment?.capacity ?? '', /req\/s per replica \(95% [\d.]+–[\d.]+\) within p95 ≤ 100 ms/);
    assert.equal(d.tableRows, 6);
  });
});
