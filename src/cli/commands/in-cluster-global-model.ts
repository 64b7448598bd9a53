/**
 * `mora recommend --in-cluster -m fused|lstm` with N shards: the context's global LSTM (src/pipeline/global-lstm.ts) is
 * trained ONCE per run and shared, through the ConfigMap `mora-global-lstm` in the recommender's own namespace, which
 * is lock and artefact at once (src/data/kube/global-model-lock.ts; design in docs/IN-CLUSTER.md § Shared global LSTM).
 *
 *  - The first shard claims it and trains on a bounded, deterministic sample of workloads from ALL namespaces (not only
 *    its own: the model is the whole cluster's), read through the same batched Prometheus plan; a stale model is
 *    refreshed (fine-tuned) from the stored one by the same pipeline rules (REFRESH_MAX_DAYS); it stores the model
 *    (gzipped JSON state, base64 in binaryData) with its version and the last time it trained on.
 *  - The other shards wait for state=ready (up to a deadline) and use it; a holder whose lease ran out is taken over.
 *  - Either way the model is put in this run's own model cache, where the pipeline finds it up to date and uses it
 *    ("cached"), exactly as a laptop run uses its cached model.
 *  - Anything failing (RBAC, a timeout, the training itself): the shard runs fused on Prophet + the seasonal baseline
 *    (as the pipeline does when the global LSTM fails) and says so in its summary and self-metrics.
 * Without a namespace to share in ($MORA_NAMESPACE, else the pod's service-account namespace) the shard keeps the
 * pipeline's own behaviour (a model of its own shard, cached locally) and says that too.
 * With `--set lstm.global=<model.json>` (givenGlobalLstm) the user's saved model is the LSTM: nothing of the above runs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Workload } from '../../core/workload';
import type { DataSource } from '../../data/datasource';
import {
  ANNOTATIONS, GLOBAL_MODEL_KEY, acquireGlobalModel, configMapApi, isConflict, publishOrRelease, releaseFailed, renewLease,
  type ConfigMapApi, type ConfigMapObject,
} from '../../data/kube/global-model-lock';
import { fnv1a32 } from '../../data/kube/vpa-shard';
import type { ShardSpec } from '../../data/kube/vpa-shard';

const DAY = 86400;
const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export type GlobalModelOutcome = 'trained' | 'refreshed' | 'reused' | 'fallback' | 'local' | 'given';

/** What became of the shared model in this shard (its summary's `globalModel`, and a self-metric). */
export interface GlobalModelReport {
  /** trained / refreshed: this shard trained it and shared it; reused: it used the shared one; fallback: no LSTM in this
   * run (Prophet + baseline); local: not shared (no namespace), the pipeline's own per-shard model; given: the user's
   * saved model (`--set lstm.global`), the shared one neither read nor trained nor written. */
  outcome: GlobalModelOutcome;
  /** given: the model file, as `--set lstm.global` names it. */
  file?: string;
  /** given: the pool series every forecast is scaled as (`--set lstm.series`); absent, zero shot. */
  lstmSeries?: string;
  version?: number;
  /** The shard that trained the model in use ("shard 0/3"). */
  holder?: string;
  /** A holder whose lease this shard took over. */
  tookOverFrom?: string;
  series?: number;
  trainedThrough?: string;
  waitedSeconds?: number;
  /** The pipeline found this version up to date and forecast with it (set after the recommendations). */
  inUse?: true;
  reason?: string;
}

export interface SharedModelSettings {
  namespace?: string;
  /** A training holder is presumed dead after this. */
  leaseSeconds: number;
  /** A waiting shard gives up after this. */
  waitSeconds: number;
  pollSeconds: number;
  /** Series the trainer samples (about: whole workloads are taken, ~2 series each). */
  sampleSeries: number;
  /** Training epochs (tests: a tiny model); default the pipeline's. */
  epochs?: number;
}

const positive = (env: NodeJS.ProcessEnv, name: string, fallback: number): number => {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!(Number.isFinite(n) && n > 0)) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return n;
};

