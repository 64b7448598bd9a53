/**
 * A small Prometheus HTTP API client over axios (src/data/http.ts: proxies from the environment or VS Code): instant and range queries, range queries split into chunks
 * (Prometheus rejects more than 11,000 points per series per request, and big requests hurt shared servers), a step
 * that grows so no series exceeds `maxPoints`, timeouts, bearer-token or basic auth, and one-line errors that say
 * what to do. Secrets never appear in messages (see errors.ts). A read sent on a pooled keep-alive socket that is reset
 * before any answer byte (the server closed it idle as it was reused) is sent once more on a new connection (exchange).
 */
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { redactAndClip } from '../../core/redact';
import { PrometheusError, SECRET_PARAM_NAME, displayUrl, redact } from './errors';
import { axiosFetch, isStaleSocketReset, networkFailure, type HttpRequestInit } from '../http';
import { parseMatchers, withMatchers } from './matchers';
import { headerSecrets } from './headers';
import { DEFAULT_PROMETHEUS_TIMEOUT_MS, PROMETHEUS_TIMEOUT_HINT, timeoutSecondsText } from './timeout';

export interface PrometheusAuth {
  bearerToken?: string;
  username?: string;
  password?: string;
}

export interface PrometheusClientOptions {
  /** Base URL, e.g. http://127.0.0.1:9090 or https://host/prometheus (a `user:pass@` in it becomes basic auth). */
  url: string;
  auth?: PrometheusAuth;
  /** Per-request timeout, MOrA's own (--prometheus-timeout, mora.prometheus.timeoutSeconds: timeout.ts). Default 30 s. */
  timeoutMs?: number;
  /**
   * Where the user sets `timeoutMs`, named by the messages of that timeout (`did not answer … within 30 s (MOrA's own
   * request timeout, --prometheus-timeout)`). Default PROMETHEUS_TIMEOUT_HINT (the CLI's flag and the editor's setting).
   */
  timeoutHint?: string;
  /** Points per series above which the step grows. Default 11,000 (Prometheus' own per-request limit). */
  maxPoints?: number;
  /** Points per request when a range is split into chunks. Default 5,000. */
  chunkPoints?: number;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** Injected for tests; defaults to axios (src/data/http.ts), which goes through HTTP(S)_PROXY / NO_PROXY. */
  fetch?: typeof fetch;
  /** false: leave proxying to Node's agents (the VS Code extension host patches them); default true: the environment's proxy. */
  proxyFromEnv?: boolean;
  /**
   * PEM file of a CA to trust for an https:// Prometheus, beside Node's own (a self-signed or private CA). Default
   * $MORA_PROMETHEUS_CA_FILE. Ignored for http:// and when `fetch` is given.
   */
  caFile?: string;
  /**
   * Label matchers added to every selector of every query (--prometheus-matchers, e.g. cluster="prod-eu"): one cluster
   * of a Prometheus that holds several. Checked here: a list that is not label matchers throws.
   */
  matchers?: string;
  /** Extra headers on every request (--prometheus-header, e.g. X-Scope-OrgID for Mimir/Cortex); credentials' values redacted like tokens (headers.ts). */
  headers?: Record<string, string>;
  /**
   * Where the user sets this URL, named by the errors that call for changing it (not a URL, refused, host not found, a
   * redirect): `--prometheus` for a CLI command, the plan's field for a plan. Default PROMETHEUS_URL_HINT (both places).
   */
  urlHint?: string;
  /**
   * How messages name this Prometheus instead of its URL: a discovered one is a Service reached through the API
   * server's service proxy (`service monitoring/prometheus-k8s:9090 through the API server https://…`), whose long
   * proxy URL says neither which Service it is nor that the API server answers for it.
   */
  name?: string;
  /**
   * Told once per client and cause, when a read is read again in parts: a read Prometheus gave up on (its own
   * --query.timeout), or a range read that got no answer within `timeoutMs` (MOrA's own timeout): what was split.
   * `mora recommend` (also --in-cluster) says it on stderr.
   */
  onNote?: (note: string) => void;
}

/** The places a Prometheus URL is set, named when the caller does not say which one it read (urlHint). */
export const PROMETHEUS_URL_HINT = '--prometheus (CLI) or the mora.prometheus.url setting (VS Code)';

/**
 * The places label matchers are set, named when a list is not label matchers. The CLI checks --prometheus-matchers
 * itself first (naming the flag alone), so this is mostly read in VS Code; both are named, each with where it applies.
 */
export const PROMETHEUS_MATCHERS_HINT = '--prometheus-matchers (CLI) or the mora.prometheus.matchers setting (VS Code)';

export interface RangeSeries {
  labels: Record<string, string>;
  t: Float64Array;
  v: Float64Array;
}

export interface RangeResult {
  series: RangeSeries[];
  /** The step actually used (may be larger than asked for). */
  step: number;
  start: number;
  end: number;
  warnings: string[];
}

export interface InstantSample {
  labels: Record<string, string>;
  t: number;
  v: number;
}

export interface QueryOptions {
  signal?: AbortSignal;
  /** Reads a successful answer's text instead of JSON.parse (the batched plan: samples straight into typed arrays). */
  parse?: (text: string) => ApiBody;
}

/** Prometheus' hard limit on points per series in one query_range request. */
export const PROMETHEUS_MAX_POINTS = 11_000;

