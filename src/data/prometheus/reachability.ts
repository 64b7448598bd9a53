/**
 * The Prometheus check before an experiment run writes, scales or sends anything (`mora experiment`, `mora experiment
 * run`, VS Code's Run Load Experiment): an unreachable Prometheus has measured nothing, so the run must not start —
 * no output created, no record "failed", no workload read or scaled, no load sent.
 *
 * Asked with the cheapest instant query (vector(1)) on the query API the run uses, not the build info: a query-only
 * front end (prom-label-proxy and the like) answers queries and nothing else. Only a failure no query can get past
 * stops the run: no connection (refused, DNS, TLS: kind 'unreachable'), no answer in time ('timeout'), or the
 * credentials refused (401/403/407 — kind 'http', or 'query' when the body has an errorType). Any other answer (a 500,
 * a 429, a body that is not Prometheus') lets the run go on: the runner asks again (the target's first scrapes), and
 * a failure from there on is recorded, as a run that started.
 */
import { PrometheusClient, type PrometheusClientOptions } from './client';
import { PrometheusError } from './errors';

/** The statuses that refuse the credentials: no query will get through either. */
const AUTH_REFUSED = new Set([401, 403, 407]);

/** True for a failure that must stop a run before it starts (see the module's comment). */
export function stopsRun(e: PrometheusError): boolean {
  return e.kind === 'unreachable' || e.kind === 'timeout' || (e.status !== undefined && AUTH_REFUSED.has(e.status));
}

/**
 * The error that must stop a run before anything is written, scaled or sent, or undefined when the run may go on.
 * `client` is the client the run asks, or its options: then it is built here, and options that make no client (a URL
 * that is not one, bad matchers) let the run go on and fail with its own message, as any other answer does. A check
 * cut short by `signal` answers undefined: the caller stops on its own signal. Errors that are not a
 * PrometheusError are thrown.
 */
export async function reachabilityFailure(client: Pick<PrometheusClient, 'query'> | PrometheusClientOptions, signal?: AbortSignal): Promise<PrometheusError | undefined> {
  try {
    const c = 'query' in client ? client : new PrometheusClient(client);
    await c.query('vector(1)', undefined, { signal });
    return undefined;
  } catch (e) {
    if (signal?.aborted) return undefined;
    if (!(e instanceof PrometheusError)) throw e;
    return stopsRun(e) ? e : undefined;
  }
}

/** The one line said for a failure reachabilityFailure returned: its message, and that the run did nothing. */
export function nothingSentMessage(e: PrometheusError): string {
  return `${e.message}; nothing was sent or written`;
}
