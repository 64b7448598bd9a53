/**
 * A live cluster as a DataSource: workloads from the Kubernetes API (kubeconfig contexts), metrics from Prometheus.
 * The Kubernetes client is created on first use (it loads @kubernetes/client-node, which is heavy), so a health
 * check or a metrics query never pays for it.
 *
 * One Prometheus URL serves every context unless prometheusUrlScope is 'current-context' (the extension): then it
 * serves the current context and each other context finds its own (src/data/prometheus/url-scope.ts).
 */
import type { Workload } from '../core/workload';
import type { DataSource, HealthProblem, MetricFrame, MetricTarget, SourceHealth, TimeRange, WorkloadMetrics } from './datasource';
import { batchedFrames, workloadOomKills, type BatchPlanOptions } from './prometheus/batch-plan';
import { PrometheusClient, authFromEnv, type PrometheusAuth } from './prometheus/client';
import { PrometheusError } from './prometheus/errors';
import { fetchFrame, frameGrid, type FetchedFrame } from './prometheus/frame';
import { DEFAULT_METRIC_NAMES, DEFAULT_QUERY_CONFIG, metricQueries, podNameRegex, promString, type QueryConfig } from './prometheus/queries';
import type { KubeClient } from './kube/client';
import { CLI_KUBECONFIG_HINT, type KubeconfigHint } from './kube/errors';
import type { DiscoveredPrometheus } from './kube/prometheus-discovery';
import type { MetricsServer } from './kube/metrics-server';
import { prometheusUrlFor, urlWithheldFrom, type PrometheusUrlSettings } from './prometheus/url-scope';
import { validateFrame, type FrameValidation } from './validation';
import { untilAborted } from '../core/abortable';

export interface ClusterDataSourceOptions {
  /**
   * Prometheus base URL for every context (mora.prometheus.url / --prometheus). Without it (and without an entry in
   * prometheusUrls) Prometheus is discovered in each context's cluster and queried through the API server's service
   * proxy (src/data/kube/prometheus-discovery.ts).
   */
  prometheusUrl?: string;
  /** A Prometheus base URL per kubeconfig context (mora.prometheus.urls); wins over prometheusUrl for its context. */
  prometheusUrls?: Record<string, string>;
  /**
   * Which contexts prometheusUrl serves. 'current-context' (the extension's tree, which lists every context): the
   * kubeconfig's current one; the others read mora.prometheus.urls or discover their own, never this cluster's usage.
   * Default 'every-context', for callers that read one context themselves (`mora recommend --prometheus` reads only the
   * current context or --context).
   */
  prometheusUrlScope?: 'every-context' | 'current-context';
  /** A label selector tried before the known ones when discovering (mora.prometheus.selector / --prometheus-selector). */
  prometheusSelector?: string;
  /**
   * Label matchers added to every selector of every Prometheus query (--prometheus-matchers, e.g. cluster="prod-eu"):
   * one cluster of a Prometheus that holds several (Thanos, Mimir, federation). Not the discovery selector above.
   */
  prometheusMatchers?: string;
  /** Extra headers on every Prometheus request (--prometheus-header, e.g. X-Scope-OrgID for Mimir/Cortex); values never shown. */
  prometheusHeaders?: Record<string, string>;
  /**
   * Extra headers per Prometheus URL (the extension: per URL origin from the secret store, src/views/prometheus-headers.ts),
   * on top of prometheusHeaders, for that URL only; a discovered Prometheus (no URL configured) gets none of them.
   */
  prometheusHeadersFor?: (url: string) => Record<string, string> | undefined;
  /** Credentials from a secret store; default: MORA_PROMETHEUS_TOKEN or MORA_PROMETHEUS_USERNAME/PASSWORD. Never logged. */
  prometheusAuth?: PrometheusAuth;
  /**
   * Credentials per Prometheus URL (the extension: a token per URL origin, src/views/prometheus-tokens.ts). When set it
   * decides alone — undefined sends none — so one cluster's token never reaches another cluster's Prometheus.
   */
  prometheusAuthFor?: (url: string) => PrometheusAuth | undefined;
  /** kubeconfig file; default $KUBECONFIG or ~/.kube/config. */
  kubeconfig?: string;
  /** The way out a kubeconfig error names (none found, the file missing, no contexts); default the CLI's flags, VS Code its setting. */
  kubeconfigHint?: KubeconfigHint;
  /** Kubernetes API connect timeout (--connect-timeout, mora.kubernetes.connectTimeoutSeconds); default 5 s, 0 = off (connect-probe.ts). */
  connectTimeoutMs?: number;
  /** History for recommendations (mora.historyDays). Default 14. */
  historyDays?: number;
  /** Seconds between samples asked for; grown when a range would exceed 11,000 points. Default 60. */
  step?: number;
  /** PromQL metric/label names and aggregation; defaults fit cAdvisor + kube-state-metrics + http_requests_total. */
  queries?: Partial<Omit<QueryConfig, 'names'>> & { names?: Partial<QueryConfig['names']> };
  /** MOrA's own timeout of each Prometheus request (--prometheus-timeout, mora.prometheus.timeoutSeconds); default 30 s. */
  prometheusTimeoutMs?: number;
  /** Where the user sets prometheusTimeoutMs, named by its messages (PrometheusClientOptions.timeoutHint). */
  prometheusTimeoutHint?: string;
  /**
   * PrometheusClientOptions.onNote of every Prometheus client this source makes (a read split after a server timeout),
   * with the context whose Prometheus it is (the one of mora.prometheus.urls, or discovered in it); undefined for the one
   * URL (prometheusUrl, or an injected client): the current context's, or every context's.
   */
  onPrometheusNote?: (note: string, context?: string) => void;
  /**
   * How metricsForNamespace reads Prometheus: 'batched' (default) — a few range queries per metric per namespace,
   * pods mapped to workloads by their owners; 'per-workload' — one query per metric per container, as metrics() does.
   */
  prometheusPlan?: 'batched' | 'per-workload';
  /** Limits of the batched plan (pods per batch, samples per response). */
  batch?: Omit<BatchPlanOptions, 'signal'>;
  /** false in the VS Code extension host: its patched Node agents apply VS Code's proxy settings. Default true (HTTP(S)_PROXY, NO_PROXY). */
  proxyFromEnv?: boolean;
  /** Injected clients (tests, or sharing one client). */
  prometheus?: PrometheusClient;
  kube?: KubeClient;
  /** Clock for the history range (tests). */
  now?: () => number;
  /**
   * workloads() also lists the namespace's Pods and ReplicaSets to name running pods no listed workload owns (in
   * listingWarnings). The CLI turns it on; the extension's tree, which lists often, does not.
   */
  reportUncoveredPods?: boolean;
  /**
   * The namespace the caller reads (`mora recommend -n`, or -w's namespace): when the user may not list namespaces,
   * namespaces() gives this one instead of the context's own, as `kubectl -n` reads a namespace it cannot list.
   */
  namespace?: string;
}

