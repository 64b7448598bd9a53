/**
 * The live-cluster commands: Apply to Cluster (server-side dry run, VS Code's diff editor on the live object against
 * the dry run's result, then a modal confirm), and the way out when there is no usable kubeconfig (the welcome view's
 * Reload Kubeconfig and Use the Demo Data). The diff text, the refusals and the GitOps warning come from editor-free
 * code (src/data/kube/apply-plan.ts), the same the CLI prints. Before the patch, the undo record the CLI writes
 * (src/data/kube/undo-record.ts); Undo (the success notification's, or Undo Last Apply to Cluster) puts the recorded
 * values back through the same dry run, diff editor and modal, refused where another writer changed a field since.
 */
import * as vscode from 'vscode';
import type { ClusterDataSource } from '../data/cluster';
import type { DataSource } from '../data/datasource';
import type { ApplyPlan } from '../data/kube/apply-plan';
import type { WorkloadRef } from '../core/workload';
import type { TreeNode } from '../views/tree-model';
import type { MoraContext } from './context';
import type { Log } from './log';
import { registerCommand } from './register';

export type { KubeconfigProblem } from './context';
import type { KubeconfigProblem } from './context';

/**
 * For the cluster source: whether a kubeconfig was found and could be read (context key mora.kubeconfigProblem,
 * which picks the welcome view). The reason goes to the log, one line, with what was looked for.
 */
export function kubeconfigProblem(source: DataSource, log: Log): KubeconfigProblem | undefined {
  if (source.kind !== 'cluster') return undefined;
  try {
    (source as ClusterDataSource).kube();
    return undefined;
  } catch (e) {
    const kind = (e as { kind?: string }).kind;
    if (kind === 'no-kubeconfig') {
      // What was looked for and the editor's way out (the source's kubeconfigHint: mora.kubeconfig, Use the Demo Data).
      log.warn((e as Error).message);
      return 'none';
    }
    log.warn(`The kubeconfig cannot be used: ${(e as Error).message}`);
    return 'unreadable';
  }
}

/** Read-only documents for the two sides of the diff editor (virtual: nothing is written to disk). */
class DiffDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  static readonly scheme = 'mora-diff';
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private next = 0;

  /** A pair of URIs (live, after) holding the plan's two YAML texts. */
  add(plan: ApplyPlan): { live: vscode.Uri; after: vscode.Uri } {
    const n = ++this.next;
    const safe = (s: string) => encodeURIComponent(s);
    const base = `/${safe(plan.ref.context)}/${safe(plan.ref.namespace)}/${safe(plan.ref.kind)}-${safe(plan.ref.name)}`;
    const live = vscode.Uri.from({ scheme: DiffDocuments.scheme, path: `${base}.live.yaml`, query: `${n}` });
    const after = vscode.Uri.from({ scheme: DiffDocuments.scheme, path: `${base}.dry-run.yaml`, query: `${n}` });
    this.texts.set(live.toString(), plan.liveYaml);
    this.texts.set(after.toString(), plan.dryRunYaml);
    return { live, after };
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.changed.dispose();
    this.texts.clear();
  }
}

/** What Apply to Cluster returns to programmatic callers (tests): the plan it showed and whether it patched. */
export interface ApplyToClusterOutcome {
  plan: ApplyPlan;
  /** The diff editor's two documents. */
  diffUris?: { live: string; after: string };
  applied: boolean;
  resourceVersion?: string;
  /** The undo record written before the patch (absent when nothing was sent). */
  undoRecord?: string;
}

/** What Undo Last Apply to Cluster returns to programmatic callers (tests): per recorded workload, what it did. */
export interface UndoApplyOutcome {
  record: string;
  workloads: Array<{ ref: WorkloadRef; undone: boolean; nothing?: string; plan?: ApplyPlan; diffUris?: { live: string; after: string }; resourceVersion?: string }>;
}

