/**
 * `mora recommend --in-cluster`: one shard of MOrA's in-cluster recommender, as an Indexed Job's pod runs it. It takes
 * the namespaces whose stable hash mod N is its index (vpa-shard.ts; the index from --shard-index or
 * JOB_COMPLETION_INDEX, N from --shards or MORA_SHARDS), finds there the VerticalPodAutoscalers that name MOrA as
 * their recommender, recommends their target workloads with the same pipeline and policy as `mora recommend`, writes
 * each VPA's status (vpa-status.ts) and exits. Other VPAs are never written. A shard rerun (the Job controller retries
 * a failed pod) redoes exactly its own namespaces and writes the same status.
 *
 * With --create-vpas (opt-in), it first creates an `updateMode: "Off"` MOrA VPA for each workload that has none, in its
 * namespaces labelled mora.dev/create-vpa=true (vpa-create.ts), and writes their status in the same run; with
 * --dry-run it only prints what it would create and writes nothing.
 *
 * --dry-run (with or without --create-vpas) reads and recommends as usual and writes nothing: no status, no VPA, no
 * shared-model ConfigMap, no metrics; each VPA's outcome is `would-write` (or `no-recommendation`) with the `status` it
 * would get.
 *
 * stdout: one JSON summary (shard, namespaces, per-VPA outcome, writes, seconds). Exit 0 when every MOrA VPA of the
 * shard got a status (a recommendation, or RecommendationProvided False with the reason: NoMetrics only when Prometheus
 * answered with no data); 1 when a write or a create failed (the Job retries the shard); a workload whose metrics
 * Prometheus failed to give (5xx, timeout, unreachable part-way) leaves its VPA's status as it was and exits 3 (1 for a
 * non-transient Prometheus error); 2 bad flags, or --create-vpas without the permission to create, or to list a kind
 * of workload in an opted-in namespace; 3 unreachable or a transient API answer (5xx, 429): retried by the Job, whose
 * podFailurePolicy fails an index at once only on exit 2.
 */
import type { Workload } from '../../core/workload';
import type { DataSource } from '../../data/datasource';
import { shardFromEnv, shardNamespaces, type ShardSpec } from '../../data/kube/vpa-shard';
import { vpasToCreate, CREATE_VPA_SELECTOR, type VpaToCreate } from '../../data/kube/vpa-create';
import { isMoraVpa, mentionsMora, vpaStatusFor, vpaStatusWithout, vpaTarget, type VpaObject } from '../../data/kube/vpa-status';
import { UserError, EXIT_UNREACHABLE, EXIT_USAGE } from '../errors';
import { forTerminal } from '../format/terminal';
import { redactOutput, redactSecrets, replaceSecrets, stripUserinfo } from '../../core/redact';
import { InClusterMetrics, checkPushgatewayUrl, countingFetch, modelErrorsOf } from '../../data/kube/in-cluster-metrics';
import { connectTimeoutOption } from './connect-timeout';
import { prometheusHeaderSecrets, prometheusQueryOptions } from './prometheus-options';
import { prometheusTimeoutOption } from './prometheus-timeout';
import { onlyContexts, recommendModel, recommendPolicy, type RecommendCliOptions } from './recommend';

export interface InClusterCliOptions extends RecommendCliOptions {
  inCluster?: boolean;
  shardIndex?: string;
  shards?: string;
  /** Self-metrics (in-cluster-metrics.ts): push to this Pushgateway, and/or write OpenMetrics text to this file ('-': stderr). */
  pushgateway?: string;
  metricsFile?: string;
  /** Create updateMode Off MOrA VPAs for workloads without one, in namespaces labelled mora.dev/create-vpa=true. */
  createVpas?: boolean;
  /** Status writes in flight at once (default $MORA_WRITE_CONCURRENCY, else DEFAULT_WRITE_CONCURRENCY). */
  writeConcurrency?: string;
}

/**
 * Status writes in flight per shard. One at a time, a shard of 10,000 VPAs spent 222 of 353 s waiting on the API
 * server (docs/BENCHMARKS.md); 16 keeps well inside kube-apiserver's default 200 mutating requests in flight even with
 * 8 shards at once, and a 429 is waited out (vpa-writer.ts).
 */
export const DEFAULT_WRITE_CONCURRENCY = 16;

/** --write-concurrency, else $MORA_WRITE_CONCURRENCY, else the default: an integer 1…256. */
export function writeConcurrencyFrom(flag: string | undefined, env: NodeJS.ProcessEnv): number {
  const raw = flag ?? (env.MORA_WRITE_CONCURRENCY?.trim() || undefined);
  if (raw === undefined) return DEFAULT_WRITE_CONCURRENCY;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 1 || n > 256) {
    throw new UserError(`${flag !== undefined ? '--write-concurrency' : 'MORA_WRITE_CONCURRENCY'} must be an integer from 1 to 256 (status writes in flight at once), got "${raw}"`);
  }
  return n;
}

/** Workloads --create-vpas could not list: one kind of a namespace, or (no kind) all of it. */
export interface NotListed {
  namespace: string;
  kind?: string;
  reason: string;
}

/** A VPA MOrA meant to create (--create-vpas). */
export interface CreatedVpa {
  namespace: string;
  name: string;
  target: string;
  /** would-create: --dry-run; created; exists: already there (a rerun, a race); taken: the name holds a VPA for something else; failed. */
  outcome: 'would-create' | 'created' | 'exists' | 'taken' | 'failed';
  reason?: string;
}

