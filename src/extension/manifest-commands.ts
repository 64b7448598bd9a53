import * as vscode from 'vscode';
import { settingsChangeRecomputes } from '../views/recommend-settings';
import type { Recommendation } from '../core/recommendation';
import type { ManifestChange } from '../manifests/types';
import type { ExperimentViewData, ForecastViewData, RenderedReport, WebviewDescription } from '../protocol/forecast';
import { MANIFEST_SELECTOR, ManifestViews, MoraCodeLensProvider, type ApplyArgs } from './codelens';
import { MissingRequestsDiagnostics } from './diagnostics';
import { registerExperimentFeatures } from './experiment-commands';
import type { MoraContext } from './context';
import { registerCommand } from './register';
import { ForecastPanels, type ForecastTarget } from './forecast-panel';
import { MoraHoverProvider } from './hover';

/** Test/API surface added to what `activate` returns. */
export interface ManifestFeaturesApi {
  recommendations: { set(recs: Recommendation[]): void; clear(): void; all(): Recommendation[] };
  forecast: {
    show(target: ForecastTarget): Promise<void>;
    /** Asks the webview (request/response over the protocol) what it drew. */
    describe(): Promise<WebviewDescription>;
    data(): ForecastViewData | undefined;
    /** Settles when the view's forecast computation under way (if any, with those it chains to) has finished. */
    settled(): Promise<void>;
    /** Runs what a webview button asks for (apply, copyYaml, refresh, ping), as the webview's request would. */
    request(command: 'apply' | 'copyYaml' | 'refresh' | 'ping'): Promise<unknown>;
    visible(): boolean;
    /** The load experiment the view shows, if it shows one. */
    experiment(): ExperimentViewData | undefined;
    /** What the webview reports having painted (npm run bench:view times the view with it). */
    onRendered: vscode.Event<RenderedReport>;
  };
  /** Diagnostics MOrA put on experiment plan files. */
  planDiagnostics(uri: vscode.Uri): readonly vscode.Diagnostic[];
  /**
   * The CodeLenses MOrA gives a document, as sent to the workbench: vscode.executeCodeLensProvider drops the tooltip
   * of a lens without a command (the informational ones), so the suite reads it here.
   */
  codeLenses(doc: vscode.TextDocument): vscode.CodeLens[];
}

/** `mora.applyRecommendation` from the webview: a recommendation to write into the open manifest. */
interface ApplyRecommendationArgs {
  recommendation: Recommendation;
  /** Only this container's resources (the forecast view's "Apply to open manifest"). */
  container?: string;
  /**
   * Also the recommended replicas. By default only when the whole workload is applied (no `container`): applying one
   * container's resources never changes the workload's replicas unless asked (as the CLI's `--replicas`); the
   * CodeLens has its own replicas lens for that.
   */
  replicas?: boolean;
}

const isApplyArgs = (x: unknown): x is ApplyArgs => typeof x === 'object' && x !== null && typeof (x as ApplyArgs).uri === 'string' && Array.isArray((x as ApplyArgs).changes);
const isRecArgs = (x: unknown): x is ApplyRecommendationArgs => typeof x === 'object' && x !== null && typeof (x as ApplyRecommendationArgs).recommendation === 'object';

/** Reading metrics from a live cluster sends traffic: not in a restricted (untrusted) workspace. */
function assertMaySendTraffic(mora: MoraContext, what: string): void {
  if (mora.source.kind !== 'demo' && !vscode.workspace.isTrusted) {
    throw new Error(`${what} reads your cluster's metrics, which is disabled in Restricted Mode. Trust this workspace to use it.`);
  }
}

/**
 * Writes changes into a document as one WorkspaceEdit (one undo step); only the values concerned change. A change that a
 * kustomize patch overrides (ManifestViews.refusal: what `recommend --apply-to <file>` refuses) writes nothing: the
 * command fails with the CLI's reason.
 */
