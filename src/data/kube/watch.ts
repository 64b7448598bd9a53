/**
 * Watching a namespace's workloads (Deployments, StatefulSets, DaemonSets, HPAs) so the tree follows the cluster
 * without a manual refresh. Editor-free and client-free: the HTTP part is a WatchTransport (client-node's Watch in
 * KubeClient.watchWorkloads, a fake in the unit tests).
 *
 * Per collection: list once (limit 1) for the collection's resourceVersion, then watch from it. Only changes a person
 * sees count: an object added or deleted, or one whose spec changed (metadata.generation; status updates — ready
 * replicas, an HPA's current metrics — come every few seconds and are ignored). Changes are debounced into one call.
 * A watch that ends is resumed from the last resourceVersion seen; 410 Gone (history compacted) lists again and reports
 * a change (events may have been missed); errors back off exponentially (no flood while the API server is down);
 * dispose() stops everything.
 */

export interface WatchStream {
  abort(): void;
}

export interface WatchTransport {
  /** The collection's current resourceVersion (a list with limit=1). */
  list(path: string): Promise<string>;
  /** Starts a watch from `resourceVersion`; `onDone` is called once when it ends (null: closed without error). */
  watch(path: string, resourceVersion: string, onEvent: (type: string, obj: unknown) => void, onDone: (err: unknown) => void): Promise<WatchStream>;
}

export interface NamespaceWatchOptions {
  /** Changes within this many ms become one onChange call. Default 300. */
  debounceMs?: number;
  /** First retry delay after an error, doubled up to maxBackoffMs. Defaults 500 / 30,000. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Each error that made a watch retry (for the log). */
  onError?: (err: unknown, path: string) => void;
}

/** The watched collections of a namespace. */
export function workloadWatchPaths(namespace: string): string[] {
  const ns = encodeURIComponent(namespace);
  return [
    `/apis/apps/v1/namespaces/${ns}/deployments`,
    `/apis/apps/v1/namespaces/${ns}/statefulsets`,
    `/apis/apps/v1/namespaces/${ns}/daemonsets`,
    `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers`,
  ];
}

interface Meta { name?: string; uid?: string; resourceVersion?: string; generation?: number }

const meta = (obj: unknown): Meta => ((obj as { metadata?: Meta } | undefined)?.metadata ?? {});

/** 410 Gone, as a watch event (a Status object) or as the HTTP status of the watch request. */
function isGone(x: unknown): boolean {
  const o = x as { code?: number; statusCode?: number; reason?: string } | undefined;
  return o?.code === 410 || o?.statusCode === 410 || o?.reason === 'Expired' || o?.reason === 'Gone';
}

export class NamespaceWatch {
  private disposed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly streams = new Set<WatchStream>();
  private readonly wakers = new Set<() => void>();
  private readonly debounceMs: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly transport: WatchTransport, paths: readonly string[], private readonly onChange: () => void, private readonly options: NamespaceWatchOptions = {}) {
    this.debounceMs = options.debounceMs ?? 300;
    this.minBackoffMs = options.minBackoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    for (const p of paths) void this.run(p);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    for (const s of this.streams) s.abort();
    this.streams.clear();
    for (const wake of this.wakers) wake();
  }

  private changed(): void {
    if (this.disposed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.disposed) this.onChange();
    }, this.debounceMs);
  }

  /** Waits `ms`, or less when disposed. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => { clearTimeout(t); this.wakers.delete(wake); resolve(); };
      const t = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  private async run(path: string): Promise<void> {
    let rv: string | undefined;
    let listedBefore = false;
    let backoff = this.minBackoffMs;
    const generations = new Map<string, number | undefined>();
    while (!this.disposed) {
      let failure: unknown;
      try {
        if (rv === undefined) {
          rv = await this.transport.list(path);
          // A list after the first (410 Gone, or after an error): whatever happened in between is unknown.
          if (listedBefore) this.changed();
          listedBefore = true;
          generations.clear();
        }
        if (this.disposed) return;
        let gone = false;
        const started = Date.now();
        let stream: WatchStream | undefined;
        const ended = new Promise<unknown>((resolve) => {
          void this.transport.watch(path, rv!, (type, obj) => {
            if (type === 'ERROR') {
              if (isGone(obj)) gone = true;
              return;
            }
            const m = meta(obj);
            if (m.resourceVersion) rv = m.resourceVersion;
            if (type === 'BOOKMARK') return;
            backoff = this.minBackoffMs; // the server answers: the next retry may be quick again
            const key = m.uid ?? m.name ?? '';
            if (type === 'ADDED' || type === 'DELETED') {
              if (type === 'DELETED') generations.delete(key);
              else generations.set(key, m.generation);
              this.changed();
            } else if (type === 'MODIFIED') {
              const before = generations.get(key);
              generations.set(key, m.generation);
              if (before === undefined || before !== m.generation) this.changed();
            }
          }, resolve).then((s) => {
            stream = s;
            if (this.disposed) s.abort();
            else this.streams.add(s);
          }, resolve);
        });
        failure = await ended;
        if (stream) this.streams.delete(stream);
        if (gone || isGone(failure)) {
          rv = undefined;
          failure = undefined;
        }
        const name = (failure as { name?: string } | null)?.name;
        // client-node ends an idle watch after its request timeout: a normal end, resumed at once.
        if (name === 'TimeoutError' || name === 'AbortError') failure = undefined;
        // A server that closes every watch at once must not make this loop spin.
        if (!failure && rv !== undefined && Date.now() - started < 1000) await this.sleep(this.minBackoffMs);
      } catch (e) {
        failure = e;
      }
      if (this.disposed) return;
      if (failure) {
        this.options.onError?.(failure, path);
        await this.sleep(backoff);
        backoff = Math.min(this.maxBackoffMs, backoff * 2);
        // After an error the stored version may be stale: list again (and report a change, as events may be lost).
        rv = undefined;
      }
    }
  }
}
