import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Recommendation } from '../core/recommendation';
import type { Workload } from '../core/workload';
import type { DataSource } from '../data/datasource';
import type { Policy } from '../rightsizing/engine/policy';
import type { RecommendationSource } from '../views/tree-model';
import { DEFAULT_IN_CLUSTER_MAX_AGE_HOURS, InClusterRecommendations } from '../views/in-cluster';
import { RecommendationIndex } from '../views/recommendation-index';
import type { Log } from './log';

/**
 * The recommendations CodeLenses, hovers, the tree and the webview read, keyed by context/namespace/kind/name
 * (src/views/recommendation-index.ts: a manifest reads the kubeconfig's current context's entry). A namespace of a
 * context is computed on first use in the background (history only: fast) and by `mora.recommend` on demand; the
 * recommendation module loads lazily so activation stays light.
 */
export class RecommendationStore implements vscode.Disposable {
  private readonly index = new RecommendationIndex();
  /** context + namespace → the computation of its recommendations (resolves to the number of workloads). */
  private readonly loaded = new Map<string, Promise<number>>();
  /** Namespaces the manifest providers asked for, so a lookup starts their computation once. */
  private readonly manifestLoads = new Map<string, Promise<number>>();
  private manifestContext?: Promise<string | undefined>;
  /** Per context: MOrA's in-cluster recommendations (VPA statuses), read once, and when. */
  private readonly inCluster = new Map<string, { at: number; read: Promise<InClusterRecommendations | undefined> }>();
  private preferredContext?: string;
  /** Bumped by `clear`: a computation started before (with the old settings) must not put its results back. */
  private generation = 0;
  /**
   * Per context + namespace (loadKey), and per workload (workloadKey) for Train Models' refreshes: bumped when a
   * computation of it starts (or `set` replaces it). A computation whose key moved on while it ran is older than another
   * one and does not put its results back: a forced recompute that started after a refresh and finished first stands.
   */
  private readonly starts = new Map<string, number>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly cleared = new vscode.EventEmitter<void>();
  /** Fired by `clear` (the data source, its kubeconfig or Prometheus, or a setting the recommendations use changed), after onDidChange. */
  readonly onDidClear = this.cleared.event;

  /**
   * `savedLstmRoot`: where Train Models saves its per-series LSTMs (pipeline-commands.ts), passed on as
   * RecommendRequest.savedLstmRoot. With mora.forecastModel fused, a container's forecast uses its saved model when
   * accepted and otherwise runs without an LSTM — nothing is trained here — so the numbers depend on what is saved:
   * Train Models calls `refreshWorkloads` for the workloads it trained.
   */
  constructor(private readonly source: () => DataSource, private readonly log: Log, private readonly savedLstmRoot?: string) {}

  /**
   * Synchronous lookup for the manifest providers (a manifest names no context): the kubeconfig's current context's
   * recommendation, else the first context's. An unknown namespace starts loading and fires onDidChange when done.
   */
  lookup(namespace: string, kind: string, name: string): Recommendation | undefined {
    if (!this.manifestLoads.has(namespace)) {
      const p = this.computeManifestNamespace(namespace);
      this.manifestLoads.set(namespace, p);
      p.catch(() => this.manifestLoads.delete(namespace));
    }
    return this.index.forManifest(namespace, kind, name, this.preferredContext);
  }

  /** The store as the tree reads it (src/views/tree-model.ts). */
  treeSource(): RecommendationSource {
    return {
      ensure: (context, namespace) => this.computeNamespace(namespace, { context }),
      get: (ref) => this.index.get(ref),
    };
  }

  all(): Recommendation[] {
    return this.index.all();
  }

  /** Replaces what is known for the context/namespaces these recommendations belong to (tests; other engines). */
  set(recs: readonly Recommendation[]): void {
    const groups = new Map<string, { context: string; namespace: string; count: number }>();
    for (const r of recs) {
      const key = loadKey(r.workload.context, r.workload.namespace);
      const g = groups.get(key) ?? { context: r.workload.context, namespace: r.workload.namespace, count: 0 };
      g.count++;
      groups.set(key, g);
    }
    for (const [key, g] of groups) {
      this.started(key);
      this.index.dropNamespace(g.context, g.namespace);
    }
    for (const r of recs) this.index.put(r);
    for (const [key, g] of groups) this.loaded.set(key, Promise.resolve(g.count));
    this.changed.fire();
  }

  /** How many times the store was cleared: a computation notes it when it reads the settings, and passes it to `merge`. */
  currentGeneration(): number {
    return this.generation;
  }