export async function applyChanges(views: ManifestViews, doc: vscode.TextDocument, changes: ManifestChange[]): Promise<string> {
  const refused = views.refusal(doc, changes);
  if (refused) throw new Error(refused.reason);
  // An overlay rendering them under another namespace or name gets them too: said after the message, as the CLI notes it.
  const notes = views.overlayNotes(doc, changes).map((n) => ` Note: ${n}.`).join('');
  const { planEdits } = require('../manifests/edit') as typeof import('../manifests/edit');
  const edits = planEdits(doc.getText(), changes);
  const text = doc.getText();
  const real = edits.filter((e) => text.slice(e.offset, e.offset + e.length) !== e.newText);
  const name = vscode.workspace.asRelativePath(doc.uri);
  if (real.length === 0) return `${name} already has these values.`;
  const version = doc.version;
  const we = new vscode.WorkspaceEdit();
  for (const e of real) we.replace(doc.uri, new vscode.Range(doc.positionAt(e.offset), doc.positionAt(e.offset + e.length)), e.newText);
  if (!(await vscode.workspace.applyEdit(we))) {
    // Most often a second Apply racing the first: its edit was computed on the text before the first one's.
    const { refusedEditMessage } = require('../views/editor-choices') as typeof import('../views/editor-choices');
    throw new Error(refusedEditMessage(name, { readOnly: vscode.workspace.fs.isWritableFileSystem(doc.uri.scheme) === false, changedMeanwhile: doc.version !== version }));
  }
  return `Applied ${changes.length} change(s) to ${name}.${notes}`;
}

/** Changes that write a recommendation into a manifest text: the matching workload's containers (and replicas). */
export function changesFor(views: ManifestViews, doc: vscode.TextDocument, args: ApplyRecommendationArgs): ManifestChange[] {
  const view = views.get(doc);
  const { resourceSettings } = require('../views/recommendation-text') as typeof import('../views/recommendation-text');
  const { manifestLimits } = require('../views/manifest-lens-model') as typeof import('../views/manifest-lens-model');
  const { replicasDecision } = require('../manifests/from-recommendation') as typeof import('../manifests/from-recommendation');
  const rec = args.recommendation;
  const defaultNs = vscode.workspace.getConfiguration('mora', doc.uri).get<string>('defaultNamespace', 'default');
  // Where kustomize renders the file's workloads (the namespace: of its kustomization), as its lenses match them.
  const kns = views.placement(doc)?.namespace;
  const { inKustomizeNamespace } = require('../cli/commands/kustomize-namespace') as typeof import('../cli/commands/kustomize-namespace');
  const changes: ManifestChange[] = [];
  const withReplicas = args.replicas ?? args.container === undefined;
  let replicasDone = false;
  for (const found of view?.scan.containers ?? []) {
    const ns = inKustomizeNamespace(found, kns).namespace ?? defaultNs;
    if (found.kind.toLowerCase() !== rec.workload.kind.toLowerCase() || found.name !== rec.workload.name || ns !== rec.workload.namespace) continue;
    const docNs = found.namespace; // the workload's own (an item of a `kind: List` has its own namespace)
    for (const c of rec.containers) {
      if (c.container !== found.container || (args.container && c.container !== args.container)) continue;
      const set = resourceSettings(c, manifestLimits(found));
      if (set.requests || set.limits) changes.push({ type: 'resources', target: { kind: found.kind, name: found.name, namespace: docNs, container: found.container }, set });
    }
    // Not when an HPA scales it (the cluster's, or one in this file: replicasDecision).
    // Placed where kustomize renders it, as the view's autoscalers are (manifestView: placeAutoscaler).
    const replicas = withReplicas && !replicasDone && found.replicas ? replicasDecision(inKustomizeNamespace(found, kns), rec, view?.autoscalers, defaultNs).replicas : undefined;
    if (replicas !== undefined) {
      replicasDone = true;
      changes.push({ type: 'replicas', target: { kind: found.kind, name: found.name, namespace: docNs }, replicas });
    }
  }
  return changes;
}