/** Settings from the environment (deploy/base's settings ConfigMap), with the namespace to share in. */
export function sharedModelSettings(env: NodeJS.ProcessEnv, readFile: (p: string) => string = (p) => fs.readFileSync(p, 'utf8')): SharedModelSettings {
  let namespace = env.MORA_NAMESPACE?.trim() || undefined;
  if (!namespace) {
    try { namespace = readFile(SA_NAMESPACE_FILE).trim() || undefined; } catch { /* not in a pod */ }
  }
  const epochs = env.MORA_GLOBAL_LSTM_EPOCHS?.trim() ? Math.round(positive(env, 'MORA_GLOBAL_LSTM_EPOCHS', 10)) : undefined;
  return {
    namespace,
    leaseSeconds: positive(env, 'MORA_GLOBAL_LSTM_LEASE_SECONDS', 900),
    waitSeconds: positive(env, 'MORA_GLOBAL_LSTM_WAIT_SECONDS', 1800),
    pollSeconds: positive(env, 'MORA_GLOBAL_LSTM_POLL_SECONDS', 5),
    sampleSeries: Math.round(positive(env, 'MORA_GLOBAL_LSTM_SAMPLE_SERIES', 500)),
    ...(epochs !== undefined ? { epochs } : {}),
  };
}

/** A deterministic sample of about `series` series' worth of workloads (2 per workload), spread over all namespaces by hash. */
export function sampleWorkloads(workloads: readonly Workload[], series: number): Workload[] {
  const k = Math.max(1, Math.ceil(series / 2));
  const keyed = workloads.map((w) => ({ w, h: fnv1a32(`${w.namespace}/${w.kind}/${w.name}`) }));
  keyed.sort((a, b) => a.h - b.h || (`${a.w.namespace}/${a.w.name}` < `${b.w.namespace}/${b.w.name}` ? -1 : 1));
  return keyed.slice(0, k).map((x) => x.w);
}

export function encodeArtefact(state: unknown): string {
  return gzipSync(Buffer.from(JSON.stringify(state), 'utf8'), { level: 9 }).toString('base64');
}

export function decodeArtefact(cm: ConfigMapObject): unknown {
  const b64 = cm.binaryData?.[GLOBAL_MODEL_KEY];
  if (!b64) throw new Error(`ConfigMap ${cm.metadata.name} holds no ${GLOBAL_MODEL_KEY}`);
  return JSON.parse(gunzipSync(Buffer.from(b64, 'base64')).toString('utf8')) as unknown;
}

export interface SharedModelInput {
  model: 'fused' | 'lstm';
  shard: ShardSpec;
  context: string;
  /** The whole cluster (every namespace), for the trainer's sample. */
  cluster: DataSource;
  /** Every namespace of the cluster. */
  namespaces: readonly string[];
  /** The run's data time, Unix seconds (MORA_NOW or now). */
  now: number;
  settings: SharedModelSettings;
  /** This run's model cache (the pipeline's cacheRoot). */
  cacheRoot: string;
  kubeconfig?: string;
  kubeContext?: string;
  /** Kubernetes API connect timeout (--connect-timeout); default 5 s, 0 = off. */
  connectTimeoutMs?: number;
  log: (line: string) => void;
  /** Tests: the ConfigMap API (default: the real one in settings.namespace). */
  api?: ConfigMapApi;
}

/** What the pipeline is to do: its global-LSTM settings, or the reason the LSTM is unavailable in this run. */
export interface SharedModelResult {
  report: GlobalModelReport;
  /** Set when the LSTM member must fail (fused then runs on Prophet + baseline). */
  unavailable?: string;
}

/**
 * Makes this run's global LSTM available to the pipeline in `cacheRoot` (trained here, or the shared one), or says why
 * there is none. Never throws.
 */
