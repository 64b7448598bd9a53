// Apply to Cluster in VS Code against a REAL kube-apiserver and a backfilled real Prometheus (test/harness/live-cluster.ts,
// started as its own process): the tree lists the cluster, Apply to Cluster dry-runs the patch, opens the diff editor on
// the live object and the dry run's result (two read-only documents), asks in a modal — with the Argo CD warning for a
// workload Argo CD manages — and patches only after "Patch".
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { backToDemo, clusterNamespace, fixtureCall, startFixture, type Fixture } from './live-fixture';
import { activateMora, EXTENSION_ID, waitFor, type MoraTestApi } from './helpers';

interface Outcome { applied: boolean; diffUris?: { live: string; after: string }; plan: { diff: string; changed: boolean; liveYaml: string; dryRunYaml: string; gitOpsWarning?: string } }

describe('Apply to Cluster against a real API server', function () {
  this.timeout(300_000);
  let fixture: Fixture | undefined;
  const realWarning = vscode.window.showWarningMessage;
  const realError = vscode.window.showErrorMessage;

  before(async function () {
    this.timeout(200_000);
    const repo = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
    fixture = await startFixture(repo);
  });
  after(async () => {
    (vscode.window as { showWarningMessage: unknown }).showWarningMessage = realWarning;
    await backToDemo(fixture);
  });

  it('dry run, the diff editor (live ↔ dry run), a modal confirm with the Argo CD warning, then the patch', async () => {
    const api = (await activateMora()) as MoraTestApi & { sourceKind(): string; kubeconfigProblem(): string | undefined };
    const { roots, ns: shop, label } = await clusterNamespace(fixture!, 'shop');
    assert.deepEqual(roots, ['mora-real']);
    const workloads = await waitFor(() => api.tree.getChildren(shop), (w) => w.length >= 2, 60_000);
    const byName = async (name: string) => workloads[(await Promise.all(workloads.map(label))).indexOf(name)];

    const asked: Array<{ message: string; detail?: string; modal?: boolean; items: string[] }> = [];
    let answer: string | undefined = 'Patch';
    (vscode.window as { showWarningMessage: unknown }).showWarningMessage = async (message: string, options: vscode.MessageOptions, ...items: string[]) => {
      asked.push({ message, detail: options?.detail, modal: options?.modal, items });
      return answer;
    };

    const outcome = await vscode.commands.executeCommand<Outcome>('mora.applyToCluster', await byName('checkout'));
    assert.ok(outcome, 'Apply to Cluster returned (no error message)');
    assert.equal(outcome.applied, true);
    assert.match(outcome.plan.diff, /^--- Deployment shop\/checkout \(context mora-real\) live\n\+\+\+ Deployment shop\/checkout \(context mora-real\) after the patch \(server-side dry run\)\n/);
    assert.match(outcome.plan.diff, /^-\s+cpu: 500m$/m);
    // The diff editor: the live object against the dry run's result, read-only virtual documents, YAML.
    const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputTextDiff && t.input.original.scheme === 'mora-diff');
    assert.ok(tab, 'a diff editor is open');
    assert.equal(tab.label, 'checkout: live ↔ after the patch (server-side dry run)');
    const input = tab.input as vscode.TabInputTextDiff;
    assert.equal(input.original.toString(), outcome.diffUris!.live);
    const [left, right] = await Promise.all([vscode.workspace.openTextDocument(input.original), vscode.workspace.openTextDocument(input.modified)]);
    assert.equal(left.getText(), outcome.plan.liveYaml);
    assert.equal(right.getText(), outcome.plan.dryRunYaml);
    assert.match(left.getText(), /- name: server\n {10}resources:\n {12}requests:\n {14}cpu: 500m\n {14}memory: 512Mi/);
    assert.equal(left.languageId, 'yaml');
    // The modal confirm came after the dry run, naming the workload and context.
    assert.equal(asked.length, 1);
    assert.equal(asked[0].message, 'Patch Deployment shop/checkout in context mora-real?');
    assert.equal(asked[0].modal, true);
    assert.deepEqual(asked[0].items, ['Patch']);
    assert.match(asked[0].detail ?? '', /^server: /);
    assert.doesNotMatch(asked[0].detail ?? '', /managed by/);

    // Argo CD manages frontend: the confirm says a live patch will be reverted and points at the manifest. Cancelled: nothing written.
    answer = undefined;
    const cancelled = await vscode.commands.executeCommand<Outcome>('mora.applyToCluster', await byName('frontend'));
    assert.equal(cancelled.applied, false);
    assert.match(asked[1].detail ?? '', /⚠ Deployment shop\/frontend is managed by Argo CD \(application "shop-prod"; label argocd\.argoproj\.io\/instance=shop-prod\): a live patch will be reverted — .*Apply to the manifest \(CodeLens\)/);
    const again = await vscode.commands.executeCommand<Outcome>('mora.applyToCluster', await byName('frontend'), { confirm: false });
    assert.equal(again.plan.changed, true, 'frontend was not patched');

    // checkout was patched: a second Apply finds nothing to change (and asks nothing).
    answer = 'Patch';
    const second = await vscode.commands.executeCommand<Outcome>('mora.applyToCluster', await byName('checkout'));
    assert.equal(second.plan.changed, false);
    assert.equal(second.applied, false);
    assert.equal(asked.length, 2);

    // Someone sets frontend's CPU request while the modal is open: the diff approved is no longer what a patch would do,
    // so nothing is written and the error message says so (not a patch over the other writer's change). A change to a
    // field MOrA does not write (an HPA scaling it) would not stop it (ebde9e2).
    // The other writer is the fixture's process: loading the Kubernetes client here would put it in the extension host's
    // module cache, which extension.test.ts checks activation keeps free of it.
    (vscode.window as { showWarningMessage: unknown }).showWarningMessage = async () => { await fixtureCall(fixture!, 'cpu shop frontend 310m'); return 'Patch'; };
    const errors: string[] = [];
    (vscode.window as { showErrorMessage: unknown }).showErrorMessage = async (message: string) => { errors.push(message); return undefined; };
    try {
      const raced = await vscode.commands.executeCommand<Outcome | undefined>('mora.applyToCluster', await byName('frontend'));
      assert.equal(raced, undefined);
    } finally {
      (vscode.window as { showErrorMessage: unknown }).showErrorMessage = realError;
    }
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], /^MOrA: Deployment\/frontend changed since the preview \(resourceVersion \d+ → \d+\): nothing was applied; run again to see the new diff$/);
    type Deployment = { spec?: { replicas?: number; template?: { spec?: { containers?: Array<{ resources?: { requests?: { cpu?: string } } }> } } } };
    const now = (await fixtureCall(fixture!, 'get shop frontend')).deployment as Deployment;
    assert.equal(now.spec?.template?.spec?.containers?.[0].resources?.requests?.cpu, '310m', 'the other writer\'s value stays: frontend was not patched');
  });

  it('Undo: the notification offers it; Undo Last Apply to Cluster puts the previous values back through the same dry run, diff and confirm, and refuses once another writer set a field MOrA set (editor apply)', async () => {
    const api = (await activateMora()) as MoraTestApi & { sourceKind(): string };
    const { ns: shop, label } = await clusterNamespace(fixture!, 'shop');
    const workloads = await waitFor(() => api.tree.getChildren(shop), (w) => w.length >= 2, 60_000);
    const frontend = workloads[(await Promise.all(workloads.map(label))).indexOf('frontend')];
    type Deployment = { spec?: { template?: { spec?: { containers?: Array<{ resources?: { requests?: { cpu?: string }; limits?: { cpu?: string } } }> } } } };
    const resources = async () => ((await fixtureCall(fixture!, 'get shop frontend')).deployment as Deployment).spec?.template?.spec?.containers?.[0].resources;
    const window = vscode.window as unknown as Record<string, unknown>;
    const realInfo = vscode.window.showInformationMessage;
    const asked: Array<{ message: string; items: string[] }> = [];
    const infos: Array<{ message: string; items: string[] }> = [];
    const errors: string[] = [];
    let answer: string | undefined;
    window.showWarningMessage = async (message: string, _o: vscode.MessageOptions, ...items: string[]) => { asked.push({ message, items }); return answer; };
    window.showInformationMessage = async (message: string, ...items: string[]) => { infos.push({ message, items }); return undefined; };
    window.showErrorMessage = async (message: string) => { errors.push(message); return undefined; };
    try {
      const before = await resources();
      answer = 'Patch';
      const applied = await vscode.commands.executeCommand<Outcome & { undoRecord?: string }>('mora.applyToCluster', frontend);
      assert.equal(applied.applied, true, errors.join('\n'));
      assert.match(applied.undoRecord ?? '', /\/mora\/undo\/apply-cluster-editor-\d{8}T\d{6}\.\d{3}Z-\d+-[0-9a-f]{6}\.yaml$/);
      assert.deepEqual(infos.at(-1), { message: 'MOrA: patched Deployment frontend.', items: ['Undo'] }, 'the success notification offers Undo');
      const patched = await resources();
      assert.notDeepEqual(patched, before);

      // Undo: its own dry run and diff editor, then a modal naming the workload; the values as they were.
      answer = 'Undo';
      const undone = await vscode.commands.executeCommand<{ workloads: Array<{ undone: boolean; plan?: { diff: string } }> }>('mora.undoApplyToCluster');
      assert.equal(undone?.workloads[0].undone, true, errors.join('\n'));
      assert.deepEqual(asked.at(-1), { message: 'Put back the previous values of Deployment shop/frontend in context mora-real?', items: ['Undo'] });
      const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === 'frontend: live ↔ after the undo (server-side dry run)');
      assert.ok(tab, 'the undo\'s diff editor is open');
      assert.deepEqual(await resources(), before);
      // Again: nothing to undo, nothing asked.
      const n = asked.length;
      const again = await vscode.commands.executeCommand<{ workloads: Array<{ undone: boolean; nothing?: string }> }>('mora.undoApplyToCluster');
      assert.deepEqual(again?.workloads.map((w) => [w.undone, w.nothing]), [[false, 'already at its previous values, nothing to undo']]);
      assert.equal(asked.length, n);

      // Patched again, then another writer sets the CPU request MOrA set: Undo refuses, naming it, and writes nothing.
      answer = 'Patch';
      assert.equal((await vscode.commands.executeCommand<Outcome>('mora.applyToCluster', frontend)).applied, true, errors.join('\n'));
      const left = (await resources())?.requests?.cpu;
      await fixtureCall(fixture!, 'cpu shop frontend 1m');
      answer = 'Undo';
      assert.equal(await vscode.commands.executeCommand('mora.undoApplyToCluster'), undefined);
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.match(errors[0], new RegExp(`^MOrA: Deployment shop/frontend \\(context mora-real\\): container "server" requests\\.cpu is 1m, the recorded patch left ${left} \\(changed since the patch\\): not undone`));
      assert.equal((await resources())?.requests?.cpu, '1m', 'the other writer\'s value stays');
    } finally {
      window.showWarningMessage = realWarning;
      window.showInformationMessage = realInfo;
      window.showErrorMessage = realError;
    }
  });
});
