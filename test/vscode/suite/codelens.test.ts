// CodeLenses, hovers, diagnostics and Apply in real VS Code, on the project-written manifests in test/fixtures/vscode-workspace.
// Recommendations are injected through the extension's API with known values, so every expected document below is
// written by hand from the fixture: the original text with exactly the lines that must change.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Recommendation } from '../../../src/core/recommendation';
import type { WorkloadKind } from '../../../src/core/workload';
import type { ApplyArgs } from '../../../src/extension/codelens';
import { activateMora, waitFor } from './helpers';

const Mi = 2 ** 20;
const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'vscode-workspace', 'manifests');

interface LensApi {
  recommendations: { set(recs: Recommendation[]): void; clear(): void };
}

/** A recommendation with round numbers: cpu → `cpu` cores, memory request = limit → `mem` MiB, no risk stated (confidence 0.87). */
function rec(namespace: string, kind: WorkloadKind, name: string, containers: string[], cpu = 0.18, mem = 420, replicas?: number): Recommendation {
  const b = (v: number) => ({ value: v, lower: v * 0.8, upper: v * 1.2 });
  const evidence = {
    observed: { p50: cpu / 3, p95: cpu / 2, p99: cpu / 1.8, max: cpu / 1.5, samples: 20160, days: 14 },
    margin: 0.15, method: 'mora', reason: 'p95 × calibrated margin', completeness: 1, notes: ['injected by the test'],
  };
  return {
    workload: { context: 'test', namespace, kind, name }, qos: 'Burstable', confidence: 0.87, generatedAt: 1_795_000_000,
    containers: containers.map((container) => ({
      container, current: { requests: {}, limits: {} }, verdict: 'over-provisioned', confidence: 0.87,
      cpu: { request: b(cpu), confidence: 0.87, evidence },
      memory: { request: b(mem * Mi), limit: b(mem * Mi), confidence: 0.87, evidence: { ...evidence, observed: { ...evidence.observed, p95: 300 * Mi } } },
    })),
    replicas: replicas === undefined ? undefined : { current: 3, recommended: b(replicas), reason: 'p99 of total CPU fits 2 pods' },
  };
}

const RECS: Recommendation[] = [
  rec('default', 'Deployment', 'web', ['nginx', 'sidecar'], 0.18, 420, 2),
  rec('prod', 'StatefulSet', 'db', ['postgres'], 0.75, 1536),
  // Same name in another namespace: must not be the one matched (the document says namespace: prod).
  rec('default', 'StatefulSet', 'db', ['postgres'], 0.3, 100),
  rec('default', 'DaemonSet', 'agent', ['agent']),
  rec('default', 'ReplicaSet', 'legacy', ['app']),
  rec('default', 'Job', 'migrate', ['migrate']),
  rec('default', 'CronJob', 'report', ['report']),
  rec('default', 'Pod', 'debug', ['shell']),
  rec('default', 'Deployment', 'win', ['app']),
  rec('default', 'Deployment', 'flow', ['app']),
  rec('default', 'Deployment', 'bare', ['none', 'limits-only']),
  rec('default', 'StatefulSet', 'store', ['minio']),
  // Would match the Helm template's container if templates were read.
  rec('default', 'Deployment', 'broken', ['web']),
];

let workDir = '';

async function open(name: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(workDir, name)));
  await vscode.window.showTextDocument(doc);
  return doc;
}

async function lenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
  const all = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [];
  return all.filter((l) => l.command?.command.startsWith('mora.') || l.command?.title.startsWith('MOrA'));
}

const lineOf = (text: string, needle: string, from = 0): number => {
  const i = text.indexOf(needle, from);
  assert.ok(i >= 0, `fixture has "${needle}"`);
  return text.slice(0, i).split('\n').length - 1;
};

/** Replaces one exact occurrence (the n-th, 0-based) of a substring: how the expected documents are written. */
function replaceNth(text: string, from: string, to: string, n = 0): string {
  let i = -1;
  for (let k = 0; k <= n; k++) {
    i = text.indexOf(from, i + 1);
    assert.ok(i >= 0, `"${from}" occurs ${n + 1} time(s)`);
  }
  return text.slice(0, i) + to + text.slice(i + from.length);
}

async function runLens(lens: vscode.CodeLens): Promise<void> {
  assert.ok(lens.command, 'the lens has a command');
  await vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? []));
}

