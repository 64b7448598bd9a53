/**
 * MOrA's HTTP transport for Prometheus (and the API server's service proxy): axios behind a `fetch`-shaped function, so
 * the callers keep one small interface while requests go through the network users really have.
 *
 * - In the CLI, axios honours HTTP_PROXY / HTTPS_PROXY / NO_PROXY (lower case too): plain-HTTP targets go to the proxy
 *   in absolute form, HTTPS targets through a CONNECT tunnel (TLS stays end to end). Node's global fetch does neither.
 * - In the VS Code extension host, VS Code's proxy support patches Node's http/https agents; with `proxyFromEnv: false`
 *   axios leaves the choice to those agents (so `http.proxy`, PAC files and `http.proxySupport` apply, never twice).
 * - Responses are asked for gzip and unpacked here, so `stats` can count both the bytes on the wire and the bytes parsed.
 * - Errors are rethrown as plain errors carrying only `code` and a message: an AxiosError holds the request config,
 *   Authorization header included, and must never reach a log.
 *
 * axios is required on the first request, not when this module loads.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { stripUserinfo } from '../core/redact';

export interface HttpStats {
  /** HTTP requests answered (any status). */
  requests: number;
  /** Response body bytes as received (compressed when the server compressed them). */
  bytesReceived: number;
  /** Response body bytes after decompression (what was parsed). */
  bytesDecoded: number;
}

export function newHttpStats(): HttpStats {
  return { requests: 0, bytesReceived: 0, bytesDecoded: 0 };
}

export interface HttpFetchOptions {
  /**
   * Use HTTP(S)_PROXY / NO_PROXY from the environment (default true: the CLI). false leaves proxying to Node's
   * agents — what the extension wants, since VS Code patches them with its own proxy settings.
   */
  proxyFromEnv?: boolean;
  /** Counters to add to (requests, bytes). */
  stats?: HttpStats;
  /**
   * Ask for gzip/deflate (default true: fewer bytes through proxies, VPNs and the API server's service proxy). false
   * asks for the body as is, which costs the server no compression time on a fast link.
   */
  compression?: boolean;
  /** TLS settings for https targets (the API server's service proxy: its CA, a client certificate). */
  httpsAgent?: import('node:https').Agent;
}

/**
 * What a failed request says went wrong — Node's fetch (undici: a TypeError "fetch failed" whose `cause` is the network
 * error), client-node's requests, axiosFetch (HttpTransportError: code and message, also as `cause`): the cause's code
 * and message when there is a cause, else the error's own. undici refuses some ports outright, with no code (its "bad
 * port" list, the ports browsers block: 1, 7, 9, 21, 25, 6000, 6665-6669, 10080 …): said as such, with the port of `url`.
 */
export function networkFailure(e: unknown, url?: string): { code: string; message: string } {
  const err = e as { cause?: { code?: unknown; message?: unknown }; code?: unknown; message?: unknown } | undefined;
  const code = typeof err?.cause?.code === 'string' ? err.cause.code : typeof err?.code === 'string' ? err.code : '';
  const message = typeof err?.cause?.message === 'string' ? err.cause.message : typeof err?.message === 'string' ? err.message : String(e);
  if (!code && message === 'bad port') {
    let port = '';
    try {
      const u = new URL(url ?? '');
      port = u.port || (u.protocol === 'https:' ? '443' : '80');
    } catch {
      // no URL to name the port from
    }
    return { code, message: `port ${port ? `${port} ` : ''}is blocked by Node's fetch (undici's bad-port list, the ports browsers refuse) — put it on (or forward it to) another port` };
  }
  return { code, message };
}

/**
 * A network failure without the request config: `code` (e.g. ECONNREFUSED) and a message, also as `cause`.
 * `staleSocket`: the request went out on a reused keep-alive socket that was reset (ECONNRESET, EPIPE, "socket hang
 * up") before any byte of a response came — the server or a proxy closed the idle connection as it was reused. A
 * fresh connection would likely work; idempotent callers may send the request once more (see `freshConnection`).
 */
export class HttpTransportError extends Error {
  readonly code: string;
  override readonly cause: { code: string; message: string };
  readonly staleSocket: boolean;
  constructor(message: string, code: string, staleSocket = false) {
    super(message);
    this.name = 'HttpTransportError';
    this.code = code;
    this.cause = { code, message };
    this.staleSocket = staleSocket;
  }
}

/** An axiosFetch failure on a reused keep-alive socket reset before any response byte (HttpTransportError#staleSocket). */
export function isStaleSocketReset(e: unknown): boolean {
  return e instanceof HttpTransportError && e.staleSocket;
}

/**
 * axiosFetch's extra request option: `freshConnection: true` sends the request on a new connection, not one of the
 * agent's pooled keep-alive sockets (the retry after isStaleSocketReset). Only where MOrA picks the agent (the CLI, or
 * a given httpsAgent); with `proxyFromEnv: false` the (VS Code-patched) agents stay in charge, and their pool no longer
 * holds the socket that was reset.
 */
