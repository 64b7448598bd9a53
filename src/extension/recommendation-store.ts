import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Recommendation } from '../core/recommendation';
import type { Workload } from '../core/workload';
import type { DataSource } from '../data/datasource';
import type { Policy } from '../ml/engine/policy';
import type { RecommendationSource } from '../views/tree-model';
import type { Log } from './log';

/**
 * The recommendations CodeLenses, hovers and the webview read, keyed by namespace/kind/name (manifests carry no context).
 * A namespace is computed on first use in the background (history only: fast) and by `mora.recommend` on demand;
 * the recommendation module loads lazily so activation stays light.
 */
export class RecommendationStore implements vscode.Disposable {
  private readonly recs = new Map<string, Recommendation>();
  private readonly namespaces = new Map<string, Promise<number>>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly source: () => DataSource, private readonly log: Log) {}

  static key(namespace: string, kind: string, name: string): string {
    return `${namespace}/${kind.toLowerCase()}/${name}`;
  }

  /** Synchronous lookup for providers; an unknown namespace starts loading and fires onDidChange when done. */
  lookup(namespace: string, kind: string, name: string): Recommendation | undefined {
    if (!this.namespaces.has(namespace)) void this.computeNamespace(namespace).catch(() => undefined);
    return this.recs.get(RecommendationStore.key(namespace, kind, name));
  }

  /** The store as the tree reads it (src/views/tree-model.ts). */
  treeSource(): RecommendationSource {
    return {
      ensure: (namespace) => this.computeNamespace(namespace),
      get: (ref) => this.recs.get(RecommendationStore.key(ref.namespace, ref.kind, ref.name)),
    };
  }

  all(): Recommendation[] {
    return [...this.recs.values()];
  }

  /** Replaces what is known for the namespaces these recommendations belong to (tests; other engines). */
  set(recs: readonly Recommendation[]): void {
    const namespaces = new Set(recs.map((r) => r.workload.namespace));
    for (const [k, r] of this.recs) if (namespaces.has(r.workload.namespace)) this.recs.delete(k);
    for (const r of recs) this.recs.set(RecommendationStore.key(r.workload.namespace, r.workload.kind, r.workload.name), r);
    for (const ns of namespaces) this.namespaces.set(ns, Promise.resolve(recs.filter((r) => r.workload.namespace === ns).length));
    this.changed.fire();
  }

  /** Adds or replaces the containers of one workload's recommendation (a forecast refined it). */
  merge(rec: Recommendation): void {
    const key = RecommendationStore.key(rec.workload.namespace, rec.workload.kind, rec.workload.name);
    const before = this.recs.get(key);
    const names = new Set(rec.containers.map((c) => c.container));
    const containers = [...(before?.containers.filter((c) => !names.has(c.container)) ?? []), ...rec.containers];
    this.recs.set(key, { ...rec, containers, replicas: rec.replicas ?? before?.replicas });
    this.changed.fire();
  }

  /** Forget everything (data source or settings changed). */
  clear(): void {
    this.recs.clear();
    this.namespaces.clear();
    this.changed.fire();
  }

  /** Recommends every container of every workload of a namespace; resolves to the number of workloads. */
  computeNamespace(namespace: string, token?: vscode.CancellationToken, progress?: (done: number, total: number) => void, force = false): Promise<number> {
    const running = this.namespaces.get(namespace);
    if (running && !force) return running;
    const p = this.load(namespace, token, progress);
    this.namespaces.set(namespace, p);
    p.catch((e) => {
      this.namespaces.delete(namespace);
      this.log.warn(`Recommendations for namespace ${namespace} failed: ${(e as Error).message}`);
    });
    return p;
  }

  private async load(namespace: string, token?: vscode.CancellationToken, progress?: (done: number, total: number) => void): Promise<number> {
    const { recommendFromSource } = require('../pipeline/recommend') as typeof import('../pipeline/recommend');
    const source = this.source();
    const names = new Set<string>();
    for (const context of await source.contexts()) {
      if ((await source.namespaces(context)).includes(namespace)) for (const w of await source.workloads(context, namespace)) names.add(w.name);
    }
    const experiments = storedExperiments(this.log);
    let done = 0;
    for (const name of names) {
      if (token?.isCancellationRequested) throw new vscode.CancellationError();
      // The engine's window rule alone (no forecast): fast. One workload at a time, yielding in between, so the
      // extension host keeps answering while a namespace is computed.
      const onSkip = (w: Workload, reason: string) => this.log.warn(`No recommendation for ${w.kind} ${w.namespace}/${w.name}: ${reason}`);
      for (const r of await recommendFromSource(source, { namespace, workload: name, policy: enginePolicy(), onSkip, experiments })) {
        this.recs.set(RecommendationStore.key(namespace, r.recommendation.workload.kind, r.recommendation.workload.name), r.recommendation);
      }
      progress?.(++done, names.size);
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (names.size > 0) this.changed.fire();
    return names.size;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The engine's policy from the user's settings. */
export function enginePolicy(): Partial<Policy> {
  const cfg = vscode.workspace.getConfiguration('mora');
  return {
    qos: cfg.get<'Burstable' | 'Guaranteed'>('qos', 'Burstable'),
    cpuLimits: cfg.get<boolean>('cpuLimits', false),
    historyDays: cfg.get<number>('historyDays', 14),
    cpuMargin: cfg.get<number>('safetyMargin', 0),
    memoryMargin: cfg.get<number>('safetyMargin', 0),
  };
}

/** Where Run Load Experiment writes (the first workspace folder's .mora/experiments); their capacity feeds replica advice. */
export function experimentsFolder(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return folder ? path.join(folder, '.mora', 'experiments') : undefined;
}

function storedExperiments(log: Log): import('../data/experiments/store').StoredExperiment[] | undefined {
  const dir = experimentsFolder();
  if (!dir || !fs.existsSync(dir)) return undefined;
  try {
    const { loadExperiments } = require('../data/experiments/store') as typeof import('../data/experiments/store');
    return loadExperiments(dir);
  } catch (e) {
    log.warn(`Experiments in ${dir} could not be read: ${(e as Error).message}`);
    return undefined;
  }
}