async function undoAll(doc: vscode.TextDocument, original: string): Promise<void> {
  await vscode.window.showTextDocument(doc);
  await vscode.commands.executeCommand('undo');
  assert.equal(doc.getText(), original, 'one undo restores the file');
  assert.equal(doc.isDirty, false);
}

describe('MOrA CodeLenses in Kubernetes manifests', function () {
  this.timeout(60_000);

  before(async () => {
    const api = (await activateMora()) as unknown as LensApi;
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'mora-'));
    workDir = path.join(root, `lens-fixtures-${process.pid}`);
    fs.cpSync(fixtures, workDir, { recursive: true });
    api.recommendations.set(RECS);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('puts a lens on every container of every workload kind, with Apply, and the replicas lens on the workload', async () => {
    const doc = await open('all-kinds.yaml');
    const text = doc.getText();
    const found = await lenses(doc);
    const titlesAt = (line: number) => found.filter((l) => l.range.start.line === line).map((l) => l.command!.title);
    const expectations: [string, string][] = [
      ['- name: nginx', 'MOrA: cpu 500m → 180m · mem 1Gi → 420Mi · risk — (no risk stated for a mora value)'],
      ['- name: sidecar', 'MOrA: cpu 100m → 180m · mem 128Mi → 420Mi · risk — (no risk stated for a mora value)'],
      ['- name: postgres', 'MOrA: cpu 1 → 750m · mem 2Gi → 1536Mi · risk — (no risk stated for a mora value)'], // prod's recommendation, not default's
      ['- name: agent', 'MOrA: cpu 50m → 180m · mem 64Mi → 420Mi · risk — (no risk stated for a mora value)'],
      ['- name: app', 'MOrA: cpu 200m → 180m · mem 256Mi → 420Mi · risk — (no risk stated for a mora value)'],
      ['- name: migrate', 'MOrA: cpu 250m → 180m · mem 512Mi → 420Mi · risk — (no risk stated for a mora value)'],
      ['- name: report', 'MOrA: cpu 300m → 180m · mem 300Mi → 420Mi · risk — (no risk stated for a mora value)'], // CronJob: under jobTemplate.spec.template
      ['- name: shell', 'MOrA: cpu 10m → 180m · mem 16Mi → 420Mi · risk — (no risk stated for a mora value)'],
    ];
    for (const [needle, title] of expectations) {
      const line = lineOf(text, needle);
      assert.deepEqual(titlesAt(line).sort(), ['Apply', title].sort(), `lenses above "${needle}" (line ${line + 1})`);
    }
    assert.deepEqual(titlesAt(lineOf(text, 'replicas: 3')), ['MOrA: replicas 3 → 2']);
    assert.deepEqual(titlesAt(0), ['MOrA: apply all (9 changes)']);
    assert.equal(found.length, expectations.length * 2 + 2, 'nothing else: not the Service, not the comment header');
  });

  it('a container lens opens the forecast in the context its recommendation came from', async () => {
    const doc = await open('all-kinds.yaml');
    const found = await lenses(doc);
    const lens = found.find((l) => l.command?.command === 'mora.showForecast' && l.range.start.line === lineOf(doc.getText(), '- name: nginx'));
    assert.ok(lens, 'the nginx container lens opens the forecast');
    // The injected recommendation is context "test"'s: without the context, Show Forecast would take the first context
    // holding namespace default, whose numbers the lens does not show.
    assert.deepEqual(lens.command?.arguments, [{ workload: { context: 'test', namespace: 'default', kind: 'Deployment', name: 'web' }, container: 'nginx' }]);
  });

  it('Apply changes exactly the container\'s values (comments and quoting kept) and one undo restores the file', async () => {
    const doc = await open('all-kinds.yaml');
    const original = doc.getText();
    const line = lineOf(original, '- name: nginx');
    const apply = (await lenses(doc)).find((l) => l.range.start.line === line && l.command?.title === 'Apply')!;
    await runLens(apply);
    let expected = replaceNth(original, 'cpu: 500m   # generous', 'cpu: 180m   # generous');
    expected = replaceNth(expected, 'memory: 1Gi', 'memory: 420Mi');
    expected = replaceNth(expected, 'memory: "2Gi"', 'memory: "420Mi"');
    assert.equal(doc.getText(), expected);
    await undoAll(doc, original);
  });

  it('the replicas lens changes only spec.replicas, keeping its comment', async () => {
    const doc = await open('all-kinds.yaml');
    const original = doc.getText();
    const lens = (await lenses(doc)).find((l) => l.command?.title === 'MOrA: replicas 3 → 2')!;
    await runLens(lens);
    assert.equal(doc.getText(), replaceNth(original, 'replicas: 3 # scaled by hand', 'replicas: 2 # scaled by hand'));
    await undoAll(doc, original);
  });

  it('an HPA saved in another file of the folder turns the replicas lens into a note; deleting it brings the lens back', async () => {
    const dir = path.join(workDir, 'hpa-beside');
    fs.mkdirSync(dir, { recursive: true });
    // The web Deployment of all-kinds.yaml alone in its file (replicas: 3, recommended 2).
    fs.writeFileSync(path.join(dir, 'web.yaml'), fs.readFileSync(path.join(workDir, 'all-kinds.yaml'), 'utf8').split('---\n')[1]);
    const hpa = path.join(dir, 'hpa.yaml');
    try {
      const doc = await open(path.join('hpa-beside', 'web.yaml'));
      const line = lineOf(doc.getText(), 'replicas: 3');
      const atReplicas = async () => (await lenses(doc)).filter((l) => l.range.start.line === line).map((l) => [l.command!.title, l.command!.command]);
      const offer = [['MOrA: replicas 3 → 2', 'mora.applyRecommendation']];
      assert.deepEqual(await atReplicas(), offer);
      fs.writeFileSync(hpa, ['apiVersion: autoscaling/v2', 'kind: HorizontalPodAutoscaler', 'metadata:', '  name: web', 'spec:',
        '  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}', '  minReplicas: 2', '  maxReplicas: 8', ''].join('\n'));
      const note = [['MOrA: replicas left to the HPA web (2..8): keep its bounds (the 2 replicas the load needs are within them) (in hpa.yaml)', '']];
      assert.deepEqual(await waitFor(atReplicas, (t) => t[0]?.[0] === note[0][0]), note, 'the watcher reported the new file');
      const all = (await lenses(doc)).find((l) => l.command?.title.startsWith('MOrA: apply all'));
      assert.equal(all?.command?.title, 'MOrA: apply all (2 changes)', 'the two containers, not the count');
      assert.ok(!(all?.command?.arguments?.[0] as ApplyArgs).changes.some((c) => c.type === 'replicas'));
      fs.unlinkSync(hpa);
      assert.deepEqual(await waitFor(atReplicas, (t) => t[0]?.[0] === offer[0][0]), offer, 'the watcher reported the deletion');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps CRLF line endings', async () => {
    const doc = await open('crlf.yaml');
    const original = doc.getText();
    assert.equal(doc.eol, vscode.EndOfLine.CRLF, 'the fixture really is CRLF (see its .gitattributes)');
    const apply = (await lenses(doc)).find((l) => l.command?.title === 'Apply')!;
    await runLens(apply);
    // The missing limits block is created with CRLF too.
    const expected = replaceNth(replaceNth(original, 'cpu: 400m\r\n', 'cpu: 180m\r\n'), 'memory: 512Mi\r\n',
      'memory: 420Mi\r\n            limits:\r\n              memory: 420Mi\r\n');
    assert.ok(!/[^\r]\n/.test(expected), 'the expectation itself is CRLF throughout');
    assert.equal(doc.getText(), expected);
    assert.equal(doc.eol, vscode.EndOfLine.CRLF);
    await undoAll(doc, original);
  });

  it('fills a flow-style `resources: {}` in flow style', async () => {
    const doc = await open('flow-style.yaml');
    const original = doc.getText();
    const apply = (await lenses(doc)).find((l) => l.command?.title === 'Apply')!;
    await runLens(apply);
    assert.equal(doc.getText(), replaceNth(original, 'resources: {}', 'resources: {requests: {cpu: 180m, memory: 420Mi}, limits: {memory: 420Mi}}'));
    await undoAll(doc, original);
  });

  it('creates missing resources/requests blocks in the file\'s indentation ("apply all" for the file)', async () => {
    const doc = await open('missing-blocks.yaml');
    const original = doc.getText();
    const all = (await lenses(doc)).find((l) => l.command?.title === 'MOrA: apply all (2 changes)');
    assert.ok(all, 'an apply-all lens');
    await runLens(all);
    const expected = [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: bare', 'spec:', '  selector:', '    matchLabels:', '      app: bare',
      '  template:', '    metadata:', '      labels:', '        app: bare', '    spec:', '      containers:',
      '        - name: none', '          image: none:1',
      '          resources:', '            requests:', '              cpu: 180m', '              memory: 420Mi', '            limits:', '              memory: 420Mi',
      '        - name: limits-only', '          image: lim:1', '          resources:',
      '            requests:', '              cpu: 180m', '              memory: 420Mi',
      '            limits:', '              memory: 420Mi', '',
    ].join('\n');
    assert.equal(doc.getText(), expected);
    await undoAll(doc, original);
  });

  it('never touches RBAC `resources:` lists or PVC storage requests', async () => {
    const doc = await open('rbac-pvc.yaml');
    const original = doc.getText();
    const found = await lenses(doc);
    assert.deepEqual(found.map((l) => l.range.start.line).sort(), [lineOf(original, '- name: minio'), lineOf(original, '- name: minio')]);
    await runLens(found.find((l) => l.command?.title === 'Apply')!);
    const expected = replaceNth(replaceNth(original, 'cpu: 200m', 'cpu: 180m'), 'memory: 1Gi', 'memory: 420Mi\n            limits:\n              memory: 420Mi');
    assert.equal(doc.getText(), expected);
    assert.ok(doc.getText().includes('resources: ["pods", "services"]') && doc.getText().includes('storage: 10Gi'));
    await undoAll(doc, original);
  });

  it('shows nothing on Helm templates, malformed YAML or YAML that is not Kubernetes, and leaves them untouched', async () => {
    for (const name of ['helm-template.yaml', 'malformed.yaml', 'not-kubernetes.yaml']) {
      const doc = await open(name);
      const before = doc.getText();
      assert.deepEqual(await lenses(doc), [], name);
      assert.deepEqual(vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'MOrA'), [], name);
      assert.equal(doc.getText(), before);
      assert.equal(doc.isDirty, false);
    }
  });

  it('hovering a resource value or the container name shows the evidence', async () => {
    const doc = await open('all-kinds.yaml');
    const text = doc.getText();
    const at = doc.positionAt(text.indexOf('500m') + 1);
    const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, at)) ?? [];
    const md = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(md, /container `nginx`/);
    assert.match(md, /observed over 14 days \(20160 samples\)/);
    assert.match(md, /injected by the test/);
    const onName = doc.positionAt(text.indexOf('name: postgres') + 7);
    const h2 = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, onName)) ?? [];
    assert.match(h2.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n'), /StatefulSet prod\/db/);
  });

  it('marks containers without requests with a hint, and only those', async () => {
    const doc = await open('missing-blocks.yaml');
    const bare = await waitFor(() => vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'MOrA'), (d) => d.length > 0);
    assert.deepEqual(bare.map((d) => [d.range.start.line, d.severity]), [
      [lineOf(doc.getText(), '- name: none'), vscode.DiagnosticSeverity.Hint],
      [lineOf(doc.getText(), '- name: limits-only'), vscode.DiagnosticSeverity.Hint],
    ]);
    const full = await open('all-kinds.yaml');
    assert.deepEqual(vscode.languages.getDiagnostics(full.uri).filter((d) => d.source === 'MOrA'), []);
  });

  it('follows the settings: diagnostic severity (or off) and CodeLenses on/off', async () => {
    const doc = await open('missing-blocks.yaml');
    const cfg = () => vscode.workspace.getConfiguration('mora');
    const mora = () => vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'MOrA');
    try {
      await cfg().update('diagnostics.missingRequests', 'warning', vscode.ConfigurationTarget.Workspace);
      const warned = await waitFor(mora, (d) => d.length === 2 && d.every((x) => x.severity === vscode.DiagnosticSeverity.Warning));
      assert.deepEqual(warned.map((d) => d.severity), [vscode.DiagnosticSeverity.Warning, vscode.DiagnosticSeverity.Warning]);
      await cfg().update('diagnostics.missingRequests', 'off', vscode.ConfigurationTarget.Workspace);
      assert.deepEqual(await waitFor(mora, (d) => d.length === 0), []);
      assert.ok((await lenses(doc)).length > 0);
      await cfg().update('codeLens.enabled', false, vscode.ConfigurationTarget.Workspace);
      assert.deepEqual(await lenses(doc), []);
    } finally {
      await cfg().update('diagnostics.missingRequests', undefined, vscode.ConfigurationTarget.Workspace);
      await cfg().update('codeLens.enabled', undefined, vscode.ConfigurationTarget.Workspace);
    }
    assert.equal((await waitFor(mora, (d) => d.length === 2)).length, 2, 'back to the default hints');
  });
});