export async function sharedGlobalLstm(input: SharedModelInput): Promise<SharedModelResult> {
  const { settings, shard, context, log } = input;
  const holder = `shard ${shard.index}/${shard.count}`;
  if (!settings.namespace && !input.api) {
    return { report: { outcome: 'local', reason: 'no namespace to share the model in ($MORA_NAMESPACE, or the pod\'s service-account namespace): this shard uses its own global model' } };
  }
  const { forecastDefaults } = require('../../pipeline/recommend') as typeof import('../../pipeline/recommend');
  const g = require('../../pipeline/global-lstm') as typeof import('../../pipeline/global-lstm');
  const { GlobalLstmModel } = require('../../ml/lstm/global') as typeof import('../../ml/lstm/global');
  const cache = require('../../ml/lstm/global-cache') as typeof import('../../ml/lstm/global-cache');
  const step = forecastDefaults(input.model).step;
  const dir = cache.globalModelDir(input.cluster.kind, context, input.cacheRoot);
  // The pipeline's own rule (global-lstm.ts): up to date when it has seen the data up to this run's pool cutoff, less a day.
  const isFresh = (a: Record<string, string>) => {
    const through = Date.parse(a[ANNOTATIONS.trainedThrough] ?? '') / 1000;
    return a[ANNOTATIONS.step] === String(step) && Number.isFinite(through) && through > g.poolCutoff(input.now) - DAY;
  };
  let api: ConfigMapApi;
  let claim: ConfigMapObject | undefined;
  const fallback = (reason: string, extra: Partial<GlobalModelReport> = {}): SharedModelResult => {
    log(`mora in-cluster: global LSTM not available to ${holder} (${reason}); fused forecasts run on Prophet and the seasonal baseline`);
    return { report: { outcome: 'fallback', reason, ...extra }, unavailable: reason };
  };
  try {
    api = input.api ?? configMapApi(settings.namespace!, { kubeconfig: input.kubeconfig, context: input.kubeContext, connectTimeoutMs: input.connectTimeoutMs });
    const d = await acquireGlobalModel(api, {
      holder, leaseMs: settings.leaseSeconds * 1000, waitMs: settings.waitSeconds * 1000, pollMs: settings.pollSeconds * 1000, isFresh,
    }, settings.namespace);
    if (d.role === 'fallback') return fallback(d.reason, { waitedSeconds: Math.round(d.waitedMs / 100) / 10 });
    if (d.role === 'reader') {
      const model = GlobalLstmModel.fromJSON(decodeArtefact(d.cm));
      cache.writeCachedGlobal(dir, model);
      const a = d.cm.metadata.annotations ?? {};
      log(`mora in-cluster: ${holder} uses the shared global LSTM v${model.version} trained by ${a[ANNOTATIONS.holder] ?? '?'} (through ${a[ANNOTATIONS.trainedThrough] ?? '?'})`);
      return { report: { outcome: 'reused', version: model.version, holder: a[ANNOTATIONS.holder], trainedThrough: a[ANNOTATIONS.trainedThrough], series: Number(a[ANNOTATIONS.series]) || undefined, waitedSeconds: Math.round(d.waitedMs / 100) / 10 } };
    }
    claim = d.cm;
    // The trainer. A stored model is the base: in the cache, the pipeline refreshes it (or retrains when too old).
    if (d.base) {
      try { cache.writeCachedGlobal(dir, GlobalLstmModel.fromJSON(decodeArtefact(d.base))); } catch (e) { log(`mora in-cluster: the stored global LSTM is unreadable (${(e as Error).message.split('\n')[0]}); training a new one`); }
    }
    log(`mora in-cluster: ${holder} ${d.tookOverFrom ? `took over the global LSTM from ${d.tookOverFrom} (lease expired) and ` : ''}trains it for every shard`);
    const all: Workload[] = [];
    for (const ns of input.namespaces) {
      try { all.push(...await input.cluster.workloads(context, ns)); } catch { /* unreadable namespace: the sample goes on without it */ }
    }
    const sample = sampleWorkloads(all, settings.sampleSeries);
    let kind: 'trained' | 'refreshed' | undefined;
    let warning: string | undefined;
    // The heartbeat: renewed every third of the lease while the training runs (in a worker: this thread is free).
    let renewing: Promise<void> = Promise.resolve();
    let lost: string | undefined;
    const heartbeat = setInterval(() => {
      renewing = renewing.then(async () => {
        if (!claim || lost) return;
        try {
          claim = await renewLease(api, claim, Date.now());
        } catch (e) {
          const message = (e as Error).message.split('\n')[0];
          // Only a 409 says another shard holds it now; a timeout or a refused connection is tried again at the next beat.
          if (isConflict(e)) lost = message;
          else log(`mora in-cluster: ${holder} could not renew its lease on the global LSTM (${message}); trying again in ${Math.round(settings.leaseSeconds / 3)} s`);
        }
      });
    }, Math.max(1000, (settings.leaseSeconds * 1000) / 3));
    let trained;
    try {
      trained = await g.contextLstm(input.cluster, context, sample, step, {
      cacheRoot: input.cacheRoot, ...(settings.epochs !== undefined ? { train: { epochs: settings.epochs }, refresh: { epochs: settings.epochs } } : {}),
      }, (e) => {
        if (e.kind === 'trained' || e.kind === 'refreshed') kind = e.kind;
        if (e.kind === 'warning') warning = e.message;
        if (e.kind !== 'epoch') { const line = g.describeGlobalEvent(e); if (line) log(line); }
      });
    } finally {
      clearInterval(heartbeat);
      await renewing;
    }
    const { model } = trained;
    if (!model) throw new Error(warning ?? 'no model');
    const trainedThrough = new Date(cache.coveredTo(model) * 1000).toISOString();
    const series = Object.keys(model.state.scalers).length;
    const report: GlobalModelReport = { outcome: kind ?? 'trained', version: model.version, holder, series, trainedThrough, ...(d.tookOverFrom ? { tookOverFrom: d.tookOverFrom } : {}) };
    try {
      if (lost) throw new Error(`lost the lease while training (${lost})`);
      await publishOrRelease(api, claim!, { artefact: encodeArtefact(model.toJSON()), version: model.version, trainedThrough, step, series });
    } catch (e) {
      // Trained but not shared (its lease was taken over, or the write failed and the claim is released as failed, so
      // the others fall back instead of waiting out the lease): this shard still uses what it trained.
      claim = undefined;
      const reason = `trained but not shared: ${(e as Error).message.split('\n')[0]}`;
      log(`mora in-cluster: ${holder}: the global LSTM was ${reason}`);
      return { report: { ...report, reason } };
    }
    claim = undefined;
    return { report };
  } catch (e) {
    const reason = (e as Error).message.split('\n')[0];
    // The others should not wait out the lease for a training that already failed here.
    if (claim) {
      await releaseFailed(api!, claim, reason).catch((err: unknown) => {
        log(`mora in-cluster: ${holder} could not mark the global LSTM as failed (${(err as Error).message.split('\n')[0]}); the other shards may wait for it until its lease (${settings.leaseSeconds} s) runs out`);
      });
    }
    // The model is in the cache only on success; make sure a half-written base is not used by the pipeline either.
    fs.rmSync(dir, { recursive: true, force: true });
    return fallback(reason);
  }
}

