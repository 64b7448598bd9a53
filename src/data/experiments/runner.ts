/**
 * A load experiment: one service at one replica count, driven through a list of load levels (requests/s), each for
 * a fixed time, while Prometheus scrapes the service. Afterwards the 12 metrics are read back from Prometheus over
 * the whole run and written, atomically, as `<id>.csv` (unified rows, see csv.ts) and `<id>.json` (config, timings,
 * validation, per-level summary).
 *
 * Cancelling (AbortSignal; the CLI wires SIGINT to it) stops the running level at once; the levels that completed are
 * still read back and written, with status "partial" — also when the cancel comes while waiting for the replicas or for
 * Prometheus' first scrapes, before any level (then the record has no rows). A Prometheus failure after the load still writes the JSON
 * (status "failed", the timings and the error) so the run is not lost.
 *
 * The JSON is first written when the run starts (status "running", with the `scaling` note of a plan that changed the
 * workload's replicas), so a run that dies leaves a record of what it changed. URLs are stored without credentials
 * (userinfo, and the values of ?token= / ?api_key= and the like: `***`).
 *
 * A level where no request succeeded, or more than half failed, is marked failed (`timings.levels[].failed`); a level
 * nobody answered at all means the target is down, so the remaining levels are not sent. A run whose every level
 * failed is "failed", not "complete".
 */
import { writeFileAtomic } from '../../core/atomic-write';
import { METRIC_NAMES, type MetricName } from '../../core/metrics';
import type { WorkloadKind } from '../../core/workload';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PrometheusClient, authFromEnv, type PrometheusAuth, type PrometheusClientOptions } from '../prometheus/client';
import { PrometheusError, SECRET_PARAM_NAME, redact } from '../prometheus/errors';
import { fetchFrame } from '../prometheus/frame';
import { DEFAULT_METRIC_NAMES, DEFAULT_QUERY_CONFIG, metricQueries, promString, rateWindow, type QueryConfig } from '../prometheus/queries';
import { validateFrame, type FrameValidation } from '../validation';
import { experimentCsv } from './csv';
import { runLoadLevel, type LoadRunner, type LoadStats } from './load';
import { rateShortfall, saturationNote } from './quality';
import { MIN_ACHIEVED_SHARE } from './thresholds';

export interface ExperimentConfig {
  /** Name used in file names and the JSON. */
  service: string;
  targetUrl: string;
  prometheusUrl: string;
  /** Requests per second, one level after the other. */
  levels: number[];
  durationSeconds: number;
  /** Replicas serving during the run (recorded; a plan runner may set them first). */
  replicas: number;
  outDir: string;
  /** Prometheus' scrape interval for the target: sets the query step and the rate() window (4 scrapes). Default 15. */
  scrapeIntervalSeconds?: number;
  /** Wait after the last level so Prometheus scrapes it. Default 2 scrape intervals + 1 s. */
  settleSeconds?: number;
  connections?: number;
  /** Cap on requests per level; default rate × duration × 1.1. */
  maxRequestsPerLevel?: number;
  /** PromQL label matchers for the service's series; default instance="<host:port of targetUrl>". */
  selector?: string;
  /** A Kubernetes workload: read CPU/memory from cAdvisor for it instead of the process_* metrics. */
  workload?: { namespace: string; kind: WorkloadKind; name: string; container?: string };
  queries?: Partial<QueryConfig>;
}

export type ExperimentProgress =
  | { phase: 'level-start'; index: number; total: number; level: number }
  | { phase: 'level-done'; index: number; total: number; level: number; stats: LoadStats; failed?: string; saturated?: string }
  | { phase: 'scrapes'; wait: ScrapeWait }
  | { phase: 'settling'; seconds: number }
  | { phase: 'querying' }
  | { phase: 'written'; csv: string; json: string; status: ExperimentStatus };

/** `running` only while the run is under way (or in the file of a run that died). */
export type ExperimentStatus = 'running' | 'complete' | 'partial' | 'failed';

/** A level with a larger share of failed requests (errors, timeouts and non-2xx answers) is marked failed. */
export const MAX_FAILED_SHARE = 0.5;

