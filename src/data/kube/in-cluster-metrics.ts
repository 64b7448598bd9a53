/**
 * Self-metrics of one in-cluster recommender shard (`mora recommend --in-cluster`), with prom-client. A shard is a
 * short-lived Job pod that nothing scrapes, so the metrics leave at the end of the run: pushed to a Pushgateway
 * (`--pushgateway`, grouped by job "mora-recommender" and the shard index) and/or written as OpenMetrics text
 * (`--metrics-file`). Every series carries `shard` and `shards`; deploy/components/alerts alerts on them.
 *
 * Pushes are POSTs (pushAdd): a failed run replaces the counters and `run_success`, but leaves the last successful
 * run's `last_success_timestamp_seconds` in the Pushgateway, so "stale recommendations" stays measurable.
 */
import { Counter, Gauge, Pushgateway, Registry, type RegistryContentType } from 'prom-client';
import type { Recommendation } from '../../core/recommendation';
import type { ShardSpec } from './vpa-shard';
import { stripUserinfo } from '../../core/redact';

/** The Pushgateway job name (and the `job` label of the pushed series). */
export const PUSH_JOB = 'mora-recommender';
const P = 'mora_recommender_';

/** What happened to one MOrA VPA (the shard summary's outcomes). */
export type VpaOutcomeKind = 'written' | 'unchanged' | 'no-recommendation' | 'failed';
/** Why a workload got no recommendation: the VPA condition reason MOrA writes (bounded, so a safe label value). */
export type SkipReason = 'TargetNotFound' | 'NoMetrics';
export type Phase = 'list' | 'create' | 'recommend' | 'write';
/** What became of a VPA MOrA meant to create (--create-vpas). */
export type CreatedOutcomeKind = 'created' | 'exists' | 'taken' | 'failed';

export class InClusterMetrics {
  /** Either exposition format: Prometheus text for the Pushgateway, OpenMetrics for the file. */
  readonly registry = new Registry<RegistryContentType>();
  private readonly startedAt: number;
  private readonly recommended: Counter;
  private readonly skipped: Counter<'reason'>;
  private readonly vpas: Counter<'outcome'>;
  private readonly writes: Counter;
  private readonly prometheusRequests: Counter<'result'>;
  private readonly modelErrors: Counter;
  private readonly phases: Gauge<'phase'>;
  private readonly namespaces: Gauge;
  /** Created on first knowledge: a gauge that was never set would read 0 ("unreachable") or 1970 ("never succeeded"). */
  private reachable?: Gauge;
  /** Only in runs with --create-vpas. */
  private created?: Counter<'outcome'>;
  private finished = false;
  shard?: ShardSpec;

  constructor(private readonly clock: () => number = Date.now) {
    this.startedAt = clock();
    const r = [this.registry];
    this.recommended = new Counter({ name: `${P}workloads_recommended_total`, help: 'Workloads targeted by a MOrA VPA that got a recommendation in this run.', registers: r });
    this.skipped = new Counter({ name: `${P}workloads_skipped_total`, help: 'MOrA VPAs left without a recommendation, by the reason written in their RecommendationProvided condition.', labelNames: ['reason'], registers: r });
    this.vpas = new Counter({ name: `${P}vpas_total`, help: 'MOrA VPAs of the shard by outcome: written, unchanged, no-recommendation, failed.', labelNames: ['outcome'], registers: r });
    this.writes = new Counter({ name: `${P}vpa_status_writes_total`, help: 'Status writes (verticalpodautoscalers/status patches) sent to the API server.', registers: r });
    this.prometheusRequests = new Counter({ name: `${P}prometheus_requests_total`, help: 'HTTP requests to Prometheus by result: ok, or error (no answer, or a 5xx).', labelNames: ['result'], registers: r });
    this.modelErrors = new Counter({ name: `${P}model_errors_total`, help: 'Forecast model runs that failed (the window rule was used instead).', registers: r });
    this.phases = new Gauge({ name: `${P}phase_duration_seconds`, help: 'Seconds the shard spent per phase: list (namespaces, VPAs), recommend, write.', labelNames: ['phase'], registers: r });
    this.namespaces = new Gauge({ name: `${P}shard_namespaces`, help: 'Namespaces in this shard.', registers: r });
    for (const o of ['written', 'unchanged', 'no-recommendation', 'failed'] as const) this.vpas.inc({ outcome: o }, 0);
    for (const s of ['TargetNotFound', 'NoMetrics'] as const) this.skipped.inc({ reason: s }, 0);
    for (const s of ['ok', 'error'] as const) this.prometheusRequests.inc({ result: s }, 0);
  }

  /** Labels every series with the shard; call once the shard is known. */
  setShard(shard: ShardSpec, namespaces?: number): void {
    this.shard = shard;
    this.registry.setDefaultLabels({ shard: String(shard.index), shards: String(shard.count) });
    if (namespaces !== undefined) this.namespaces.set(namespaces);
  }

  setNamespaces(n: number): void { this.namespaces.set(n); }
  addRecommended(n: number): void { this.recommended.inc(n); }
  addModelErrors(n: number): void { if (n > 0) this.modelErrors.inc(n); }
  addWrites(n: number): void { if (n > 0) this.writes.inc(n); }
  vpa(outcome: VpaOutcomeKind, skipped?: SkipReason): void {
    this.vpas.inc({ outcome });
    if (skipped) this.skipped.inc({ reason: skipped });
  }
  phase(phase: Phase, seconds: number): void { this.phases.set({ phase }, seconds); }