  /**
   * Adds or replaces the containers of one workload's recommendation (a forecast refined it). With `generation` (from
   * currentGeneration when the computation read the settings): ignored if the store was cleared since, as it was then
   * computed with the old settings. Returns whether it was merged.
   */
  merge(rec: Recommendation, generation?: number): boolean {
    if (generation !== undefined && generation !== this.generation) return false;
    this.index.merge(rec);
    this.changed.fire();
    return true;
  }

  /** Forget everything (data source or settings changed). */
  clear(): void {
    this.generation++;
    this.index.clear();
    this.loaded.clear();
    this.inCluster.clear();
    this.manifestLoads.clear();
    this.manifestContext = undefined;
    this.preferredContext = undefined;
    this.changed.fire();
    this.cleared.fire();
  }

  /**
   * Train Models saved new LSTMs for these workloads: with mora.forecastModel fused their entries were computed without
   * them (or with older ones), so each one the store holds (computed here, not read from the cluster) is recomputed with
   * the new models and replaced, and the tree, CodeLenses and hovers redraw (onDidChange). A namespace still being
   * computed is waited for first (and any started while waiting), so its older result cannot land after the new one; a
   * namespace not loaded is left alone (computed with the models when first shown). A recompute of the namespace (the
   * periodic refresh, Recommend) or of the workload started while this one runs is newer: this one's result is dropped.
   * With another model the numbers do not read the saved models: nothing to do. Resolves to the number of workloads
   * recomputed and kept (none if the store was cleared meanwhile).
   */
  async refreshWorkloads(workloads: readonly Workload[]): Promise<number> {
    const settings = recommendationSettings();
    if (settings.model !== 'fused' && settings.model !== 'lstm') return 0;
    const { recommendFromSource } = require('../pipeline/recommend') as typeof import('../pipeline/recommend');
    const source = this.source();
    const generation = this.generation;
    const experiments = storedExperiments(this.log);
    let refreshed = 0;
    for (const w of workloads) {
      const key = loadKey(w.context, w.namespace);
      let loading = this.loaded.get(key);
      if (!loading) continue;
      // A forced load started while waiting would put its (older) result back at its end, after this one's: wait for it too.
      for (;;) {
        await loading.catch(() => 0);
        const next = this.loaded.get(key);
        if (!next || next === loading) break;
        loading = next;
      }
      if (generation !== this.generation) return 0;
      if (this.index.get(w)?.origin) continue;
      const namespaceAt = this.starts.get(key);
      const own = workloadKey(w);
      const workloadAt = this.started(own);
      const onSkip = (x: Workload, reason: string) => this.log.warn(`No recommendation for ${x.kind} ${x.context}/${x.namespace}/${x.name}: ${reason}`);
      const runs = await recommendFromSource(source, {
        context: w.context, namespace: w.namespace, workload: `${w.namespace}/${w.kind}/${w.name}`, ...settings, onSkip, experiments, savedLstmRoot: this.savedLstmRoot,
      });
      if (generation !== this.generation) return 0;
      // A newer computation of the namespace or of this workload started meanwhile: its result is the one to keep.
      if (this.starts.get(key) !== namespaceAt || this.starts.get(own) !== workloadAt) continue;
      for (const r of runs) this.index.put(r.recommendation);
      if (runs.length) {
        refreshed++;
        this.changed.fire();
      }
    }
    return refreshed;
  }

  /**
   * Recommends every container of every workload of a namespace, in one context or (without `context`) every context
   * that has the namespace; resolves to the number of workloads whose recommendations the store kept (a computation the
   * store's clear superseded counts none). Without `context`, a context that fails (unreachable) is skipped and logged;
   * with one, its error is thrown.
   */
  async computeNamespace(namespace: string, options: ComputeOptions = {}): Promise<number> {
    const outcome = await this.recommendNamespace(namespace, options);
    if (options.context !== undefined && outcome.failed.length > 0) throw outcome.failed[0].error;
    return outcome.workloads;
  }