/**
 * What an experiment plan changed on the cluster: the workload's replica count before the plan scaled it, and whether
 * it was put back. Written into the JSON when the run starts, so a crash leaves the note.
 */
export interface ScalingNote {
  workload: string;
  namespace: string;
  context?: string;
  originalReplicas: number;
  /** Set to true once the plan has scaled the workload back to originalReplicas. */
  restored: boolean;
  /** The command that puts it back by hand. */
  restoreCommand: string;
  restoreError?: string;
  /** The replica count the experiment last set (written before it sets it): restore writes back only over this one. */
  scaledTo?: number;
  /**
   * Why originalReplicas was not written back: the count was no longer the one the experiment set (someone or
   * something changed it during the run), and MOrA does not overwrite that. The note is settled, not pending.
   */
  restoreSkipped?: string;
}

/** The options of the client a run builds when none is given: the config's URL, the hooks' auth (else the environment's) and note hook. */
export function experimentPrometheusOptions(config: Pick<ExperimentConfig, 'prometheusUrl'>, hooks: Pick<ExperimentHooks, 'prometheusAuth' | 'onPrometheusNote' | 'prometheusTimeoutMs' | 'prometheusTimeoutHint'>): PrometheusClientOptions {
  return { url: config.prometheusUrl, auth: hooks.prometheusAuth ?? authFromEnv(), timeoutMs: hooks.prometheusTimeoutMs, timeoutHint: hooks.prometheusTimeoutHint, onNote: hooks.onPrometheusNote };
}

export interface ExperimentHooks {
  signal?: AbortSignal;
  onProgress?: (e: ExperimentProgress) => void;
  /** Load generator (default: autocannon). */
  load?: LoadRunner;
  prometheus?: PrometheusClient;
  prometheusAuth?: PrometheusAuth;
  /** MOrA's own timeout of each request of the client built here (--prometheus-timeout); default 30 s. */
  prometheusTimeoutMs?: number;
  /** Where that timeout is set, named by its messages (PrometheusClientOptions.timeoutHint). */
  prometheusTimeoutHint?: string;
  /** PrometheusClientOptions.onNote of the client built here (a read split after a timeout); `mora experiment` says it on stderr. */
  onPrometheusNote?: (note: string) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** The clock and report interval of the wait for the target's first scrapes (tests); default Date.now, every 30 s. */
  scrapeWait?: ScrapeWaitTiming;
  /** Recorded in the JSON from the start (a plan that scales a workload passes its original replica count). */
  scaling?: ScalingNote;
  /** Runs after the first JSON (`jsonPath`) is written and before the load (a plan scales the workload here). */
  prepare?: (jsonPath: string) => Promise<void>;
  /** The file name (in the out folder) of the lock the run holds while it scales: recorded as the JSON's `lock`. */
  lockFile?: string;
}

export interface LevelTiming {
  level: number;
  start: number;
  end: number;
  stats: LoadStats;
  /** Why the level failed (no request succeeded, or more than MAX_FAILED_SHARE of them failed); absent when it did not. */
  failed?: string;
  /** Served short of its asked rate (the plan quality gate's rule): the service, or the connections, were the limit. */
  saturated?: string;
}

export interface LevelSummary {
  level: number;
  /** Rows whose whole rate window lies inside the level (steady state; never a window reaching into the next level). */
  rows: number;
  /** Served short of its asked rate: the level's saturation note (also in timings and the validation messages). */
  saturated?: boolean;
  /** Why the level has no steady rows (its duration is shorter than the rate window plus a step), when it has none. */
  note?: string;
  means: Partial<Record<MetricName, number>>;
  maxima: Partial<Record<MetricName, number>>;
  /** CPU cores per request/s: how the service's CPU grows with load. */
  cpuPerRequest: number;
}

