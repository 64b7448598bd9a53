/**
 * The built-in CellLoadDriver: autocannon, one run per segment of the cell's schedule (a constant asked rate each),
 * with MOrA's reconnect pacing (load.ts). Latency percentiles come from every response's own time, collected here, so
 * they cover exactly the measured window (autocannon's own summary has no p95 and would mix in the warm-up): the
 * answers, errors and timeouts that arrive in it, so at a saturated service the achieved rate is its throughput.
 *
 * autocannon paces a rate by giving each connection its quota for the second at a 1 s tick, and every connection's
 * tick starts at the same moment: all connections fire together, so at 40 req/s over 20 connections the service sees
 * bursts of 20 requests once a second, and a queue of 20 requests behind each burst — latency that measures the burst,
 * not the service at 40 req/s. `staggerTicks` spreads the connections' ticks evenly over the second.
 */
import { defaultConnections, newResponseRecord, pacedReconnects, pacing, percentile, recordResponses, staggerTicks, type StaggeredClient } from './load';
import type { CellLoadDriver, CellLoadResult } from './plan-file';

interface Instance extends PromiseLike<unknown> { stop(): void }
type Autocannon = (opts: Record<string, unknown>) => Instance;

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
  const rec = newResponseRecord();
  let measuredSeconds = 0;
  let aborted = false;
  // Consecutive stretches at the same rate (a constant cell's warm-up and duration) are one autocannon run with a
  // time boundary: a new run would abandon the requests queued at a saturated service and count a refill as lost
  // throughput (at 20 ms per request and 20 connections, 3 s measured after a restart served 43 req/s, not 50).
  const runs: Array<{ rate: number; warmupSeconds: number; seconds: number }> = [];
  for (const seg of cell.schedule) {
    if (!(seg.rate > 0) || !(seg.seconds > 0)) continue;
    const last = runs[runs.length - 1];
    if (last && last.rate === seg.rate && (seg.warmup ? last.seconds === last.warmupSeconds : true)) {
      last.seconds += seg.seconds;
      if (seg.warmup) last.warmupSeconds += seg.seconds;
    } else runs.push({ rate: seg.rate, warmupSeconds: seg.warmup ? seg.seconds : 0, seconds: seg.seconds });
  }
  for (const run of runs) {
    if (signal?.aborted) { aborted = true; break; }
    const connections = cell.connections ?? defaultConnections(run.rate);
    const pace = pacing(run.rate, connections);
    let measureFrom = Infinity; // set when the run starts
    const inWindow = () => Date.now() >= measureFrom;
    let nth = 0;
    const instance = autocannon({
      url, ...pace.autocannon,
      // Stopped by the timer below (fractional seconds); the duration and the request cap only bound a stuck run.
      duration: Math.ceil(run.seconds) + 1,
      maxOverallRequests: Math.ceil(run.rate * run.seconds * 1.1) + pace.connections,
      timeout: 10,
      setupClient: (client: StaggeredClient) => {
        pacedReconnects(client as Parameters<typeof pacedReconnects>[0], pace.intervalMs);
        staggerTicks(client, pace.offsetMs(nth++), pace.intervalMs);
        recordResponses(client, rec, inWindow);
      },
    });
    const runStart = Date.now();
    measureFrom = runStart + run.warmupSeconds * 1000;
    const timer = setTimeout(() => instance.stop(), run.seconds * 1000);
    const onAbort = () => { aborted = true; instance.stop(); };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await instance;
      measuredSeconds += Math.max(0, (Date.now() - Math.max(runStart, measureFrom)) / 1000);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    if (aborted) break;
  }
  const sorted = Float64Array.from(rec.latencies).sort();
  const { non2xx, errors, timeouts, errorCodes } = rec;
  const result: CellLoadResult = {
    requests: sorted.length, non2xx, errors, timeouts,
    achievedRate: measuredSeconds > 0 ? sorted.length / measuredSeconds : 0,
    latencyP50Ms: percentile(sorted, 50), latencyP95Ms: percentile(sorted, 95), latencyP99Ms: percentile(sorted, 99),
    durationSeconds: measuredSeconds, aborted, errorCodes, driver: `autocannon ${autocannonVersion()}`,
  };
  return result;
};
