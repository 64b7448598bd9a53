import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FolderAutoscalers } from '../views/folder-autoscalers';
import type { ContainerRecommendationFinder, KustomizePlacement, KustomizePlacements, PlacementRefusal } from '../views/kustomize-placement';
import type { ManifestView, ManifestViewOptions } from '../views/manifest-lens-model';
import type { Log } from './log';
import type { RecommendationStore } from './recommendation-store';

/** Kubernetes manifests are YAML files; the scan itself decides (apiVersion + kind per document) what gets a lens. */
export const MANIFEST_SELECTOR: vscode.DocumentSelector = [{ language: 'yaml', scheme: 'file' }, { language: 'yaml', scheme: 'untitled' }];

/** Arguments of `mora.applyRecommendation` when a lens calls it. */
export interface ApplyArgs {
  uri: string;
  changes: import('../manifests/types').ManifestChange[];
}

/** Folders whose autoscalers are kept (and watched) at once; the least recently read beyond this are dropped. */
const MAX_WATCHED_FOLDERS = 64;

/**
 * The scan + recommendations of each open manifest, per document version, shared by the CodeLens, hover and
 * diagnostics providers so a keystroke costs one scan. The manifest core never throws on bad YAML; if anything
 * else does, the document gets nothing (no popups while typing) and the error goes to the MOrA output channel, once per
 * document version: the lenses never vanish without a word.
 *
 * The replica lens also reads the autoscalers in the other files of a saved manifest's folder (FolderAutoscalers):
 * read once per folder, kept until a watcher on that folder reports a YAML file created, changed or deleted; and those
 * of the kustomize overlays that render its folder (`overlays/prod` listing `../../base` and an hpa.yaml), found by a
 * bounded search of the workspace folder around it, their folders watched the same way.
 */
export class ManifestViews implements vscode.Disposable {
  private readonly cache = new Map<string, { version: number; generation: number; view: ManifestView }>();
  private generation = 0;
  private readonly subscription: vscode.Disposable;
  private folders: FolderAutoscalers | undefined;
  /** Where kustomize renders each file on disk, and which edits its patches override: read once per document version. */
  private placements: KustomizePlacements | undefined;
  /** Watched folder → its watcher, in the order last read (Map order: oldest first). */
  private readonly watchers = new Map<string, vscode.Disposable>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a file beside an open manifest changed what its lenses read (an HPA added, edited, deleted). */
  readonly onDidChange = this.changed.event;

  /** Document → the version whose failure was logged (a failure is logged once per version, however often asked). */
  private readonly failed = new Map<string, number>();

  constructor(private readonly store: Pick<RecommendationStore, 'onDidChange' | 'lookup' | 'all'>, private readonly log?: Pick<Log, 'error'>) {
    this.subscription = vscode.Disposable.from(
      store.onDidChange(() => this.generation++),
      // A kustomization saved in the editor, wherever it is: read again at once (a watcher's event may come late, or not
      // at all for the kustomization above a file's folder, which is watched only as an overlay's when it is one).
      vscode.workspace.onDidSaveTextDocument((d) => { if (d.uri.scheme === 'file') this.kustomizationChanged(d.uri); }),
    );
  }

