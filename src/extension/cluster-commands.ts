/**
 * The live-cluster commands: Apply to Cluster (server-side dry run, VS Code's diff editor on the live object against
 * the dry run's result, then a modal confirm), and the way out when there is no usable kubeconfig (the welcome view's
 * Reload Kubeconfig and Use the Demo Data). The diff text, the refusals and the GitOps warning come from editor-free
 * code (src/data/kube/apply-plan.ts), the same the CLI prints.
 */
import * as vscode from 'vscode';
import type { ClusterDataSource } from '../data/cluster';
import type { DataSource } from '../data/datasource';
import type { ApplyPlan } from '../data/kube/apply-plan';
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
}

export function registerClusterCommands(mora: MoraContext): void {
  const { extension, log } = mora;
  const reg = (id: string, fn: (...args: never[]) => unknown) => registerCommand(extension, log, id, fn);
  const docs = new DiffDocuments();
  extension.subscriptions.push(docs, vscode.workspace.registerTextDocumentContentProvider(DiffDocuments.scheme, docs));

  // The welcome view's way back: the demo, where the setting was set (a workspace value would override a user one).
  reg('mora.useDemo', async () => {
    const cfg = vscode.workspace.getConfiguration('mora');
    const where = cfg.inspect<string>('dataSource');
    const target = where?.workspaceFolderValue !== undefined ? vscode.ConfigurationTarget.WorkspaceFolder
      : where?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await cfg.update('dataSource', 'demo', target);
    if (target !== vscode.ConfigurationTarget.Global && where?.globalValue === 'cluster') await cfg.update('dataSource', 'demo', vscode.ConfigurationTarget.Global);
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
    log.info(`Dry run of the patch to ${ref.kind} ${ref.namespace}/${ref.name} (${ref.context}):\n${plan.diff}`);
    const uris = docs.add(plan);
    await vscode.commands.executeCommand('vscode.diff', uris.live, uris.after, `${ref.name}: live ↔ after the patch (server-side dry run)`, { preview: true });
    const { containerHeadline } = require('../views/recommendation-text') as typeof import('../views/recommendation-text');
    const summary = rec.containers.map((c) => `${c.container}: ${containerHeadline(c)}`).join('\n');
    const detail = [summary, plan.gitOpsWarning ? `⚠ ${plan.gitOpsWarning}` : '', ...plan.notes, 'The diff editor shows the change as the API server would store it. The pods restart with the new resources.']
      .filter(Boolean).join('\n\n');
    const outcome: ApplyToClusterOutcome = { plan, diffUris: { live: uris.live.toString(), after: uris.after.toString() }, applied: false };
    // options.confirm === false: a caller (a test) that only wants the dry run and the diff.
    if (options?.confirm === false) return outcome;
    const ok = await vscode.window.showWarningMessage(`Patch ${ref.kind} ${ref.namespace}/${ref.name} in context ${ref.context}?`, { modal: true, detail }, 'Patch');
    if (ok !== 'Patch') return outcome;
    // The write goes to the object the diff was computed from: changed meanwhile (in what the diff showed), nothing is
    // written and the error says so (ChangedSincePreview).
    let result;
    try {
      result = await applyApproved(kube, plan);
    } catch (e) {
      throw withRoleHint(e, APPLIER_ROLE);
    }
    log.info(`Patched ${ref.kind} ${ref.namespace}/${ref.name} (${ref.context}), resourceVersion ${result.resourceVersion}.`);
    void vscode.window.showInformationMessage(`MOrA: patched ${ref.kind} ${ref.name}.`);
    void vscode.commands.executeCommand('mora.refresh');
    return { ...outcome, applied: true, resourceVersion: result.resourceVersion };
  });
}