export interface VpaOutcome {
  namespace: string;
  name: string;
  target?: string;
  /**
   * written: a new status; unchanged: already that status; no-recommendation: RecommendationProvided False; failed: the
   * write failed; gone: the VPA was deleted during the run (404 on its status: skipped, not a failure).
   */
  outcome: 'written' | 'unchanged' | 'no-recommendation' | 'failed' | 'gone' | 'would-write';
  reason?: string;
  /** --dry-run: the status the VPA would get (recommendation and conditions), not written. */
  status?: import('../../data/kube/vpa-status').VpaStatus;
}

export interface ShardSummary {
  shard: ShardSpec;
  context: string;
  /** The shard's namespaces (all of them, with or without MOrA VPAs). */
  namespaces: string[];
  vpas: VpaOutcome[];
  /** VPAs seen in the shard's namespaces that name another recommender (left alone), those listing MOrA among others included. */
  othersLeftAlone: number;
  /** Of those, the VPAs (`namespace/name`) that list MOrA beside other recommenders: left alone, with a warning; absent when none. */
  mixedRecommenders?: string[];
  /** Status writes sent to the API server. */
  writes: number;
  /** Of those, answered 429 Too Many Requests (waited for and sent again); absent when none. */
  throttled?: number;
  /** With --create-vpas: the VPAs it meant to create, and the create calls sent. */
  created?: CreatedVpa[];
  creates?: number;
  /**
   * With --create-vpas, when some workloads of an opted-in namespace could not be listed (RBAC refuses `list` on a kind,
   * or the API server answered 5xx/429): per namespace and kind (no kind: the whole namespace), the cause. Their VPAs
   * were not planned; the other kinds' were; the shard exits 2 (RBAC) or 3 (transient).
   */
  notListed?: NotListed[];
  /** With --dry-run: nothing was written (no VPA created, no status, no metrics pushed or written); `vpas` carry the would-be statuses. */
  dryRun?: true;
  /** With -m fused|lstm: the shared global LSTM (trained here, reused, or unavailable: fallback). */
  globalModel?: import('./in-cluster-global-model').GlobalModelReport;
  seconds: number;
}