export type HttpRequestInit = RequestInit & { freshConnection?: boolean };

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/** The proxy the environment names for a URL's scheme (before NO_PROXY), and the variable it came from. */
export function environmentProxy(url: string, env: NodeJS.ProcessEnv = process.env): { url: URL; variable: string } | undefined {
  const scheme = url.startsWith('https:') ? 'https' : 'http';
  for (const variable of [`${scheme}_proxy`, `${scheme.toUpperCase()}_PROXY`, 'all_proxy', 'ALL_PROXY']) {
    const value = env[variable]?.trim();
    if (!value) continue;
    try {
      return { url: new URL(value.includes('://') ? value : `http://${value}`), variable };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);

type Axios = typeof import('axios').default;
let axiosInstance: Axios | undefined;
function loadAxios(): Axios {
  axiosInstance ??= (require('axios') as typeof import('axios')).default;
  return axiosInstance;
}

function headerRecord(h: RequestInit['headers']): Record<string, string> {
  if (!h) return {};
  if (h instanceof Headers) {
    const out: Record<string, string> = {};
    h.forEach((v, k) => { out[k] = v; });
    return out;
  }
  if (Array.isArray(h)) return Object.fromEntries(h);
  return { ...(h as Record<string, string>) };
}

/** A `fetch` (the subset MOrA's clients use: string URL, method, headers, string body, signal) over axios. */
export function axiosFetch(options: HttpFetchOptions = {}): typeof fetch {
  const stats = options.stats;
  return (async (input: string | URL | Request, init: HttpRequestInit = {}): Promise<Response> => {
    if (typeof input !== 'string' && !(input instanceof URL)) throw new TypeError('axiosFetch takes a URL, not a Request');
    const axios = loadAxios();
    const fresh = init.freshConnection === true && options.proxyFromEnv !== false ? freshAgents(String(input), options.httpsAgent) : {};
    let res;
    try {
      res = await axios.request<ArrayBuffer>({
        url: String(input),
        method: init.method ?? 'GET',
        headers: { 'User-Agent': 'mora', ...headerRecord(init.headers), 'Accept-Encoding': options.compression === false ? 'identity' : 'gzip, deflate' },
        data: init.body ?? undefined,
        signal: init.signal ?? undefined,
        responseType: 'arraybuffer',
        decompress: false,
        validateStatus: () => true,
        transformResponse: [(d: unknown) => d],
        // undefined: axios reads the environment; false: Node's (possibly VS Code-patched) agents decide.
        proxy: options.proxyFromEnv === false ? false : undefined,
        // fetch's redirect: 'manual': the 3xx comes back as is (with its Location) for the caller to judge.
        ...(init.redirect === 'manual' ? { maxRedirects: 0 } : {}),
        ...(options.httpsAgent ? { httpsAgent: options.httpsAgent } : {}),
        ...fresh,
      });
    } catch (e) {
      const err = e as { code?: string; message?: string; response?: unknown; request?: { reusedSocket?: boolean }; cause?: { code?: string; message?: string; address?: string; port?: number; hostname?: string } };
      const code = err.cause?.code ?? err.code ?? '';
      // A proxy that cannot be reached is not Prometheus refusing: say which proxy, and where it was configured.
      const proxy = options.proxyFromEnv === false ? undefined : environmentProxy(String(input));
      if (proxy && CONNECT_ERRORS.has(code)) {
        const port = Number(proxy.url.port || (proxy.url.protocol === 'https:' ? 443 : 80));
        const host = proxy.url.hostname.replace(/^\[|\]$/g, '');
        const cause = err.cause ?? {};
        const ipLiteral = /^[\d.]+$|:/.test(host);
        if ((cause.port === port && (!ipLiteral || cause.address === undefined || cause.address === host)) || cause.hostname === host) {
          const shown = stripUserinfo(proxy.url.toString()).replace(/\/$/, '');
          throw new HttpTransportError(`the proxy ${shown} (from ${proxy.variable}) ${code === 'ECONNREFUSED' ? 'refused the connection' : `cannot be reached (${code})`} — check ${proxy.variable}, or add the Prometheus host to NO_PROXY`, 'EPROXY');
        }
      }
      // Node marks the request that went out on a pooled socket (ClientRequest#reusedSocket); axios keeps it as `request`.
      const message = err.cause?.message ?? err.message ?? String(e);
      const stale = !err.response && err.request?.reusedSocket === true && (RESET_CODES.has(code) || /socket hang up/i.test(message));
      throw new HttpTransportError(message, code, stale);
    }
    let body = Buffer.from(res.data as ArrayBuffer);
    const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
    if (stats) { stats.requests++; stats.bytesReceived += body.length; }
    if (encoding === 'gzip' || encoding === 'x-gzip') body = await gunzip(body);
    else if (encoding === 'deflate') body = await inflate(body);
    if (stats) stats.bytesDecoded += body.length;
    const status = res.status;
    const headers = new Headers();
    const type = res.headers['content-type'];
    if (type) headers.set('content-type', String(type));
    const location = res.headers['location'];
    if (location) headers.set('location', String(location));
    const retryAfter = res.headers['retry-after'];
    if (retryAfter) headers.set('retry-after', String(retryAfter));
    // The Response constructor takes 200–599 only, and no body for 204/205/304.
    const nullBody = status === 204 || status === 205 || status === 304;
    return new Response(nullBody ? null : body, { status: status >= 200 && status <= 599 ? status : 502, statusText: res.statusText ?? '', headers });
  }) as typeof fetch;
}

/**
 * One-request agents without keep-alive (a new connection; the https one keeps a given plain https.Agent's TLS
 * settings). A given agent of another kind (a kubeconfig proxy-url's proxy agent) is kept: copying its options would
 * lose the proxy.
 */
function freshAgents(url: string, httpsAgent: https.Agent | undefined): { httpAgent?: http.Agent; httpsAgent?: https.Agent } {
  if (!url.startsWith('https:')) return { httpAgent: new http.Agent({ keepAlive: false }) };
  if (httpsAgent && httpsAgent.constructor !== https.Agent) return {};
  return { httpsAgent: new https.Agent({ ...(httpsAgent as { options?: https.AgentOptions } | undefined)?.options, keepAlive: false }) };
}