const NICE_STEPS = [1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/**
 * The step to query with: at least `step`, grown (to a round value) until the range has at most `maxPoints` points.
 * Round steps keep grids aligned between queries and friendly to Prometheus' caches.
 */
export function fitStep(start: number, end: number, step: number, maxPoints = PROMETHEUS_MAX_POINTS): number {
  if (!(step > 0)) throw new Error(`step must be positive, got ${step}`);
  const span = Math.max(0, end - start);
  const need = span / Math.max(1, maxPoints - 1);
  if (step >= need) return step;
  return NICE_STEPS.find((s) => s >= need) ?? Math.ceil(need / 86400) * 86400;
}

/** Splits [start, end] on the step grid into windows of at most `chunkPoints` points each. */
export function chunkRange(start: number, end: number, step: number, chunkPoints: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const per = Math.max(1, Math.floor(chunkPoints));
  for (let s = start; s <= end; s += per * step) out.push([s, Math.min(end, s + (per - 1) * step)]);
  return out;
}

/**
 * Credentials from the environment: MORA_PROMETHEUS_TOKEN (or MORA_PROMETHEUS_TOKEN_FILE, a file holding it, as
 * Kubernetes mounts a Secret), or MORA_PROMETHEUS_USERNAME + MORA_PROMETHEUS_PASSWORD (or MORA_PROMETHEUS_PASSWORD_FILE).
 * A file's trailing newline is dropped; one that cannot be read throws, naming the variable (never the value).
 */
export function authFromEnv(env: NodeJS.ProcessEnv = process.env): PrometheusAuth | undefined {
  const token = env.MORA_PROMETHEUS_TOKEN?.trim() || secretFile(env, 'MORA_PROMETHEUS_TOKEN_FILE', 'the Prometheus bearer token');
  if (token) return { bearerToken: token };
  const username = env.MORA_PROMETHEUS_USERNAME;
  if (username) return { username, password: env.MORA_PROMETHEUS_PASSWORD ?? secretFile(env, 'MORA_PROMETHEUS_PASSWORD_FILE', 'the Prometheus password') ?? '' };
  return undefined;
}

/** The content of the file the variable `name` names (trimmed of its line ending), undefined when unset. */
function secretFile(env: NodeJS.ProcessEnv, name: string, what: string): string | undefined {
  const file = env[name]?.trim();
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '').trim();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'not readable by this user' : code === 'EISDIR' ? 'a folder, not a file' : code ?? 'cannot be read';
    throw new PrometheusError(`${name}=${file}: ${why} — set it to a file holding ${what}, or unset it`, 'bad-response');
  }
}