/** The password of a URL's userinfo, as written and decoded (to take out of error texts). */
function urlSecrets(url: string): string[] {
  try {
    const { password } = new URL(url);
    return password ? [password, decodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}

const key = (ns: string, kind: string, name: string) => `${ns}/${kind}/${name}`;

/**
 * A status write that failed: a VPA deleted since it was listed (404) is skipped; RBAC refusing the patch (403: the
 * rule is named in the message) exits 2 at once, as a retry cannot help; transient answers 3; the rest 1 (retried).
 */
export function statusWriteFailure(e: unknown): { outcome: 'gone' } | { outcome: 'failed'; exitCode: number } {
  return (e as { kind?: string }).kind === 'not-found' ? { outcome: 'gone' } : { outcome: 'failed', exitCode: exitCodeOf(e) };
}

/**
 * Why Prometheus did not give a workload's frames, when it is not "no data": a PrometheusError of any kind but `empty`
 * (unreachable, timeout, an HTTP error, a rejected query, an answer that is not Prometheus'). Undefined for `empty` and
 * for MOrA's own "no such container" errors: those are NoMetrics. `short` is what a VPA reader may see (nothing of the
 * server's text); the exit is 3 for what a retry may cure (unreachable, timeout, 5xx, 429), else 1.
 */
export function prometheusFailure(e: unknown): { short: string; exitCode: number } | undefined {
  const err = e as { name?: string; kind?: string; status?: number } | undefined;
  if (err?.name !== 'PrometheusError' || err.kind === 'empty') return undefined;
  const transient = err.kind === 'unreachable' || err.kind === 'timeout' || (err.kind === 'http' && (err.status === undefined || err.status >= 500 || err.status === 429));
  const short = err.kind === 'unreachable' ? 'Prometheus unreachable' : err.kind === 'timeout' ? 'Prometheus timed out'
    : err.kind === 'http' && err.status !== undefined ? `Prometheus answered HTTP ${err.status}` : `Prometheus error (${err.kind})`;
  return { short, exitCode: transient ? EXIT_UNREACHABLE : 1 };
}

/** The condition message of NoMetrics: fixed text (the Prometheus error, with its query and URL, stays in the shard's log). */
export const NO_METRICS_MESSAGE = 'Prometheus has no usage samples for the target\'s containers (the recommender\'s log says which query)';

/** The exit a failed VPA asks for: 2 for RBAC (a retry cannot help; the Job fails the index), 3 transient, else 1. */
function exitCodeOf(e: unknown): number {
  const kind = (e as { kind?: string }).kind;
  return kind === 'forbidden' ? EXIT_USAGE : kind === 'unreachable' ? EXIT_UNREACHABLE : 1;
}

/**
 * The shard run, with its self-metrics emitted at the end whatever the outcome (a Job pod is gone right after): pushed
 * to `--pushgateway` / $MORA_PUSHGATEWAY_URL and/or written to `--metrics-file`. Failing to emit is logged, never a
 * failed shard (the Job would redo the shard's writes for it).
 */
export async function inClusterCommand(opts: InClusterCliOptions, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const pushgateway = opts.pushgateway ?? (env.MORA_PUSHGATEWAY_URL?.trim() || undefined);
  if (pushgateway !== undefined) {
    try { checkPushgatewayUrl(pushgateway); } catch (e) { throw new UserError((e as Error).message); }
  }
  // --metrics-file is a path the user gave: its folder must exist, as for every output path (README § Exit codes). A
  // missing one is a bad flag, refused before the shard asks or writes anything (exit 2), not a folder created.
  if (opts.metricsFile !== undefined && opts.metricsFile !== '-') {
    const { checkWritable } = require('../../core/atomic-write') as typeof import('../../core/atomic-write');
    const { writeError } = require('../format/write') as typeof import('../format/write');
    try {
      checkWritable(opts.metricsFile, { createParents: false });
    } catch (e) {
      // Another problem (permissions, a read-only file system) stays what it was: a warning when the run ends.
      if ((e as { missingDirectory?: string }).missingDirectory !== undefined) throw writeError(`--metrics-file ${opts.metricsFile}`, e);
    }
  }
  const metrics = new InClusterMetrics();
  let ok = false;
  // A dry run writes nothing anywhere, its metrics included (a push would count as the shard's last success).
  if (opts.dryRun) return await withoutHeaderValues(runShard(opts, env, metrics), opts);
  try {
    const out = await withoutHeaderValues(runShard(opts, env, metrics), opts);
    ok = true;
    return out;
  } finally {
    // Flags too bad to know the shard: nothing to label the metrics with, and the Job fails that index at once.
    if (metrics.shard) {
      metrics.finish(ok);
      const warn = (line: string) => process.stderr.write(`${forTerminal(line)}\n`);
      // The URL may carry basic-auth credentials (user:password@): never in a log line, nor in the error's text.
      if (pushgateway) await metrics.push(pushgateway).catch((e: unknown) => warn(`mora: could not push the run's metrics to ${stripUserinfo(pushgateway)}: ${redactSecrets((e as Error).message, urlSecrets(pushgateway))}`));
      if (opts.metricsFile) {
        const text = await metrics.openMetrics();
        if (opts.metricsFile === '-') process.stderr.write(text);
        else {
          const { writeUserFile } = require('../format/write') as typeof import('../format/write');
          // Its folder was there at the start; one removed since is not created either.
          try { writeUserFile(opts.metricsFile, text); } catch (e) { warn(`mora: could not write the run's metrics: ${(e as Error).message}`); }
        }
      }
    }
  }
}

/**
 * The shard's output and error (message, and the summary it carries) without the credentials of --prometheus-header
 * (tenant ids are not secrets: headers.ts), whatever a server echoed into a reason. In the JSON summary only the free
 * text (reasons, messages, URLs) is redacted: names, namespaces and numbers stay, and the summary stays valid JSON.
 */
async function withoutHeaderValues(run: Promise<string>, opts: InClusterCliOptions): Promise<string> {
  const secrets = prometheusHeaderSecrets(opts);
  try {
    return redactOutput(await run, secrets);
  } catch (e) {
    if (secrets.length && e instanceof Error) {
      e.message = replaceSecrets(e.message, secrets);
      const carried = e as Error & { output?: unknown };
      if (typeof carried.output === 'string') carried.output = redactOutput(carried.output, secrets);
    }
    throw e;
  }
}

async function runShard(opts: InClusterCliOptions, env: NodeJS.ProcessEnv, metrics: InClusterMetrics): Promise<string> {
  const t0 = Date.now();
  let shard: ShardSpec;
  try {
    shard = shardFromEnv({ shardIndex: opts.shardIndex, shards: opts.shards }, env);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  metrics.setShard(shard);
  if (opts.applyTo || opts.applyCluster || opts.report) throw new UserError('--in-cluster writes VPA status only: --apply-to, --apply-cluster and --report do not combine with it');
  // A shard's scope is its namespaces' MOrA VPAs; -n / -w would be silently ignored (a narrowed run is `mora recommend`).
  if (opts.namespace !== undefined || opts.workload !== undefined) {
    throw new UserError(`--in-cluster recommends the MOrA VPAs of its shard's namespaces: ${opts.namespace !== undefined ? '-n/--namespace' : '-w/--workload'} does not combine with it (for one namespace or workload, run mora recommend --source cluster)`);
  }
  const writeConcurrency = writeConcurrencyFrom(opts.writeConcurrency, env);
  const connectTimeoutMs = connectTimeoutOption(opts.connectTimeout);
  // --prometheus-matchers / --prometheus-header, checked as `mora recommend` checks them; the same on a given URL and a discovered one.
  const { prometheusMatchers, prometheusHeaders } = prometheusQueryOptions(opts);
  const headerValues = prometheusHeaderSecrets(opts);
  // --prometheus-timeout, else $MORA_PROMETHEUS_TIMEOUT (the Job's settings), else 30 s: on a given URL and a discovered one.
  const { timeoutMs: prometheusTimeoutMs, timeoutHint: prometheusTimeoutHint } = prometheusTimeoutOption(opts.prometheusTimeout, env);
  const policy = recommendPolicy(opts);
  // -m and --set, checked as mora recommend checks them (recommend.ts recommendModel): a bad option is exit 2 before any read.
  const { model, modelOptions } = recommendModel(opts);

  const { VpaWriter } = require('../../data/kube/vpa-writer') as typeof import('../../data/kube/vpa-writer');
  const { ClusterDataSource } = require('../../data/cluster') as typeof import('../../data/cluster');
  // No kubeconfig, or one that cannot be read: bad input, one line.
  const kubeconfigError = (e: unknown): unknown => {
    const kind = (e as { kind?: string }).kind;
    return kind === 'no-kubeconfig' || kind === 'config' ? new UserError((e as Error).message) : e;
  };
  // MORA_NOW (Unix seconds): evaluate as of that time instead of now — the same inputs then give the same status on a
  // rerun (tests; reproducing a past run). Without it a rerun reads the samples Prometheus has by then.
  const nowRaw = env.MORA_NOW?.trim();
  const pinned = nowRaw ? Number(nowRaw) : undefined;
  if (pinned !== undefined && !(Number.isFinite(pinned) && pinned > 0)) throw new UserError(`MORA_NOW must be Unix seconds, got "${nowRaw}"`);
  // A read split after a timeout (Prometheus' own or MOrA's), said once per Prometheus on stderr, even with -q, as
  // `mora recommend` says it (the shard's log is stderr too).
  const onNote = (note: string) => { process.stderr.write(`mora: ${forTerminal(replaceSecrets(note, headerValues))}\n`); };
  // A given Prometheus URL is queried through a counting fetch (self-metrics); a discovered one goes through the API server.
  let prometheus: import('../../data/prometheus/client').PrometheusClient | undefined;
  if (opts.prometheus !== undefined) {
    const { PrometheusClient, authFromEnv } = require('../../data/prometheus/client') as typeof import('../../data/prometheus/client');
    const { axiosFetch } = require('../../data/http') as typeof import('../../data/http');
    try {
      prometheus = new PrometheusClient({ url: opts.prometheus, auth: authFromEnv(env), fetch: countingFetch(axiosFetch(), metrics), matchers: prometheusMatchers, headers: prometheusHeaders, timeoutMs: prometheusTimeoutMs, timeoutHint: prometheusTimeoutHint, onNote });
    } catch (e) {
      throw new UserError((e as Error).message);
    }
  }
  const cluster = new ClusterDataSource({
    prometheus, prometheusUrl: opts.prometheus, prometheusSelector: opts.prometheusSelector, prometheusMatchers, prometheusHeaders, kubeconfig: opts.kubeconfig, connectTimeoutMs, historyDays: policy.historyDays,
    prometheusTimeoutMs, prometheusTimeoutHint, onPrometheusNote: onNote,
    ...(pinned !== undefined ? { now: () => pinned } : {}),
  });
  // --context: the shard's one context, and the one the health check looks at (not the kubeconfig's current context); a
  // name the kubeconfig lacks is refused here, listing its contexts, before anything is asked (recommend.ts's filter).
  const scoped: DataSource = opts.context === undefined ? cluster : onlyContexts(cluster, [opts.context]);
  if (opts.context !== undefined) await scoped.contexts().catch((e: unknown) => { throw kubeconfigError(e); });
  let writer: import('../../data/kube/vpa-writer').VpaWriter;
  try {
    writer = new VpaWriter({ kubeconfig: opts.kubeconfig, context: opts.context, connectTimeoutMs });
  } catch (e) {
    throw kubeconfigError(e);
  }
  const context = writer.context;
  const fail = (e: unknown): never => {
    const kind = (e as { kind?: string }).kind;
    if (kind === 'unreachable' && (e as { name?: string }).name === 'PrometheusError') metrics.prometheusReachable(false);
    if (kind === 'unreachable') throw new UserError((e as Error).message, EXIT_UNREACHABLE);
    throw e;
  };

  // Every namespace of the cluster, strictly: without `list namespaces` the fallback to the context's namespace would
  // make every shard silently do nothing.
  const all = await cluster.kube().namespaces(context, { strict: true }).catch((e: unknown) => {
    if ((e as { kind?: string }).kind === 'forbidden') throw new UserError(`--in-cluster shards every namespace of the cluster: ${(e as Error).message}`, EXIT_USAGE);
    return fail(e);
  });
  const namespaces = shardNamespaces(all, shard.index, shard.count);
  metrics.setNamespaces(namespaces.length);
  const log = (line: string) => { if (!opts.quiet) process.stderr.write(`${forTerminal(replaceSecrets(line, headerValues))}\n`); };
  /** A warning (e.g. --set keys a model does not use): shown with -q too, as the terminal's global-model handler does. */
  const warn = (line: string) => { process.stderr.write(`${forTerminal(replaceSecrets(line, headerValues))}\n`); };
  log(`mora in-cluster: shard ${shard.index} of ${shard.count}: ${namespaces.length} of ${all.length} namespace(s)`);

  // The MOrA VPAs of the shard's namespaces, and the workloads they target.
  const mine = new Map<string, VpaObject[]>();
  const every = new Map<string, VpaObject[]>();
  let others = 0;
  const mixed: string[] = [];
  for (const ns of namespaces) {
    const vpas = await writer.list(ns).catch((e: unknown) => {
      if ((e as { kind?: string }).kind === 'not-found') throw new UserError(`the VerticalPodAutoscaler API (autoscaling.k8s.io/v1) is not served by this cluster: install the VPA CRD first (${(e as Error).message})`, EXIT_USAGE);
      return fail(e);
    });
    every.set(ns, vpas);
    const ours = vpas.filter(isMoraVpa);
    // MOrA beside other recommenders: two writers of one status. Left alone (counted with the others), and said.
    for (const v of vpas.filter(mentionsMora)) {
      mixed.push(`${ns}/${v.metadata.name}`);
      log(`mora: warning: VerticalPodAutoscaler ${ns}/${v.metadata.name} lists ${(v.spec.recommenders ?? []).map((r) => r?.name).join(', ')} in spec.recommenders: MOrA writes only VPAs whose recommenders are exactly [{name: mora}] (two recommenders would overwrite each other's status): left alone`);
    }
    others += vpas.length - ours.length;
    if (ours.length) mine.set(ns, ours);
  }
  let tListed = Date.now();
  metrics.phase('list', (tListed - t0) / 1000);

  // --create-vpas: MOrA VPAs for the workloads of opted-in namespaces that no VPA targets; created before recommending,
  // so their status is written in this same run.
  const listings = new Map<string, Workload[]>();
  /** Workload lists that failed: `ns//` the whole namespace, `ns/Kind/` one kind (RBAC on that kind). */
  const listFailed = new Map<string, Error>();
  let created: CreatedVpa[] | undefined;
  let createFailures = 0;
  /** --create-vpas: the lists that failed, with the exit code each asks for (exitCodeOf). */
  const notListed: Array<NotListed & { exitCode: number }> = [];
  let creator: import('../../data/kube/vpa-creator').VpaCreator | undefined;
  if (opts.createVpas) {
    const { VpaCreator } = require('../../data/kube/vpa-creator') as typeof import('../../data/kube/vpa-creator');
    creator = new VpaCreator({ kubeconfig: opts.kubeconfig, context: opts.context, connectTimeoutMs });
    const opted = await creator.optedInNamespaces().catch(fail);
    const opt = namespaces.filter((ns) => opted.has(ns));
    for (const ns of opt) {
      // A kind that could not be listed is not "no such workloads": named, its VPAs not planned, the other kinds' are,
      // and the shard exits 2 (RBAC) or 3 (transient) at the end. The listing is kept for the status writes, failed
      // kinds included, so they write no TargetNotFound either.
      try {
        const l = await cluster.kube().workloads(context, ns);
        for (const f of l.failedKinds ?? []) {
          // 404: the cluster does not serve that kind's API (batch/v1 CronJobs before Kubernetes 1.21), so it has no such
          // workloads to create VPAs for; not a failed list, and no reason to fail every run on that cluster.
          if (f.error.kind === 'not-found') { log(`mora: --create-vpas: ${f.kind}s are not served by this cluster (namespace ${ns}): none to create: ${f.error.message}`); continue; }
          listFailed.set(key(ns, f.kind, ''), f.error);
          notListed.push({ namespace: ns, kind: f.kind, reason: f.error.message, exitCode: exitCodeOf(f.error) });
          log(`mora: --create-vpas: could not list ${f.kind}s in namespace ${ns}, none of their VPAs created: ${f.error.message}`);
        }
        listings.set(ns, l.workloads);
      } catch (e) {
        // Every kind refused, or a transient answer (5xx, 429) on one: this namespace waits for the rerun, the others go
        // on. No answer at all (the API server is down) or bad credentials: the run stops as before.
        const err = e as { kind?: string; status?: number };
        if (err.kind !== 'forbidden' && !(err.kind === 'unreachable' && err.status !== undefined)) fail(e);
        notListed.push({ namespace: ns, reason: (e as Error).message, exitCode: exitCodeOf(e) });
        log(`mora: --create-vpas: could not list the workloads of namespace ${ns}, none of its VPAs created: ${(e as Error).message}`);
      }
    }
    const plan: VpaToCreate[] = vpasToCreate([...listings.keys()], opted, (ns) => listings.get(ns) ?? [], (ns) => every.get(ns) ?? []);
    log(`mora in-cluster: ${opt.length} namespace(s) of the shard labelled ${CREATE_VPA_SELECTOR}: ${plan.length} VPA(s) to create${notListed.length ? ` (${notListed.length} list(s) failed)` : ''}`);
    created = [];
    if (!opts.dryRun) metrics.vpaCreated();
    for (const v of plan) {
      const target = `${v.target.kind}/${v.target.name}`;
      if (opts.dryRun) {
        created.push({ namespace: v.namespace, name: v.name, target, outcome: 'would-create' });
        log(`mora: would create VerticalPodAutoscaler ${v.namespace}/${v.name} for ${target} (updateMode Off, recommender mora)`);
        continue;
      }
      try {
        const r = await creator.create(v);
        created.push({ namespace: v.namespace, name: v.name, target, outcome: r.outcome, ...(r.outcome === 'taken' ? { reason: `the name holds a VPA for ${vpaTarget(r.vpa)?.kind ?? '?'}/${vpaTarget(r.vpa)?.name ?? '?'}` } : {}) });
        metrics.vpaCreated(r.outcome);
        if (r.outcome !== 'taken' && isMoraVpa(r.vpa)) mine.set(v.namespace, [...(mine.get(v.namespace) ?? []), r.vpa]);
        if (r.outcome === 'created') log(`mora: created VerticalPodAutoscaler ${v.namespace}/${v.name} for ${target}`);
      } catch (e) {
        const kind = (e as { kind?: string }).kind;
        if (kind === 'forbidden') {
          throw new UserError(`--create-vpas: ${(e as Error).message} — the recommender's role does not allow creating VPAs: add the component deploy/components/create-vpas (docs/IN-CLUSTER.md)`, EXIT_USAGE);
        }
        if (kind === 'unreachable') fail(e);
        createFailures++;
        metrics.vpaCreated('failed');
        created.push({ namespace: v.namespace, name: v.name, target, outcome: 'failed', reason: (e as Error).message });
        log(`mora: could not create VerticalPodAutoscaler ${v.namespace}/${v.name}: ${(e as Error).message}`);
      }
    }
    const tCreated = Date.now();
    metrics.phase('create', (tCreated - tListed) / 1000);
    tListed = tCreated;
  }
  const notListedOut = notListed.length ? { notListed: notListed.map(({ exitCode: _, ...n }) => n) } : {};
  const wanted = new Set<string>();
  for (const [ns, vpas] of mine) for (const v of vpas) { const t = vpaTarget(v); if (t) wanted.add(key(ns, t.kind, t.name)); }

  const skipped = new Map<string, string>();
  /** Workloads whose frames Prometheus failed to give (prometheusFailure): their VPAs are failed, their status left as it was. */
  const promFailed = new Map<string, { reason: string; short: string; exitCode: number }>();
  const listed = new Set<string>();
  let globalModel: import('./in-cluster-global-model').GlobalModelReport | undefined;
  let modelCache: string | undefined;
  let runs: import('./recommend-run').WorkloadRun[] = [];
  if (wanted.size > 0) {
    const health = await scoped.health();
    if (!health.ok) throw new UserError(health.message, health.problem === 'unreachable' ? EXIT_UNREACHABLE : EXIT_USAGE);
    // cAdvisor's usage stopped minutes ago (mora health's rule): said once, even with -q, as `mora recommend` says it;
    // the history up to then is still read.
    for (const s of health.stale ?? []) warn(`mora: warning: ${s}`);
    const source: DataSource = Object.assign(Object.create(cluster) as DataSource, {
      contexts: async () => [context],
      namespaces: async () => [...mine.keys()],
      workloads: async (ctx: string, ns: string) => {
        // A list that failed is not "no such workload": remembered, so no TargetNotFound is written for it.
        let all = listings.get(ns);
        if (!all) {
          try {
            const l = await cluster.kube().workloads(ctx, ns);
            for (const f of l.failedKinds ?? []) {
              listFailed.set(key(ns, f.kind, ''), f.error);
              log(`mora: ${f.error.message}`);
            }
            all = l.workloads;
          } catch (e) {
            listFailed.set(key(ns, '', ''), e as Error);
            throw e;
          }
        }
        const ws = all.filter((w: Workload) => wanted.has(key(ns, w.kind, w.name)));
        for (const w of ws) listed.add(key(ns, w.kind, w.name));
        return ws;
      },
    });
    // -m fused|lstm: the global LSTM, trained once for every shard and shared (in-cluster-global-model.ts).
    let shared: Partial<import('../../pipeline/recommend').RecommendRequest> = {};
    const givenLstm = modelOptions?.lstm?.global !== undefined ? modelOptions.lstm as Record<string, string> & { global: string } : undefined;
    if ((model === 'fused' || model === 'lstm') && givenLstm) {
      // --set lstm.global=<model.json>: the user's model, used as given (the pipeline forecasts with it); the shared one
      // is neither claimed, trained nor published, dry run or not.
      const gm = require('./in-cluster-global-model') as typeof import('./in-cluster-global-model');
      let given: ReturnType<typeof gm.givenGlobalLstm>;
      try { given = gm.givenGlobalLstm(model, givenLstm, shard); } catch (e) { throw new UserError(`--set: lstm.global: cannot use "${givenLstm.global}" as a global LSTM: ${(e as Error).message}`); }
      globalModel = given.report;
      metrics.globalModel('given', given.report.version);
      for (const line of given.lines) log(line);
      for (const line of given.warnings) warn(`mora: ${line}`);
    } else if ((model === 'fused' || model === 'lstm') && opts.dryRun) {
      // A dry run does not take the shared model's lease nor store one (a ConfigMap write): the pipeline's own model.
      log('mora: --dry-run: the shared global LSTM is not used (it would write its ConfigMap): the pipeline\'s own model');
    } else if (model === 'fused' || model === 'lstm') {
      const gm = require('./in-cluster-global-model') as typeof import('./in-cluster-global-model');
      let settings: import('./in-cluster-global-model').SharedModelSettings;
      try { settings = gm.sharedModelSettings(env); } catch (e) { throw new UserError((e as Error).message); }
      modelCache = gm.runCacheRoot();
      const r = await gm.sharedGlobalLstm({
        model, shard, context, cluster, namespaces: all, now: pinned ?? Date.now() / 1000, settings, cacheRoot: modelCache,
        kubeconfig: opts.kubeconfig, kubeContext: opts.context, connectTimeoutMs, log,
      });
      globalModel = r.report;
      metrics.globalModel(r.report.outcome, r.report.version);
      shared = r.unavailable !== undefined ? { globalLstmUnavailable: r.unavailable }
        : r.report.outcome === 'local' ? {} : { globalLstm: { cacheRoot: modelCache, enabled: true } };
      if (r.report.outcome === 'reused' || r.report.outcome === 'trained' || r.report.outcome === 'refreshed') {
        // The pipeline must find it up to date; should it train or refresh after all, the summary says so.
        shared.onGlobalModel = (e) => {
          if (e.kind === 'warning') warn(`mora: ${e.message}`);
          if (e.kind === 'training' || e.kind === 'refreshing') globalModel = { ...globalModel!, outcome: 'local', reason: `the shared model v${globalModel!.version} was not up to date for this shard's data: it ${e.kind === 'training' ? 'trained' : 'refreshed'} its own` };
          if (e.kind === 'cached') globalModel = e.version === globalModel!.version ? { ...globalModel!, inUse: true } : { ...globalModel!, reason: `the pipeline used v${e.version}` };
        };
      }
    }
    // The pipeline's global-model warnings (a053b67: --set lstm.* keys a context's global LSTM does not use) reach the
    // shard's stderr whichever model it runs.
    shared.onGlobalModel ??= (e) => { if (e.kind === 'warning') warn(`mora: ${e.message}`); };
    const { recommendFromSource } = require('./recommend-run') as typeof import('./recommend-run');
    runs = await recommendFromSource(source, {
      ...shared, policy, model, modelOptions,
      onSkip: (w, reason, error) => {
        // Prometheus failing part-way (5xx, timeout, unreachable after the health check) is not "no metrics": the VPA keeps
        // its status and the shard fails, so the Job retries it and the staleness alerts fire.
        const pf = prometheusFailure(error);
        if (pf) {
          promFailed.set(key(w.namespace, w.kind, w.name), { reason, ...pf });
          if (pf.exitCode === EXIT_UNREACHABLE) metrics.prometheusReachable(false);
          log(`mora: could not read the metrics of ${w.kind} ${w.namespace}/${w.name}: ${reason}`);
          return;
        }
        skipped.set(key(w.namespace, w.kind, w.name), reason);
        log(`mora: skipped ${w.kind} ${w.namespace}/${w.name}: ${reason}`);
      },
      onSkipNamespace: (_ctx, ns, reason) => { log(`mora: skipped namespace "${ns}": ${reason}`); },
    }).catch(fail).finally(() => { if (modelCache) (require('node:fs') as typeof import('node:fs')).rmSync(modelCache, { recursive: true, force: true }); });
  }
  metrics.addRecommended(runs.length);
  metrics.addModelErrors(runs.reduce((n, r) => n + modelErrorsOf(r.recommendation), 0));
  const tRecommended = Date.now();
  metrics.phase('recommend', (tRecommended - tListed) / 1000);
  const byTarget = new Map(runs.map((r) => [key(r.recommendation.workload.namespace, r.recommendation.workload.kind, r.recommendation.workload.name), r.recommendation]));

  // One PATCH per changed VPA, up to writeConcurrency in flight; outcomes keep the namespaces' and VPAs' order. A failed
  // write is recorded and the others go on (the shard then exits 1 and the Job retries it: what was written stays).
  const jobs = [...mine].flatMap(([ns, vpas]) => vpas.map((vpa) => ({ ns, vpa })));
  const slots: Array<VpaOutcome | undefined> = new Array(jobs.length);
  /** Per failed VPA, the exit code its failure asks for (exitCodeOf). */
  const failCodes = new Map<VpaOutcome, number>();
  const { forEachLimit } = require('../../core/concurrency') as typeof import('../../core/concurrency');
  await forEachLimit(jobs, writeConcurrency, async ({ ns, vpa }, i) => {
    const t = vpaTarget(vpa);
    const k = t ? key(ns, t.kind, t.name) : '';
    const rec = byTarget.get(k);
    const target = t ? `${t.kind}/${t.name}` : undefined;
    const why = !t ? 'the VPA has no spec.targetRef'
      : rec ? undefined
        : skipped.has(k) ? NO_METRICS_MESSAGE : (listed.has(k) ? 'no recommendation' : `${target} not found in namespace ${ns} (MOrA reads Deployments, StatefulSets, DaemonSets, CronJobs, Jobs and Argo Rollouts)`);
    const reason = !t || (!rec && !listed.has(k)) ? 'TargetNotFound' : 'NoMetrics';
    const listError = t && !rec && !listed.has(k) ? listFailed.get(key(ns, '', '')) ?? listFailed.get(key(ns, t.kind, '')) : undefined;
    const pf = promFailed.get(k);
    if (pf) {
      slots[i] = { namespace: ns, name: vpa.metadata.name, target, outcome: 'failed', reason: `${pf.short}, status left as it was: ${pf.reason}` };
      failCodes.set(slots[i]!, pf.exitCode);
      metrics.vpa('failed');
      return;
    }
    if (listError) {
      // Not known to be missing: the status is left as it was and the shard fails (RBAC: exit 2; transient: retried).
      slots[i] = { namespace: ns, name: vpa.metadata.name, target, outcome: 'failed', reason: `could not list ${t!.kind}s in namespace ${ns}, status left as it was: ${listError.message}` };
      failCodes.set(slots[i]!, exitCodeOf(listError));
      metrics.vpa('failed');
      log(`mora: VerticalPodAutoscaler ${ns}/${vpa.metadata.name}: ${slots[i]!.reason}`);
      return;
    }
    if (opts.dryRun) {
      const now = Date.now();
      const status = rec ? vpaStatusFor(vpa, rec, now) : vpaStatusWithout(vpa, reason, why ?? '', now);
      slots[i] = { namespace: ns, name: vpa.metadata.name, target, outcome: rec ? 'would-write' : 'no-recommendation', ...(why ? { reason: skipped.get(k) ?? why } : {}), status };
      return;
    }
    try {
      const now = Date.now();
      const result = await writer.writeStatus(vpa, (cur) => (rec ? vpaStatusFor(cur, rec, now) : vpaStatusWithout(cur, reason, why ?? '', now)));
      // The summary (the shard's log) keeps the full reason; the condition got NO_METRICS_MESSAGE.
      slots[i] = { namespace: ns, name: vpa.metadata.name, target, outcome: rec ? result : 'no-recommendation', ...(why ? { reason: skipped.get(k) ?? why } : {}) };
      metrics.vpa(rec ? result : 'no-recommendation', rec ? undefined : reason);
    } catch (e) {
      const failure = statusWriteFailure(e);
      if (failure.outcome === 'gone') {
        slots[i] = { namespace: ns, name: vpa.metadata.name, target, outcome: 'gone', reason: 'deleted during the run: nothing to write' };
        log(`mora: VerticalPodAutoscaler ${ns}/${vpa.metadata.name} was deleted during the run: skipped`);
        return;
      }
      slots[i] = { namespace: ns, name: vpa.metadata.name, target, outcome: 'failed', reason: (e as Error).message };
      failCodes.set(slots[i]!, failure.exitCode);
      metrics.vpa('failed');
      log(`mora: could not write the status of VerticalPodAutoscaler ${ns}/${vpa.metadata.name}: ${(e as Error).message}`);
    }
  });
  const outcomes = slots.filter((o): o is VpaOutcome => o !== undefined);
  metrics.phase('write', (Date.now() - tRecommended) / 1000);
  metrics.addWrites(writer.writes);
  const summary: ShardSummary = {
    shard, context, namespaces, vpas: outcomes, othersLeftAlone: others, ...(mixed.length ? { mixedRecommenders: mixed } : {}), writes: writer.writes, ...(writer.throttled ? { throttled: writer.throttled } : {}),
    ...(created ? { created, creates: creator?.creates ?? 0 } : {}), ...notListedOut, ...(globalModel ? { globalModel } : {}), ...(opts.dryRun ? { dryRun: true as const } : {}), seconds: Math.round((Date.now() - t0) / 100) / 10,
  };
  const failed = outcomes.filter((o) => o.outcome === 'failed');
  log(`mora in-cluster: shard ${shard.index}/${shard.count}: ${outcomes.length} MOrA VPA(s), ${writer.writes} write(s), ${failed.length} failed${created ? `, ${created.filter((c) => c.outcome === 'created').length} VPA(s) created, ${createFailures} create(s) failed, ${notListed.length} workload list(s) failed` : ''}, ${summary.seconds} s`);
  const out = `${JSON.stringify(summary, null, 2)}\n`;
  if (failed.length || notListed.length || createFailures) {
    throw incomplete(out, failed.map((o) => ({ outcome: o, exitCode: failCodes.get(o) ?? 1 })), notListed, createFailures, created);
  }
  return out;
}

/**
 * The error of a shard that did not finish its work, with its summary as output. Its exit code is the most telling of
 * its failures': RBAC will not change on a retry, so 2 (the Job fails the index at once) wins; then 3 (transient), 1.
 * The message names the first failure of that code: a status write, a workload list --create-vpas needed, a create.
 */
function incomplete(out: string, failed: Array<{ outcome: VpaOutcome; exitCode: number }>, notListed: ReadonlyArray<NotListed & { exitCode: number }>,
  createFailures: number, created?: readonly CreatedVpa[]): UserError {
  const codes = [...failed.map((f) => f.exitCode), ...notListed.map((n) => n.exitCode), ...(createFailures ? [1] : [])];
  const code = codes.includes(EXIT_USAGE) ? EXIT_USAGE : codes.includes(EXIT_UNREACHABLE) ? EXIT_UNREACHABLE : 1;
  const then = code === EXIT_USAGE ? 'grant the missing RBAC rule (docs/IN-CLUSTER.md), then rerun the shard' : 'rerun the shard';
  const parts: string[] = [];
  const write = failed.find((f) => f.exitCode === code)?.outcome;
  if (failed.length) parts.push(`${failed.length} VPA status write(s) failed${write ? ` (first: ${write.namespace}/${write.name}: ${write.reason})` : ''}`);
  const list = notListed.find((n) => n.exitCode === code);
  if (notListed.length) {
    parts.push(`--create-vpas could not list every workload, so those workloads got no VPA (${notListed.length} list(s) failed${list ? `; first: ${list.kind ? `${list.kind}s` : 'all workloads'} in namespace ${list.namespace}: ${list.reason}` : ''})`);
  }
  const create = created?.find((c) => c.outcome === 'failed');
  if (createFailures) parts.push(`${createFailures} VPA create(s) failed${create ? ` (first: ${create.namespace}/${create.name}: ${create.reason})` : ''}`);
  const err = new UserError(`${parts.join('; ')}; ${then}`, code);
  (err as UserError & { output?: string }).output = out;
  return err;
}
