/**
 * One load level: real HTTP requests at a fixed overall rate (autocannon), bounded in time (duration) and in count
 * (maxOverallRequests), stoppable through an AbortSignal. autocannon is loaded on first use.
 *
 * The rate holds for connection attempts too. autocannon paces requests, but a client whose connection fails
 * (refused, reset) reconnects at once, in a loop: against a dead target that is thousands of attempts per second at a
 * 10 req/s level. Each client here reconnects at most at its share of the rate (`pacedReconnects`), and the errors
 * are counted by kind so a level nobody answered can say why.
 */

export interface LoadLevelOptions {
  url: string;
  /** Requests per second across all connections. */
  rate: number;
  durationSeconds: number;
  /** Hard cap on requests; default rate × duration × 1.1 (+ connections). */
  maxRequests?: number;
  connections?: number;
  /** Seconds a single request may take. Default 10. */
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface LoadStats {
  /** Requests answered (any status). */
  requests: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  timeouts: number;
  /** Requests answered per second over the run. */
  achievedRate: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  durationSeconds: number;
  /** True when the signal stopped it before its duration. */
  aborted: boolean;
  /** Connection errors by code (ECONNREFUSED, ECONNRESET, …): why requests failed without an answer. */
  errorCodes?: Record<string, number>;
  /** Requests sent but neither answered nor failed when the level ended (a hung target, or one slower than the level). */
  unanswered?: number;
}

export type LoadRunner = (opts: LoadLevelOptions) => Promise<LoadStats>;

interface AutocannonResult {
  requests?: { total?: number; average?: number };
  latency?: { p50?: number; p99?: number };
  non2xx?: number;
  errors?: number;
  timeouts?: number;
  duration?: number;
}

interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  stop(): void;
}

type Autocannon = (opts: Record<string, unknown>) => AutocannonInstance;

/** What of autocannon's HTTP client the pacing touches (lib/httpClient.js): its connect step and its events. */
interface AutocannonClient {
  _connect?: () => void;
  destroyed?: boolean;
  on(event: 'connError', listener: (e: { code?: string }) => void): void;
}

/**
 * Makes a client reconnect no sooner than `minGapMs` after its previous connection attempt (its first connect is
 * immediate). Requests are paced by autocannon itself; this paces the attempts a failing target would otherwise get
 * in a tight loop. A client autocannon has destroyed (level over) never reconnects.
 */
export function pacedReconnects(client: AutocannonClient, minGapMs: number): void {
  const connect = client._connect;
  if (typeof connect !== 'function') return; // another autocannon: no pacing, the level's failure check still applies
  let last = -Infinity;
  let pending: NodeJS.Timeout | undefined;
  client._connect = function (this: AutocannonClient) {
    const wait = last + minGapMs - Date.now();
    if (wait <= 0) {
      last = Date.now();
      connect.call(this);
      return;
    }
    if (pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      if (this.destroyed) return;
      last = Date.now();
      connect.call(this);
    }, wait);
    pending.unref?.();
  };
}

/** What of autocannon's HTTP client the tick staggering touches (lib/httpClient.js). */
export interface StaggeredClient {
  _connect?: () => void;
  _doRequest?: (cer?: unknown) => void;
  destroyed?: boolean;
  paused?: boolean;
  cer?: unknown;
  reqsMadeThisSecond?: number;
  rateInterval?: NodeJS.Timeout;
  on(event: string, listener: (...args: never[]) => void): void;
}

/**
 * Paces a connection at one request every `intervalMs`, its first at `offsetMs`: autocannon's per-second tick (lib/
 * httpClient.js: reset the quota, resume if paused) is replaced by one at the connection's own interval, with a quota
 * of one request per tick (the connection is started with `connectionRate: 1`). autocannon's own pacing gives each
 * connection a whole number of requests per second (Math.floor of the overall rate's share) and refuses rates below
 * 1 req/s: 2.5 req/s became 2, and a ramp step at 0.6 req/s crashed. Here any positive rate is held: connection k of
 * c fires at (k + ½)/rate s, then every c/rate s. The connection opens at once but starts with its quota used up, so its
 * first request goes out at its first tick. setupClient runs before autocannon sets the quota's interval, so the
 * interval is replaced just after. Another autocannon without these fields keeps its own ticks.
 */
export function staggerTicks(client: StaggeredClient, offsetMs: number, intervalMs = 1000): void {
  if (typeof client._doRequest !== 'function' || client.reqsMadeThisSecond === undefined) return;
  client.reqsMadeThisSecond = Number.MAX_SAFE_INTEGER;
  queueMicrotask(() => {
    if (client.rateInterval === undefined || client.destroyed) { client.reqsMadeThisSecond = 0; return; }
    clearInterval(client.rateInterval);
    const tick = () => {
      client.reqsMadeThisSecond = 0;
      if (client.paused) client._doRequest!(client.cer);
      client.paused = false;
    };
    // autocannon's destroy() clears client.rateInterval: keep it pointing at the live timer.
    client.rateInterval = setTimeout(() => {
      if (client.destroyed) return;
      client.rateInterval = setInterval(tick, intervalMs);
      tick();
    }, offsetMs);
  });
}

/** No more requests from this connection: its quota used up, its ticks stopped (the level is over). */
export function closeQuota(client: StaggeredClient): void {
  client.reqsMadeThisSecond = Number.MAX_SAFE_INTEGER;
  if (client.rateInterval !== undefined) clearInterval(client.rateInterval);
}

/** How a rate is spread over connections: each sends one request per `intervalMs`, connection k first at `offsetMs(k)`. */
export interface Pacing {
  connections: number;
  intervalMs: number;
  offsetMs(k: number): number;
  /** autocannon options that make each connection's quota one request per tick (see staggerTicks). */
  autocannon: { connections: number; connectionRate: 1 };
}