function parseValue(s: string): number {
  // Prometheus sends values as strings: "NaN", "+Inf", "-Inf" included. Number() handles "NaN" but not "+Inf".
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

function labelKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

/** The envelope every Prometheus API answer comes in. */
export interface ApiBody {
  status?: string;
  data?: { resultType?: string; result?: unknown };
  errorType?: string;
  error?: string;
  warnings?: string[];
}

export class PrometheusClient {
  /** The URL without credentials, query or fragment, and without a trailing slash: API paths are appended to it. */
  readonly baseUrl: string;
  /** The URL's own query (`?…` or ''), sent with every request. */
  private readonly baseQuery: string;
  /** Values of the query's credential parameters (?token=…): redacted wherever they appear, as passwords are. */
  private readonly querySecrets: string[];
  private readonly auth: PrometheusAuth | undefined;
  private readonly timeoutMs: number;
  /** Where the user sets timeoutMs (PrometheusClientOptions.timeoutHint). */
  private readonly timeoutHint: string;
  readonly maxPoints: number;
  private readonly chunkPoints: number;
  private readonly fetchImpl: typeof fetch;
  private readonly slots: number;
  /** Normalized extra label matchers ('' for none). */
  readonly matchers: string;
  private readonly extraHeaders: Record<string, string>;
  /** Where the user sets the URL (PrometheusClientOptions.urlHint). */
  private readonly urlHint: string;
  /** PrometheusClientOptions.name. */
  private readonly name: string | undefined;
  /** PrometheusClientOptions.onNote. */
  private readonly onNote: ((note: string) => void) | undefined;
  /** The causes already told to onNote (each said once per client). */
  private readonly noted = new Set<string>();
  private active = 0;
  /** When the latest answered request was sent (ms since the epoch; 0: none yet). See `answering`. */
  private answeredSentAt = 0;
  /** Requests sent again on a new connection after a reused keep-alive socket was reset (exchange). */
  staleSocketRetries = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(options: PrometheusClientOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new PrometheusError(`"${redact(options.url, [])}" is not a URL; expected e.g. http://127.0.0.1:9090 — check ${options.urlHint ?? PROMETHEUS_URL_HINT}`, 'bad-response');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new PrometheusError(`Prometheus URL must start with http:// or https://, got "${redact(options.url, [])}" — check ${options.urlHint ?? PROMETHEUS_URL_HINT}`, 'bad-response');
    }
    let auth = options.auth;
    if (url.username || url.password) {
      // fetch refuses URLs with credentials; carry them as basic auth instead.
      auth ??= { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
      url.username = '';
      url.password = '';
    }
    // The API path joins the URL's path, not its end: after a `?` or `#` it would be part of the query or fragment and
    // every request would miss. The query parameters (a gateway's ?token=, VictoriaMetrics/Thanos extra_label, dedup)
    // go on every request; the fragment never reaches a server.
    this.baseQuery = url.search;
    this.querySecrets = [...url.searchParams].filter(([k, v]) => v && SECRET_PARAM_NAME.test(k)).map(([, v]) => v);
    url.search = '';
    url.hash = '';
    this.baseUrl = url.toString().replace(/\/+$/, '');
    this.auth = auth;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_PROMETHEUS_TIMEOUT_MS;
    this.timeoutHint = options.timeoutHint ?? PROMETHEUS_TIMEOUT_HINT;
    this.maxPoints = Math.min(options.maxPoints ?? PROMETHEUS_MAX_POINTS, PROMETHEUS_MAX_POINTS);
    this.chunkPoints = Math.min(options.chunkPoints ?? 5_000, PROMETHEUS_MAX_POINTS);
    const caFile = url.protocol === 'https:' && !options.fetch ? (options.caFile ?? process.env.MORA_PROMETHEUS_CA_FILE)?.trim() : undefined;
    this.fetchImpl = options.fetch ?? axiosFetch({ proxyFromEnv: options.proxyFromEnv, ...(caFile ? { httpsAgent: caAgent(caFile, options.caFile !== undefined) } : {}) });
    this.slots = Math.max(1, options.concurrency ?? 4);
    this.extraHeaders = { ...options.headers };
    this.urlHint = options.urlHint ?? PROMETHEUS_URL_HINT;
    this.name = options.name;
    this.onNote = options.onNote;
    try {
      this.matchers = parseMatchers(options.matchers ?? '');
    } catch (e) {
      throw new PrometheusError(`${(e as Error).message} — check ${PROMETHEUS_MATCHERS_HINT}`, 'bad-response');
    }
  }

  /** The URL as shown in messages (no credentials), or the name given for messages (PrometheusClientOptions.name). */
  get displayUrl(): string {
    return this.name ?? displayUrl(this.baseUrl);
  }

  private secrets(): string[] {
    const a = this.auth;
    const headerValues = headerSecrets(this.extraHeaders);
    if (!a) return [...this.querySecrets, ...headerValues];
    const out = [...this.querySecrets, ...headerValues, a.bearerToken, a.password].filter((s): s is string => !!s);
    if (a.username !== undefined) out.push(Buffer.from(`${a.username}:${a.password ?? ''}`).toString('base64'));
    return out;
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { Accept: 'application/json', ...this.extraHeaders };
    const a = this.auth;
    if (a?.bearerToken) h.Authorization = `Bearer ${a.bearerToken}`;
    else if (a?.username !== undefined) h.Authorization = `Basic ${Buffer.from(`${a.username}:${a.password ?? ''}`).toString('base64')}`;
    return h;
  }

  private async slot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.slots) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /** GET or form-POST one API path and return its `data` (throws PrometheusError on any failure). */
  async request(path: string, params: Record<string, string> | undefined, opts: QueryOptions = {}, what = path): Promise<ApiBody> {
    // --prometheus-matchers: into every query's selectors, whoever built it (the batched plan streams its own requests).
    const p = params?.query !== undefined && this.matchers ? { ...params, query: withMatchers(params.query, this.matchers) } : params;
    return this.slot(() => this.requestNow(path, p, opts, what));
  }

  private async requestNow(path: string, params: Record<string, string> | undefined, opts: QueryOptions, what: string): Promise<ApiBody> {
    const url = `${this.baseUrl}${path}${this.baseQuery}`;
    const sent = Date.now();
    // A ref'd timer, not AbortSignal.timeout: that one's timer does not keep the process alive, so a request that never
    // settles (a proxy that drops the CONNECT tunnel) let Node drain its loop and exit 0 with no output at all.
    const timer = new AbortController();
    const timeout = timer.signal;
    const handle = setTimeout(() => timer.abort(new DOMException('timed out', 'TimeoutError')), this.timeoutMs);
    try {
      const body = await this.exchange(url, path, params, opts, what, timeout);
      this.answeredSentAt = Math.max(this.answeredSentAt, sent);
      return body;
    } finally {
      clearTimeout(handle);
    }
  }

  /**
   * Is Prometheus answering at all, after a range read got no answer within MOrA's own timeout? Yes when a request
   * sent no earlier than that read has been answered, else a `vector(1)` asked now must be. A hung server or proxy
   * (every request timing out) is not a heavy query: splitting the read would take 4× the timeout to fail.
   */
  private async answering(since: number, opts: QueryOptions): Promise<boolean> {
    if (this.answeredSentAt >= since) return true;
    try {
      await this.request('/api/v1/query', { query: 'vector(1)' }, opts, 'query vector(1)');
      return true;
    } catch {
      return false;
    }
  }

  private async exchange(url: string, path: string, params: Record<string, string> | undefined, opts: QueryOptions, what: string, timeout: AbortSignal): Promise<ApiBody> {
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    // Redirects are not followed: one turns a POSTed query into a GET without its body (Prometheus then answers
    // "no expression found", blaming the query), and a cross-host one sends the credentials elsewhere. Said instead.
    const init: RequestInit = { headers: this.headers(), signal, redirect: 'manual' };
    if (params) {
      // POST keeps long PromQL out of URLs (and out of proxy logs); Prometheus accepts form bodies on its query APIs.
      init.method = 'POST';
      init.body = new URLSearchParams(params).toString();
      (init.headers as Record<string, string>)['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    const where = this.displayUrl;
    let res: Response;
    try {
      // Raced with the timeout too, so a transport that ignores the signal cannot hold the request open either.
      res = await Promise.race([this.fetchImpl(url, init), rejectOnAbort(timeout)]);
    } catch (e) {
      // A pooled keep-alive socket the server (or a proxy) closed just as it was reused, reset before any response
      // byte: every request here is a read, so it goes once more, at once, on a new connection, within the same
      // deadline and cancel signal. Not after a timeout, a refusal, an HTTP error or a cancel; never twice.
      if (!isStaleSocketReset(e) || signal.aborted) throw this.networkError(e, opts.signal, timeout, what);
      this.staleSocketRetries++;
      try {
        res = await Promise.race([this.fetchImpl(url, { ...init, freshConnection: true } as HttpRequestInit), rejectOnAbort(timeout)]);
      } catch (e2) {
        throw this.networkError(e2, opts.signal, timeout, what);
      }
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw this.networkError(e, opts.signal, timeout, what);
    }
    let body: ApiBody | undefined;
    try {
      body = (res.ok && opts.parse ? opts.parse(text) : JSON.parse(text)) as ApiBody;
    } catch {
      body = undefined;
    }
    const secrets = this.secrets();
    if (res.status >= 300 && res.status < 400) throw this.redirected(res, url, path, secrets);
    if (!res.ok) {
      // Redacted before it is shortened: a secret the server echoes, cut in half, would no longer match and leak its start.
      // The API server's own answer (a Kubernetes Status) when Prometheus is reached through its service proxy: its
      // message, not the JSON around it, and a hint about the proxy, not about Prometheus' credentials or base URL.
      const kube = kubernetesStatus(body);
      // An HTML page (a proxy's or gateway's error or login page): its title, not its markup.
      const htmlPage = !kube && !body?.error && isHtml(res, text) ? `an HTML page${htmlTitle(text) ? ` ("${htmlTitle(text)}")` : ''}` : undefined;
      const detail = redactAndClip(kube ? kube.message : body?.error ? `${body.errorType ? `${body.errorType}: ` : ''}${body.error}` : htmlPage ?? text, secrets, 300);
      const status = `${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
      let hint = '';
      let serverTimeout = false;
      if (kube) hint = serviceProxyHint(res.status, kube.message, this.urlHint);
      else if (res.status === 401) {
        const tenant = ' (a Mimir/Cortex gateway that needs a tenant: --prometheus-header \'X-Scope-OrgID: <tenant>\')';
        const hasTenant = Object.keys(this.extraHeaders).some((k) => k.toLowerCase() === 'x-scope-orgid');
        hint = /org.?id|tenant/i.test(text) && !hasTenant
          ? ` — the gateway needs a tenant: --prometheus-header 'X-Scope-OrgID: <tenant>'`
          : ` — check the credentials (MORA_PROMETHEUS_TOKEN, or MORA_PROMETHEUS_USERNAME/MORA_PROMETHEUS_PASSWORD)${hasTenant ? '' : tenant}`;
      }
      else if (res.status === 403) hint = ' — the credentials are not allowed to query this Prometheus';
      // Go's answer (Prometheus' web server) to plain HTTP on its TLS port.
      else if (res.status === 400 && /HTTP request to an HTTPS server/i.test(text)) hint = ' — the server speaks TLS on this port: is the URL https://?';
      else if (res.status === 404) hint = ' — is this the Prometheus base URL? (a path prefix such as /prometheus must be part of it)';
      // Prometheus' own --query.timeout (503, errorType "timeout"): the server is up, the query too heavy for it.
      else if (body?.errorType === 'timeout' || /query timed out/i.test(body?.error ?? '')) {
        serverTimeout = true;
        hint = ' — the query ran longer than Prometheus\' own --query.timeout (2m by default): ask for less at once (one namespace at a time, fewer days of history: -n, --history-days) or raise --query.timeout on the server';
      }
      // Mimir/Cortex tenant limits, a gateway's rate limit: transient, and the fix is to wait or ask for less.
      else if (res.status === 429) hint = rateLimitHint(res.headers.get('retry-after'));
      const msg = res.status === 429
        ? `Prometheus at ${where} is rate-limiting MOrA: it answered 429 Too Many Requests for ${what}${detail ? `: ${detail}` : ''}${hint}`
        : `Prometheus at ${where} answered ${status} for ${what}${detail ? `: ${detail}` : ''}${hint}`;
      throw new PrometheusError(redact(msg, secrets), body?.errorType && res.status < 500 ? 'query' : 'http', res.status, serverTimeout);
    }
    if (!body || body.status !== 'success') {
      const html = !body && isHtml(res, text);
      const msg = body?.error
        ? `Prometheus at ${where} rejected ${what}: ${body.errorType ? `${body.errorType}: ` : ''}${body.error}`
        : html ? htmlAnswer(where, what, redactAndClip(htmlTitle(text), secrets, 80))
          : `Prometheus at ${where} sent something that is not a Prometheus API answer for ${what} (is this really Prometheus?): ${redactAndClip(text, secrets, 120)}`;
      throw new PrometheusError(redact(msg, secrets), body?.error ? 'query' : 'bad-response', res.status);
    }
    return body;
  }

  /** `Prometheus at X redirected to Y: use that URL with --prometheus`, Y as the base URL the redirect implies. */
  private redirected(res: Response, requested: string, path: string, secrets: string[]): PrometheusError {
    const location = res.headers.get('location');
    let target = '';
    if (location) {
      try {
        const u = new URL(location, requested);
        // A redirect of the API path itself (…/api/v1/query → …/prom/api/v1/query) names the base URL to use.
        const at = u.pathname.lastIndexOf(path);
        if (at >= 0 && at + path.length === u.pathname.length) u.pathname = u.pathname.slice(0, at);
        target = displayUrl(u.toString());
      } catch {
        target = location;
      }
    }
    const status = `${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    const msg = target
      ? `Prometheus at ${this.displayUrl} redirected to ${target} (${status}): use that URL with ${this.urlHint}`
      : `Prometheus at ${this.displayUrl} answered a redirect (${status}) without a Location — is this the Prometheus base URL?`;
    return new PrometheusError(redact(msg, secrets), 'http', res.status);
  }

  private networkError(e: unknown, callerSignal: AbortSignal | undefined, timeout: AbortSignal, what: string): PrometheusError {
    const where = this.displayUrl;
    if (callerSignal?.aborted) return new PrometheusError(`query to Prometheus at ${where} was cancelled`, 'aborted');
    if (timeout.aborted) {
      return new PrometheusError(`Prometheus at ${where} did not answer ${what} within ${this.ownTimeoutWords()} — is it overloaded? try a shorter range or a larger step`, 'timeout');
    }
    const { code, message } = networkFailure(e, this.baseUrl);
    let msg: string;
    if (code === 'ECONNREFUSED') msg = `Prometheus at ${where} refused the connection — is it running? check ${this.urlHint}`;
    else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') msg = `Prometheus host in ${where} was not found (DNS) — check ${this.urlHint}`;
    else if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') msg = `Prometheus at ${where} closed the connection — is it a Prometheus (or a proxy in front of one)?`;
    else if (tlsProblem(code, message)) msg = `TLS to Prometheus at ${where} failed: ${tlsProblem(code, message)}`;
    else if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') msg = `Prometheus at ${where} did not accept a connection in time — is the address reachable?`;
    else msg = `cannot reach Prometheus at ${where}: ${message}`;
    return new PrometheusError(redact(msg, this.secrets()), 'unreachable');
  }

  /**
   * Instant query at `time` (Unix seconds; default now). The answer's `warnings` (a Thanos/Mimir partial response: a
   * store or ingester did not answer) ride on the array as `warnings` when there are any.
   */
  async query(promql: string, time?: number, opts: QueryOptions = {}): Promise<InstantSample[] & { warnings?: string[] }> {
    const params: Record<string, string> = { query: promql };
    if (time !== undefined) params.time = String(time);
    const body = await this.request('/api/v1/query', params, opts, `query ${shortQuery(promql)}`);
    const data = body.data;
    const warned = <T extends InstantSample[]>(out: T): T & { warnings?: string[] } => (body.warnings?.length ? Object.assign(out, { warnings: [...new Set(body.warnings)] }) : out);
    if (data?.resultType === 'scalar') {
      const [t, v] = data.result as [number, string];
      return warned([{ labels: {}, t, v: parseValue(v) }]);
    }
    if (data?.resultType !== 'vector' || !Array.isArray(data.result)) {
      throw new PrometheusError(`Prometheus at ${this.displayUrl} answered an instant query with "${data?.resultType}" instead of a vector`, 'bad-response');
    }
    return warned((data.result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => ({
      labels: r.metric ?? {},
      t: r.value[0],
      v: parseValue(r.value[1]),
    })));
  }

  /**
   * Instant query of series a label tells apart (the batched plan's owner lookups: one series per pod / ReplicaSet /
   * Job name). `build(part)` writes the query with `part` appended inside its selector's braces: '' for all series, or
   * `,label=~".*[…]"` / `,label!~".*[…]"` (each part a set of the label's last characters; the parts of one split
   * select disjoint series that together are all of them: a value ending in anything else, and a missing label, are in
   * the `!~` part). When Prometheus refuses the whole as too large (tooLarge), it is read again in two parts; a part
   * still refused is split again, at most SPLIT_DEPTH levels deep (8 parts), no new split after the client's timeout
   * has passed since the refusal, as rangeRequest. The parts' samples are concatenated: right when the query keeps
   * `label` in its result (a `by (label, …)` aggregation), so every answer series comes from one part only. Kubernetes
   * names end in a random or numbered character ([0-9a-z]), so the parts are about even.
   */
  async queryInParts(build: (part: string) => string, label: string, time?: number, opts: QueryOptions = {}): Promise<InstantSample[]> {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label)) throw new Error(`queryInParts: "${label}" is not a label name`);
    let deadline = Infinity;
    // Once one part has failed the read has: the parts not sent yet are not sent (the server is already overloaded).
    const stop = new AbortController();
    const partOpts = { ...opts, signal: opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal };
    const read = async (part: LastChars, depth: number): Promise<InstantSample[]> => {
      const promql = build(lastCharsMatcher(label, part));
      try {
        return await this.query(promql, time, depth === 0 ? opts : partOpts);
      } catch (err) {
        const timedOut = serverTimedOut(err);
        if (!tooLarge(err) && !timedOut) throw err;
        if (depth === 0) deadline = Date.now() + this.timeoutMs;
        const halves = splitLastChars(part);
        if (depth >= SPLIT_DEPTH || !halves || (!timedOut && Date.now() > deadline)) {
          throw depth === 0 ? err : new PrometheusError(`${err.message} (also ${timedOut ? 'timed out' : 'refused'} when read in ${2 ** depth} parts)`, err.kind, err.status, timedOut);
        }
        if (timedOut) this.note('server-timeout', `Prometheus at ${this.displayUrl} gave up on ${shortQuery(promql)} (its own --query.timeout): reading it again in parts of its series (${label}), down to 1/${2 ** SPLIT_DEPTH}`);
        return (await Promise.all(halves.map((h) => read(h, depth + 1)))).flat();
      }
    };
    try {
      return await read({ chars: LAST_CHARS, rest: true }, 0);
    } finally {
      stop.abort();
    }
  }

  /**
   * Range query over [start, end] (Unix seconds, both inclusive as in Prometheus). The step grows when the range would
   * exceed `maxPoints`; the range is fetched in chunks of at most `chunkPoints` points and stitched per label set.
   */
  async queryRange(promql: string, start: number, end: number, step: number, opts: QueryOptions = {}): Promise<RangeResult> {
    if (!(end >= start)) throw new Error(`queryRange: end ${end} is before start ${start}`);
    const used = fitStep(start, end, step, this.maxPoints);
    const chunks = chunkRange(start, end, used, this.chunkPoints);
    // A chunk refused as too large is read again in parts (rangeRequest).
    const bodies = (await Promise.all(chunks.map(([s, e]) => this.rangeRequest(promql, s, e, used, opts)))).flat();
    const merged = new Map<string, { labels: Record<string, string>; t: number[]; v: number[] }>();
    const warnings: string[] = [];
    for (const body of bodies) {
      if (body.warnings) warnings.push(...body.warnings);
      const data = body.data;
      if (data?.resultType !== 'matrix' || !Array.isArray(data.result)) {
        throw new PrometheusError(`Prometheus at ${this.displayUrl} answered a range query with "${data?.resultType}" instead of a matrix`, 'bad-response');
      }
      for (const r of data.result as Array<{ metric: Record<string, string>; values: Array<[number, string]> }>) {
        const labels = r.metric ?? {};
        const key = labelKey(labels);
        let m = merged.get(key);
        if (!m) merged.set(key, (m = { labels, t: [], v: [] }));
        for (const [t, v] of r.values ?? []) { m.t.push(t); m.v.push(parseValue(v)); }
      }
    }
    const series = [...merged.values()].map((m) => ({ labels: m.labels, t: Float64Array.from(m.t), v: Float64Array.from(m.v) }));
    return { series, step: used, start, end, warnings: [...new Set(warnings)] };
  }

  /**
   * One query_range request over [start, end] (on the `step` grid). When Prometheus refuses it as too large
   * (tooLarge: 422 "would load too many samples", a Mimir/Thanos chunk or series limit), the read is retried once, in
   * halves of the time range; a half still refused is halved again, at most SPLIT_DEPTH levels deep (8 parts), and no
   * new split starts after the client's timeout has passed since the refusal. A part refused at the last level ends the
   * read with Prometheus' message and the number of parts tried. The answers come back in time order, one per part.
   * A read that timed out — Prometheus' own --query.timeout (serverTimedOut) or no answer within `timeoutMs` (MOrA's
   * own, clientTimedOut) — is split the same way, with no deadline (each timeout took its time to come; the depth bounds
   * it). Every part is a request of its own and waits for a free slot (`concurrency`) like any other: a split never puts
   * more requests in flight than the client allows, and a part's timeout starts when it is sent, not while it waits.
   * Once a part has failed the read (as queryInParts), the parts not sent yet are not sent and those in flight are
   * cancelled: they would hold slots (up to `timeoutMs` each) for an answer nobody reads.
   */
  async rangeRequest(promql: string, start: number, end: number, step: number, opts: QueryOptions = {}): Promise<ApiBody[]> {
    const what = `query ${shortQuery(promql)}`;
    const stop = new AbortController();
    const partOpts = { ...opts, signal: opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal };
    const one = (s: number, e: number, o: QueryOptions) => this.request('/api/v1/query_range', { query: promql, start: String(s), end: String(e), step: String(step) }, o, what);
    let deadline = Infinity;
    const read = async (s: number, e: number, depth: number): Promise<ApiBody[]> => {
      const asked = Date.now();
      try {
        return [await one(s, e, depth === 0 ? opts : partOpts)];
      } catch (err) {
        // The points Prometheus answers: s, s + step, … ≤ e (an e off the grid is not a point of its own).
        const points = Math.floor((e - s) / step) + 1;
        const ownTimeout = clientTimedOut(err);
        const timedOut = serverTimedOut(err) || ownTimeout;
        if (!tooLarge(err) && !timedOut) throw err;
        if (depth === 0) deadline = Date.now() + this.timeoutMs;
        // A timeout took the server's own --query.timeout (or MOrA's timeoutMs) to come: no deadline, the depth alone bounds it.
        if (depth >= SPLIT_DEPTH || points < 2 || (!timedOut && Date.now() > deadline)) {
          throw depth === 0 ? err : new PrometheusError(`${err.message} (also ${timedOut ? 'timed out' : 'refused'} when read in ${2 ** depth} parts)`, err.kind, err.status, err.serverTimeout);
        }
        // No answer to anything, not only to this read: hung, not busy. Said at once, as before the split existed.
        if (ownTimeout && depth === 0 && !(await this.answering(asked, opts))) throw err;
        const over = `${shortQuery(promql)} over ${durationWords(e - s)}`;
        const parts = `reading it again in parts of its time range, down to 1/${2 ** SPLIT_DEPTH}`;
        if (ownTimeout) this.note('client-timeout', `Prometheus at ${this.displayUrl} did not answer ${over} within ${this.ownTimeoutWords()}: ${parts}`);
        else if (timedOut) this.note('server-timeout', `Prometheus at ${this.displayUrl} gave up on ${over} (its own --query.timeout): ${parts}`);
        const mid = s + Math.floor((points - 1) / 2) * step;
        const halves = await Promise.all([read(s, mid, depth + 1), read(mid + step, e, depth + 1)]);
        return halves.flat();
      }
    };
    try {
      return await read(start, end, 0);
    } finally {
      stop.abort();
    }
  }

  /** "30 s (MOrA's own request timeout, --prometheus-timeout)": the configured timeout and where it is set. */
  private ownTimeoutWords(): string {
    return `${timeoutSecondsText(this.timeoutMs)} s (MOrA's own request timeout, ${this.timeoutHint})`;
  }

  /** Tells onNote once per client and cause (Prometheus' own timeout, MOrA's). */
  private note(cause: 'server-timeout' | 'client-timeout', text: string): void {
    if (this.noted.has(cause)) return;
    this.noted.add(cause);
    this.onNote?.(text);
  }

  /** Prometheus' version (GET /api/v1/status/buildinfo); used by health checks. */
  async buildInfo(opts: QueryOptions = {}): Promise<{ version: string }> {
    const body = await this.request('/api/v1/status/buildinfo', undefined, opts, 'the build info');
    const data = body.data as unknown as { version?: string } | undefined;
    return { version: data?.version ?? 'unknown' };
  }
}

/** The characters Kubernetes names end in (DNS labels and subdomains: lower-case alphanumerics). */
const LAST_CHARS = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A part of queryInParts: the values of a label ending in one of `chars`, and with `rest` any other value or none. */
interface LastChars { chars: string; rest: boolean }

/** The matcher (with its leading comma) that selects `part` of `label`'s values; '' for all of them. */
export function lastCharsMatcher(label: string, part: LastChars): string {
  if (part.rest && part.chars.length === LAST_CHARS.length) return '';
  if (!part.rest) return `,${label}=~".*[${part.chars}]"`;
  const others = [...LAST_CHARS].filter((c) => !part.chars.includes(c)).join('');
  return `,${label}!~".*[${others}]"`;
}

/** `part` in two, or undefined when it is one character. */
function splitLastChars(part: LastChars): [LastChars, LastChars] | undefined {
  if (part.chars.length < 2) return undefined;
  const half = Math.floor(part.chars.length / 2);
  return [{ chars: part.chars.slice(0, half), rest: false }, { chars: part.chars.slice(half), rest: part.rest }];
}

/** A read Prometheus gave up on after its own --query.timeout (503, errorType "timeout"): a smaller one may finish. */
export function serverTimedOut(e: unknown): e is PrometheusError {
  return e instanceof PrometheusError && e.serverTimeout;
}

/**
 * A request MOrA gave up on itself: no answer within the client's `timeoutMs` (kind 'timeout', networkError), the
 * server maybe only slow on a long range. Not a cancel ('aborted') and not Prometheus' own timeout (serverTimedOut).
 */
export function clientTimedOut(e: unknown): e is PrometheusError {
  return e instanceof PrometheusError && e.kind === 'timeout';
}

/** 86400 → "1d", 600000 → "6.9d", 21600 → "6h", 90 → "2m". */
function durationWords(seconds: number): string {
  if (seconds >= 86400) return `${Math.round(seconds / 8640) / 10}d`;
  if (seconds >= 3600) return `${Math.round(seconds / 360) / 10}h`;
  if (seconds >= 60) return `${Math.round(seconds / 60)}m`;
  return `${seconds}s`;
}

/** How deep a read refused as too large is split: at most 2^SPLIT_DEPTH parts (rangeRequest, queryInParts). */
export const SPLIT_DEPTH = 3;

/**
 * A refusal that a smaller read may pass: Prometheus' 422 "query processing would load too many samples into memory",
 * Mimir's "the query exceeded the maximum number of chunks/series/bytes" (max-fetched-chunks-per-query …), Thanos/Cortex
 * "exceeded … limit". Not "exceeded maximum resolution of 11,000 points" (the step, not the range's size: fitStep's job)
 * nor a query-length limit (smaller ranges are its fix, but MOrA's history is what the user asked for: said as is).
 */
export function tooLarge(e: unknown): e is PrometheusError {
  if (!(e instanceof PrometheusError) || e.kind !== 'query') return false;
  if (/maximum resolution/i.test(e.message)) return false;
  return /too many (samples|chunks|series)|exceeded (the )?(maximum|max|limit)|(samples|chunks|series|bytes|size) limit|limit (of|on) (samples|chunks|series)|max(imum)? number of (samples|chunks|series)/i.test(e.message);
}

/**
 * An https agent trusting Node's CAs and the one in `file` (PEM), with keep-alive as axios' default agent has. A file
 * that cannot be read or holds no certificate is said naming where it was set, before any request.
 */
function caAgent(file: string, fromOption: boolean): https.Agent {
  const where = fromOption ? `the Prometheus CA file ${file}` : `MORA_PROMETHEUS_CA_FILE=${file}`;
  const fix = 'set it to the PEM file of the CA that signed Prometheus\' certificate';
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'not readable by this user' : code === 'EISDIR' ? 'a folder, not a file' : (e as Error).message;
    throw new PrometheusError(`${where}: ${why} — ${fix}`, 'bad-response');
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new PrometheusError(`${where}: not a PEM certificate (no -----BEGIN CERTIFICATE-----) — ${fix}`, 'bad-response');
  return new https.Agent({ ca: [...tls.rootCertificates, pem], keepAlive: true });
}

/** An answer that is an HTML page: it starts with a page's tag, or is sent as text/html and holds markup. */
function isHtml(res: Response, text: string): boolean {
  return /^\s*<(!doctype|html|head|body)\b/i.test(text) || (/text\/html/i.test(res.headers.get('content-type') ?? '') && /<[a-z!/]/i.test(text));
}

/** An HTML page's <title>, whitespace folded ('' without one). */
function htmlTitle(text: string): string {
  const m = /<title[^>]*>([^<]*)<\/title>/i.exec(text);
  return m ? m[1].replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim() : '';
}

/**
 * 200 with an HTML page where the API's JSON was expected: most often the login page of an authenticating proxy
 * (oauth2-proxy, an SSO gateway) in front of Prometheus, or its web UI under another path. Said as such, with its
 * title, not as the page's first characters of markup.
 */
function htmlAnswer(where: string, what: string, title: string): string {
  return `Prometheus at ${where} answered an HTML page${title ? ` ("${title}")` : ''}, not Prometheus' JSON, for ${what}: the login page of a proxy in front of Prometheus? `
    + 'Give its credentials (MORA_PROMETHEUS_TOKEN, or MORA_PROMETHEUS_USERNAME/MORA_PROMETHEUS_PASSWORD, or --prometheus-header), or use a URL that reaches Prometheus\' API itself';
}

/** Certificates a CA MOrA does not know signed: Node's codes for an unknown or private issuer. */
const UNKNOWN_ISSUER = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE']);

/**
 * One line on what went wrong in TLS and what to do, classified by Node's error code (its messages are OpenSSL's, some
 * several lines long), or undefined when the error is not about TLS.
 */
export function tlsProblem(code: string, message: string): string | undefined {
  const ca = 'trust its CA with MORA_PROMETHEUS_CA_FILE=<ca.pem> (or NODE_EXTRA_CA_CERTS=<ca.pem>)';
  if (UNKNOWN_ISSUER.has(code)) return `its certificate is signed by a CA Node does not trust (${code}) — ${ca}`;
  if (code === 'CERT_HAS_EXPIRED') return 'its certificate has expired (CERT_HAS_EXPIRED) — renew it on the server';
  if (code === 'CERT_NOT_YET_VALID') return 'its certificate is not valid yet (CERT_NOT_YET_VALID) — check the clocks of this machine and the server';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'its certificate is for another host name (ERR_TLS_CERT_ALTNAME_INVALID) — use a host name the certificate names';
  // https:// to a plain-HTTP port: OpenSSL reads the HTTP answer as a TLS record ("wrong version number", several lines).
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || ((code === 'EPROTO' || /SSL/.test(code)) && /wrong version number|packet length too long|http request/i.test(message))) {
    return 'the server does not speak TLS on this port — is the URL http://?';
  }
  if (/CERT|SSL|TLS/i.test(code) || code === 'EPROTO') return `${code}: ${message.split('\n')[0].trim()} — check the certificate and the scheme (http:// or https://)`;
  return undefined;
}

/**
 * What to do about a 429: wait (as long as its Retry-After asks, in seconds or as an HTTP date, when it says) or ask
 * for less at once. MOrA does not retry on its own: a rate limit hit by one query is usually hit by the next ones.
 */
export function rateLimitHint(retryAfter: string | null, now = Date.now()): string {
  const v = retryAfter?.trim() ?? '';
  let seconds = /^\d+$/.test(v) ? Number(v) : NaN;
  if (Number.isNaN(seconds) && v) {
    const at = Date.parse(v);
    if (Number.isFinite(at)) seconds = Math.max(0, Math.round((at - now) / 1000));
  }
  const wait = Number.isFinite(seconds) ? `retry in ${seconds} s (its Retry-After)` : 'retry later';
  return ` — ${wait}, or ask for less at once (a shorter history or range, one namespace or workload at a time)`;
}

/** Rejects when `signal` aborts (never settles otherwise; the listener goes with the signal). */
function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** First ~120 characters of a PromQL expression, for messages. */
export function shortQuery(promql: string): string {
  const s = promql.replace(/\s+/g, ' ').trim();
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** A Kubernetes API Status object (what the API server, not Prometheus, answers through its service proxy), else undefined. */
function kubernetesStatus(body: unknown): { message: string } | undefined {
  const b = body as { kind?: unknown; apiVersion?: unknown; message?: unknown } | undefined;
  return b && b.kind === 'Status' && b.apiVersion === 'v1' && typeof b.message === 'string' ? { message: b.message } : undefined;
}

/** What to do about the API server's refusal to proxy to Prometheus' Service. */
function serviceProxyHint(status: number, message: string, urlHint: string): string {
  if (status === 401) return ' — the Kubernetes API rejected the kubeconfig\'s credentials: log in again or refresh the token';
  if (status === 403) return ` — the kubeconfig's user may not use the API server's service proxy (RBAC: get on services/proxy, as deploy/rbac/mora-reader.yaml grants), or set ${urlHint}`;
  if (/no endpoints available/i.test(message)) return ' — the Service has no ready endpoint: is its Prometheus pod running and ready?';
  if (status >= 500) return ' — the API server could not reach the Service\'s pod';
  return '';
}