export interface HealthCheck {
  name: string;
  ok: boolean;
  /** false: informative (e.g. app metrics missing only loses request-rate features). */
  required: boolean;
  message: string;
  /** Set on a failed check: what kind of fault it is (exit 3 for unreachable, 2 otherwise). */
  problem?: HealthProblem;
  /**
   * cAdvisor check: seconds between the check's time and the newest sample of the usage series (CPU or memory,
   * whichever is older); above STALE_SAMPLE_SECONDS the check fails, saying which metric and what to fix.
   */
  lastSampleAgeSeconds?: number;
  /**
   * The check failed only because the newest samples are old (over STALE_SAMPLE_SECONDS, or none in the 5-minute
   * lookback but some in the history window): `mora health` and health() (the one line `mora recommend` and the editor
   * check before reading) say it as a warning — the history is still there to read.
   */
  stale?: boolean;
  /** Prometheus' warnings on the check's count (a Thanos/Mimir partial response): the count may be short. */
  warnings?: string[];
}

/**
 * The newest usage sample may be this old before health calls the series stale: a few scrape intervals (6 of 30 s, 3
 * of 60 s). cAdvisor exposes its own timestamps, so a target that stopped answering leaves no staleness marker and its
 * series still count for Prometheus' 5-minute lookback.
 */
export const STALE_SAMPLE_SECONDS = 180;

/** What to fix when cAdvisor's samples stopped. */
const STALE_FIX = 'the kubelet/cAdvisor scrape target is down or no longer scraped (see Status → Targets in Prometheus, the job scraping /metrics/cadvisor), or the clocks of Prometheus and the nodes differ (check NTP); recommendations would miss the latest usage';

