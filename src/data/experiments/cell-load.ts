/**
 * The built-in CellLoadDriver: autocannon, one run per segment of the cell's schedule (a constant asked rate each),
 * with MOrA's reconnect pacing (load.ts). Latency percentiles come from every response's own time, collected here, so
 * they cover exactly the measured segments (autocannon's own summary has no p95 and would mix in the warm-up).
 *
 * autocannon paces a rate by giving each connection its quota for the second at a 1 s tick, and every connection's
 * tick starts at the same moment: all connections fire together, so at 40 req/s over 20 connections the service sees
 * bursts of 20 requests once a second, and a queue of 20 requests behind each burst — latency that measures the burst,
 * not the service at 40 req/s. `staggerTicks` spreads the connections' ticks evenly over the second.
 */
import { defaultConnections, pacedReconnects } from './load';
import type { CellLoadDriver, CellLoadResult } from './plan-file';

interface SegmentResult { non2xx?: number; errors?: number; timeouts?: number }
interface Instance extends PromiseLike<SegmentResult> { stop(): void }
type Autocannon = (opts: Record<string, unknown>) => Instance;
interface Client {
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
 * Moves a connection's rate tick (autocannon lib/httpClient.js: reset the second's quota, resume if paused) to
 * `offsetMs` into each second, its first request included: the connection opens at once but starts with its quota
 * used up, so its first requests go out at its first tick. setupClient runs before autocannon sets the quota's
 * interval, so the interval is replaced just after. Another autocannon without these fields keeps its own ticks.
 */
export function staggerTicks(client: Client, offsetMs: number): void {
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
      client.rateInterval = setInterval(tick, 1000);
      tick();
    }, offsetMs);
  });
}

function percentile(sorted: Float64Array, q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

let version: string | undefined;
function autocannonVersion(): string {
  try {
    version ??= (require('autocannon/package.json') as { version: string }).version;
  } catch {
    version = 'unknown';
  }
  return version;
}

export const autocannonCellDriver: CellLoadDriver = async ({ cell, url, signal }) => {
  if (!url) throw new Error(`cell ${cell.id} has no target URL for the built-in load generator`);
  const autocannon = require('autocannon') as Autocannon;
  const latencies: number[] = [];
  let non2xx = 0, errors = 0, timeouts = 0, measuredSeconds = 0;
  const errorCodes: Record<string, number> = {};
  let aborted = false;
  for (const seg of cell.schedule) {
    if (signal?.aborted) { aborted = true; break; }
    if (!(seg.rate > 0) || !(seg.seconds > 0)) continue;
    const connections = cell.connections ?? defaultConnections(seg.rate);
    const perClient = seg.rate / Math.min(connections, Math.max(1, Math.floor(seg.rate)));
    const measured = !seg.warmup;
    const segStart = Date.now();
    const clients = Math.min(connections, Math.max(1, Math.floor(seg.rate)));
    let nth = 0;
    const instance = autocannon({
      url, connections, overallRate: seg.rate,
      // Stopped by the timer below (fractional seconds); the duration and the request cap only bound a stuck run.
      duration: Math.ceil(seg.seconds) + 1,
      maxOverallRequests: Math.ceil(seg.rate * seg.seconds * 1.1) + connections,
      timeout: 10,
      setupClient: (client: Client) => {
        pacedReconnects(client as Parameters<typeof pacedReconnects>[0], 1000 / perClient);
        staggerTicks(client, (1000 * (nth++ % clients)) / clients);
        client.on('response', ((status: number, _bytes: number, ms: number) => {
          if (!measured) return;
          latencies.push(ms);
          if (status < 200 || status >= 300) non2xx++;
        }) as never);
        client.on('connError', ((e: { code?: string }) => {
          if (!measured) return;
          const code = e?.code ?? 'error';
          errorCodes[code] = (errorCodes[code] ?? 0) + 1;
        }) as never);
      },
    });
    const timer = setTimeout(() => instance.stop(), seg.seconds * 1000);
    const onAbort = () => { aborted = true; instance.stop(); };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const r = await instance;
      if (measured) {
        errors += r.errors ?? 0;
        timeouts += r.timeouts ?? 0;
        measuredSeconds += (Date.now() - segStart) / 1000;
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    if (aborted) break;
  }
  const sorted = Float64Array.from(latencies).sort();
  const result: CellLoadResult = {
    requests: latencies.length, non2xx, errors, timeouts,
    achievedRate: measuredSeconds > 0 ? latencies.length / measuredSeconds : 0,
    latencyP50Ms: percentile(sorted, 0.5), latencyP95Ms: percentile(sorted, 0.95), latencyP99Ms: percentile(sorted, 0.99),
    durationSeconds: measuredSeconds, aborted, errorCodes, driver: `autocannon ${autocannonVersion()}`,
  };
  return result;
};