/** globalState key: the undo record of the last Apply to Cluster made from this editor. */
const LAST_UNDO_RECORD = 'mora.lastApplyToClusterUndoRecord';
const UNDO = 'Undo';

export function registerClusterCommands(mora: MoraContext): void {
  const { extension, log } = mora;
  const reg = (id: string, fn: (...args: never[]) => unknown) => registerCommand(extension, log, id, fn);
  const docs = new DiffDocuments();
  extension.subscriptions.push(docs, vscode.workspace.registerTextDocumentContentProvider(DiffDocuments.scheme, docs));

  // The welcome view's way back: the demo, written only where the effective value comes from (a folder's or the
  // workspace's setting, else the user's). Not the user's too: every other window reading it would switch to the demo.
  reg('mora.useDemo', async () => {
    const cfg = vscode.workspace.getConfiguration('mora');
    const { effectiveScope } = require('../views/editor-choices') as typeof import('../views/editor-choices');
    const scope = effectiveScope(cfg.inspect<string>('dataSource'));
    const target = scope === 'workspaceFolder' ? vscode.ConfigurationTarget.WorkspaceFolder
      : scope === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await cfg.update('dataSource', 'demo', target);
  });

  // After logging in (a new ~/.kube/config) or fixing the file: read it again.
  reg('mora.reloadKubeconfig', async () => {
    await mora.reloadSource();
    return mora.kubeconfigProblem;
  });

  reg('mora.applyToCluster', async (node?: TreeNode, options?: { confirm?: boolean }): Promise<ApplyToClusterOutcome | undefined> => {
    const ref = node?.workload;
    if (!ref) throw new Error('Apply to Cluster works on a workload in the MOrA tree.');
    if (mora.source.kind !== 'cluster') throw new Error('The demo has no cluster to write to: apply the recommendation to a manifest instead (CodeLens or the forecast view).');
    if (!vscode.workspace.isTrusted) throw new Error('Writing to a cluster is disabled in Restricted Mode. Trust this workspace to use it.');
    await mora.store.computeNamespace(ref.namespace, { context: ref.context });
    const rec = mora.store.treeSource().get(ref);
    if (!rec) throw new Error(`No recommendation for ${ref.name} yet.`);
    const { APPLIER_ROLE, applyApproved, clusterChange, planApply, withRoleHint } = require('../data/kube/apply-plan') as typeof import('../data/kube/apply-plan');
    const kube = (mora.source as ClusterDataSource).kube();
    const change = clusterChange(rec);
    const plan = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `MOrA: server-side dry run of the patch to ${ref.name}…` },
      () => planApply(kube, ref, change));
    // Refused by validation, an admission policy, or the namespace's LimitRange/ResourceQuota for the new pods: said
    // before anything changes, one line each.
    if (plan.refusals.length) throw new Error(plan.refusals.join(' · '));
    for (const n of plan.notes) log.warn(n);
    if (!plan.changed) {
      void vscode.window.showInformationMessage(`MOrA: ${ref.kind} ${ref.name} already has the recommended resources; nothing to patch.`);
      return { plan, applied: false };
    }
    const { containerHeadline } = require('../views/recommendation-text') as typeof import('../views/recommendation-text');
    const summary = rec.containers.map((c) => `${c.container}: ${containerHeadline(c)}`).join('\n');
    const shown = await showAndConfirm(plan, {
      what: 'the patch to', title: `${ref.name}: live ↔ after the patch (server-side dry run)`, question: `Patch ${ref.kind} ${ref.namespace}/${ref.name} in context ${ref.context}?`,
      button: 'Patch', detail: [summary, plan.gitOpsWarning ? `⚠ ${plan.gitOpsWarning}` : '', ...plan.notes, 'The diff editor shows the change as the API server would store it. The pods restart with the new resources.'],
      confirm: options?.confirm,
    });
    const outcome: ApplyToClusterOutcome = { plan, diffUris: shown.diffUris, applied: false };
    if (!shown.ok) return outcome;
    // The previous values, on disk before the patch: where `mora recommend --apply-cluster` writes its records (so
    // `mora recommend --undo <record>` undoes this patch too), remembered for Undo Last Apply to Cluster.
    const { recordBeforePatch, undoRecordPath } = require('../data/kube/undo-record') as typeof import('../data/kube/undo-record');
    const record = undoRecordPath(process.env, new Date(), 'apply-cluster-editor');
    let mark: (status: 'patched' | 'failed') => void;
    try {
      const write = recordBeforePatch(record, plan);
      mark = (status) => {
        try {
          write(status);
        } catch (e) {
          log.warn(`Could not update the undo record ${record} (${(e as Error).message}); its undo judges the workload by its values.`);
        }
      };
    } catch (e) {
      throw new Error(`Could not write the undo record ${record} (${(e as Error).message}), so nothing was changed.`);
    }
    const wayBack = `MOrA: Undo Last Apply to Cluster, or mora recommend --undo ${record}`;
    log.info(`Previous values of ${ref.kind} ${ref.namespace}/${ref.name} recorded in ${record} (to put them back: ${wayBack}).`);
    // The write goes to the object the diff was computed from: changed meanwhile (in what the diff showed), nothing is
    // written and the error says so (ChangedSincePreview).
    let result;
    try {
      result = await applyApproved(kube, plan);
    } catch (e) {
      const { KubeError } = require('../data/kube/errors') as typeof import('../data/kube/errors');
      const err = withRoleHint(e, APPLIER_ROLE);
      if (!(e instanceof KubeError && e.kind === 'unreachable')) {
        mark('failed');
        throw err;
      }
      // No answer: the patch may have landed. The record stays 'pending'; its undo judges by the values.
      const message = `MOrA: the patch to ${ref.kind} ${ref.name} got no answer (${(err as Error).message.split('\n')[0]}); it may have landed. Undo checks and puts back the previous values where it did (recorded in ${record}).`;
      log.warn(message);
      await extension.globalState.update(LAST_UNDO_RECORD, record);
      offerUndo(vscode.window.showErrorMessage(message, UNDO), record);
      return { ...outcome, undoRecord: record };
    }
    mark('patched');
    // Undo Last Apply to Cluster's record: a patch that may have changed something (not one refused: nothing to undo).
    await extension.globalState.update(LAST_UNDO_RECORD, record);
    log.info(`Patched ${ref.kind} ${ref.namespace}/${ref.name} (${ref.context}), resourceVersion ${result.resourceVersion}.`);
    offerUndo(vscode.window.showInformationMessage(`MOrA: patched ${ref.kind} ${ref.name}.`, UNDO), record);
    void vscode.commands.executeCommand('mora.refresh');
    return { ...outcome, applied: true, resourceVersion: result.resourceVersion, undoRecord: record };
  });

  // The way back from an Apply to Cluster (the last one made here, or the record given): each recorded workload put
  // back through the same dry run, diff and confirm, only where every field the patch set still shows what it left.
  reg('mora.undoApplyToCluster', async (given?: string, options?: { confirm?: boolean }): Promise<UndoApplyOutcome | undefined> => {
    const record = typeof given === 'string' ? given : extension.globalState.get<string>(LAST_UNDO_RECORD);
    if (!record) throw new Error('There is no Apply to Cluster to undo: MOrA remembers the last one made from this editor (mora recommend --undo <record> undoes one of the CLI).');
    if (mora.source.kind !== 'cluster') throw new Error(`Undo writes to the cluster: set mora.dataSource to cluster first (the record: ${record}).`);
    if (!vscode.workspace.isTrusted) throw new Error('Writing to a cluster is disabled in Restricted Mode. Trust this workspace to use it.');
    const { judgeWrite, readUndoRecord, UndoRecordError } = require('../data/kube/undo-record') as typeof import('../data/kube/undo-record');
    const { APPLIER_ROLE, applyApproved, withRoleHint } = require('../data/kube/apply-plan') as typeof import('../data/kube/apply-plan');
    let writes;
    try {
      writes = readUndoRecord(record, `The undo record ${record}`, '(changed since the patch): not undone — the other writer\'s values stay');
    } catch (e) {
      throw e instanceof UndoRecordError ? new Error(e.message) : e;
    }
    const kube = (mora.source as ClusterDataSource).kube();
    const out: UndoApplyOutcome = { record, workloads: [] };
    for (const w of writes) {
      const what = `${w.ref.kind} ${w.ref.namespace}/${w.ref.name}`;
      const judged = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `MOrA: server-side dry run of the undo of ${w.ref.name}…` },
        () => judgeWrite(kube, w));
      const plan = judged.plan;
      if (judged.refusals.length) throw new Error(`${what} (context ${w.ref.context}): ${judged.refusals.join(' · ')}`);
      if (!plan || judged.nothing || !plan.changed) {
        const why = judged.nothing ?? 'already at its previous values, nothing to undo';
        void vscode.window.showInformationMessage(`MOrA: ${what}: ${why}.`);
        out.workloads.push({ ref: w.ref, undone: false, nothing: why });
        continue;
      }
      for (const n of plan.notes) log.warn(n);
      const shown = await showAndConfirm(plan, {
        what: 'the undo of', title: `${w.ref.name}: live ↔ after the undo (server-side dry run)`, question: `Put back the previous values of ${what} in context ${w.ref.context}?`,
        button: 'Undo', detail: [plan.gitOpsWarning ? `⚠ ${plan.gitOpsWarning}` : '', ...plan.notes, 'The diff editor shows the values as the API server would store them. The pods restart with them.'],
        confirm: options?.confirm,
      });
      if (!shown.ok) {
        out.workloads.push({ ref: w.ref, undone: false, plan, diffUris: shown.diffUris });
        continue;
      }
      let result;
      try {
        result = await applyApproved(kube, plan);
      } catch (e) {
        throw withRoleHint(e, APPLIER_ROLE);
      }
      log.info(`Put back the previous values of ${what} (${w.ref.context}), resourceVersion ${result.resourceVersion} (record ${record}).`);
      void vscode.window.showInformationMessage(`MOrA: put back the previous values of ${w.ref.kind} ${w.ref.name}.`);
      out.workloads.push({ ref: w.ref, undone: true, plan, diffUris: shown.diffUris, resourceVersion: result.resourceVersion });
    }
    if (out.workloads.some((w) => w.undone)) void vscode.commands.executeCommand('mora.refresh');
    return out;
  });

  /** Logs the dry run's diff, opens it in the diff editor and (unless `confirm` is false: tests) asks in a modal. */
  async function showAndConfirm(plan: ApplyPlan, o: { what: string; title: string; question: string; button: string; detail: string[]; confirm?: boolean }): Promise<{ ok: boolean; diffUris: { live: string; after: string } }> {
    const ref = plan.ref;
    log.info(`Dry run of ${o.what} ${ref.kind} ${ref.namespace}/${ref.name} (${ref.context}):\n${plan.diff}`);
    const uris = docs.add(plan);
    await vscode.commands.executeCommand('vscode.diff', uris.live, uris.after, o.title, { preview: true });
    const diffUris = { live: uris.live.toString(), after: uris.after.toString() };
    // confirm === false: a caller (a test) that only wants the dry run and the diff.
    if (o.confirm === false) return { ok: false, diffUris };
    const ok = await vscode.window.showWarningMessage(o.question, { modal: true, detail: o.detail.filter(Boolean).join('\n\n') }, o.button);
    return { ok: ok === o.button, diffUris };
  }

  function offerUndo(answer: Thenable<string | undefined>, record: string): void {
    void Promise.resolve(answer).then((a) => (a === UNDO ? vscode.commands.executeCommand('mora.undoApplyToCluster', record) : undefined));
  }
}