  get(doc: vscode.TextDocument): ManifestView | undefined {
    const key = doc.uri.toString();
    // A file beside it created, deleted or an HPA edited while its watcher's event was lost: read the folder again.
    if (doc.uri.scheme === 'file' && this.folders?.changedOnDisk(doc.uri.fsPath)) this.generation++;
    // The same for its kustomization (a namespace: or a patch edited while the watcher's event was lost).
    if (doc.uri.scheme === 'file' && this.placements?.changedOnDisk(doc.uri.fsPath)) this.generation++;
    const hit = this.cache.get(key);
    if (hit && hit.version === doc.version && hit.generation === this.generation) return hit.view;
    try {
      const { manifestView } = require('../views/manifest-lens-model') as typeof import('../views/manifest-lens-model');
      const ns = vscode.workspace.getConfiguration('mora', doc.uri).get<string>('defaultNamespace', 'default');
      const text = doc.getText();
      // Other YAML (CI, compose, Helm values) has nothing to look up: its folder is neither read nor watched.
      const { looksLikeKubernetes } = require('../manifests/sniff') as typeof import('../manifests/sniff');
      // All recommendations: read only to say why a DeploymentConfig, ReplicationController or Knative Service has no lens.
      // The file the unmatched lens's `mora manifests apply` names: workspace-relative, as typed in a terminal there.
      const file = doc.uri.scheme === 'file' ? vscode.workspace.asRelativePath(doc.uri, false) : undefined;
      const options = { ...(looksLikeKubernetes(text) ? this.besides(doc) : {}), recommendations: () => this.store.all(), file };
      const view = manifestView(text, (n, k, name) => this.store.lookup(n, k, name), ns, options);
      this.cache.set(key, { version: doc.version, generation: this.generation, view });
      this.failed.delete(key);
      return view;
    } catch (e) {
      if (this.failed.get(key) !== doc.version) {
        this.failed.set(key, doc.version);
        const where = doc.uri.scheme === 'file' ? doc.uri.fsPath : doc.uri.toString();
        this.log?.error(`CodeLenses, hovers and hints of ${where} (version ${doc.version}) could not be computed; the file shows none`, e);
      }
      return undefined;
    }
  }

  /**
   * The autoscalers in the other YAML files of a file's folder, then those of the kustomize overlays of the workspace
   * folder that render it (none for an untitled or remote document); the overlays' folders are watched too.
   */
  private besides(doc: vscode.TextDocument): ManifestViewOptions {
    if (doc.uri.scheme !== 'file') return {};
    if (!this.folders) {
      const { FolderAutoscalers } = require('../views/folder-autoscalers') as typeof import('../views/folder-autoscalers');
      this.folders = new FolderAutoscalers();
    }
    const dir = path.dirname(doc.uri.fsPath);
    this.watch(dir);
    const here = this.folders.besides(doc.uri.fsPath);
    const { autoscalers, overlays } = this.folders.overlays(doc.uri.fsPath, vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath);
    for (const o of overlays) this.watch(path.resolve(dir, o));
    const kustomize = this.placement(doc);
    return { elsewhere: [...here, ...autoscalers], overlays, ...(kustomize ? { kustomize } : {}) };
  }

  /**
   * Where kustomize renders a file on disk and which edits a kustomize patch overrides (kustomize-placement.ts), as
   * `recommend --apply-to <file>` reads them; computed once per document version. None for an untitled or remote
   * document, or when no kustomization concerns the file or one cannot be read (then the lenses are as without).
   */
  placement(doc: vscode.TextDocument): KustomizePlacement | undefined {
    if (doc.uri.scheme !== 'file') return undefined;
    if (!this.placements) {
      const { KustomizePlacements } = require('../views/kustomize-placement') as typeof import('../views/kustomize-placement');
      this.placements = new KustomizePlacements();
    }
    return this.placements.get(doc.uri.fsPath, doc.version, () => doc.getText(), vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath);
  }

  /**
   * Why `changes` may not be written into `doc` (the CLI's reason: a kustomize patch wins, or an overlay rendering them
   * has its own recommendation setting them otherwise), or undefined.
   */
  refusal(doc: vscode.TextDocument, changes: readonly import('../manifests/types').ManifestChange[]): PlacementRefusal | undefined {
    const placement = this.placement(doc);
    if (!placement) return undefined;
    const { firstRefusal } = require('../views/kustomize-placement') as typeof import('../views/kustomize-placement');
    return firstRefusal(placement, changes, vscode.workspace.getConfiguration('mora', doc.uri).get<string>('defaultNamespace', 'default'), this.overlayContext(doc));
  }

  /** The notes of the overlays that render the workloads `changes` edit under another namespace or name (the CLI's). */
  overlayNotes(doc: vscode.TextDocument, changes: readonly import('../manifests/types').ManifestChange[]): string[] {
    const placement = this.placement(doc);
    const context = placement && this.overlayContext(doc);
    if (!placement || !context) return [];
    return placement.overlays(changes, context.containers, context.find, vscode.workspace.getConfiguration('mora', doc.uri).get<string>('defaultNamespace', 'default')).notes;
  }