export interface ExperimentDocument {
  schema: 'mora.experiment/1';
  id: string;
  status: ExperimentStatus;
  interrupted?: string;
  error?: string;
  config: Omit<ExperimentConfig, 'outDir'> & { stepSeconds: number; rateWindowSeconds: number };
  timings: { started: number; finished: number; levels: LevelTiming[] };
  validation?: Pick<FrameValidation, 'ok' | 'confidence' | 'messages' | 'absent'> & {
    metrics: Partial<Record<MetricName, { samples: number; completeness: number; marks: string[] }>>;
  };
  summary?: { levels: LevelSummary[]; missing: Array<{ metric: MetricName; selector: string; hint: string }>; warnings: string[] };
  files: { csv?: string; json: string };
  scaling?: ScalingNote;
  /**
   * The lock (a file name beside the JSON: pid, host, start) the run held while it scaled the workload. While its
   * holder lives the run is going on, and a plan does not take its note for a killed run's (other-notes.ts).
   */
  lock?: string;
}

export interface ExperimentResult {
  document: ExperimentDocument;
  csvPath?: string;
  jsonPath: string;
}

/** A URL component decoded (`+` as a space, as in a query), or as it is when it does not decode. */
function decoded(x: string): string {
  try {
    return decodeURIComponent(x.replace(/\+/g, ' '));
  } catch {
    return x;
  }
}

/** The credentials a URL carries: its password and the values of its credential query parameters, as written and decoded. */
function urlCredentials(url: string | undefined): string[] {
  if (!url) return [];
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [];
  }
  const out = [u.password, decoded(u.password)];
  for (const part of u.search.slice(1).split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0 && SECRET_PARAM_NAME.test(decoded(part.slice(0, eq)))) out.push(part.slice(eq + 1), decoded(part.slice(eq + 1)));
  }
  return [...new Set(out.filter(Boolean))];
}

/**
 * An error's text as an experiment stores it (the JSON's `error`, a plan cell's, a scaling note's `restoreError`):
 * without the credentials of the URLs the run was given — userinfo dropped, credential query values (?token=,
 * ?api_key=) `***`, also where the text quotes a value alone (a load driver's log, a server's echo). `e` is left as it
 * is (it may be frozen, or a DOMException such as an AbortError, whose message cannot be set): what is thrown on is
 * redactedError's.
 */
export function storedErrorText(e: unknown, urls: ReadonlyArray<string | undefined>): string {
  return redact(messageOf(e), urls.flatMap(urlCredentials));
}

/**
 * The error to throw in place of `e`, redacted as storedErrorText: `e` itself where its message and stack quote no
 * credential of `urls`, else a new error of `e`'s class (instanceof and `name` hold, and its own fields, e.g. a
 * PrometheusError's kind and status, string fields redacted too) with the redacted message and stack, whose `cause` is
 * `e`'s cause redacted the same way — never `e`, which still quotes the credential. `e` is not changed.
 */
export function redactedError(e: unknown, urls: ReadonlyArray<string | undefined>): unknown {
  return redactedCopy(e, urls.flatMap(urlCredentials), 0);
}

function messageOf(e: unknown): string {
  try {
    return (e as Error)?.message ?? String(e);
  } catch {
    return String(e);
  }
}

function redactedCopy(e: unknown, secrets: string[], depth: number): unknown {
  if (typeof e === 'string') return redact(e, secrets);
  if (!(e instanceof Error) || depth > 8) return e;
  const message = messageOf(e);
  const stack = typeof e.stack === 'string' ? e.stack : undefined;
  const cause = 'cause' in e ? redactedCopy(e.cause, secrets, depth + 1) : undefined;
  const fields = Object.keys(e).filter((k) => k !== 'message' && k !== 'stack' && k !== 'cause');
  const read = (k: string): unknown => (e as unknown as Record<string, unknown>)[k];
  const clean = (v: unknown): unknown => (typeof v === 'string' ? redact(v, secrets) : v);
  const same = redact(message, secrets) === message && (stack === undefined || redact(stack, secrets) === stack)
    && (!('cause' in e) || cause === e.cause) && fields.every((k) => clean(read(k)) === read(k));
  if (same) return e;
  // An ordinary error (its message its own field, as Error and its JS subclasses have) keeps its class; a host
  // object's (DOMException: message and name are the prototype's getters) becomes an Error of the same name.
  let copy: Error | undefined;
  if (Object.getOwnPropertyDescriptor(e, 'message') !== undefined) {
    try {
      copy = Reflect.construct(Error, [redact(message, secrets)], e.constructor) as Error; // the class, not its constructor's code
    } catch {
      // a constructor that is not one (e.g. overwritten): a plain Error below
    }
  }
  const ordinary = copy !== undefined;
  copy ??= new Error(redact(message, secrets));
  const set = (k: string, value: unknown) => Object.defineProperty(copy, k, { value, writable: true, configurable: true, enumerable: k !== 'cause' });
  if (!ordinary) set('name', e.name);
  for (const k of fields) set(k, clean(read(k)));
  if ('cause' in e) set('cause', cause);
  Object.defineProperty(copy, 'stack', { value: stack === undefined ? undefined : redact(stack, secrets), writable: true, configurable: true, enumerable: false });
  return copy;
}

