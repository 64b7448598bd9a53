import type { Recommendation } from '../core/recommendation';
import type { Workload } from '../core/workload';
import type { DataSource } from '../data/datasource';
import type { StoredExperiment } from '../data/experiments/store';
import { DEFAULT_RISK, type Policy } from '../rightsizing/engine/policy';
import { untilCancelled, type CancelSignal } from './cancellable';
import { InClusterRecommendations } from './in-cluster';
import { RecommendationIndex } from './recommendation-index';
import type { RecommendationSource } from './tree-model';

/** A computation stopped by its caller's token (the extension passes vscode.CancellationError, which commands report as cancelled). */
export class CancellationError extends Error {
  constructor() {
    super('Canceled');
    this.name = 'Canceled';
  }
}

/** What the store reads from its host (the extension: VS Code's settings, log and events; tests: plain values). */
export interface RecommendationStoreHost {
  /** The data source now (it changes with mora.dataSource; the store is cleared then). */
  source(): DataSource;
  log: { info(message: string): void; warn(message: string): void };
  /** The engine's policy and forecast model from the settings, read for every workload computed. */
  settings(): { policy: Partial<Policy>; model?: string; modelOptions?: Record<string, Record<string, string>> };
  /** The load experiments of the workspace folders. */
  experiments(): StoredExperiment[] | undefined;
  /** mora.inCluster.maxAgeHours (0: in-cluster recommendations are not read). */
  inClusterMaxAgeHours(): number;
  /**
   * `savedLstmRoot`: where Train Models saves its per-series LSTMs (pipeline-commands.ts), passed on as
   * RecommendRequest.savedLstmRoot. With mora.forecastModel fused, a container's forecast uses its saved model when
   * accepted and otherwise runs without an LSTM — nothing is trained here — so the numbers depend on what is saved:
   * Train Models calls `refreshWorkloads` for the workloads it trained.
   */
  savedLstmRoot?: string;
  /** The error a cancelled computation rejects with; CancellationError without. */
  CancellationError?: new () => Error;
  /** The recommendations changed (the tree, CodeLenses and hovers redraw). */
  changed?(): void;
  /** `clear` ran (after `changed`). */
  cleared?(): void;
}

/**
 * The recommendations CodeLenses, hovers, the tree and the webview read, keyed by context/namespace/kind/name
 * (src/views/recommendation-index.ts: a manifest reads the kubeconfig's current context's entry). A namespace of a
 * context is computed on first use in the background (history only: fast) and by `mora.recommend` on demand; the
 * recommendation module loads lazily so activation stays light. Editor-free: src/extension/recommendation-store.ts
 * gives it VS Code's settings, log and events.
 */
export class RecommendationModel {
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
  /** Per context + namespace: the callers of recommendNamespace waiting for its computation now, with their tokens. */
  private readonly waiting = new Map<string, Set<Waiter>>();

  private readonly Cancelled: new () => Error;

  constructor(private readonly host: RecommendationStoreHost) {
    this.Cancelled = host.CancellationError ?? CancellationError;
  }