  /** The file's containers and the recommendations loaded, as the overlay check reads them (its lenses' own). */
  private overlayContext(doc: vscode.TextDocument): { containers: readonly import('../manifests/types').ManifestContainer[]; find: ContainerRecommendationFinder } | undefined {
    const view = this.get(doc);
    if (!view) return undefined;
    const ns = vscode.workspace.getConfiguration('mora', doc.uri).get<string>('defaultNamespace', 'default');
    const find: ContainerRecommendationFinder = (c) => {
      const r = this.store.lookup(c.namespace ?? ns, c.kind, c.name);
      return r?.containers.some((x) => x.container === c.container) ? r : undefined;
    };
    return { containers: view.scan.containers, find };
  }

  /**
   * A kustomization saved, or edited, created or deleted in a watched folder (the file's own, those of the overlays
   * rendering it): the namespaces and the patches that win are read again.
   */
  private kustomizationChanged(uri: vscode.Uri): void {
    if (!this.placements || !/^kustomization\.ya?ml$/i.test(path.basename(uri.fsPath))) return;
    this.placements.clear();
    this.generation++;
    this.changed.fire();
  }

  private watch(dir: string): void {
    const known = this.watchers.get(dir);
    if (known) {
      this.watchers.delete(dir); // most recently read last
      this.watchers.set(dir, known);
      return;
    }
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '*.{yaml,yml,json,YAML,YML,JSON}'));
    const changed = (uri: vscode.Uri) => {
      this.kustomizationChanged(uri);
      if (this.folders?.invalidate(uri.fsPath)) {
        this.generation++;
        this.changed.fire();
      }
    };
    this.watchers.set(dir, vscode.Disposable.from(watcher, watcher.onDidCreate(changed), watcher.onDidChange(changed), watcher.onDidDelete(changed)));
    for (const [old, w] of this.watchers) {
      if (this.watchers.size <= MAX_WATCHED_FOLDERS) break;
      w.dispose();
      this.watchers.delete(old);
      this.folders?.forget(old); // read again (and watched again) when next asked
    }
  }

  forget(doc: vscode.TextDocument): void {
    this.cache.delete(doc.uri.toString());
    this.failed.delete(doc.uri.toString());
  }

  dispose(): void {
    this.subscription.dispose();
    for (const w of this.watchers.values()) w.dispose();
    this.watchers.clear();
    this.changed.dispose();
    this.cache.clear();
    this.folders?.clear();
    this.placements?.clear();
  }
}

export class MoraCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly views: ManifestViews, private readonly store: RecommendationStore) {
    this.subscriptions = [
      store.onDidChange(() => this.changed.fire()),
      views.onDidChange(() => this.changed.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('mora.codeLens.enabled') || e.affectsConfiguration('mora.defaultNamespace')) this.changed.fire();
      }),
    ];
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('mora', doc.uri).get<boolean>('codeLens.enabled', true)) return [];
    const view = this.views.get(doc);
    if (!view) return [];
    return view.lenses.map((spec) => {
      const range = new vscode.Range(spec.line, 0, spec.line, 0);
      if (spec.changes.length > 0) {
        const args: ApplyArgs = { uri: doc.uri.toString(), changes: spec.changes };
        return new vscode.CodeLens(range, { title: spec.title, tooltip: spec.tooltip, command: 'mora.applyRecommendation', arguments: [args] });
      }
      if (spec.target) {
        // The forecast of the workload whose recommendation the lens shows, in its context (the kubeconfig's current one,
        // else the first holding it): without one, Show Forecast would take the first context that has the namespace.
        const { container, ...workload } = spec.target;
        const context = this.store.lookup(workload.namespace, workload.kind, workload.name)?.workload.context;
        const arg = context === undefined ? spec.target : { workload: { context, ...workload }, container };
        return new vscode.CodeLens(range, { title: spec.title, tooltip: spec.tooltip, command: 'mora.showForecast', arguments: [arg] });
      }
      return new vscode.CodeLens(range, { title: spec.title, tooltip: spec.tooltip, command: '' });
    });
  }

  dispose(): void {
    this.changed.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