  /**
   * What `computeNamespace` does, with what happened: the workloads whose recommendations were kept, whether the store
   * was cleared meanwhile (data source or settings changed: the results were thrown away), and the contexts that failed.
   */
  async recommendNamespace(namespace: string, options: ComputeOptions = {}): Promise<NamespaceOutcome> {
    const source = this.source();
    const generation = this.generation;
    const failed: NamespaceOutcome['failed'] = [];
    const contexts = options.context !== undefined ? [options.context] : await contextsWith(source, namespace, (context, error) => failed.push({ context, error }));
    let total = 0;
    for (const context of contexts) {
      // Cleared meanwhile: this source is the old one, and its computation must not land in the new generation's cache.
      if (generation !== this.generation) break;
      const key = loadKey(context, namespace);
      let p = this.loaded.get(key);
      if (!p || options.force) {
        p = this.load(source, generation, context, namespace, options.token, options.progress, options.force);
        this.loaded.set(key, p);
        p.catch((e) => {
          if (this.loaded.get(key) === p) this.loaded.delete(key);
          if (!(e instanceof vscode.CancellationError)) this.log.warn(`Recommendations for namespace ${namespace} in context ${context} failed: ${(e as Error).message}`);
        });
      }
      try {
        total += await p;
      } catch (e) {
        if (e instanceof vscode.CancellationError) throw e;
        failed.push({ context, error: e as Error });
      }
    }
    for (const f of failed.filter((x) => !contexts.includes(x.context))) this.log.warn(`Context ${f.context} skipped for namespace ${namespace}: ${f.error.message}`);
    return { workloads: total, superseded: generation !== this.generation, failed };
  }

  /** What a manifest's namespace needs: the current context's recommendations (every context's without one). */
  private async computeManifestNamespace(namespace: string): Promise<number> {
    this.manifestContext ??= (async () => {
      const ctx = await this.source().currentContext?.().catch(() => undefined);
      this.preferredContext = ctx;
      return ctx;
    })();
    const context = await this.manifestContext;
    const inContext = context !== undefined && (await this.source().namespaces(context).catch(() => [] as string[])).includes(namespace);
    return this.computeNamespace(namespace, { context: inContext ? context : undefined });
  }

  /**
   * MOrA's in-cluster recommendations of a context (mora.dataSource = cluster; mora.inCluster.maxAgeHours > 0), read
   * once — every namespace's VPAs in a few paged calls — and again on a forced recompute a minute later. Unreadable
   * (RBAC, no VPA CRD): one line in the log, and everything is computed locally.
   */
  private inClusterFor(source: DataSource, context: string, force?: boolean): Promise<InClusterRecommendations | undefined> {
    const maxAgeHours = vscode.workspace.getConfiguration('mora').get<number>('inCluster.maxAgeHours', DEFAULT_IN_CLUSTER_MAX_AGE_HOURS);
    if (!source.inClusterRecommendations || !(maxAgeHours > 0)) return Promise.resolve(undefined);
    const known = this.inCluster.get(context);
    if (known && !(force && Date.now() - known.at > 60_000)) return known.read;
    const read = source.inClusterRecommendations(context, { maxAgeHours }).then((r) => {
      if (r.fallback) this.log.info(r.fallback);
      else this.log.info(`In-cluster recommendations in context "${context}": ${r.recommendations.length} used (MOrA's VPA statuses, at most ${maxAgeHours} h old), ${r.skipped.length} skipped${r.skipped.length ? ` (e.g. ${r.skipped[0].vpa}: ${r.skipped[0].reason})` : ''}; the other workloads are computed here.`);
      return r.fallback ? undefined : new InClusterRecommendations(r);
    }, (e: unknown) => {
      this.log.info(`In-cluster recommendations in context "${context}" unavailable (${(e as Error).message.split('\n')[0]}); computing locally`);
      return undefined;
    });
    this.inCluster.set(context, { at: Date.now(), read });
    return read;
  }

  /** Notes that a computation of `key` starts now; returns its number (the `starts` it must still see to write). */
  private started(key: string): number {
    const n = (this.starts.get(key) ?? 0) + 1;
    this.starts.set(key, n);
    return n;
  }