function manifestEditors(): vscode.TextDocument[] {
  const active = vscode.window.activeTextEditor?.document;
  const docs = [active, ...vscode.window.visibleTextEditors.map((e) => e.document)].filter((d): d is vscode.TextDocument => d?.languageId === 'yaml');
  return [...new Set(docs)];
}

interface PickTarget extends vscode.QuickPickItem {
  target: ForecastTarget;
}

/** Every context's namespaces' workloads, in order; a context that cannot be read (unreachable cluster) is skipped with a note. */
async function eachContext<T>(mora: MoraContext, read: (context: string) => Promise<T[]>, skipped: string[]): Promise<T[]> {
  const out: T[] = [];
  for (const context of await mora.source.contexts()) {
    try {
      out.push(...(await read(context)));
    } catch (e) {
      skipped.push(context);
      mora.log.warn(`Context ${context} skipped: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return out;
}

const skippedNote = (skipped: string[]): string | undefined =>
  skipped.length ? `context${skipped.length > 1 ? 's' : ''} ${skipped.join(', ')} could not be read (see the MOrA log)` : undefined;

async function pickTarget(mora: MoraContext): Promise<ForecastTarget | undefined> {
  const skipped: string[] = [];
  const items = await eachContext<PickTarget>(mora, async (context) => {
    const out: PickTarget[] = [];
    for (const namespace of await mora.source.namespaces(context)) {
      for (const w of await mora.source.workloads(context, namespace)) {
        for (const c of w.containers) {
          out.push({ label: `${w.name}/${c.name}`, description: `${w.kind} · ${namespace} · ${context}`, target: { context, namespace, kind: w.kind, name: w.name, container: c.name } });
        }
      }
    }
    return out;
  }, skipped);
  const note = skippedNote(skipped);
  return (await vscode.window.showQuickPick(items, { title: 'MOrA: show the forecast of…', placeHolder: note ? `Not listed: ${note}` : undefined, matchOnDescription: true }))?.target;
}

/** A tree node ({workload, container}), a lens target, or nothing (quick pick). */
async function targetOf(mora: MoraContext, arg: unknown): Promise<ForecastTarget | undefined> {
  if (typeof arg === 'object' && arg !== null) {
    const a = arg as { workload?: { context: string; namespace: string; kind: string; name: string }; container?: string; namespace?: string; kind?: string; name?: string };
    if (a.workload) {
      const container = a.container ?? (await mora.source.workloads(a.workload.context, a.workload.namespace))
        .find((w) => w.name === a.workload!.name && w.kind === a.workload!.kind)?.containers[0]?.name;
      if (container) return { ...a.workload, container };
    } else if (a.namespace && a.kind && a.name && a.container) {
      return { namespace: a.namespace, kind: a.kind, name: a.name, container: a.container };
    }
  }
  return pickTarget(mora);
}

/** The namespace to recommend for, and its context when the command came from a tree node (which names one). */
async function namespaceOf(mora: MoraContext, arg: unknown): Promise<{ namespace: string; context?: string } | undefined> {
  if (typeof arg === 'string') return { namespace: arg };
  if (typeof arg === 'object' && arg !== null) {
    const a = arg as { namespace?: string; context?: string; workload?: { namespace: string; context?: string } };
    if (a.workload) return { namespace: a.workload.namespace, context: a.workload.context };
    if (a.namespace) return { namespace: a.namespace, context: a.context };
  }
  const skipped: string[] = [];
  const all = new Set(await eachContext(mora, (c) => mora.source.namespaces(c), skipped));
  const note = skippedNote(skipped);
  const namespace = await vscode.window.showQuickPick([...all], { title: 'MOrA: recommend for namespace…', placeHolder: note ? `Not listed: ${note}` : undefined });
  return namespace === undefined ? undefined : { namespace };
}

/** Settings whose change recomputes every recommendation: src/views/recommend-settings.ts, which reads them. */
export { RECOMPUTE_SETTINGS } from '../views/recommend-settings';

/** Settings that shape a manifest's view (which recommendation a workload without a namespace gets), besides the store. */
export const VIEW_SETTINGS = ['mora.defaultNamespace'] as const;

/** CodeLenses, hovers, diagnostics, the forecast webview and the commands that go with them. */
export function registerManifestFeatures(mora: MoraContext): ManifestFeaturesApi {
  const { extension, log, store, lstmPool } = mora;
  const views = new ManifestViews(store, log);
  const lenses = new MoraCodeLensProvider(views, store);
  const diagnostics = new MissingRequestsDiagnostics(views);
  const panels = new ForecastPanels({ extension, log, store, source: () => mora.source, lstmPool });
  extension.subscriptions.push(
    views, lenses, diagnostics, panels,
    vscode.languages.registerCodeLensProvider(MANIFEST_SELECTOR, lenses),
    vscode.languages.registerHoverProvider(MANIFEST_SELECTOR, new MoraHoverProvider(views)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      // A setting the recommendations depend on (the risk targets included) recomputes everywhere: the store forgets them,
      // the tree reloads (and asks the store again), the lenses and hovers follow the store, an open forecast view redraws
      // (it follows the store's clear: forecast-panel.ts).
      if (!settingsChangeRecomputes((k) => e.affectsConfiguration(k), () => vscode.workspace.getConfiguration('mora').get<string>('forecastModel'))) return;
      store.clear();
      mora.provider.refresh();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      // The fusion's weights change the forecast view: it redraws. With mora.forecastModel fused they also weigh the
      // recommendations, which the listener above recomputes (RECOMPUTE_SETTINGS).
      if (!e.affectsConfiguration('mora.fusion')) return;
      panels.panel?.handle('refresh').catch((err) => log.warn(`The forecast view could not recompute: ${(err as Error).message}`));
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      // The views are cached per document version and store generation; the settings that shape a view are not in that
      // key, so a change forgets them: the next CodeLens (whose provider asks VS Code to re-request on this setting),
      // hover or palette Apply looks the workloads up again, and the diagnostics are recomputed now.
      if (!VIEW_SETTINGS.some((k) => e.affectsConfiguration(k))) return;
      for (const doc of vscode.workspace.textDocuments) views.forget(doc);
      for (const doc of vscode.workspace.textDocuments) diagnostics.update(doc);
    }),
  );

  const reg = (id: string, fn: (...args: unknown[]) => unknown) => registerCommand(extension, log, id, fn);
  // Run Load Experiment and its results, which open in this forecast view.
  const experiments = registerExperimentFeatures(mora, panels);

  reg('mora.applyRecommendation', async (arg) => {
    if (isApplyArgs(arg)) {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(arg.uri));
      const message = await applyChanges(views, doc, arg.changes);
      log.info(message);
      return message;
    }
    if (isRecArgs(arg)) {
      // From the forecast view, which has the focus: the visible manifest that has this workload; when several do, the
      // user picks the file (not the editor order).
      const docs = manifestEditors();
      if (docs.length === 0) throw new Error('Open the Kubernetes manifest to apply the recommendation to.');
      const { manifestChoice } = require('../views/editor-choices') as typeof import('../views/editor-choices');
      const w = arg.recommendation.workload;
      const choice = manifestChoice(docs.map((doc) => ({ doc, list: changesFor(views, doc, arg) })).filter((c) => c.list.length > 0)
        .map((c) => ({ ...c, path: vscode.workspace.asRelativePath(c.doc.uri), changes: c.list.length })));
      if (!choice) throw new Error(`No open manifest has ${w.kind} ${w.namespace}/${w.name}.`);
      const picked = 'only' in choice ? choice.only
        : (await vscode.window.showQuickPick(choice.ask, { title: `MOrA: apply to which manifest? ${choice.ask.length} open files have ${w.kind} ${w.namespace}/${w.name}`, placeHolder: 'The file to write the recommendation into' }))?.candidate;
      if (!picked) return undefined;
      const message = await applyChanges(views, picked.doc, picked.list);
      log.info(message);
      void vscode.window.showInformationMessage(`MOrA: ${message}`);
      return message;
    }
    // From the palette: everything MOrA recommends for the active manifest, and only it (never another visible editor).
    const doc = vscode.window.activeTextEditor?.document;
    if (doc?.languageId !== 'yaml') {
      void vscode.window.showInformationMessage('MOrA: Apply Recommendation writes into the active editor\'s Kubernetes manifest; open (focus) the YAML manifest first.');
      return undefined;
    }
    const offered = views.get(doc)?.lenses.filter((l) => l.kind === 'apply' || l.kind === 'replicas') ?? [];
    // Not the changes a kustomize patch overrides (their lenses say so); when those are all there is, their refusal.
    const all = offered.flatMap((l) => (l.refused === undefined ? l.changes : []));
    const refused = offered.find((l) => l.refused !== undefined)?.refused;
    if (all.length === 0 && refused !== undefined) throw new Error(refused);
    if (all.length === 0) {
      void vscode.window.showInformationMessage('MOrA has no recommendation for the workloads in this file (yet): run "MOrA: Recommend" for their namespace.');
      return undefined;
    }
    const message = await applyChanges(views, doc, all);
    log.info(message);
    void vscode.window.showInformationMessage(`MOrA: ${message}`);
    return message;
  });

  reg('mora.recommend', async (arg) => {
    assertMaySendTraffic(mora, 'Recommend');
    const picked = await namespaceOf(mora, arg);
    if (!picked) return undefined;
    const { namespace, context } = picked;
    const where = context !== undefined ? `${namespace} (context ${context})` : namespace;
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `MOrA: recommending for ${where}`, cancellable: true },
      (progress, token) => store.recommendNamespace(namespace, { context, token, progress: (done, total) => progress.report({ message: `${done}/${total} workloads`, increment: 100 / Math.max(1, total) }), force: true }),
    );
    if (outcome.superseded) {
      // The data source or a setting changed meanwhile: what this computed was thrown away (the store recomputes on use).
      const message = `MOrA: the data source or settings changed while recommending for ${where}; those results were discarded. Run Recommend again for the new ones.`;
      log.info(message);
      void vscode.window.showWarningMessage(message);
      return outcome.workloads;
    }
    const failed = outcome.failed.map((f) => `${f.context} (${f.error.message.split('\n')[0]})`);
    if (context !== undefined && outcome.failed.length > 0) throw outcome.failed[0].error;
    const skipped = failed.length ? ` Skipped: ${failed.join('; ')}.` : '';
    log.info(`Recommended ${outcome.workloads} workload(s) in namespace ${where}.${skipped}`);
    const show = failed.length ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(`MOrA: ${outcome.workloads} workload(s) in ${where} recommended; open their manifests to see and apply the changes.${skipped}`);
    return outcome.workloads;
  });

  reg('mora.showForecast', async (arg) => {
    assertMaySendTraffic(mora, 'Show Forecast');
    const target = await targetOf(mora, arg);
    if (!target) return undefined;
    await panels.show(target);
    return target;
  });

  return {
    recommendations: { set: (recs) => store.set(recs), clear: () => store.clear(), all: () => store.all() },
    forecast: {
      show: async (target) => {
        const p = await panels.show(target);
        await p.ready;
        await p.whenComputed();
      },
      describe: () => {
        if (!panels.panel) throw new Error('no forecast panel is open');
        return panels.panel.describe();
      },
      data: () => panels.panel?.currentData(),
      settled: () => panels.panel?.settled() ?? Promise.resolve(),
      experiment: () => panels.panel?.currentExperiment(),
      visible: () => panels.panel?.panel.visible ?? false,
      onRendered: panels.onRendered,
      request: (command) => {
        if (!panels.panel) throw new Error('no forecast panel is open');
        return panels.panel.handle(command);
      },
    },
    planDiagnostics: (uri) => experiments.diagnostics.collection.get(uri) ?? [],
    codeLenses: (doc) => lenses.provideCodeLenses(doc),
  };
}
