/**
 * The batched query plan: MOrA's 12 metrics for every workload of a namespace with a few range queries per metric for
 * the whole namespace, instead of one query per metric per container (queries.ts + frame.ts, kept as the per-workload
 * plan). The frames are the same (within float rounding: sums may be added in another order).
 *
 * - Each metric is one query per pod batch. Inside it, series are grouped `by (namespace, pod, container)` for
 *   container metrics, `by (namespace, pod)` for network and application counters, `by (namespace, pod, le)` for the
 *   latency histogram (one query serves p50, p95 and p99: histogram_quantile is applied here, as Prometheus does it),
 *   and by workload name for kube-state-metrics' ready replicas. The throttling ratio's two counters share one query.
 * - Pods are mapped to workloads through the owner chain from kube-state-metrics, read once per namespace
 *   (`kube_pod_owner`, `kube_replicaset_owner`, and `kube_job_owner` when there are CronJobs), over the whole history so
 *   pods that are gone still count. Pod-name patterns (queries.ts podNameRegex) are only the fallback, for pods
 *   kube-state-metrics never reported; the longest matching workload name wins.
 * - Where the owner chain knows every pod of a workload (and its pods are named after it, as controllers name them),
 *   Prometheus does the last step too ("workload mode"): the batch selects exactly those pods, `label_replace` writes
 *   the workload's name into `mora_workload` — with a regex checked here against the owner chain for every pod — and
 *   the per-pod series are averaged/summed per workload there, so one series per workload comes back, not one per pod.
 *   Otherwise ("pod mode") the answer is per pod and pods are mapped to workloads here.
 * - A namespace with more pods than `maxPodsPerBatch` is split into batches of whole workloads, each selected by a regex
 *   of its pod names (bounded length); a batch is fetched, folded into per-workload accumulators, handed out and dropped
 *   before the next, so memory follows the batch size, not the cluster size.
 * - Responses are bounded: each query's time range is cut into chunks of at most `maxSamplesPerRequest` samples (series ×
 *   points; the series count is estimated for the first chunk and measured after it), and each chunk is folded into the
 *   accumulators as soon as it arrives.
 */
import type { MetricName } from '../../core/metrics';
import type { Workload, WorkloadKind } from '../../core/workload';
import type { MetricFrame, TimeRange } from '../datasource';
import type { ApiBody, PrometheusClient, RangeSeries } from './client';
import { PrometheusError } from './errors';
import { frameGrid, toGrid, type FetchedFrame } from './frame';
import { bucketQuantile, parseLe, type Bucket } from './histogram';
import { parseRangeAnswer, type CompactSeries } from './matrix';
import { dedupeScrapes, metricQueries, podNameRegex, promString, rateWindow, reEscape, stepPeak, type MetricQuery, type QueryConfig, type QueryTarget } from './queries';

export interface BatchPlanOptions {
  /** Pods per batch; a namespace with more is split (by whole workloads). Default 500. */
  maxPodsPerBatch?: number;
  /** Characters of a batch's pod-name regex. Default 24,000. */
  maxRegexLength?: number;
  /** Samples (series × points) per HTTP response. Default 250,000 (about 7 MB of JSON). */
  maxSamplesPerRequest?: number;
  /** Points per series per request, at most. Default 5,000 (as the client's chunks). */
  maxChunkPoints?: number;
  /** Read kube_pod_owner / kube_replicaset_owner (default true); false maps pods by name patterns only. */
  owners?: boolean;
  /**
   * Let Prometheus aggregate per workload where the owner chain allows (default true: one series per workload comes
   * back instead of one per pod); false always answers per pod and maps pods here.
   */
  aggregateInPrometheus?: boolean;
  signal?: AbortSignal;
  /** Counters to add to. */
  stats?: BatchPlanStats;
}

export interface BatchPlanStats {
  namespaces: number;
  batches: number;
  /** PromQL executions: range queries (counted once, however many time chunks) and instant queries. */
  queries: number;
  /** The instant queries of the owner chain, included in `queries`. */
  ownerQueries: number;
  /** HTTP requests (time chunks included). */
  requests: number;
  /** The most range queries any one metric needed in any one namespace (before chunking by time). */
  maxQueriesPerMetricPerNamespace: number;
  /** The most samples (series × points) in one response. */
  maxSamplesPerResponse: number;
  podsByOwner: number;
  podsByPattern: number;
}

export function newBatchPlanStats(): BatchPlanStats {
  return { namespaces: 0, batches: 0, queries: 0, ownerQueries: 0, requests: 0, maxQueriesPerMetricPerNamespace: 0, maxSamplesPerResponse: 0, podsByOwner: 0, podsByPattern: 0 };
}

/** One workload's frames, per container of its spec: what the per-workload plan's fetchFrame gives for each. */
export interface BatchedWorkload {
  workload: Workload;
  containers: Map<string, FetchedFrame>;
}

type Agg = { v: Float64Array; n: Uint16Array | undefined };

interface ContainerAcc {
  cpu: Agg;
  wss: Agg;
  rss: Agg;
  thrNum: Float64Array;
  thrDen: Float64Array;
}

interface WorkloadAcc {
  w: Workload;
  containers: Map<string, ContainerAcc>;
  rx: Agg;
  tx: Agg;
  req: Float64Array;
  err: Float64Array;
  buckets: Map<string, Float64Array>;
  ready: Float64Array;
}

interface Grid {
  t: Float64Array;
  step: number;
}

const nanArray = (n: number) => new Float64Array(n).fill(NaN);

/** Adds x at i: NaN means "no sample yet". Sums propagate NaN/Inf as PromQL's sum does. */
function addAt(a: Float64Array, i: number, x: number): void {
  const cur = a[i];
  a[i] = Number.isNaN(cur) ? x : cur + x;
}

function newAgg(n: number, avg: boolean): Agg {
  return { v: nanArray(n), n: avg ? new Uint16Array(n) : undefined };
}

/** avg (sum and count) or max, as PromQL's aggregators treat their inputs. */
function foldAgg(a: Agg, i: number, x: number): void {
  if (a.n) {
    addAt(a.v, i, x);
    a.n[i]++;
  } else {
    const cur = a.v[i];
    if (Number.isNaN(cur) || cur < x) a.v[i] = x;
  }
}

/** Final values: NaN where nothing came or the aggregate is not finite (toGrid drops those too). */
function finishAgg(a: Agg): Float64Array {
  const out = new Float64Array(a.v.length);
  for (let i = 0; i < out.length; i++) {
    const v = a.n ? (a.n[i] ? a.v[i] / a.n[i] : NaN) : a.v[i];
    out[i] = Number.isFinite(v) ? v : NaN;
  }
  return out;
}