export function pacing(rate: number, connections: number): Pacing {
  const c = Math.max(1, Math.floor(connections));
  return {
    connections: c,
    intervalMs: (1000 * c) / rate,
    // Half an interval in: a level of d seconds sends rate × d requests, not one more at its very end.
    offsetMs: (k) => (1000 * ((k % c) + 0.5)) / rate,
    autocannon: { connections: c, connectionRate: 1 },
  };
}

/** Nearest-rank percentile of sorted values (NaN when there are none). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!sorted.length) return NaN;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[k];
}

/** What one load run saw, response by response (autocannon's summary latencies are wrong with its rate limit on). */
export interface ResponseRecord {
  /** Each answer's latency in ms. */
  latencies: number[];
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  timeouts: number;
  errorCodes: Record<string, number>;
  /** Requests written, answered or not. */
  sent: number;
}

export function newResponseRecord(): ResponseRecord {
  return { latencies: [], non2xx: 0, errors: 0, timeouts: 0, errorCodes: {}, sent: 0 };
}

/** Requests sent that got neither an answer nor an error (still in flight when the run stopped). */
export function inFlight(r: ResponseRecord): number {
  return Math.max(0, r.sent - r.latencies.length - r.errors);
}

/**
 * Records a client's requests, answers (status, latency), connection errors and timeouts into `rec`, when `inWindow()`
 * (a plan cell's warm-up is not measured). Each response's own latency: autocannon's summary percentiles, with its rate
 * limit on, were far off at a saturated service (p50 252 ms, min 1 ms at a 500 ms service; these give 501).
 */
export function recordResponses(client: { on(event: string, listener: (...args: never[]) => void): void }, rec: ResponseRecord, inWindow: () => boolean = () => true): void {
  client.on('request', (() => { if (inWindow()) rec.sent++; }) as never);
  client.on('response', ((status: number, _bytes: number, ms: number) => {
    if (!inWindow()) return;
    rec.latencies.push(ms);
    if (status < 200 || status >= 300) rec.non2xx++;
  }) as never);
  client.on('connError', ((e: { code?: string }) => {
    if (!inWindow()) return;
    rec.errors++;
    const code = e?.code ?? 'error';
    rec.errorCodes[code] = (rec.errorCodes[code] ?? 0) + 1;
  }) as never);
  client.on('timeout', (() => {
    if (!inWindow()) return;
    rec.errors++;
    rec.timeouts++;
  }) as never);
}

/** Connections enough to hold the rate when each request takes up to ~100 ms, within [1, 100]. */
export function defaultConnections(rate: number): number {
  return Math.max(1, Math.min(100, Math.ceil(rate / 10)));
}

export const runLoadLevel: LoadRunner = async (opts) => {
  if (!(opts.rate > 0)) throw new Error(`load level must be a positive request rate, got ${opts.rate}`);
  const autocannon = require('autocannon') as Autocannon;
  const connections = opts.connections ?? defaultConnections(opts.rate);
  const maxRequests = Math.max(connections, opts.maxRequests ?? Math.ceil(opts.rate * opts.durationSeconds * 1.1) + connections);
  if (opts.signal?.aborted) {
    return { requests: 0, non2xx: 0, errors: 0, timeouts: 0, achievedRate: 0, latencyP50Ms: NaN, latencyP99Ms: NaN, durationSeconds: 0, aborted: true };
  }
  const pace = pacing(opts.rate, connections);
  const rec = newResponseRecord();
  let nth = 0;
  const clients: StaggeredClient[] = [];
  const instance = autocannon({
    url: opts.url,
    ...pace.autocannon,
    duration: opts.durationSeconds,
    maxOverallRequests: maxRequests,
    timeout: opts.timeoutSeconds ?? 10,
    setupClient: (client: AutocannonClient & StaggeredClient) => {
      pacedReconnects(client, pace.intervalMs);
      // Without the staggering every connection's request goes out at the same instant: bursts, and latency that
      // measures the queue behind them (bench:experiment: p50 3–4× JMeter's at 25–50 req/s).
      staggerTicks(client, pace.offsetMs(nth++), pace.intervalMs);
      recordResponses(client, rec);
      clients.push(client);
    },
  });
  // autocannon sees its duration's end only at its next 1-s sample tick, and under load that tick can come first: the
  // level then ran a second longer (2.5 req/s for 4 s sent 12). At the level's end no connection gets another turn.
  const end = setTimeout(() => { for (const c of clients) closeQuota(c); }, opts.durationSeconds * 1000);
  let aborted = false;
  const onAbort = () => { aborted = true; instance.stop(); };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const r = await instance;
    const requests = rec.latencies.length;
    // The sending stopped at the level's end even when autocannon returned later (above).
    const duration = Math.min(r.duration ?? opts.durationSeconds, opts.durationSeconds);
    const sorted = Float64Array.from(rec.latencies).sort();
    const unanswered = inFlight(rec);
    // A level nobody answered, whose requests were still pending at its end (a target that accepts connections but
    // never answers): those requests failed — without this the level looked like one that sent nothing. When some
    // were answered, the pending ones were merely cut off by the level's end.
    const lost = requests === 0 ? unanswered : 0;
    return {
      requests,
      non2xx: rec.non2xx,
      errors: rec.errors + lost,
      timeouts: rec.timeouts + lost,
      achievedRate: duration > 0 ? requests / duration : 0,
      latencyP50Ms: percentile(sorted, 50),
      latencyP99Ms: percentile(sorted, 99),
      durationSeconds: duration,
      aborted,
      errorCodes: rec.errorCodes,
      unanswered,
    };
  } finally {
    clearTimeout(end);
    opts.signal?.removeEventListener('abort', onAbort);
  }
};