  /**
   * `generation`: the store's when `source` was read; a clear since makes what this computes stale (the old source's).
   * A newer computation of the namespace started meanwhile (a forced recompute) makes it stale too: it stops writing and
   * resolves to what the newer one resolves to.
   */
  private async load(source: DataSource, generation: number, context: string, namespace: string, token?: vscode.CancellationToken, progress?: (done: number, total: number) => void, force?: boolean): Promise<number> {
    const key = loadKey(context, namespace);
    const at = this.started(key);
    const { recommendFromSource } = require('../pipeline/recommend') as typeof import('../pipeline/recommend');
    const workloads = await source.workloads(context, namespace);
    const superseded = () => this.starts.get(key) !== at;
    const stale = () => generation !== this.generation || superseded();
    // Stale: nothing if the store was cleared; the newer computation's count if one replaced this one.
    const outcome = (): Promise<number> | number => (generation === this.generation && superseded() ? this.loaded.get(key) ?? 0 : 0);
    if (stale()) return outcome();
    const experiments = storedExperiments(this.log);
    const fresh: Recommendation[] = [];
    // Workloads MOrA's in-cluster run already recommended are shown as read; only the others are computed here.
    const inCluster = await this.inClusterFor(source, context, force);
    const { fromCluster, toCompute } = inCluster ? inCluster.split(namespace, workloads) : { fromCluster: [], toCompute: workloads };
    if (stale()) return outcome();
    for (const r of fromCluster) {
      fresh.push(r);
      this.index.put(r);
    }
    if (fromCluster.length) this.changed.fire();
    const names = toCompute.map((w) => w.name);
    let done = 0;
    for (const name of names) {
      if (token?.isCancellationRequested) throw new vscode.CancellationError();
      // Settings changed meanwhile (the store was cleared): these are the old settings' numbers; the new computation shows its own.
      if (stale()) return outcome();
      // The engine's window rule alone (no forecast): fast. One workload at a time, yielding in between, so the
      // extension host keeps answering while a namespace is computed.
      const onSkip = (w: Workload, reason: string) => this.log.warn(`No recommendation for ${w.kind} ${w.context}/${w.namespace}/${w.name}: ${reason}`);
      for (const r of await recommendFromSource(source, { context, namespace, workload: name, ...recommendationSettings(), onSkip, experiments, savedLstmRoot: this.savedLstmRoot })) {
        if (stale()) return outcome();
        fresh.push(r.recommendation);
        this.index.put(r.recommendation);
      }
      progress?.(++done, names.length);
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Shown as they come; at the end, workloads gone since the last computation disappear with it.
    if (stale()) return outcome();
    this.index.dropNamespace(context, namespace);
    for (const r of fresh) this.index.put(r);
    if (workloads.length > 0) this.changed.fire();
    return workloads.length;
  }

  dispose(): void {
    this.changed.dispose();
    this.cleared.dispose();
  }
}

const loadKey = (context: string, namespace: string): string => `${context}\u0000${namespace}`;
const workloadKey = (w: Workload): string => `${loadKey(w.context, w.namespace)}\u0000${w.kind}\u0000${w.name}`;

interface ComputeOptions {
  context?: string;
  token?: vscode.CancellationToken;
  progress?: (done: number, total: number) => void;
  force?: boolean;
}

/** What a namespace's computation did (RecommendationStore.recommendNamespace). */
export interface NamespaceOutcome {
  /** Workloads whose recommendations the store kept. */
  workloads: number;
  /** The store was cleared while it ran (data source or settings changed): what it computed was thrown away. */
  superseded: boolean;
  /** Contexts that could not be read or computed (unreachable cluster, RBAC), skipped. */
  failed: { context: string; error: Error }[];
}

/** The contexts that have the namespace; one whose namespaces cannot be listed (unreachable) is passed to `onError` and skipped. */
async function contextsWith(source: DataSource, namespace: string, onError: (context: string, error: Error) => void): Promise<string[]> {
  const out: string[] = [];
  for (const context of await source.contexts()) {
    try {
      if ((await source.namespaces(context)).includes(namespace)) out.push(context);
    } catch (e) {
      onError(context, e as Error);
    }
  }
  return out;
}

/**
 * The engine's policy and forecast model (`mora.forecastModel`, default none: the moving window alone, as the CLI) from
 * the user's settings, and with fused its options (mora.fusion.prophetWeight's weights on the recommendation defaults);
 * the tree, CodeLenses, hovers and the forecast view all use these (src/views/recommend-settings.ts).
 */
export function recommendationSettings(): { policy: Partial<Policy>; model?: string; modelOptions?: Record<string, Record<string, string>> } {
  const { recommendSettings } = require('../views/recommend-settings') as typeof import('../views/recommend-settings');
  const cfg = vscode.workspace.getConfiguration('mora');
  const { warnings, ...settings } = recommendSettings((key, fallback) => cfg.get(key, fallback));
  // An invalid risk setting: said once per value (every refresh reads the settings), the default used meanwhile.
  for (const w of warnings ?? []) {
    if (shownSettingWarnings.has(w)) continue;
    shownSettingWarnings.add(w);
    void vscode.window.showWarningMessage(`MOrA: ${w}`);
  }
  return settings;
}

/** The setting warnings already shown in this session. */
const shownSettingWarnings = new Set<string>();

/** The engine's policy from the user's settings. */
export function enginePolicy(): Partial<Policy> {
  return recommendationSettings().policy;
}

/** The load experiments of every workspace folder's .mora/experiments (not only the first folder's). */
export function storedExperiments(log: Log): import('../data/experiments/store').StoredExperiment[] | undefined {
  const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  if (!roots.some((root) => fs.existsSync(path.join(root, '.mora', 'experiments')))) return undefined;
  const { loadFolderExperiments } = require('../data/experiments/store') as typeof import('../data/experiments/store');
  return loadFolderExperiments(roots, (dir, e) => log.warn(`Experiments in ${dir} could not be read: ${e.message}`));
}