function finite(a: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Number.isFinite(a[i]) ? a[i] : NaN;
  return out;
}

function parseValue(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

/** One series of a range answer, as the matrix reader gives it (or converted from JSON.parse's shape). */
type Samples = CompactSeries;
type Matrix = Samples[];

function toSamples(r: CompactSeries | { metric?: Record<string, string>; values?: Array<[number, string]> }): Samples {
  if ('t' in r && r.t instanceof Float64Array) return r;
  const vs = (r as { values?: Array<[number, string]> }).values ?? [];
  return { metric: r.metric ?? {}, t: Float64Array.from(vs, (x) => x[0]), v: Float64Array.from(vs, (x) => parseValue(x[1])) };
}

// ---------------------------------------------------------------------------------------------------------------
// Owners: pod → workload

interface Owner {
  kind: string;
  name: string;
}

/** The owner chain of one namespace, from kube-state-metrics. */
export class OwnerIndex {
  readonly pods = new Map<string, Owner[]>();
  readonly replicaSets = new Map<string, Owner[]>();
  readonly jobs = new Map<string, Owner[]>();

  static add(map: Map<string, Owner[]>, key: string | undefined, kind: string | undefined, name: string | undefined): void {
    if (!key || !kind) return;
    const list = map.get(key) ?? [];
    list.push({ kind, name: name ?? '' });
    map.set(key, list);
  }
}

const OWNED_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']);

/** Maps pod names to the listed workloads: owner chain first, name patterns as the fallback. */
export class PodResolver {
  private readonly byKey = new Map<string, number>();
  private readonly patterns: Array<{ re: RegExp; index: number; len: number }>;
  private readonly memo = new Map<string, number>();
  podsByOwner = 0;
  podsByPattern = 0;

  constructor(workloads: readonly Workload[], private readonly owners: OwnerIndex | undefined) {
    workloads.forEach((w, i) => this.byKey.set(`${w.kind}/${w.name}`, i));
    this.patterns = workloads
      .map((w, index) => ({ re: new RegExp(`^(?:${podNameRegex(w.kind, w.name)})$`), index, len: w.name.length }))
      .sort((a, b) => b.len - a.len);
  }

  /** The workload (by kind and name) a pod's owner chain ends at, or undefined when kube-state-metrics never saw the pod. */
  ownerOf(pod: string): string | null | undefined {
    const owners = this.owners?.pods.get(pod);
    if (!owners) return undefined;
    let fallback: string | null = null;
    for (const o of owners) {
      const key = this.chain(pod, o);
      if (key && this.byKey.has(key)) return key;
      fallback ??= key;
    }
    return fallback;
  }

  private chain(pod: string, o: Owner): string | null {
    if (o.kind === 'ReplicaSet') {
      // A Deployment's ReplicaSet, or an Argo Rollout's (the Rollout owns its ReplicaSets as a Deployment does).
      const up = this.owners?.replicaSets.get(o.name)?.find((x) => x.kind === 'Deployment' || x.kind === 'Rollout');
      if (up) return `${up.kind}/${up.name}`;
      if (this.owners?.replicaSets.has(o.name)) return `ReplicaSet/${o.name}`;
      // The ReplicaSet's own series is missing: its name is <deployment or rollout>-<pod-template-hash>.
      const m = /^(.+)-[a-z0-9]{1,10}$/.exec(o.name);
      if (m && this.byKey.has(`Deployment/${m[1]}`)) return `Deployment/${m[1]}`;
      if (m && this.byKey.has(`Rollout/${m[1]}`)) return `Rollout/${m[1]}`;
      return `ReplicaSet/${o.name}`;
    }
    if (o.kind === 'Job') {
      const up = this.owners?.jobs.get(o.name)?.find((x) => x.kind === 'CronJob');
      return up ? `CronJob/${up.name}` : `Job/${o.name}`;
    }
    if (OWNED_KINDS.has(o.kind)) return `${o.kind}/${o.name}`;
    // "<none>" (a bare pod), Node (a static pod) and anything else: the pod is its own workload.
    return `Pod/${pod}`;
  }

  /** Index into the workload list, or -1 for a pod of no listed workload. */
  resolve(pod: string): number {
    const hit = this.memo.get(pod);
    if (hit !== undefined) return hit;
    let index = -1;
    const owner = this.ownerOf(pod);
    if (owner !== undefined) {
      index = owner ? this.byKey.get(owner) ?? -1 : -1;
      if (index >= 0) this.podsByOwner++;
    } else {
      const p = this.patterns.find((x) => x.re.test(pod));
      if (p) {
        index = p.index;
        this.podsByPattern++;
      }
    }
    this.memo.set(pod, index);
    return index;
  }

  /** Pods kube-state-metrics reported for workload i (empty without owner data). */
  knownPods(): Map<number, string[]> {
    const out = new Map<number, string[]>();
    if (!this.owners) return out;
    for (const pod of this.owners.pods.keys()) {
      const owner = this.ownerOf(pod);
      const i = owner ? this.byKey.get(owner) : undefined;
      if (i === undefined) continue;
      const list = out.get(i) ?? [];
      list.push(pod);
      out.set(i, list);
    }
    return out;
  }

  /** Pods kube-state-metrics reported for workloads that are not listed. */
  foreignPods(): number {
    if (!this.owners) return 0;
    let n = 0;
    for (const pod of this.owners.pods.keys()) {
      const owner = this.ownerOf(pod);
      if (!owner || !this.byKey.has(owner)) n++;
    }
    return n;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Batches

interface Batch {
  /** Indexes into the workload list. */
  members: number[];
  /** Label matchers selecting the batch's pods: namespace, and a pod regex unless the batch is the whole namespace. */
  podSel: string;
  /** Pods (known ones, or replicas where the owner chain is missing), for sizing the first time chunk. */
  pods: number;
  /** Pods × their spec's containers: the series a per-container query returns. */
  containerSeries: number;
  /**
   * Workload mode: a regex whose first group, applied to a pod name, gives its workload's name — checked against the
   * owner chain for every pod of the batch. Prometheus then aggregates per workload (label_replace into
   * `mora_workload`), and answers with one series per workload instead of one per pod. Undefined: pod mode, the
   * answer is per pod and pods are mapped to workloads here.
   */
  capture?: string;
}

interface Part {
  i: number;
  alternatives: string[];
  pods: number;
  series: number;
}

/** Balanced batches of whole workloads, none above `maxPods` pods or `maxRegex` characters of pod regex. */
function split(parts: Part[], maxPods: number, maxRegex: number, workloads: readonly Workload[]): Part[][] {
  const total = parts.reduce((s, p) => s + p.pods, 0);
  const regexLength = parts.reduce((s, p) => s + p.alternatives.reduce((a, x) => a + x.length + 1, 0), 0);
  const count = Math.max(1, Math.ceil(total / maxPods), Math.ceil(regexLength / maxRegex));
  const target = Math.ceil(total / count);
  const out: Part[][] = [];
  let cur: Part[] = [];
  let pods = 0;
  let len = 0;
  for (const p of parts) {
    let alts = p.alternatives;
    let plen = alts.reduce((a, x) => a + x.length + 1, 0);
    if (plen > maxRegex) {
      // One workload with more pod names than a regex may hold: select it by its name pattern instead.
      alts = [podNameRegex(workloads[p.i].kind, workloads[p.i].name)];
      plen = alts[0].length + 1;
    }
    // Never above the limits; close a batch once it reaches the balanced size.
    if (cur.length && (pods + p.pods > maxPods || pods >= target || len + plen > maxRegex)) {
      out.push(cur);
      cur = [];
      pods = 0;
      len = 0;
    }
    cur.push({ ...p, alternatives: alts });
    pods += p.pods;
    len += plen;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** The capture regex of a workload-mode batch: the longest matching workload name wins. */
function captureRegex(names: string[]): string {
  return `(${[...names].sort((a, b) => b.length - a.length || (a < b ? -1 : 1)).map(reEscape).join('|')})(?:-.*)?`;
}

export function planBatches(namespace: string, workloads: readonly Workload[], resolver: PodResolver, maxPods: number, maxRegex: number, aggregate = true): Batch[] {
  const ns = `namespace=${promString(namespace)}`;
  const known = resolver.knownPods();
  const part = (i: number): Part => {
    const w = workloads[i];
    const pods = known.get(i);
    // Pods reported by kube-state-metrics are named exactly; a workload it never reported is matched by its pattern.
    const alternatives = pods?.length ? pods.map(reEscape) : [podNameRegex(w.kind, w.name)];
    const count = pods?.length ?? Math.max(1, w.replicas);
    return { i, alternatives, pods: count, series: count * Math.max(1, w.containers.length) };
  };
  const batchOf = (parts: Part[], capture?: string): Batch => ({
    members: parts.map((p) => p.i),
    podSel: `${ns},pod=~${promString(parts.flatMap((p) => p.alternatives).join('|'))}`,
    pods: parts.reduce((s, p) => s + p.pods, 0),
    containerSeries: parts.reduce((s, p) => s + p.series, 0),
    capture,
  });

  // Workload mode for workloads whose every pod is known from the owner chain and named after its workload (true of
  // every controller's pods), with a name no other listed workload has.
  const names = new Map<string, number>();
  for (const w of workloads) names.set(w.name, (names.get(w.name) ?? 0) + 1);
  const eligible = (i: number) => {
    const pods = known.get(i);
    const name = workloads[i].name;
    return aggregate && !!pods?.length && names.get(name) === 1 && pods.every((p) => p === name || p.startsWith(`${name}-`));
  };
  const grouped: Batch[] = [];
  let rest: number[] = [];
  const candidates = workloads.map((_, i) => i).filter((i) => eligible(i) || (rest.push(i), false));
  // A batch's capture regex must give every pod its owner's name; a workload whose pods it would give to another
  // (a Deployment "api" with a pod "api-x1-…" next to a DaemonSet "api-x1") goes to pod mode. Removing names from
  // the regex never changes what the others' pods capture (they matched their own name first).
  for (const parts of split(candidates.map(part), maxPods, maxRegex, workloads)) {
    const re = new RegExp(`^(?:${captureRegex(parts.map((p) => workloads[p.i].name))})$`);
    const ok = parts.filter((p) => (known.get(p.i) ?? []).every((pod) => re.exec(pod)?.[1] === workloads[p.i].name));
    rest.push(...parts.filter((p) => !ok.includes(p)).map((p) => p.i));
    if (ok.length) grouped.push(batchOf(ok, captureRegex(ok.map((p) => workloads[p.i].name))));
  }
  rest = rest.sort((a, b) => a - b);
  // Batches in the order of their first workload: with one mode (the usual case) workloads come out as listed.
  const ordered = (bs: Batch[]) => bs.sort((a, b) => a.members[0] - b.members[0]);
  if (!rest.length) return ordered(grouped);

  // Pod mode for the rest: the whole namespace in one query when it fits and is mostly theirs; otherwise their pods.
  const parts = rest.map(part);
  const total = parts.reduce((s, p) => s + p.pods, 0);
  const series = parts.reduce((s, p) => s + p.series, 0);
  const others = resolver.foreignPods() + grouped.reduce((s, b) => s + b.pods, 0);
  if (total <= maxPods && others <= 0.25 * (total + others) && known.size > 0) {
    return ordered([...grouped, { members: rest, podSel: ns, pods: total + others, containerSeries: series + others }]);
  }
  return ordered([...grouped, ...split(parts, maxPods, maxRegex, workloads).map((b) => batchOf(b))]);
}

// ---------------------------------------------------------------------------------------------------------------
// The plan

interface PlannedQuery {
  /** The metrics this query serves (for `missing` when Prometheus rejects it, and for the per-metric count). */
  metrics: MetricName[];
  promql: string;
  /** Series expected (the first chunk's size; later chunks use what came back, scaled to the batch's pods). */
  estimate: number;
  fold(labels: Record<string, string>, values: Samples): void;
}

const LATENCY: ReadonlyArray<[MetricName, number]> = [['latency_p50', 0.5], ['latency_p95', 0.95], ['latency_p99', 0.99]];
const APP_METRICS: ReadonlySet<MetricName> = new Set(['request_rate', 'error_rate', 'latency_p50', 'latency_p95', 'latency_p99']);

/**
 * Streams the frames of `workloads` (all in `namespace`) over `range`, batch by batch. Throws PrometheusError when
 * Prometheus is unreachable or fails; a query it rejects (4xx with an error type) loses only that query's metrics.
 * Only the cAdvisor mode is batched (process metrics have no pods): callers use the per-workload plan for `process`.
 */
export async function* batchedFrames(client: PrometheusClient, cfg: QueryConfig, namespace: string, workloads: readonly Workload[], range: TimeRange, options: BatchPlanOptions = {}): AsyncGenerator<BatchedWorkload> {
  if (cfg.resources !== 'cadvisor') throw new Error('the batched plan reads cAdvisor metrics; use the per-workload plan for resources = "process"');
  const stats = options.stats;
  const signal = options.signal;
  const grid = frameGrid(range, client.maxPoints);
  const n = grid.t.length;
  if (stats) stats.namespaces++;
  if (n === 0 || workloads.length === 0) {
    for (const w of workloads) yield { workload: w, containers: new Map(w.containers.map((c) => [c.name, { frame: { t: grid.t, step: grid.step, values: {} }, missing: [], warnings: [] }])) };
    return;
  }
  const t0 = grid.t[0];
  const tEnd = grid.t[n - 1];
  const step = grid.step;
  // Rate windows cover the step the range is read at (grown on long ranges); memory is the peak within each step.
  const w = `${Math.round(rateWindow(range.step, cfg, step))}s`;
  const peak = (m: string) => stepPeak(m, step);
  const N = cfg.names;
  const ns = `namespace=${promString(namespace)}`;
  const cont = 'container!="",container!="POD"';
  const warnings = new Set<string>();
  const perMetric = new Map<MetricName, number>();
  const count = (metrics: MetricName[]) => {
    for (const m of metrics) {
      const k = (perMetric.get(m) ?? 0) + 1;
      perMetric.set(m, k);
      if (stats) stats.maxQueriesPerMetricPerNamespace = Math.max(stats.maxQueriesPerMetricPerNamespace, k);
    }
  };

  // Owners: once per namespace, over the whole history (plus a rate window), so pods that are gone still map.
  let owners: OwnerIndex | undefined;
  if (options.owners ?? true) {
    owners = new OwnerIndex();
    const span = `${Math.ceil(tEnd - t0 + step + rateWindow(range.step, cfg, step))}s`;
    // A lookup refused as too large (a namespace of thousands of pods under a Prometheus --query.max-samples, a Mimir
    // series or chunk limit) is read again in parts of its name label (client.queryInParts); only one still refused in
    // 8 parts falls back to name patterns.
    const ask = async (label: string, promql: (part: string) => string) => {
      if (stats) { stats.queries++; stats.ownerQueries++; stats.requests++; }
      try {
        return await client.queryInParts(promql, label, tEnd, { signal });
      } catch (e) {
        if (e instanceof PrometheusError && e.kind === 'query') {
          warnings.add(`${OWNER_LOOKUP_FAILED}${e.message}`);
          return [];
        }
        throw e;
      }
    };
    const cronJobs = workloads.some((x) => x.kind === 'CronJob');
    const [pods, rs, jobs] = await Promise.all([
      // By cluster too: a Prometheus holding several clusters (Thanos, Mimir, federation) answers a pod once per cluster.
      ask('pod', (part) => `max by (pod, owner_kind, owner_name, cluster) (max_over_time(kube_pod_owner{${ns}${part}}[${span}]))`),
      ask('replicaset', (part) => `max by (replicaset, owner_kind, owner_name) (max_over_time(kube_replicaset_owner{${ns}${part}}[${span}]))`),
      cronJobs ? ask('job_name', (part) => `max by (job_name, owner_kind, owner_name) (max_over_time(kube_job_owner{${ns}${part}}[${span}]))`) : Promise.resolve([]),
    ]);
    for (const s of pods) OwnerIndex.add(owners.pods, s.labels.pod, s.labels.owner_kind, s.labels.owner_name);
    const split = clusterSplit(pods.map((s) => s.labels));
    if (split && !client.matchers) warnings.add(split);
    for (const s of rs) OwnerIndex.add(owners.replicaSets, s.labels.replicaset, s.labels.owner_kind, s.labels.owner_name);
    for (const s of jobs) OwnerIndex.add(owners.jobs, s.labels.job_name, s.labels.owner_kind, s.labels.owner_name);
    if (owners.pods.size === 0) owners = undefined;
  }
  const resolver = new PodResolver(workloads, owners);
  // OOM kills: one query per namespace, whatever its size; only containers that were killed answer (and one 0 series).
  const oom = await oomKillsOf(client, ns, cont, workloads, new PodResolver(workloads, owners), t0, tEnd, options, warnings);
  const batches = planBatches(namespace, workloads, resolver, options.maxPodsPerBatch ?? 500, options.maxRegexLength ?? 24_000, options.aggregateInPrometheus ?? true);

  // With an application selector configured, the app queries do not depend on the workload (queries.ts uses the
  // selector as is): run them once, as the per-workload plan would, and give every frame the same values.
  let shared: Map<MetricName, Float64Array | PrometheusError> | undefined;
  if (cfg.appSelector !== undefined) {
    shared = new Map();
    const qs = metricQueries({ namespace, kind: workloads[0].kind, name: workloads[0].name }, cfg, range.step, step).filter((q) => APP_METRICS.has(q.metric));
    await Promise.all(qs.map(async (q) => {
      count([q.metric]);
      if (stats) stats.queries++;
      try {
        const series: RangeSeries[] = [];
        await streamRange(client, q.promql, t0, tEnd, step, { estimate: 1, pods: 0 }, options, (matrix) => {
          for (const r of matrix) {
            series.push({ labels: r.metric, t: r.t, v: r.v });
          }
        }, warnings);
        shared!.set(q.metric, toGrid(grid.t, step, series, q.metric));
      } catch (e) {
        if (e instanceof PrometheusError && e.kind === 'query') shared!.set(q.metric, e);
        else throw e;
      }
    }));
  }

  for (const batch of batches) {
    if (stats) stats.batches++;
    // Warnings of this batch's queries concern its workloads only; the namespace's (owners, OOM kills, shared app
    // queries) every workload's.
    const batchWarnings = new Set<string>();
    const accs = new Map<number, WorkloadAcc>();
    for (const i of batch.members) {
      const wl = workloads[i];
      const avg = cfg.podAggregation === 'avg';
      accs.set(i, {
        w: wl,
        containers: new Map(wl.containers.map((c) => [c.name, { cpu: newAgg(n, avg), wss: newAgg(n, avg), rss: newAgg(n, avg), thrNum: nanArray(n), thrDen: nanArray(n) }])),
        rx: newAgg(n, avg), tx: newAgg(n, avg), req: nanArray(n), err: nanArray(n), buckets: new Map(), ready: nanArray(n),
      });
    }
    // Workload mode: Prometheus labelled each series with its workload's name; pod mode: each series is a pod's.
    const byName = batch.capture ? new Map(batch.members.map((i) => [workloads[i].name, accs.get(i)!])) : undefined;
    const accOf = (labels: Record<string, string>): WorkloadAcc | undefined => {
      if (byName) return labels.mora_workload === undefined ? undefined : byName.get(labels.mora_workload);
      return labels.pod === undefined ? undefined : accs.get(resolver.resolve(labels.pod));
    };
    const place = (values: Samples, f: (i: number, v: number) => void) => {
      const { t, v } = values;
      for (let k = 0; k < t.length; k++) {
        const i = Math.round((t[k] - t0) / step);
        if (i >= 0 && i < n) f(i, v[k]);
      }
    };
    const containerFold = (pick: (c: ContainerAcc) => Agg) => (labels: Record<string, string>, values: Samples) => {
      const c = labels.container === undefined ? undefined : accOf(labels)?.containers.get(labels.container);
      if (c) { const a = pick(c); place(values, (i, v) => foldAgg(a, i, v)); }
    };
    const podFold = (pick: (a: WorkloadAcc) => Agg) => (labels: Record<string, string>, values: Samples) => {
      const acc = accOf(labels);
      if (acc) { const a = pick(acc); place(values, (i, v) => foldAgg(a, i, v)); }
    };
    const podSum = (pick: (a: WorkloadAcc) => Float64Array) => (labels: Record<string, string>, values: Samples) => {
      const acc = accOf(labels);
      if (acc) { const a = pick(acc); place(values, (i, v) => addAt(a, i, v)); }
    };

    const sel = batch.podSel;
    const cSel = `${sel},${cont}`;
    const status = `${cfg.statusLabel}=~${promString(cfg.errorStatusRegex)}`;
    const cap = batch.capture;
    const toWorkload = (v: string) => `label_replace(${v}, "mora_workload", "$1", "pod", ${promString(cap ?? '')})`;
    // Sums (counts, rates): by pod, or by workload when Prometheus knows the workloads.
    const sumBy = (v: string, extra = '') => (cap ? `sum by (namespace, mora_workload${extra}) (${toWorkload(v)})` : `sum by (namespace, pod${extra}) (${v})`);
    // Per-pod values (a pod's containers summed first, as the per-workload plan does), then avg/max across the pods.
    const acrossPods = (perPod: string, extra = '') => (cap ? `${cfg.podAggregation} by (namespace, mora_workload${extra}) (${toWorkload(perPod)})` : perPod);
    const unitsC = cap ? batch.members.reduce((s, i) => s + Math.max(1, workloads[i].containers.length), 0) : batch.containerSeries;
    const unitsP = cap ? batch.members.length : batch.pods;
    // One cgroup per (namespace, pod, container): series scraped twice (kubelet /metrics/resource beside
    // /metrics/cadvisor, an HA pair without dedup, a second cAdvisor job) are the same value, so the per-container value
    // is their max, never their sum. Network is per pod and interface (max by interface already); ready counts too.
    const queries: PlannedQuery[] = [
      { metrics: ['cpu_usage'], estimate: unitsC, promql: acrossPods(`max by (namespace, pod, container) (rate(${N.cpu}{${cSel}}[${w}]))`, ', container'), fold: containerFold((c) => c.cpu) },
      {
        metrics: ['cpu_throttling_ratio'], estimate: 2 * unitsC,
        // Numerator and denominator in one query, told apart by a label: the ratio is of sums across pods.
        promql: `label_replace(${sumBy(`max by (namespace, pod, container) (rate(${N.cpuThrottledPeriods}{${cSel}}[${w}]))`, ', container')}, "mora_part", "num", "", "")`
          + ` or label_replace(${sumBy(`max by (namespace, pod, container) (rate(${N.cpuPeriods}{${cSel}}[${w}]))`, ', container')}, "mora_part", "den", "", "")`,
        fold: (labels, values) => {
          const c = labels.container === undefined ? undefined : accOf(labels)?.containers.get(labels.container);
          if (!c) return;
          const a = labels.mora_part === 'num' ? c.thrNum : labels.mora_part === 'den' ? c.thrDen : undefined;
          if (a) place(values, (i, v) => addAt(a, i, v));
        },
      },
      { metrics: ['memory_working_set'], estimate: unitsC, promql: acrossPods(`max by (namespace, pod, container) (${peak(`${N.memoryWorkingSet}{${cSel}}`)})`, ', container'), fold: containerFold((c) => c.wss) },
      { metrics: ['memory_rss'], estimate: unitsC, promql: acrossPods(`max by (namespace, pod, container) (${peak(`${N.memoryRss}{${cSel}}`)})`, ', container'), fold: containerFold((c) => c.rss) },
      { metrics: ['network_rx'], estimate: unitsP, promql: acrossPods(`sum by (namespace, pod) (max by (namespace, pod, interface) (rate(${N.networkRx}{${sel}}[${w}])))`), fold: podFold((a) => a.rx) },
      { metrics: ['network_tx'], estimate: unitsP, promql: acrossPods(`sum by (namespace, pod) (max by (namespace, pod, interface) (rate(${N.networkTx}{${sel}}[${w}])))`), fold: podFold((a) => a.tx) },
    ];
    if (!shared) {
      // Application series scraped twice (two jobs, an HA pair) are read once before they are summed (queries.ts
      // dedupeScrapes); every series here carries a pod label, so instance is a scrape label too.
      const once = (v: string) => dedupeScrapes(v, true);
      queries.push(
        { metrics: ['request_rate'], estimate: unitsP, promql: sumBy(once(`rate(${N.requests}{${sel}}[${w}])`)), fold: podSum((a) => a.req) },
        { metrics: ['error_rate'], estimate: unitsP, promql: sumBy(once(`rate(${N.requests}{${sel},${status}}[${w}])`)), fold: podSum((a) => a.err) },
        {
          metrics: LATENCY.map(([m]) => m), estimate: 12 * unitsP, promql: sumBy(once(`rate(${N.durationBucket}{${sel}}[${w}])`), ', le'),
          fold: (labels, values) => {
            const acc = accOf(labels);
            if (!acc || labels.le === undefined) return;
            let a = acc.buckets.get(labels.le);
            if (!a) acc.buckets.set(labels.le, (a = nanArray(n)));
            const arr = a;
            place(values, (i, v) => addAt(arr, i, v));
          },
        },
      );
    }
    // Ready replicas: per controller from kube-state-metrics, per pod for the other kinds — one query.
    const members = batch.members.map((i) => workloads[i]);
    const named = batch.podSel === ns ? () => '' : (label: string, kind: WorkloadKind) =>
      `,${label}=~${promString(members.filter((x) => x.kind === kind).map((x) => reEscape(x.name)).join('|'))}`;
    const ready: string[] = [];
    const kinds = new Set(members.map((x) => x.kind));
    if (kinds.has('Deployment')) ready.push(`max by (namespace, deployment) (kube_deployment_status_replicas_ready{${ns}${named('deployment', 'Deployment')}})`);
    if (kinds.has('StatefulSet')) ready.push(`max by (namespace, statefulset) (kube_statefulset_status_replicas_ready{${ns}${named('statefulset', 'StatefulSet')}})`);
    if (kinds.has('DaemonSet')) ready.push(`max by (namespace, daemonset) (kube_daemonset_status_number_ready{${ns}${named('daemonset', 'DaemonSet')}})`);
    if (members.some((x) => x.kind !== 'Deployment' && x.kind !== 'StatefulSet' && x.kind !== 'DaemonSet')) {
      ready.push(sumBy(`max by (namespace, pod) (kube_pod_status_ready{${sel},condition="true"})`));
    }
    const byKey = new Map(batch.members.map((i) => [`${workloads[i].kind}/${workloads[i].name}`, accs.get(i)!]));
    if (ready.length) {
      queries.push({
        metrics: ['ready_replicas'], estimate: members.length + (ready[ready.length - 1].includes('kube_pod_status_ready') ? unitsP : 0), promql: ready.join(' or '),
        fold: (labels, values) => {
          let acc: WorkloadAcc | undefined;
          if (labels.deployment !== undefined) acc = byKey.get(`Deployment/${labels.deployment}`);
          else if (labels.statefulset !== undefined) acc = byKey.get(`StatefulSet/${labels.statefulset}`);
          else if (labels.daemonset !== undefined) acc = byKey.get(`DaemonSet/${labels.daemonset}`);
          else {
            acc = accOf(labels);
            if (acc && (acc.w.kind === 'Deployment' || acc.w.kind === 'StatefulSet' || acc.w.kind === 'DaemonSet')) acc = undefined;
          }
          if (acc) { const a = acc.ready; place(values, (i, v) => addAt(a, i, v)); }
        },
      });
    }

    const rejected = new Map<MetricName, PrometheusError>();
    await Promise.all(queries.map(async (q) => {
      count(q.metrics);
      if (stats) stats.queries++;
      try {
        await streamRange(client, q.promql, t0, tEnd, step, { estimate: Math.max(1, q.estimate), pods: cap ? 0 : batch.pods }, options, (matrix) => {
          for (const r of matrix) q.fold(r.metric, r);
        }, batchWarnings);
      } catch (e) {
        if (e instanceof PrometheusError && e.kind === 'query') for (const m of q.metrics) rejected.set(m, e);
        else throw e;
      }
    }));

    for (const i of batch.members) {
      const acc = accs.get(i)!;
      accs.delete(i);
      yield finish(acc, grid, cfg, namespace, range.step, rejected, shared, [...new Set([...warnings, ...batchWarnings])], oom && (oom.get(i) ?? new Map()));
    }
  }
  if (stats) {
    // Pod mode counts pods as it maps them; workload mode's pods are the owner chain's, mapped by Prometheus.
    stats.podsByOwner += resolver.podsByOwner + batches.reduce((s, b) => s + (b.capture ? b.pods : 0), 0);
    stats.podsByPattern += resolver.podsByPattern;
  }
}

/**
 * A warning when the same pod is answered under several values of the `cluster` label (several clusters in one
 * Prometheus, no --prometheus-matchers): their series are mixed (the max of duplicates, the sum of rates), right for
 * none. Names the label, its values and how to pick one; undefined when every pod has at most one cluster.
 */
export function clusterSplit(labels: ReadonlyArray<Record<string, string>>): string | undefined {
  const byPod = new Map<string, Set<string>>();
  for (const l of labels) {
    if (l.pod === undefined || !l.cluster) continue;
    let set = byPod.get(l.pod);
    if (!set) byPod.set(l.pod, (set = new Set()));
    set.add(l.cluster);
  }
  const values = new Set<string>();
  let splitPods = 0;
  for (const set of byPod.values()) {
    if (set.size < 2) continue;
    splitPods++;
    for (const v of set) values.add(v);
  }
  if (splitPods === 0) return undefined;
  const sorted = [...values].sort();
  return `${splitPods} pod name(s) are in ${sorted.length} ${CLUSTER_MIX}${sorted.join(', ')}): `
    + `their series are mixed, right for none — pick one with --prometheus-matchers 'cluster="${sorted[0]}"'`;
}

/** Start of the warning when the owner lookup is refused (pods are then matched by name). */
export const OWNER_LOOKUP_FAILED = 'owner lookup failed, pods matched by name: ';
/** Start of the warning when the OOM-kill query is refused. */
export const OOM_NOT_READ = 'OOM kills not read: ';

/** The part of MOrA's warning that pods of one name are in several clusters of the Prometheus (their series mixed). */
export const CLUSTER_MIX = 'clusters of this Prometheus (label cluster: ';

/**
 * What a server says when an answer may lack data: a Thanos/Cortex/Mimir partial response (a store, querier or replica
 * that did not answer, an rpc error or deadline on the way) or a limit that cut the answer short (series, samples,
 * chunks, bytes: "limit", "exceeded", "truncated", "too many", "dropped").
 */
const INCOMPLETE_DATA = /partial|store|replica|ingester|unavailable|unreachable|rpc error|deadline|time(?:d)? ?out|failed to (?:fetch|receive|query|read)|could not (?:fetch|receive|query|read)|limit|exceeded|truncat|too many|dropped/i;
/** Prometheus' annotations on the query itself (PromQL info / warning: a malformed `le`, a counter not named _total): the data was read whole. */
const PROMQL_ANNOTATION = /^PromQL (?:info|warning):/i;

/**
 * Whether a frame's warning says its usage data may be incomplete or wrong, so the values read with it deserve less
 * confidence (src/pipeline/recommend.ts markPartialData): only a server's partial response or a limit hit
 * (INCOMPLETE_DATA), and MOrA's own "pods in several clusters: series mixed". Not a PromQL annotation on a query (a
 * malformed `le` on the latency query: the usage was read whole), nor MOrA's notes on an extra it could not read (the
 * OOM history, the owner lookup), nor a warning of a kind it does not know.
 */
export function lowersConfidence(warning: string): boolean {
  if (warning.includes(CLUSTER_MIX)) return true;
  if (warning === OOM_MISSING || warning.startsWith(OOM_NOT_READ) || warning.startsWith(OWNER_LOOKUP_FAILED)) return false;
  if (PROMQL_ANNOTATION.test(warning.trim())) return false;
  return INCOMPLETE_DATA.test(warning);
}

/** Step (and increase window) of the OOM-kill query: a kill is dated to the end of the hour it happened in. */
export const OOM_STEP = 3600;
/** Warning when no OOM series exist: memory is then sized without OOM history (once per run: the text names no namespace). */
export const OOM_MISSING = 'OOM kills not read: neither kube-state-metrics\' kube_pod_container_status_restarts_total nor cAdvisor\'s '
  + 'container_oom_events_total has series — memory is sized without OOM history (is kube-state-metrics scraped?)';

/**
 * The PromQL of a namespace's OOM kills per container and hour: kube-state-metrics' restarts in the hour whose last
 * termination reason at the hour's end is OOMKilled (the reason at the end, not at any time in the hour: a later exit of
 * another kind replaces it, and must not count), or else cAdvisor's container_oom_events_total (when its OOM events are
 * exported). A counter's rise in the hour is its value minus its value an hour before (not increase(): windows that
 * do not overlap lose the rise between one window's last sample and the next one's first; these differences add up to
 * the whole rise); a container first seen in the hour counts from 0. Points are only where kills happened (`> 0`), so
 * the answer is as small as the kills are few.
 */
export function oomKillsQuery(nsSel: string, containerSel: string): string {
  const h = `${OOM_STEP}s`;
  const rise = (m: string) => `((${m} - ${m} offset ${h}) > 0 or (${m} > 0 unless ${m} offset ${h}))`;
  const ksm = `max by (namespace, pod, container) (${rise(`kube_pod_container_status_restarts_total{${nsSel}}`)}`
    + ` and on (namespace, pod, container) (max by (namespace, pod, container) (kube_pod_container_status_last_terminated_reason{${nsSel},reason="OOMKilled"}) == 1))`;
  const cadvisor = `max by (namespace, pod, container) (${rise(`container_oom_events_total{${nsSel},${containerSel}}`)})`;
  // A 0 series labelled mora_oom="seen" wherever either source has series: "no kills" told apart from "cannot tell", in the same query.
  const seen = `label_replace(0 * (count(kube_pod_container_status_restarts_total{${nsSel}}) or count(container_oom_events_total{${nsSel},${containerSel}})), "mora_oom", "seen", "", "")`;
  return `${ksm} or ${cadvisor} or ${seen}`;
}

/**
 * Turns the OOM query's answer into kill timestamps by workload index and container (pods mapped as the other metrics
 * are): a point of v kills (increase() extrapolates: rounded, at least one) at its time, kept only within [t0, tEnd].
 */
export function mapOomKills(matrix: ReadonlyArray<{ metric: Record<string, string>; t: ArrayLike<number>; v: ArrayLike<number> }>,
  workloads: readonly Workload[], resolver: PodResolver, t0: number, tEnd: number): Map<number, Map<string, number[]>> {
  const out = new Map<number, Map<string, number[]>>();
  for (const r of matrix) {
    const { pod, container } = r.metric;
    if (pod === undefined || container === undefined) continue;
    const i = resolver.resolve(pod);
    if (i < 0 || !workloads[i].containers.some((c) => c.name === container)) continue;
    let byContainer = out.get(i);
    if (!byContainer) out.set(i, (byContainer = new Map()));
    let kills = byContainer.get(container);
    if (!kills) byContainer.set(container, (kills = []));
    for (let k = 0; k < r.t.length; k++) {
      const t = r.t[k];
      if (!(t >= t0 && t <= tEnd) || !(r.v[k] > 0)) continue;
      for (let j = Math.max(1, Math.round(r.v[k])); j > 0; j--) kills.push(t);
    }
  }
  for (const byContainer of out.values()) for (const kills of byContainer.values()) kills.sort((a, b) => a - b);
  return out;
}

/**
 * The namespace's OOM kills, or undefined when they cannot be known (no OOM series at all, the query refused): then a
 * warning says so and the run goes on, sizing memory without them. Points end at tEnd, one hour apart.
 */
async function oomKillsOf(client: PrometheusClient, nsSel: string, containerSel: string, workloads: readonly Workload[], resolver: PodResolver,
  t0: number, tEnd: number, options: BatchPlanOptions, warnings: Set<string>): Promise<Map<number, Map<string, number[]>> | undefined> {
  const stats = options.stats;
  const matrix = await oomMatrix(async (promql, start) => {
    const out: Matrix = [];
    if (stats) stats.queries++;
    await streamRange(client, promql, start, tEnd, OOM_STEP, { estimate: 1, pods: 0 }, options, (m) => { out.push(...m); }, warnings);
    return out;
  }, nsSel, containerSel, t0, tEnd, warnings);
  return matrix && mapOomKills(matrix, workloads, resolver, t0, tEnd);
}

/**
 * The OOM query's answer over [t0, tEnd] (points end at tEnd, one hour apart), read by `read`; undefined, with a
 * warning, when the kills cannot be known (no OOM series at all, the query refused). Other errors are thrown.
 */
async function oomMatrix(read: (promql: string, start: number) => Promise<Matrix>, nsSel: string, containerSel: string,
  t0: number, tEnd: number, warnings: Set<string>): Promise<Matrix | undefined> {
  const start = tEnd - Math.max(0, Math.floor((tEnd - t0) / OOM_STEP)) * OOM_STEP;
  try {
    const matrix = await read(oomKillsQuery(nsSel, containerSel), start);
    if (!matrix.some((r) => r.metric.mora_oom === 'seen')) {
      warnings.add(OOM_MISSING);
      return undefined;
    }
    return matrix;
  } catch (e) {
    if (e instanceof PrometheusError && e.kind === 'query') {
      warnings.add(`${OOM_NOT_READ}${e.message}`);
      return undefined;
    }
    throw e;
  }
}

/**
 * One container's OOM kills for the per-workload plan (ClusterDataSource.metrics(): the forecast view, one workload's
 * recommend and forecast), so a workload is sized from the same kills whichever plan read it: the batched plan's query
 * (the namespace's, as is), its mapping (the workload's pods by name, as the per-workload plan's other queries select
 * them) and its failure handling (no OOM series, a refused query: `oomKills` undefined and a warning). Over the grid
 * fetchFrame lays on `range`; without `target.container`, the kills of every container, merged.
 */
export async function workloadOomKills(client: PrometheusClient, target: QueryTarget, range: TimeRange, signal?: AbortSignal): Promise<{ oomKills?: number[]; warnings: string[] }> {
  const { t } = frameGrid(range, client.maxPoints);
  const warnings = new Set<string>();
  if (t.length === 0) return { warnings: [] };
  const t0 = t[0];
  const tEnd = t[t.length - 1];
  const matrix = await oomMatrix(async (promql, start) => {
    const r = await client.queryRange(promql, start, tEnd, OOM_STEP, { signal });
    r.warnings.forEach((x) => warnings.add(x));
    return r.series.map((x) => ({ metric: x.labels, t: x.t, v: x.v }));
  }, `namespace=${promString(target.namespace)}`, 'container!="",container!="POD"', t0, tEnd, warnings);
  if (!matrix) return { warnings: [...warnings] };
  const names = target.container !== undefined ? [target.container] : [...new Set(matrix.map((r) => r.metric.container).filter((c): c is string => !!c))];
  const workload: Workload = { context: '', namespace: target.namespace, kind: target.kind, name: target.name, replicas: 0, containers: names.map((name) => ({ name, resources: { requests: {}, limits: {} } })) };
  const byContainer = mapOomKills(matrix, [workload], new PodResolver([workload], undefined), t0, tEnd).get(0);
  const oomKills = [...byContainer?.values() ?? []].flat().sort((a, b) => a - b);
  return { oomKills, warnings: [...warnings] };
}

/**
 * Fetches [t0, tEnd] in time chunks of bounded size, folding each as it arrives. The first chunk is sized by the
 * estimate; later ones by the series per pod that came back, scaled to every pod of the batch (pods that appear later
 * in the range, after a rollout, are already counted), and never below the most series seen.
 */
async function streamRange(client: PrometheusClient, promql: string, t0: number, tEnd: number, step: number, size: { estimate: number; pods: number },
  options: BatchPlanOptions, onMatrix: (m: Matrix) => void, warnings: Set<string>): Promise<void> {
  const budget = options.maxSamplesPerRequest ?? 250_000;
  const maxPoints = Math.min(options.maxChunkPoints ?? 5_000, client.maxPoints);
  const stats = options.stats;
  let series = size.estimate;
  let observed = 0;
  for (let s = t0; s <= tEnd;) {
    const per = Math.max(1, Math.min(maxPoints, Math.floor(budget / Math.max(1, series))));
    const e = Math.min(tEnd, s + (per - 1) * step);
    // Refused as too large (more samples loaded than Prometheus' --query.max-samples, a Mimir chunk limit): read again
    // in halves of this chunk (client.rangeRequest); each part is folded as the chunk would have been.
    const bodies: ApiBody[] = await client.rangeRequest(promql, s, e, step, { signal: options.signal, parse: parseRangeAnswer });
    let most = 0;
    const pods = new Set<string>();
    for (const body of bodies) {
      if (stats) stats.requests++;
      body.warnings?.forEach((x) => warnings.add(x));
      const data = body.data;
      if (data?.resultType !== 'matrix' || !Array.isArray(data.result)) {
        throw new PrometheusError(`Prometheus at ${client.displayUrl} answered a range query with "${data?.resultType}" instead of a matrix`, 'bad-response');
      }
      const matrix = (data.result as Parameters<typeof toSamples>[0][]).map(toSamples);
      if (stats) {
        let samples = 0;
        for (const r of matrix) samples += r.t.length;
        stats.maxSamplesPerResponse = Math.max(stats.maxSamplesPerResponse, samples);
      }
      onMatrix(matrix);
      most = Math.max(most, matrix.length);
      for (const r of matrix) if (r.metric.pod !== undefined) pods.add(r.metric.pod);
    }
    observed = Math.max(observed, most);
    if (pods.size > 0 && size.pods > 0) series = Math.max(observed, Math.ceil((most / pods.size) * Math.max(size.pods, pods.size)));
    else if (observed > 0) series = Math.max(observed, Math.min(series, size.estimate));
    s = e + step;
  }
}

function finish(acc: WorkloadAcc, grid: Grid, cfg: QueryConfig, namespace: string, rangeStep: number, rejected: Map<MetricName, PrometheusError>,
  shared: Map<MetricName, Float64Array | PrometheusError> | undefined, warnings: string[], oomKills?: Map<string, number[]>): BatchedWorkload {
  const n = grid.t.length;
  const wl = acc.w;
  // Workload-level metrics, computed once and copied into each container's frame.
  const common = new Map<MetricName, Float64Array>();
  common.set('network_rx', finishAgg(acc.rx));
  common.set('network_tx', finishAgg(acc.tx));
  if (shared) {
    for (const [m, v] of shared) if (!(v instanceof PrometheusError)) common.set(m, v);
  } else {
    common.set('request_rate', finite(acc.req));
    // `errors or 0 * total`: no 5xx series at a time the workload served requests is an error rate of 0, not a gap.
    const err = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const e = acc.err[i];
      const r = acc.req[i];
      const v = !Number.isNaN(e) ? e : !Number.isNaN(r) ? 0 * r : NaN;
      err[i] = Number.isFinite(v) ? v : NaN;
    }
    common.set('error_rate', err);
    const les = [...acc.buckets.entries()].map(([le, v]) => ({ bound: parseLe(le), v })).filter((b) => !Number.isNaN(b.bound));
    const lat = LATENCY.map(() => new Float64Array(n).fill(NaN));
    if (les.length) {
      for (let i = 0; i < n; i++) {
        const present = les.filter((b) => !Number.isNaN(b.v[i]));
        if (!present.length) continue;
        LATENCY.forEach(([, q], k) => {
          const buckets: Bucket[] = present.map((b) => ({ upperBound: b.bound, count: b.v[i] }));
          const v = bucketQuantile(q, buckets);
          lat[k][i] = Number.isFinite(v) ? v : NaN;
        });
      }
    }
    LATENCY.forEach(([m], k) => common.set(m, lat[k]));
  }
  common.set('ready_replicas', finite(acc.ready));

  const containers = new Map<string, FetchedFrame>();
  let first = true;
  for (const spec of wl.containers) {
    const c = acc.containers.get(spec.name)!;
    const own = new Map<MetricName, Float64Array>();
    own.set('cpu_usage', finishAgg(c.cpu));
    const thr = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = c.thrNum[i] / c.thrDen[i];
      thr[i] = Number.isFinite(v) ? v : NaN;
    }
    own.set('cpu_throttling_ratio', thr);
    own.set('memory_working_set', finishAgg(c.wss));
    own.set('memory_rss', finishAgg(c.rss));
    const values: MetricFrame['values'] = {};
    const missing: MetricQuery[] = [];
    for (const q of metricQueries({ namespace, kind: wl.kind, name: wl.name, container: spec.name }, cfg, rangeStep, grid.step)) {
      const bad = rejected.get(q.metric) ?? (shared?.get(q.metric) instanceof PrometheusError ? shared.get(q.metric) as PrometheusError : undefined);
      if (bad) { missing.push({ ...q, hint: bad.message, rejected: true }); continue; }
      let v = own.get(q.metric) ?? common.get(q.metric);
      if (v && v.some((x) => !Number.isNaN(x))) {
        // Containers of one workload share its workload-level series; each frame gets its own copy.
        if (!own.has(q.metric) && !first) v = v.slice();
        values[q.metric] = v;
      } else missing.push(q);
    }
    const kills = oomKills && { oomKills: oomKills.get(spec.name) ?? [] };
    containers.set(spec.name, { frame: { t: first ? grid.t : grid.t.slice(), step: grid.step, values, ...kills }, missing, warnings });
    first = false;
  }
  return { workload: wl, containers };
}