  private fireChanged(): void {
    this.host.changed?.();
  }

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
    this.fireChanged();
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
    this.fireChanged();
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
    this.fireChanged();
    this.host.cleared?.();
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
    const settings = this.host.settings();
    if (settings.model !== 'fused' && settings.model !== 'lstm') return 0;
    const { recommendFromSource } = require('../pipeline/recommend') as typeof import('../pipeline/recommend');
    const source = this.host.source();
    const generation = this.generation;
    const experiments = this.host.experiments();
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
      const onSkip = (x: Workload, reason: string) => this.host.log.warn(`No recommendation for ${x.kind} ${x.context}/${x.namespace}/${x.name}: ${reason}`);
      const runs = await recommendFromSource(source, {
        context: w.context, namespace: w.namespace, workload: `${w.namespace}/${w.kind}/${w.name}`, ...settings, onSkip, experiments, savedLstmRoot: this.host.savedLstmRoot,
      });
      if (generation !== this.generation) return 0;
      // A newer computation of the namespace or of this workload started meanwhile: its result is the one to keep.
      if (this.starts.get(key) !== namespaceAt || this.starts.get(own) !== workloadAt) continue;
      for (const r of runs) this.index.put(r.recommendation);
      if (runs.length) {
        refreshed++;
        this.fireChanged();
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
    const source = this.host.source();
    const generation = this.generation;
    const failed: NamespaceOutcome['failed'] = [];
    const contexts = options.context !== undefined ? [options.context] : await contextsWith(source, namespace, (context, error) => failed.push({ context, error }));
    let total = 0;
    for (const context of contexts) {
      // Cleared meanwhile: this source is the old one, and its computation must not land in the new generation's cache.
      if (generation !== this.generation) break;
      const key = loadKey(context, namespace);
      let p = this.loaded.get(key);
      // This caller's own computation (it started one): its token stops it, and it is what this caller waits for.
      let own: Promise<number> | undefined;
      if (!p || options.force) {
        own = this.load(source, generation, context, namespace, options.token, options.progress, options.force);
        // The cache holds what the others wait for — a load this one replaced hands over to it, a caller may join it —
        // and a Cancel of this caller does not end their wait (see shared).
        const cached = options.token ? this.shared(own, key, source, generation, context, namespace) : own;
        p = cached;
        this.loaded.set(key, cached);
        cached.catch((e) => {
          if (this.loaded.get(key) === cached) this.loaded.delete(key);
          if (!(e instanceof this.Cancelled)) this.host.log.warn(`Recommendations for namespace ${namespace} in context ${context} failed: ${(e as Error).message}`);
        });
      }
      const waiting = this.waiting.get(key) ?? new Set<Waiter>();
      const me: Waiter = { token: options.token };
      waiting.add(me);
      this.waiting.set(key, waiting);
      try {
        // A Cancel ends this caller's wait at once: a computation it joined goes on for the others, and so does its own
        // once a newer forced run replaced it (it then hands over the newer run's result, which no longer watches this token).
        total += await (options.token ? this.untilCancelled(own ?? p, options.token) : (own ?? p));
      } catch (e) {
        if (e instanceof this.Cancelled) throw e;
        failed.push({ context, error: e as Error });
      } finally {
        waiting.delete(me);
        if (waiting.size === 0 && this.waiting.get(key) === waiting) this.waiting.delete(key);
      }
    }
    for (const f of failed.filter((x) => !contexts.includes(x.context))) this.host.log.warn(`Context ${f.context} skipped for namespace ${namespace}: ${f.error.message}`);
    return { workloads: total, superseded: generation !== this.generation, failed };
  }

  /** What a manifest's namespace needs: the current context's recommendations (every context's without one). */
  private async computeManifestNamespace(namespace: string): Promise<number> {
    this.manifestContext ??= (async () => {
      const ctx = await this.host.source().currentContext?.().catch(() => undefined);
      this.preferredContext = ctx;
      return ctx;
    })();
    const context = await this.manifestContext;
    const inContext = context !== undefined && (await this.host.source().namespaces(context).catch(() => [] as string[])).includes(namespace);
    return this.computeNamespace(namespace, { context: inContext ? context : undefined });
  }

  /**
   * MOrA's in-cluster recommendations of a context (mora.dataSource = cluster; mora.inCluster.maxAgeHours > 0), read
   * once — every namespace's VPAs in a few paged calls — and again on a forced recompute a minute later. Unreadable
   * (RBAC, no VPA CRD): one line in the log, and everything is computed locally.
   */
  private inClusterFor(source: DataSource, context: string, force?: boolean): Promise<InClusterRecommendations | undefined> {
    const maxAgeHours = this.host.inClusterMaxAgeHours();
    if (!source.inClusterRecommendations || !(maxAgeHours > 0)) return Promise.resolve(undefined);
    const known = this.inCluster.get(context);
    if (known && !(force && Date.now() - known.at > 60_000)) return known.read;
    const read = source.inClusterRecommendations(context, { maxAgeHours }).then((r) => {
      if (r.fallback) this.host.log.info(r.fallback);
      else this.host.log.info(`In-cluster recommendations in context "${context}": ${r.recommendations.length} used (MOrA's VPA statuses, at most ${maxAgeHours} h old), ${r.skipped.length} skipped${r.skipped.length ? ` (e.g. ${r.skipped[0].vpa}: ${r.skipped[0].reason})` : ''}; the other workloads are computed here.`);
      return r.fallback ? undefined : new InClusterRecommendations(r);
    }, (e: unknown) => {
      this.host.log.info(`In-cluster recommendations in context "${context}" unavailable (${(e as Error).message.split('\n')[0]}); computing locally`);
      return undefined;
    });
    this.inCluster.set(context, { at: Date.now(), read });
    return read;
  }