export function experimentId(service: string, replicas: number, startedUnix: number): string {
  const slug = service.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'service';
  const ts = new Date(startedUnix * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${slug}-r${replicas}-${ts}`;
}

export function validateExperimentConfig(c: ExperimentConfig): void {
  if (!c.levels.length) throw new Error('no load levels; give e.g. --levels 10,50,100 (requests per second)');
  for (const l of c.levels) if (!(l > 0) || !Number.isFinite(l)) throw new Error(`load level ${l} is not a positive request rate`);
  if (!(c.durationSeconds >= 1)) throw new Error(`duration must be at least 1 s, got ${c.durationSeconds}`);
  if (!Number.isInteger(c.replicas) || c.replicas < 1) throw new Error(`replicas must be a whole number ≥ 1, got ${c.replicas}`);
  try {
    const u = new URL(c.targetUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new Error(`target "${redact(c.targetUrl, [])}" is not an http(s) URL`);
  }
}

/**
 * How the wait for the target's first scrapes goes, for a progress line: it starts (the first look found fewer than
 * two scrapes — none of this when they are already there; `seconds`: the most it waits, `query`: what it asks), is
 * still waiting (every SCRAPE_WAIT_REPORT_MS: waited, left, the scrapes seen so far), or
 * the scrapes are there. A wait that runs out throws (waitForScrapes).
 */
export type ScrapeWait =
  | { state: 'start'; seconds: number; query: string }
  | { state: 'still'; waited: number; left: number; scrapes: number; query: string }
  | { state: 'ready'; waited: number };

/** How often a wait for the first scrapes says it is still waiting. */
export const SCRAPE_WAIT_REPORT_MS = 30_000;

/** The longest wait for the target's first scrapes: 10 scrape intervals + 5 s. */
export function scrapeWaitSeconds(scrape: number): number {
  return 10 * scrape + 5;
}

/** What the wait for the first scrapes reads the time from and how often it reports (tests); defaults: Date.now, SCRAPE_WAIT_REPORT_MS. */
export interface ScrapeWaitTiming {
  /** Milliseconds, as Date.now (the wait's deadline and its 'still' reports both use it). */
  clock?: () => number;
  reportEveryMs?: number;
}

/** Waits (bounded: scrapeWaitSeconds) until Prometheus holds two scrapes of the target; says how it goes to `onWait`. */
export async function waitForScrapes(prometheus: PrometheusClient, selector: string, scrape: number, sleep: (ms: number) => Promise<void>, signal?: AbortSignal,
  onWait?: (w: ScrapeWait) => void, timing: ScrapeWaitTiming = {}): Promise<void> {
  const clock = timing.clock ?? Date.now;
  const reportEveryMs = timing.reportEveryMs ?? SCRAPE_WAIT_REPORT_MS;
  const started = clock();
  const deadline = started + scrapeWaitSeconds(scrape) * 1000;
  const q = `count_over_time(up{${selector}}[5m])`;
  let reported = started;
  let said = false;
  for (;;) {
    const r = await prometheus.query(q, undefined, { signal });
    const scrapes = r[0]?.v ?? 0;
    if (scrapes >= 2) {
      if (said) onWait?.({ state: 'ready', waited: Math.round((clock() - started) / 1000) });
      return;
    }
    if (signal?.aborted) throw new PrometheusError(`cancelled while waiting for Prometheus at ${prometheus.displayUrl} to scrape the target`, 'aborted');
    if (!said) {
      said = true;
      onWait?.({ state: 'start', seconds: scrapeWaitSeconds(scrape), query: q });
    }
    const t = clock();
    if (t > deadline) {
      throw new PrometheusError(`Prometheus at ${prometheus.displayUrl} does not scrape the target: no samples for up{${selector}} — add it to scrape_configs (or pass --selector)`, 'empty');
    }
    if (t - reported >= reportEveryMs) {
      reported = t;
      onWait?.({ state: 'still', waited: Math.round((t - started) / 1000), left: Math.max(0, Math.round((deadline - t) / 1000)), scrapes: Number.isFinite(scrapes) ? scrapes : 0, query: q });
    }
    await sleep(Math.min(1000, scrape * 500));
  }
}

/** Nothing answered, and no connection failed: the target took the requests and kept them (hung, or slower than the level). */
function neverAnswered(stats: LoadStats): boolean {
  return stats.requests === 0 && (stats.unanswered ?? 0) > 0 && Object.keys(stats.errorCodes ?? {}).length === 0;
}

/** Why a level failed, or undefined when enough of its requests succeeded. */
export function levelFailure(stats: LoadStats, target: string): string | undefined {
  const answered = stats.requests;
  const succeeded = Math.max(0, answered - stats.non2xx);
  const attempts = answered + stats.errors;
  if (answered === 0) {
    if (attempts === 0) return `no request was sent to ${target}`;
    const unanswered = stats.unanswered ?? 0;
    if (neverAnswered(stats)) {
      return `${target} accepted connections but never answered within the level: ${unanswered} request(s) still unanswered at its end${stats.timeouts > unanswered ? `, ${stats.timeouts - unanswered} timed out` : ''}`;
    }
    const codes = Object.entries(stats.errorCodes ?? {}).sort((a, b) => b[1] - a[1]).map(([c, n]) => `${n} ${c}`).join(', ');
    return `no request to ${target} was answered: ${stats.errors} connection error(s)${codes ? ` (${codes})` : ''}${stats.timeouts ? `, ${stats.timeouts} timeout(s)` : ''}`;
  }
  if (succeeded === 0) return `no request to ${target} succeeded: all ${answered} answers were non-2xx (a wrong path, a redirect, or a failing service?)`;
  const failedShare = (attempts - succeeded) / attempts;
  if (failedShare > MAX_FAILED_SHARE) {
    return `${Math.round(failedShare * 100)}% of the requests to ${target} failed (${stats.non2xx} non-2xx, ${stats.errors} errors; more than ${Math.round(MAX_FAILED_SHARE * 100)}%)`;
  }
  return undefined;
}

/** Why a level counts as saturated (served less than MIN_ACHIEVED_SHARE of its asked rate), or undefined. */
export function levelSaturation(stats: LoadStats, level: number): string | undefined {
  const { share, short } = rateShortfall(stats, level);
  if (!short) return undefined;
  return saturationNote(stats.achievedRate, level, `(${Math.round(share * 100)}%, less than ${Math.round(MIN_ACHIEVED_SHARE * 100)}%): the service — or the connections (--connections) — was the limit; its rows' load_level is the asked rate, not the served one (achieved_rate)`);
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

export async function runExperiment(config: ExperimentConfig, hooks: ExperimentHooks = {}): Promise<ExperimentResult> {
  validateExperimentConfig(config);
  const now = hooks.now ?? (() => Date.now() / 1000);
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const load = hooks.load ?? runLoadLevel;
  const scrape = config.scrapeIntervalSeconds ?? 15;
  const step = scrape;
  const target = new URL(config.targetUrl);
  const queryConfig: QueryConfig = {
    ...DEFAULT_QUERY_CONFIG,
    resources: config.workload ? 'cadvisor' : 'process',
    rateWindowSeconds: Math.max(4 * scrape, 2 * step),
    ...config.queries,
    names: { ...DEFAULT_METRIC_NAMES, ...config.queries?.names },
  };
  if (!config.workload) {
    queryConfig.appSelector ??= config.selector ?? `instance=${promString(target.host)}`;
  } else if (config.selector) {
    queryConfig.appSelector ??= config.selector;
  }
  const w = rateWindow(step, queryConfig);
  const started = now();
  // Two runs of the same service and replicas within one second must not overwrite each other.
  const base = experimentId(config.service, config.replicas, started);
  let id = base;
  for (let k = 2; existsSync(join(config.outDir, `${id}.json`)); k++) id = `${base}-${k}`;
  const jsonPath = join(config.outDir, `${id}.json`);
  const csvPath = join(config.outDir, `${id}.csv`);
  const { outDir: _outDir, ...cfgNoOut } = config;
  // Credentials in a URL (http://user:pass@…, ?token=…, ?api_key=…) are used, never stored or shown: the one redaction
  // the Prometheus client applies to its own messages (prometheus/errors.ts).
  const shownTarget = redact(config.targetUrl, []);
  const doc: ExperimentDocument = {
    schema: 'mora.experiment/1',
    id,
    status: 'running',
    config: { ...cfgNoOut, targetUrl: shownTarget, prometheusUrl: redact(config.prometheusUrl, []), stepSeconds: step, rateWindowSeconds: w },
    timings: { started, finished: started, levels: [] },
    files: { json: `${id}.json` },
    ...(hooks.scaling ? { scaling: hooks.scaling } : {}),
    ...(hooks.lockFile ? { lock: hooks.lockFile } : {}),
  };
  const writeJson = () => writeFileAtomic(jsonPath, `${JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  const write = (csv?: string): ExperimentResult => {
    doc.timings.finished = now();
    if (csv !== undefined) {
      writeFileAtomic(csvPath, csv);
      doc.files.csv = `${id}.csv`;
    }
    writeJson();
    hooks.onProgress?.({ phase: 'written', csv: csv !== undefined ? csvPath : '', json: jsonPath, status: doc.status });
    return { document: doc, csvPath: csv !== undefined ? csvPath : undefined, jsonPath };
  };
  // The record exists from the start: a run that dies (crash, kill -9) still says what it was doing and changed.
  writeJson();
  const failWith = (e: unknown): never => {
    doc.status = 'failed';
    doc.error = storedErrorText(e, [config.targetUrl, config.prometheusUrl]);
    write();
    throw redactedError(e, [config.targetUrl, config.prometheusUrl]);
  };

  const prometheus = hooks.prometheus ?? new PrometheusClient(experimentPrometheusOptions(config, hooks));
  /** Where a cancel before the first level came: said in `interrupted`. */
  let waitingFor = 'the replicas';
  try {
    await hooks.prepare?.(jsonPath);
    // 0. Prometheus must already be scraping the target, or the first level would have no data (and an unreachable
    //    Prometheus should fail now, not after minutes of load).
    waitingFor = 'Prometheus';
    if (!hooks.signal?.aborted) {
      if (!config.workload) await waitForScrapes(prometheus, queryConfig.appSelector ?? '', scrape, sleep, hooks.signal, (wait) => hooks.onProgress?.({ phase: 'scrapes', wait }), hooks.scrapeWait);
      else await prometheus.buildInfo({ signal: hooks.signal }); // cAdvisor is scraped by the cluster: only check reachability
    }
  } catch (e) {
    // Ctrl-C while waiting (for ready replicas, for the first scrapes) is a cancel: partial below, not a failure.
    if (!hooks.signal?.aborted) failWith(e);
  }
  const cancelledBeforeLoad = hooks.signal?.aborted === true;

  // 1. Load, level by level.
  let unreachable: string | undefined;
  for (let i = 0; i < config.levels.length; i++) {
    if (hooks.signal?.aborted) break;
    const level = config.levels[i];
    hooks.onProgress?.({ phase: 'level-start', index: i, total: config.levels.length, level });
    const start = now();
    let stats: LoadStats;
    try {
      stats = await load({
        url: config.targetUrl, rate: level, durationSeconds: config.durationSeconds,
        maxRequests: config.maxRequestsPerLevel, connections: config.connections, signal: hooks.signal,
      });
    } catch (e) {
      if (hooks.signal?.aborted) break; // the generator gave up on the cancel: the level did not run its full time
      return failWith(e);
    }
    const end = now();
    if (stats.aborted || hooks.signal?.aborted) break; // an interrupted level is not kept: it did not run its full time
    const failed = levelFailure(stats, shownTarget);
    const saturated = failed ? undefined : levelSaturation(stats, level);
    doc.timings.levels.push({ level, start, end, stats, ...(failed ? { failed } : {}), ...(saturated ? { saturated } : {}) });
    hooks.onProgress?.({ phase: 'level-done', index: i, total: config.levels.length, level, stats, failed, saturated });
    if (stats.requests === 0 && stats.errors > 0) {
      // Nobody answered: the target is down or hung. More levels would only send more requests to it.
      unreachable = neverAnswered(stats)
        ? `${failed} at ${level} req/s — is the service hung, or slower than --duration?`
        : `${failed} at ${level} req/s — is the target running and reachable?`;
      break;
    }
  }
  const levels = doc.timings.levels;
  if (unreachable !== undefined || (levels.length > 0 && levels.every((l) => l.failed))) {
    doc.status = 'failed';
    doc.error = unreachable ?? `every level failed: ${levels[levels.length - 1].failed}`;
    if (levels.length < config.levels.length) doc.error += ` (${config.levels.length - levels.length} level(s) not sent)`;
    return write();
  }
  doc.status = 'complete';
  if (levels.length < config.levels.length) {
    doc.status = 'partial';
    doc.interrupted = cancelledBeforeLoad
      ? `cancelled while waiting for ${waitingFor}, before the first of ${config.levels.length} level(s)`
      : `cancelled after ${levels.length} of ${config.levels.length} level(s)`;
  }
  if (levels.length === 0) return write(experimentCsv({ t: new Float64Array(0), values: {}, loadLevel: new Float64Array(0), replicas: new Float64Array(0) }));

  // 2. Let Prometheus scrape the end of the last level (not cancellable: it is short and the data is worth it).
  const settle = config.settleSeconds ?? 2 * scrape + 1;
  hooks.onProgress?.({ phase: 'settling', seconds: settle });
  await sleep(settle * 1000);

  // 3. Read the 12 metrics back over the run.
  hooks.onProgress?.({ phase: 'querying' });
  const from = Math.floor(levels[0].start / step) * step;
  const to = Math.ceil(levels[levels.length - 1].end / step) * step + step;
  const queryTarget = config.workload ?? { namespace: '', kind: 'Pod' as const, name: config.service };
  let fetched;
  try {
    fetched = await fetchFrame(prometheus, metricQueries(queryTarget, queryConfig, step), { from, to, step });
  } catch (e) {
    return failWith(e);
  }
  const { frame, missing, warnings } = fetched;

  // 4. Label rows with their level; keep only rows inside the run.
  const keep: number[] = [];
  const levelOf: number[] = [];
  for (let i = 0; i < frame.t.length; i++) {
    const t = frame.t[i];
    let li = -1;
    for (let j = 0; j < levels.length; j++) {
      const endBound = j + 1 < levels.length ? levels[j + 1].start : levels[j].end + step;
      if (t >= levels[j].start && t < endBound) li = j;
    }
    if (li >= 0) { keep.push(i); levelOf.push(li); }
  }
  const pick = (a: Float64Array) => Float64Array.from(keep, (i) => a[i]);
  const values: Partial<Record<MetricName, Float64Array>> = {};
  for (const [m, v] of Object.entries(frame.values) as Array<[MetricName, Float64Array]>) values[m] = pick(v);
  const t = pick(frame.t);
  const csv = experimentCsv({
    t, values,
    loadLevel: Float64Array.from(levelOf, (j) => levels[j].level),
    replicas: new Float64Array(t.length).fill(config.replicas),
    // The level's rates on each of its rows, so the CSV alone tells a saturated level from one served in full.
    askedRate: Float64Array.from(levelOf, (j) => levels[j].level),
    achievedRate: Float64Array.from(levelOf, (j) => levels[j].stats.achievedRate),
    saturated: Float64Array.from(levelOf, (j) => (levels[j].failed ? NaN : levels[j].saturated ? 1 : 0)),
  });

  // 5. Validation and per-level steady-state summary.
  //    Validation judges the rows after the run's first rate window (at most half the run). Before it, rate() cannot
  //    yet hold two scrapes of a counter that only appears with the first request (labelled counters do), so those
  //    rows are warm-up — the per-level summary skips them too. Counting them failed healthy runs on a busy machine,
  //    where a scrape late by a second left 79% of 1 s samples ("need 80%"). Every row is still in the CSV, and a
  //    hole later in the run still counts.
  const totalSeconds = levels[levels.length - 1].end - levels[0].start;
  const warmup = Math.min(w, totalSeconds / 2);
  let from0 = 0;
  while (from0 < t.length && t[from0] < levels[0].start + warmup) from0++;
  const judged: Partial<Record<MetricName, Float64Array>> = {};
  for (const [m, v] of Object.entries(values) as Array<[MetricName, Float64Array]>) judged[m] = v.subarray(from0);
  const validation = validateFrame({ t: t.subarray(from0), step, values: judged }, {
    minHistorySeconds: Math.min(totalSeconds - warmup, config.durationSeconds) * 0.5,
    minPoints: 3,
    maxGapSeconds: 4 * scrape,
    fullHistorySeconds: Math.max(1, totalSeconds - warmup - step),
    levelShiftThreshold: Infinity, // levels change the load on purpose
    required: ['cpu_usage', 'request_rate'],
  });
  doc.validation = {
    ok: validation.ok, confidence: validation.confidence, messages: validation.messages, absent: validation.absent,
    metrics: Object.fromEntries(Object.entries(validation.metrics).map(([m, q]) => [m, { samples: q.samples, completeness: q.completeness, marks: q.marks }])),
  };
  const summaries: LevelSummary[] = levels.map((lv) => {
    // A row's rates cover (t − w, t]: only rows whose window lies inside the level measure it alone. A row after its
    // end would average in the next level (at 60 s levels with a 60 s window, the row 15 s later was ~12% high).
    const rows: number[] = [];
    for (let i = 0; i < t.length; i++) if (t[i] - w >= lv.start - 1e-6 && t[i] <= lv.end + 1e-6) rows.push(i);
    const means: LevelSummary['means'] = {};
    const maxima: LevelSummary['maxima'] = {};
    for (const m of METRIC_NAMES) {
      const v = values[m];
      if (!v) continue;
      const xs = rows.map((i) => v[i]).filter(Number.isFinite);
      if (!xs.length) continue;
      means[m] = mean(xs);
      maxima[m] = Math.max(...xs);
    }
    const cpu = means.cpu_usage ?? NaN;
    const rps = means.request_rate ?? NaN;
    const note = rows.length ? undefined
      : `level ${lv.level} req/s has no row whose ${w} s rate window lies inside its ${Math.round(lv.end - lv.start)} s, so it has no steady-state summary: lengthen the levels (--duration ${w + step}s or more) or shorten the window (--scrape-interval)`;
    return { level: lv.level, rows: rows.length, means, maxima, cpuPerRequest: rps > 0 ? cpu / rps : NaN, ...(lv.saturated ? { saturated: true } : {}), ...(note ? { note } : {}) };
  });
  const notes = [
    ...levels.flatMap((l) => (l.saturated ? [`level ${l.level} req/s ${l.saturated}`] : [])),
    ...summaries.flatMap((l) => (l.note ? [l.note] : [])),
  ];
  // In the validation messages too: the CLI prints them with the run, and a summary-less level must not go unnoticed.
  doc.validation.messages.push(...notes);
  doc.summary = { levels: summaries, missing: missing.map((q) => ({ metric: q.metric, selector: q.selector, hint: q.hint })), warnings };
  return write(csv);
}