/**
 * `--set lstm.global=<model.json>`: the user's saved global LSTM is this shard's LSTM, as on a laptop (the pipeline
 * forecasts every workload with it and trains no global model: recommend.ts usesGlobalLstm). So the shared model is not
 * claimed, trained nor published, its ConfigMap not even read. The file was checked with forecast's own messages
 * (forecast-options.ts, `--set: lstm.global: cannot use …`, exit 2) before the cluster was asked anything; this reads it
 * again for the report. The other `lstm.*` keys that differ from the defaults shape nothing here and are named in
 * `warnings` (as the pipeline names them for a context's own global LSTM, a053b67).
 */
export function givenGlobalLstm(model: 'fused' | 'lstm', options: Readonly<Record<string, string>> & { global: string }, shard: ShardSpec): { report: GlobalModelReport; lines: string[]; warnings: string[] } {
  const { loadGlobalLstm } = require('../../ml/lstm/global') as typeof import('../../ml/lstm/global');
  const { coveredTo } = require('../../ml/lstm/global-cache') as typeof import('../../ml/lstm/global-cache');
  const { forecastDefaults, givenGlobalLstmWarning } = require('../../pipeline/recommend') as typeof import('../../pipeline/recommend');
  const file = options.global;
  const m = loadGlobalLstm(file);
  const series = Object.keys(m.state.scalers).length;
  const through = coveredTo(m);
  const trainedThrough = Number.isFinite(through) ? new Date(through * 1000).toISOString() : undefined;
  const report: GlobalModelReport = {
    outcome: 'given', file, ...(options.series !== undefined ? { lstmSeries: options.series } : {}), version: m.version, series, ...(trainedThrough ? { trainedThrough } : {}),
  };
  const as = options.series !== undefined ? `every workload scaled as the pool's series "${options.series}"` : 'zero shot (each workload scaled by its own history)';
  const lines = [`mora in-cluster: shard ${shard.index}/${shard.count} forecasts with the given global LSTM ${file} (v${m.version}, ${series} series${trainedThrough ? `, trained through ${trainedThrough}` : ''}), ${as}; the shared model is not used, trained nor written`];
  // The laptop's recommend and mora forecast say the same (pipeline/recommend.ts givenGlobalLstmWarning).
  const warning = givenGlobalLstmWarning(options, forecastDefaults(model).modelOptions?.lstm);
  const warnings = warning ? [warning] : [];
  return { report, lines, warnings };
}

/** This run's own model cache: a fresh directory (a pod's /tmp), removed by the caller. */
export function runCacheRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mora-in-cluster-model-'));
}