  /**
   * What the cache holds for a computation a caller's token can stop (`run`, Recommend's): its result, and if it is
   * cancelled while another caller still waits for the namespace — the tree's load it replaced resolves to the cache's
   * entry, a caller without that token joined it — a computation without a token in its place, so the command's Cancel
   * stops the command but not the others' wait, and the cache never holds the cancellation. Nobody else waiting, it
   * rejects as `run` did (the entry is dropped; the next ask computes afresh) and nothing more is computed.
   */
  private shared(run: Promise<number>, key: string, source: DataSource, generation: number, context: string, namespace: string): Promise<number> {
    const cached: Promise<number> = run.catch((e: unknown) => {
      if (!(e instanceof this.Cancelled)) throw e;
      const others = [...(this.waiting.get(key) ?? [])].some((w) => !w.token?.isCancellationRequested);
      if (!others) throw e;
      // Cleared meanwhile: nothing to compute for the old source. Replaced by a newer computation: that one's result.
      if (generation !== this.generation) return 0;
      if (this.loaded.get(key) !== cached) return this.loaded.get(key) ?? 0;
      this.host.log.info(`Recommend for namespace ${namespace} in context ${context} was cancelled; its computation for the views continues in the background.`);
      return this.load(source, generation, context, namespace);
    });
    return cached;
  }

  /** `work`, or the store's cancellation error as soon as `token` is cancelled (the work goes on for its other callers). */
  private async untilCancelled(work: Promise<number>, token: CancelSignal): Promise<number> {
    const r = await untilCancelled(work, token);
    if (r.cancelled) throw new this.Cancelled();
    return r.value;
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
  private async load(source: DataSource, generation: number, context: string, namespace: string, token?: CancelSignal, progress?: (done: number, total: number) => void, force?: boolean): Promise<number> {
    const key = loadKey(context, namespace);
    const at = this.started(key);
    const { recommendFromSource } = require('../pipeline/recommend') as typeof import('../pipeline/recommend');
    const workloads = await source.workloads(context, namespace);
    const superseded = () => this.starts.get(key) !== at;
    const stale = () => generation !== this.generation || superseded();
    // Stale: nothing if the store was cleared; the newer computation's count if one replaced this one.
    const outcome = (): Promise<number> | number => (generation === this.generation && superseded() ? this.loaded.get(key) ?? 0 : 0);
    if (stale()) return outcome();
    const experiments = this.host.experiments();
    const fresh: Recommendation[] = [];
    // Workloads MOrA's in-cluster run already recommended are shown as read; only the others are computed here.
    const inCluster = await this.inClusterFor(source, context, force);
    // Sized to other risk targets than the settings' (mora.risk.*): computed here, as a workload without one is.
    const { policy } = this.host.settings();
    const risk = { cpu: policy.cpuRisk ?? DEFAULT_RISK.cpu, memory: policy.memoryRisk ?? DEFAULT_RISK.memory };
    const { fromCluster, toCompute } = inCluster ? inCluster.split(namespace, workloads, risk) : { fromCluster: [], toCompute: workloads };
    if (stale()) return outcome();
    for (const r of fromCluster) {
      fresh.push(r);
      this.index.put(r);
    }
    if (fromCluster.length) this.fireChanged();
    const names = toCompute.map((w) => w.name);
    let done = 0;
    for (const name of names) {
      if (token?.isCancellationRequested) throw new this.Cancelled();
      // Settings changed meanwhile (the store was cleared): these are the old settings' numbers; the new computation shows its own.
      if (stale()) return outcome();
      // The engine's window rule alone (no forecast): fast. One workload at a time, yielding in between, so the
      // extension host keeps answering while a namespace is computed.
      const onSkip = (w: Workload, reason: string) => this.host.log.warn(`No recommendation for ${w.kind} ${w.context}/${w.namespace}/${w.name}: ${reason}`);
      for (const r of await recommendFromSource(source, { context, namespace, workload: name, ...this.host.settings(), onSkip, experiments, savedLstmRoot: this.host.savedLstmRoot })) {
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
    if (workloads.length > 0) this.fireChanged();
    return workloads.length;
  }

}

const loadKey = (context: string, namespace: string): string => `${context}\u0000${namespace}`;
const workloadKey = (w: Workload): string => `${loadKey(w.context, w.namespace)}\u0000${w.kind}\u0000${w.name}`;

/** A caller waiting for a namespace's computation; a token it has not cancelled means it still wants the result. */
interface Waiter {
  token?: CancelSignal;
}

export interface ComputeOptions {
  context?: string;
  token?: CancelSignal;
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