/** 250 → "4m10s". */
export function ageWords(seconds: number): string {
  const s = Math.round(Math.abs(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The kind of fault behind an error of either client. */
export function problemOf(e: unknown): HealthProblem {
  const kind = (e as { kind?: string })?.kind;
  const name = (e as { name?: string })?.name;
  if (name === 'PrometheusError') {
    const status = (e as { status?: number }).status;
    if (kind === 'unreachable' || kind === 'timeout' || (kind === 'http' && (status === undefined || status >= 500))) return 'unreachable';
    // 401/403: the credentials; 404: the base URL; a URL that is no URL: all the user's input.
    if (kind === 'http' || /is not a URL|must start with http/.test((e as Error).message)) return 'bad-input';
    return 'no-data';
  }
  if (name === 'KubeError') return kind === 'unreachable' ? 'unreachable' : kind === 'config' || kind === 'no-kubeconfig' || kind === 'credential-plugin' ? 'bad-input' : 'no-data';
  return 'no-data';
}

/**
 * One fault kind for several failed checks: bad input first (the user's own input is wrong: fix it before anything
 * else can be judged), then unreachable, then missing data.
 */
export function worstProblem(failed: ReadonlyArray<{ problem?: HealthProblem }>): HealthProblem | undefined {
  const kinds = failed.map((c) => c.problem ?? 'no-data');
  if (!kinds.length) return undefined;
  return kinds.includes('bad-input') ? 'bad-input' : kinds.includes('unreachable') ? 'unreachable' : 'no-data';
}

/** How long the answer to "does any cAdvisor series carry pod_name?" is kept per context. */
export const OLD_LABELS_TTL_SECONDS = 600;

export interface DetailedFrame extends FetchedFrame {
  validation: FrameValidation;
}

export class ClusterDataSource implements DataSource {
  readonly kind = 'cluster' as const;
  private prometheusClient: PrometheusClient | undefined;
  private kubeClient: KubeClient | undefined;
  private readonly queryConfig: QueryConfig;
  private readonly historyDays: number;
  private readonly step: number;
  private readonly now: () => number;
  /** Warnings of the last workloads() call (kinds RBAC hides). */
  lastWarnings: string[] = [];
  /** Warnings of each namespace's last workloads() call, by `context/namespace`. */
  private readonly warningsByNamespace = new Map<string, string[]>();
  /** Every distinct listing warning so far (kinds RBAC hides, pods of owners MOrA does not size), for the CLI to print. */
  readonly listingWarnings: string[] = [];
  /** Prometheus per context (a per-context URL, or discovered), and what discovery found. */
  private readonly prometheusByContext = new Map<string, Promise<PrometheusClient>>();
  readonly discovered = new Map<string, DiscoveredPrometheus>();
  private readonly backendByContext = new Map<string, Promise<{ prometheus: PrometheusClient } | { metricsServer: MetricsServer; reason: string }>>();

  /** Never throws: a bad URL or kubeconfig surfaces on first use (health, metrics), not while the extension activates. */
  constructor(private readonly options: ClusterDataSourceOptions) {
    this.prometheusClient = options.prometheus;
    this.kubeClient = options.kube;
    this.queryConfig = {
      ...DEFAULT_QUERY_CONFIG,
      ...options.queries,
      names: { ...DEFAULT_METRIC_NAMES, ...options.queries?.names },
    };
    this.historyDays = options.historyDays ?? 14;
    this.step = options.step ?? 60;
    this.now = options.now ?? (() => Date.now() / 1000);
  }

  /** The Prometheus client of prometheusUrl, created on first use (throws PrometheusError for a URL that is not http(s)). */
  get prometheus(): PrometheusClient {
    if (!this.prometheusClient && this.options.prometheusUrl === undefined) throw new PrometheusError('no Prometheus URL set (it is discovered per context: prometheusFor)', 'bad-response');
    this.prometheusClient ??= new PrometheusClient({
      url: this.options.prometheusUrl!,
      auth: this.authFor(this.options.prometheusUrl!),
      timeoutMs: this.options.prometheusTimeoutMs,
      timeoutHint: this.options.prometheusTimeoutHint,
      proxyFromEnv: this.options.proxyFromEnv,
      matchers: this.options.prometheusMatchers,
      headers: this.headersFor(this.options.prometheusUrl!),
      onNote: this.options.onPrometheusNote,
    });
    return this.prometheusClient;
  }

  /** onPrometheusNote for the Prometheus client of `context`. */
  private noteOf(context: string | undefined): ((note: string) => void) | undefined {
    const note = this.options.onPrometheusNote;
    return note && ((text) => note(text, context));
  }

  /** The extra headers sent to `url`: prometheusHeaders, and prometheusHeadersFor's for that URL (which win). */
  private headersFor(url: string): Record<string, string> | undefined {
    const own = this.options.prometheusHeadersFor?.(url);
    return own ? { ...this.options.prometheusHeaders, ...own } : this.options.prometheusHeaders;
  }

  /** The credentials sent to `url`: prometheusAuthFor's answer when given, else the one set for every URL. */
  private authFor(url: string): PrometheusAuth | undefined {
    if (this.options.prometheusAuthFor) return this.options.prometheusAuthFor(url);
    return this.options.prometheusAuth ?? authFromEnv();
  }

  /**
   * The Prometheus of a context: an injected client, else mora.prometheus.urls[context], else prometheusUrl, else the
   * one discovered in that cluster, queried through the API server's service proxy. Throws PrometheusError (kind
   * "empty") naming what was looked for when the cluster has none.
   */
  prometheusFor(context: string | undefined): Promise<PrometheusClient> {
    const url = context ? this.options.prometheusUrls?.[context] : undefined;
    const settings = this.urlSettings(context);
    if (this.options.prometheus || (!url && prometheusUrlFor(context, settings) !== undefined)) return Promise.resolve(this.prometheus);
    const key = context ?? '';
    let p = this.prometheusByContext.get(key);
    if (!p) {
      p = url
        ? Promise.resolve(new PrometheusClient({ url, auth: this.authFor(url), timeoutMs: this.options.prometheusTimeoutMs, timeoutHint: this.options.prometheusTimeoutHint, proxyFromEnv: this.options.proxyFromEnv, matchers: this.options.prometheusMatchers, headers: this.headersFor(url), onNote: this.noteOf(context) }))
        : this.discoverPrometheus(context, urlWithheldFrom(context, settings) ? settings.urlContext : undefined);
      // A failed discovery is tried again next time (the user may install Prometheus, or fix RBAC).
      p.catch(() => this.prometheusByContext.delete(key));
      this.prometheusByContext.set(key, p);
    }
    return p;
  }

  /**
   * What a context's metrics come from: its Prometheus, or — only when discovery found none and the cluster serves
   * metrics.k8s.io — metrics-server's current usage (a snapshot). Never both for one context.
   */
  private backend(context: string | undefined): Promise<{ prometheus: PrometheusClient } | { metricsServer: MetricsServer; reason: string }> {
    const key = context ?? '';
    let p = this.backendByContext.get(key);
    if (!p) {
      p = this.prometheusFor(context).then((prometheus) => ({ prometheus }), async (e: unknown) => {
        if (!(e instanceof PrometheusError) || e.kind !== 'empty' || !/^no Prometheus found/.test(e.message)) throw e;
        const { MetricsServer: Server } = require('./kube/metrics-server') as typeof import('./kube/metrics-server');
        const { PrometheusDiscovery } = require('./kube/prometheus-discovery') as typeof import('./kube/prometheus-discovery');
        const discovery = new PrometheusDiscovery({ kubeconfig: this.options.kubeconfig, kubeconfigHint: this.options.kubeconfigHint, timeoutMs: this.options.prometheusTimeoutMs, connectTimeoutMs: this.options.connectTimeoutMs });
        const ctx = context ?? discovery.currentContext();
        const server = new Server(discovery.configFor(ctx), ctx);
        try {
          await server.available();
        } catch (m) {
          // "no Prometheus found …, and metrics.k8s.io cannot be read: <why> — set --prometheus …, or install metrics-server …"
          const [what, hint] = e.message.split(' — set ');
          const why = (m as Error).message.replace(/ — .*$/, '');
          throw new PrometheusError(`${what}, and metrics.k8s.io (metrics-server) cannot be read: ${why} — set ${hint}; or install metrics-server for current usage only`, 'empty');
        }
        return { metricsServer: server, reason: e.message.replace(/ — set .*$/, '') };
      });
      p.catch(() => this.backendByContext.delete(key));
      this.backendByContext.set(key, p);
    }
    return p;
  }

  /** prometheusUrl's scope for `context`; the current context is looked up only when it decides something. */
  private urlSettings(context: string | undefined): PrometheusUrlSettings {
    const s: PrometheusUrlSettings = { url: this.options.prometheusUrl, urls: this.options.prometheusUrls };
    if (this.options.prometheusUrlScope === 'current-context' && context !== undefined && s.url !== undefined && !s.urls?.[context]) {
      s.urlContext = this.kube().currentContext() || undefined;
    }
    return s;
  }

  /** `urlServes`: the context mora.prometheus.url serves when it was withheld from this one (said in the error). */
  private async discoverPrometheus(context: string | undefined, urlServes?: string): Promise<PrometheusClient> {
    const { PrometheusDiscovery, customSelector, serviceProxyFetch } = require('./kube/prometheus-discovery') as typeof import('./kube/prometheus-discovery');
    const discovery = new PrometheusDiscovery({ kubeconfig: this.options.kubeconfig, kubeconfigHint: this.options.kubeconfigHint, timeoutMs: this.options.prometheusTimeoutMs, connectTimeoutMs: this.options.connectTimeoutMs });
    const ctx = context ?? discovery.currentContext();
    const custom = customSelector(this.options.prometheusSelector);
    const found = await discovery.discover(ctx, custom);
    if (!found) {
      // Each flag named for the CLI, each setting for VS Code. Only the extension scopes mora.prometheus.url to the
      // current context (urlServes): that hint names its settings alone. ' — set ' starts the hint (metrics-server's fallback splits there).
      const set = urlServes !== undefined
        ? `the mora.prometheus.urls setting for this context (mora.prometheus.url serves the current context "${urlServes}" only: its numbers are another cluster's), `
          + 'or a Service selector with the mora.prometheus.selector setting'
        : '--prometheus (CLI) or the mora.prometheus.url setting, or mora.prometheus.urls for this context (VS Code); '
          + 'or a Service selector with --prometheus-selector (CLI) or the mora.prometheus.selector setting (VS Code)';
      // A user who may not list Services cluster-wide searched only some namespaces: said, or "none found" reads as
      // "no Prometheus installed" while it runs in a namespace this user cannot list (monitoring).
      const scope = discovery.searchedNamespaces(ctx);
      const where = scope
        ? ` (this user may not list Services in all namespaces${scope.all ? '' : ', nor list namespaces'}: searched ${scope.namespaces.length === 1 ? `namespace "${scope.namespaces[0]}" only` : `namespaces ${scope.namespaces.map((n) => `"${n}"`).join(', ')} one by one`})`
        : '';
      throw new PrometheusError(`no Prometheus found in context "${ctx}": no Service you can list matches ${PrometheusDiscovery.lookedFor(custom)}${where} — set ${set}`, 'empty');
    }
    this.discovered.set(ctx, found);
    // The service proxy sends the user's Kubernetes credentials, which the Prometheus client cannot know: the fetch
    // takes them (static, and whatever each request carried: exec plugin, token file) out of every answer and error.
    const { AppliedCredentials, kubeconfigSecrets, redactingFetch } = require('./kube/credential-redaction') as typeof import('./kube/credential-redaction');
    const applied = new AppliedCredentials();
    const kc = applied.track(discovery.configFor(ctx));
    const fetch = redactingFetch(serviceProxyFetch(kc, { proxyFromEnv: this.options.proxyFromEnv }), () => [...kubeconfigSecrets(kc), ...applied.list()]);
    // Named in errors as the Service it is (not by the long proxy URL), so a refusal reads as the API server's.
    const name = `service ${found.namespace}/${found.name}:${found.port} (discovered in context "${ctx}") through the API server ${found.server}`;
    return new PrometheusClient({ url: found.url, name, timeoutMs: this.options.prometheusTimeoutMs, timeoutHint: this.options.prometheusTimeoutHint, fetch, matchers: this.options.prometheusMatchers, headers: this.options.prometheusHeaders, onNote: this.noteOf(ctx) });
  }

  /** The Kubernetes client, created (and client-node loaded) on first use. */
  kube(): KubeClient {
    if (!this.kubeClient) {
      const { KubeClient: Client } = require('./kube/client') as typeof import('./kube/client');
      this.kubeClient = Client.load({ kubeconfig: this.options.kubeconfig, kubeconfigHint: this.options.kubeconfigHint, connectTimeoutMs: this.options.connectTimeoutMs });
    }
    return this.kubeClient;
  }

  async contexts(): Promise<string[]> {
    return this.kube().contexts();
  }

  async currentContext(): Promise<string | undefined> {
    return this.kube().currentContext() || undefined;
  }

  async namespaces(context: string): Promise<string[]> {
    // Narrowed to one namespace (no RBAC to list them): said once among the listing warnings, never silently.
    return this.kube().namespaces(context, { asked: this.options.namespace, onNarrowed: (w) => { if (!this.listingWarnings.includes(w)) this.listingWarnings.push(w); } });
  }

  async workloads(context: string, namespace: string): Promise<Workload[]> {
    const [{ workloads, warnings }, line] = await Promise.all([
      this.kube().workloads(context, namespace),
      this.options.reportUncoveredPods ? this.kube().uncoveredPods(context, namespace) : undefined,
    ]);
    if (line) warnings.push(line);
    this.lastWarnings = warnings;
    this.warningsByNamespace.set(`${context}/${namespace}`, warnings);
    for (const w of warnings) if (!this.listingWarnings.includes(w)) this.listingWarnings.push(w);
    return workloads;
  }

  /** DataSource.workloadWarnings: the warnings of the namespace's last workloads() call. */
  workloadWarnings(context: string, namespace: string): readonly string[] {
    return this.warningsByNamespace.get(`${context}/${namespace}`) ?? [];
  }

  /** DataSource.inClusterRecommendations: every namespace's VPAs, paged; MOrA's fresh ones mapped (src/data/kube/vpa-reader.ts). */
  async inClusterRecommendations(context: string, options: { maxAgeHours: number }): Promise<import('./kube/vpa-recommendation').InClusterRead> {
    const { VpaReader, fallbackReason } = require('./kube/vpa-reader') as typeof import('./kube/vpa-reader');
    try {
      return await new VpaReader({ kubeconfig: this.options.kubeconfig, kubeconfigHint: this.options.kubeconfigHint, context, connectTimeoutMs: this.options.connectTimeoutMs }).read({ maxAgeHours: options.maxAgeHours });
    } catch (e) {
      return { recommendations: [], skipped: [], others: 0, pages: 0, fallback: fallbackReason(e, context) };
    }
  }

  /** DataSource.watchWorkloads: a Kubernetes watch per collection (src/data/kube/watch.ts). */
  watchWorkloads(context: string, namespace: string, onChange: () => void): { dispose(): void } {
    return this.kube().watchWorkloads(context, namespace, onChange);
  }

  async historyRange(_target: MetricTarget): Promise<TimeRange> {
    const to = Math.floor(this.now() / this.step) * this.step;
    return { from: to - this.historyDays * 86400, to, step: this.step };
  }

  /** The frame plus what is missing (with selectors and hints) and its validation. */
  async metricsDetailed(target: MetricTarget, range: TimeRange, signal?: AbortSignal): Promise<DetailedFrame> {
    const w = target.workload;
    const b = await this.backend(w.context);
    if ('metricsServer' in b) {
      const workload = 'containers' in w ? w as Workload : (await this.workloads(w.context, w.namespace)).find((x) => x.kind === w.kind && x.name === w.name);
      if (!workload) throw new PrometheusError(`${w.kind} ${w.namespace}/${w.name} is not in the cluster`, 'empty');
      const f = (await b.metricsServer.frames(w.namespace, [workload], range.step)).get(workload)?.get(target.container ?? workload.containers[0]?.name ?? '');
      if (!f || f instanceof Error) throw f ?? new PrometheusError(`no container ${target.container} in ${w.kind} ${w.namespace}/${w.name}`, 'empty');
      return { frame: f, missing: [], warnings: [], validation: validateFrame(f) };
    }
    const queryTarget = { namespace: w.namespace, kind: w.kind, name: w.name, container: target.container };
    // The step the range is read at (grown on long ranges): rate windows and memory peaks cover it.
    const queries = metricQueries(queryTarget, this.queryConfig, range.step, frameGrid(range, b.prometheus.maxPoints).step);
    // OOM kills as the batched plan reads them (cAdvisor mode, as it), so memory is sized alike in either plan.
    const [fetched, oom] = await Promise.all([
      fetchFrame(b.prometheus, queries, range, signal),
      this.queryConfig.resources === 'cadvisor' ? workloadOomKills(b.prometheus, queryTarget, range, signal) : undefined,
    ]);
    if (!oom) return { ...fetched, validation: validateFrame(fetched.frame) };
    const frame = oom.oomKills ? { ...fetched.frame, oomKills: oom.oomKills } : fetched.frame;
    return { frame, missing: fetched.missing, warnings: [...new Set([...fetched.warnings, ...oom.warnings])], usageWarnings: fetched.usageWarnings, validation: validateFrame(frame) };
  }

  /**
   * Metrics a recommendation needs. Metrics Prometheus has no samples for are absent from the frame; when even CPU
   * and memory are missing there is nothing to recommend from, and the error names the selector to check.
   */
  async metrics(target: MetricTarget, range: TimeRange): Promise<MetricFrame> {
    const r = await this.withOldLabels(usable(await this.metricsDetailed(target, range)), target, range);
    if (r instanceof Error) throw r;
    return r;
  }

  /**
   * A "no samples" error for a workload whose cAdvisor series exist under pod_name/container_name (cAdvisor before
   * Kubernetes 1.16, or a relabelling on some scrape jobs only — the health check catches it only when every series has
   * them): the error says so, with the fix, instead of asking whether cAdvisor is scraped. Asked only on that error.
   */
  /**
   * Per context: whether any cAdvisor series carries pod_name, asked on the first workload without samples and kept
   * OLD_LABELS_TTL_SECONDS (the extension runs for days: a relabelling fixed or broken since shows within minutes).
   * A failed question is not kept: the next workload without samples asks again.
   */
  private readonly oldLabelSeries = new Map<string, { asked: number; any: Promise<boolean> }>();

  private async withOldLabels(r: MetricFrame | PrometheusError, target: MetricTarget, range: TimeRange): Promise<MetricFrame | PrometheusError> {
    if (!(r instanceof PrometheusError) || r.kind !== 'empty' || this.queryConfig.resources !== 'cadvisor') return r;
    const w = target.workload;
    const N = this.queryConfig.names;
    const sel = `namespace=${promString(w.namespace)},pod_name=~${promString(podNameRegex(w.kind, w.name))}${target.container ? `,container_name=${promString(target.container)}` : ''}`;
    try {
      const b = await this.backend(w.context);
      if ('metricsServer' in b) return r;
      const seconds = Math.max(60, Math.round(range.to - range.from));
      // One query per context says whether any series carries pod_name at all; only then is each empty workload asked
      // (idle CronJobs and scaled-to-zero Deployments would otherwise cost a range query each, undoing the batching).
      let cached = this.oldLabelSeries.get(w.context);
      if (!cached || !(this.now() - cached.asked < OLD_LABELS_TTL_SECONDS)) {
        const entry = { asked: this.now(), any: b.prometheus.query(`count(count_over_time(${N.cpu}{pod_name!=""}[${seconds}s]))`, range.to).then((x) => (x[0]?.v ?? 0) > 0) };
        entry.any.catch(() => {
          if (this.oldLabelSeries.get(w.context) === entry) this.oldLabelSeries.delete(w.context);
        });
        this.oldLabelSeries.set(w.context, entry);
        cached = entry;
      }
      // Not known (the question failed): this workload is asked directly.
      if (!(await cached.any.catch(() => true))) return r;
      const n = (await b.prometheus.query(`count(count_over_time(${N.cpu}{${sel}}[${seconds}s]))`, range.to))[0]?.v ?? 0;
      if (!(n > 0)) return r;
      return new PrometheusError(`no samples for ${N.cpu} with a "pod" label, but ${n} series of ${N.cpu}{${sel}} — they carry pod_name/container_name (cAdvisor before Kubernetes 1.16, or a relabelling): `
        + 'copy pod_name to pod and container_name to container with metric_relabel_configs in the kubelet/cAdvisor scrape job', 'empty');
    } catch {
      return r; // the first error stays the one reported
    }
  }

  /**
   * Every container's frame of `workloads` (all in `namespace`), workload by workload, with `missing` and validation.
   * The batched plan (src/data/prometheus/batch-plan.ts) unless `prometheusPlan: 'per-workload'` or process metrics.
   */
  async *metricsDetailedForNamespace(namespace: string, workloads: readonly Workload[], range: TimeRange, signal?: AbortSignal): AsyncGenerator<{ workload: Workload; containers: Map<string, DetailedFrame> }> {
    const detailed = (f: FetchedFrame): DetailedFrame => ({ ...f, validation: validateFrame(f.frame) });
    const b = await this.backend(workloads[0]?.context);
    if ('metricsServer' in b) {
      // metrics-server: one sample per container, marked as a snapshot (src/data/kube/metrics-server.ts).
      const frames = await b.metricsServer.frames(namespace, workloads, range.step);
      for (const workload of workloads) {
        const containers = new Map<string, DetailedFrame>();
        for (const [c, f] of frames.get(workload) ?? []) {
          if (f instanceof Error) {
            const frame: MetricFrame = { t: Float64Array.of(range.to), step: range.step, values: {} };
            const missing = [{ metric: 'cpu_usage' as const, promql: '', selector: `metrics.k8s.io PodMetrics of ${workload.kind} ${namespace}/${workload.name}`, hint: f.message }];
            containers.set(c, { frame, missing, warnings: [], validation: validateFrame(frame) });
          }
          else containers.set(c, detailed({ frame: f, missing: [], warnings: [] }));
        }
        yield { workload, containers };
      }
      return;
    }
    if ((this.options.prometheusPlan ?? 'batched') === 'batched' && this.queryConfig.resources === 'cadvisor') {
      for await (const item of batchedFrames(b.prometheus, this.queryConfig, namespace, workloads, range, { ...this.options.batch, signal })) {
        yield { workload: item.workload, containers: new Map([...item.containers].map(([c, f]) => [c, detailed(f)])) };
      }
      return;
    }
    for (const workload of workloads) {
      const containers = new Map<string, DetailedFrame>();
      for (const c of workload.containers) containers.set(c.name, await this.metricsDetailed({ workload, container: c.name }, range, signal));
      yield { workload, containers };
    }
  }

  /** DataSource.metricsForNamespace: what metrics() gives (or throws) for each container, a namespace at a time. */
  async *metricsForNamespace(_context: string, namespace: string, workloads: readonly Workload[], range: TimeRange, signal?: AbortSignal): AsyncGenerator<WorkloadMetrics> {
    for await (const item of this.metricsDetailedForNamespace(namespace, workloads, range, signal)) {
      const containers = new Map<string, MetricFrame | Error>();
      for (const [c, f] of item.containers) containers.set(c, await this.withOldLabels(usable(f), { workload: item.workload, container: c }, range));
      yield { workload: item.workload, containers };
    }
  }

  /**
   * The kubeconfig contexts a health check looks at: `named` (mora health --context) when given; else, when this
   * source is narrowed to some contexts (an object made from it with Object.create whose own contexts() lists them, as
   * `mora recommend --context a,b` makes), those; else the kubeconfig's current context — the one kubectl would use.
   * A name the kubeconfig lacks, no current context, or no kubeconfig at all: one failed check instead, sent before
   * anything is asked over the network. A narrowing wrapper's own error (an unknown name) is thrown as it is.
   */
  private async checkedContexts(named: readonly string[] | undefined, checkName: string): Promise<string[] | HealthCheck> {
    const failed = (message: string, problem: HealthProblem = 'bad-input'): HealthCheck => ({ name: checkName, ok: false, required: true, message, problem });
    let kube: KubeClient;
    try {
      kube = this.kube();
    } catch (e) {
      return failed((e as Error).message, problemOf(e));
    }
    const all = kube.contexts();
    const list = (): string => all.map((c) => `"${c}"`).join(', ') || 'none';
    const wanted = named ?? (this.contexts !== ClusterDataSource.prototype.contexts ? await this.contexts() : undefined);
    if (wanted) {
      const missing = wanted.filter((c) => !all.includes(c));
      if (missing.length) return failed(`no context ${missing.map((c) => `"${c}"`).join(', ')} in the kubeconfig ${kube.where}; its contexts: ${list()}`);
      return [...new Set(wanted)];
    }
    const current = kube.currentContext();
    // The way out in the caller's words: the CLI's --context, the editor's kubectl + Reload Kubeconfig (no flag to pass there).
    const hint = (this.options.kubeconfigHint ?? CLI_KUBECONFIG_HINT).noCurrentContext(kube.kubectl);
    if (!current) return failed(`the kubeconfig ${kube.where} sets no current-context — ${hint} (contexts: ${list()})`);
    if (!all.includes(current)) return failed(`the kubeconfig ${kube.where} sets current-context "${current}", which it does not define (contexts: ${list()}) — ${hint}`);
    return [current];
  }

  /**
   * Each check a person can act on: Prometheus, cAdvisor, app metrics, kube-state-metrics, the Kubernetes API — for
   * the contexts checkedContexts() names (`contexts`: mora health --context). Several contexts: each check's name says
   * which one it is about: kubernetes (context "b"); one Prometheus URL given for every context is checked once.
   * `signal` (Cancel): every request is aborted, and checks() rejects with the signal's reason instead of a FAIL per
   * check — a cancelled check failed nothing.
   */
  async checks(opts: { kubernetes?: boolean; contexts?: readonly string[]; signal?: AbortSignal } = {}): Promise<HealthCheck[]> {
    const { signal } = opts;
    signal?.throwIfAborted();
    const kubernetes = opts.kubernetes ?? true;
    const urlGiven = this.options.prometheus !== undefined || this.options.prometheusUrl !== undefined;
    let contexts: string[] = [];
    let unusable: HealthCheck | undefined;
    if (kubernetes || !urlGiven || opts.contexts) {
      const scope = await this.checkedContexts(opts.contexts, kubernetes || urlGiven ? 'kubernetes' : 'prometheus');
      if (Array.isArray(scope)) contexts = scope;
      else unusable = scope;
    }
    // Without a context there is no Prometheus to discover either: the one line is the whole answer. A Prometheus URL
    // given for every context is still checked.
    if (unusable && !urlGiven) return [unusable];
    const out: HealthCheck[] = [];
    const named = (name: string, context: string | undefined) => (context !== undefined && contexts.length > 1 ? `${name} (context "${context}")` : name);
    const perContext = await Promise.all((urlGiven ? [undefined] : contexts).map(async (context) => (await this.prometheusChecks(context, signal)).map((c) => ({ ...c, name: named(c.name, context) }))));
    out.push(...perContext.flat());
    if (unusable) out.push(unusable);
    else if (kubernetes) {
      const kube = this.kube();
      const results = await Promise.all(contexts.map(async (ctx): Promise<HealthCheck> => {
        try {
          const version = await kube.version(ctx, signal);
          return { name: named('kubernetes', ctx), ok: true, required: true, message: `Kubernetes ${version} (context "${ctx}", ${kube.contexts().length} context(s))` };
        } catch (e) {
          return { name: named('kubernetes', ctx), ok: false, required: true, message: (e as Error).message, problem: problemOf(e) };
        }
      }));
      out.push(...results);
    }
    signal?.throwIfAborted();
    return out;
  }

  /** Prometheus and what it should hold, for one context (undefined: the one Prometheus URL given for every context). */
  private async prometheusChecks(context: string | undefined, signal?: AbortSignal): Promise<HealthCheck[]> {
    const out: HealthCheck[] = [];
    const N = this.queryConfig.names;
    let up = false;
    let prometheus: PrometheusClient | undefined;
    try {
      // Discovery is shared (cached for the tree's reads too): Cancel ends the wait for it, not its requests.
      const b = await untilAborted(this.backend(context), signal);
      if ('metricsServer' in b) {
        out.push({ name: 'prometheus', ok: false, required: false, message: `${b.reason} — using metrics.k8s.io instead` });
        out.push({ name: 'metrics.k8s.io', ok: true, required: true, message: 'metrics-server answers: current usage only — recommendations are a snapshot (no history, no forecast, low confidence)' });
        throw undefined;
      }
      prometheus = b.prometheus;
      const { version } = await prometheus.buildInfo({ signal });
      const found = context === undefined ? undefined : this.discovered.get(context);
      out.push({ name: 'prometheus', ok: true, required: true, message: `Prometheus ${version} at ${found ? `${found.description} (discovered in context "${context}")` : prometheus.displayUrl}` });
      up = true;
    } catch (e) {
      if (e !== undefined) out.push({ name: 'prometheus', ok: false, required: true, message: (e as Error).message, problem: problemOf(e) });
    }
    if (up) {
      const probes: Array<[string, string, boolean, string]> = this.queryConfig.resources === 'process'
        ? [['process metrics', N.processCpu, true, 'does the process export process_* metrics?']]
        : [['cAdvisor', N.cpu, true, 'is cAdvisor (the kubelet\'s /metrics/cadvisor) scraped?'],
          ['kube-state-metrics', 'kube_deployment_status_replicas_ready', false, 'ready replicas will be missing; install kube-state-metrics']];
      probes.push(['app metrics', N.requests, false, `request rate, errors and latency will be missing; export ${N.requests} and ${N.durationBucket} or configure their names`]);
      for (const [name, metric, required, hint] of probes) {
        if (signal?.aborted) break;
        try {
          const at = this.options.now ? this.now() : undefined;
          // `{}`: the selector --prometheus-matchers / mora.prometheus.matchers go into (a bare name gets none).
          const r = await prometheus!.query(`count(${metric}{})`, at, { signal });
          const n = r[0]?.v ?? 0;
          const before = out.length;
          // cAdvisor before Kubernetes 1.16 (or a relabelling) names the labels pod_name / container_name: every
          // workload would be skipped as "no samples" while cAdvisor is scraped. Say so once, with the fix.
          const podless = n > 0 && name === 'cAdvisor' && !(await prometheus!.query(`count(${metric}{pod!=""})`, at, { signal }))[0]?.v;
          if (podless) {
            out.push({ name, ok: false, required, problem: 'no-data',
              message: `${n} series of ${metric}, none with a "pod" label — they carry pod_name/container_name (cAdvisor before Kubernetes 1.16, or a relabelling): copy pod_name to pod and container_name to container with metric_relabel_configs in the kubelet/cAdvisor scrape job` });
          } else if (n > 0 && name === 'cAdvisor') {
            out.push(await this.freshness(prometheus!, name, required, n, [metric, N.memoryWorkingSet], at, signal));
          } else if (n === 0 && name === 'cAdvisor') {
            // None within the 5-minute lookback — Prometheus' staleness: an instant query sees no series without a sample
            // in the last 5 minutes, while range reads of the history still hold them. Any in the history window? Then
            // the target stopped, and when: stale (a warning; the history up to then is read), not missing data.
            const last = await this.lastSampleAge(prometheus!, metric, at, signal);
            out.push(last === undefined
              ? { name, ok: false, required, message: `no samples for ${metric} — ${hint}`, problem: 'no-data' }
              : { name, ok: false, required, problem: 'no-data', lastSampleAgeSeconds: Math.round(last.age), stale: true,
                message: `no samples for ${metric} in the last 5 minutes: the newest is ${last.coarse ? 'about ' : ''}${ageWords(last.age)} old — ${STALE_FIX}` });
          } else out.push(n > 0
            ? { name, ok: true, required, message: `${n} series of ${metric}` }
            : { name, ok: false, required, message: `no samples for ${metric} — ${hint}`, problem: 'no-data' });
          // A partial answer: the count (or "none") may be short; said on the check's line, not dropped.
          if (r.warnings?.length && out.length > before) {
            const c = out[out.length - 1];
            c.message = `${c.message} — a partial answer, the count may be short: Prometheus warned: ${r.warnings.join('; ')}`;
            c.warnings = r.warnings;
          }
        } catch (e) {
          out.push({ name, ok: false, required, message: (e as Error).message, problem: problemOf(e) });
        }
      }
    }
    return out;
  }

  /**
   * Seconds since the newest sample of `metric`, when an instant query sees none (not in the last 5 minutes): looked
   * for in the last hour on a 1-minute grid, else over the history window (historyDays) on a 1-hour grid (`coarse`: up
   * to an hour older than it says, a sample between the grid's points is not seen). undefined: none in the window.
   */
  private async lastSampleAge(prometheus: PrometheusClient, metric: string, at: number | undefined, signal?: AbortSignal): Promise<{ age: number; coarse: boolean } | undefined> {
    const ask = async (window: string, resolution: string): Promise<number | undefined> => {
      const r = await prometheus.query(`time() - max(max_over_time(timestamp(${metric}{})[${window}:${resolution}]))`, at, { signal });
      return r[0] && Number.isFinite(r[0].v) ? r[0].v : undefined;
    };
    const hour = await ask('1h', '1m');
    if (hour !== undefined) return { age: hour, coarse: false };
    const hours = Math.ceil(this.historyDays * 24);
    if (hours <= 1) return undefined;
    const window = await ask(`${hours}h`, '1h');
    return window === undefined ? undefined : { age: window, coarse: true };
  }

  /**
   * The cAdvisor check once its series exist: how old the newest sample of each usage metric is at the check's time.
   * Older than STALE_SAMPLE_SECONDS (or more than that in the future: a clock ahead) fails, naming the metric, the age
   * and what to fix; else ok. `lastSampleAgeSeconds` is the oldest of the metrics' newest samples.
   */
  private async freshness(prometheus: PrometheusClient, name: string, required: boolean, n: number, metrics: string[], at: number | undefined, signal?: AbortSignal): Promise<HealthCheck> {
    const ages: Array<[string, number]> = [];
    for (const m of metrics) {
      const r = await prometheus.query(`time() - max(timestamp(${m}{}))`, at, { signal });
      if (r[0] && Number.isFinite(r[0].v)) ages.push([m, r[0].v]);
    }
    const base = `${n} series of ${metrics[0]}`;
    if (!ages.length) return { name, ok: true, required, message: base };
    const [worstMetric, worst] = ages.reduce((a, b) => (Math.abs(b[1]) > Math.abs(a[1]) ? b : a));
    const lastSampleAgeSeconds = Math.round(worst);
    if (worst > STALE_SAMPLE_SECONDS) {
      return { name, ok: false, required, problem: 'no-data', lastSampleAgeSeconds, stale: true,
        message: `${base}, but ${worstMetric}: newest sample is ${ageWords(worst)} old (none in the last ${ageWords(STALE_SAMPLE_SECONDS)}) — ${STALE_FIX}` };
    }
    if (worst < -STALE_SAMPLE_SECONDS) {
      return { name, ok: false, required, problem: 'no-data', lastSampleAgeSeconds, stale: true,
        message: `${base}, but ${worstMetric}: newest sample is ${ageWords(worst)} in the future — the clocks of the nodes and Prometheus differ: fix NTP on the nodes (samples carry the kubelet's timestamps)` };
    }
    return { name, ok: true, required, lastSampleAgeSeconds, message: base };
  }

  /**
   * Every check in one line. `signal` (the extension's Cancel): the requests are aborted and the answer comes at once,
   * saying the check was cancelled — not a FAIL per check that never got to answer.
   */
  async health(signal?: AbortSignal): Promise<SourceHealth> {
    let checks: HealthCheck[];
    try {
      // Raced too: a request waiting for one of the Prometheus client's slots (busy with the tree's reads) has not started.
      checks = await untilAborted(this.checks({ signal }), signal);
    } catch (e) {
      if (signal?.aborted) return cancelledHealth();
      throw e;
    }
    const bad = checks.filter((c) => c.required && !c.ok && !c.stale);
    // One fault (a dead API server, a bad kubeconfig) often fails discovery and the Kubernetes check alike: said once.
    if (bad.length) return { ok: false, message: [...new Set(bad.map((c) => c.message))].join('; '), problem: worstProblem(bad) };
    const warn = checks.filter((c) => !c.ok).map((c) => c.message);
    const stale = [...new Set(checks.filter((c) => !c.ok && c.stale).map((c) => `${c.name}: ${c.message}`))];
    return { ok: true, message: [checks.filter((c) => c.ok).map((c) => c.message).join('; '), ...warn].join('; '), ...(stale.length ? { stale } : {}) };
  }
}

/** What health() says when it was cancelled. */
export function cancelledHealth(): SourceHealth {
  return { ok: false, cancelled: true, message: 'health check cancelled before every check had answered' };
}

/** The frame, or — when even CPU and memory are missing — the error naming the selector to check. */
function usable({ frame, missing, warnings, usageWarnings }: FetchedFrame): MetricFrame | PrometheusError {
  if (!frame.values.cpu_usage && !frame.values.memory_working_set && frame.t.length > 0) {
    const q = missing.find((m) => m.metric === 'cpu_usage') ?? missing[0];
    // Refused, not empty: Prometheus' own message (too many samples, a tenant limit), not "no samples".
    if (q.rejected) return new PrometheusError(q.hint, 'query');
    return new PrometheusError(`no samples for ${q.selector} — ${q.hint}`, 'empty');
  }
  const rejected = missing.filter((m) => m.rejected);
  if (!rejected.length && !warnings.length) return frame;
  return {
    ...frame,
    ...(rejected.length ? { unavailable: Object.fromEntries(rejected.map((m) => [m.metric, m.hint])) } : {}),
    // Prometheus' warnings (a Thanos/Mimir partial response) travel with the frame, or the pipeline would never see them.
    ...(warnings.length ? { warnings } : {}),
    ...(warnings.length && usageWarnings ? { usageWarnings } : {}),
  };
}