  /** A run with --create-vpas: the series exist (at 0) from the start of creation, then one per VPA MOrA meant to create. */
  vpaCreated(outcome?: CreatedOutcomeKind): void {
    if (!this.created) {
      this.created = new Counter({ name: `${P}vpas_created_total`, help: 'VPAs MOrA meant to create (--create-vpas) by outcome: created, exists (a rerun found it), taken (the name holds another VPA), failed.', labelNames: ['outcome'], registers: [this.registry] });
      for (const o of ['created', 'exists', 'taken', 'failed'] as const) this.created.inc({ outcome: o }, 0);
    }
    if (outcome) this.created.inc({ outcome });
  }

  /**
   * `-m fused|lstm`: what became of the shared global LSTM in this shard (outcome: trained, refreshed, reused,
   * fallback, local, given) and the version in use. `fallback` = this run's forecasts had no LSTM (Prophet + baseline);
   * `given` = the user's saved model (`--set lstm.global`), the shared one not used.
   */
  globalModel(outcome: 'trained' | 'refreshed' | 'reused' | 'fallback' | 'local' | 'given', version?: number): void {
    const g = new Gauge({ name: `${P}global_model`, help: 'The shared global LSTM in this shard: 1 for its outcome (trained, refreshed, reused, fallback: no LSTM in this run, local: not shared, given: the --set lstm.global model instead).', labelNames: ['outcome'], registers: [this.registry] });
    for (const o of ['trained', 'refreshed', 'reused', 'fallback', 'local', 'given'] as const) g.set({ outcome: o }, o === outcome ? 1 : 0);
    if (version !== undefined) new Gauge({ name: `${P}global_model_version`, help: 'Version of the global LSTM this shard used: the shared one (1 when trained, +1 per refresh), or the given one.', registers: [this.registry] }).set(version);
  }

  /** One Prometheus request: answered (any status below 500) or not (transport error, 5xx). */
  prometheusRequest(ok: boolean): void {
    this.prometheusRequests.inc({ result: ok ? 'ok' : 'error' });
    this.prometheusReachable(ok);
  }

  /** The last thing known about Prometheus: 1 it answered, 0 it did not. */
  prometheusReachable(up: boolean): void {
    this.reachable ??= new Gauge({ name: `${P}prometheus_reachable`, help: '1 when the last Prometheus request of the run was answered, 0 when Prometheus could not be reached.', registers: [this.registry] });
    this.reachable.set(up ? 1 : 0);
  }

  /** Ends the run: its duration, success, and (on success only) the last-success timestamp. Idempotent. */
  finish(success: boolean): void {
    if (this.finished) return;
    this.finished = true;
    const now = this.clock();
    const r = [this.registry];
    new Gauge({ name: `${P}run_start_time_seconds`, help: 'Unix time the shard run started.', registers: r }).set(this.startedAt / 1000);
    new Gauge({ name: `${P}shard_duration_seconds`, help: 'Wall time of this shard\'s run, seconds.', registers: r }).set((now - this.startedAt) / 1000);
    new Gauge({ name: `${P}run_success`, help: '1 when the shard\'s last run gave every MOrA VPA a status, else 0.', registers: r }).set(success ? 1 : 0);
    if (success) new Gauge({ name: `${P}last_success_timestamp_seconds`, help: 'Unix time of the shard\'s last successful run.', registers: r }).set(now / 1000);
  }

  /** The metrics as OpenMetrics text (ends with `# EOF`). */
  async openMetrics(): Promise<string> {
    const was = this.registry.contentType;
    this.registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    try {
      return await this.registry.metrics();
    } finally {
      this.registry.setContentType(was);
    }
  }

  /** POSTs the metrics (Prometheus text format, which every Pushgateway reads) to job "mora-recommender", shard i. */
  async push(url: string, timeoutMs = 10_000): Promise<void> {
    const gateway = new Pushgateway(url, { timeout: timeoutMs }, this.registry);
    await gateway.pushAdd({ jobName: PUSH_JOB, groupings: this.shard ? { shard: String(this.shard.index) } : undefined });
  }
}

/** Checks a Pushgateway URL up front (a typo is a usage error before the run, not a lost push after it). */
export function checkPushgatewayUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--pushgateway "${stripUserinfo(url)}" is not a URL: give the Pushgateway's base URL, e.g. http://pushgateway.monitoring:9091`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`--pushgateway "${stripUserinfo(url)}" must start with http:// or https://`);
  return url;
}

/** A fetch that reports each request's result to the metrics (a 5xx or no answer counts as an error). */
export function countingFetch(inner: typeof fetch, metrics: InClusterMetrics): typeof fetch {
  return async (input, init) => {
    try {
      const res = await inner(input, init);
      metrics.prometheusRequest(res.status < 500);
      return res;
    } catch (e) {
      // An abort is the caller's choice, not Prometheus' fault.
      if ((e as { name?: string }).name !== 'AbortError') metrics.prometheusRequest(false);
      throw e;
    }
  };
}

/**
 * Forecast runs that failed in a recommendation: the engine falls back to the window rule and notes
 * "forecast not used: <method> failed (…)" on the resource (rightsizing/engine/resource.ts).
 */
export function modelErrorsOf(rec: Recommendation): number {
  let n = 0;
  for (const c of rec.containers) {
    for (const r of [c.cpu, c.memory]) {
      if (r?.evidence.notes.some((note) => /^forecast not used: \S+ failed \(/.test(note))) n++;
    }
  }
  return n;
}
