/**
 * The Prometheus check before an experiment run writes, scales or sends anything (`mora experiment`, `mora experiment
 * run`, VS Code's Run Load Experiment): a Prometheus that cannot be used has measured nothing, so the run must not
 * start — no output created, no record "failed", no workload read or scaled, no load sent.
 *
 * Asked with the cheapest instant query (vector(1)) on the query API the run uses, not the build info: a query-only
 * front end (prom-label-proxy and the like) answers queries and nothing else. The answer must be Prometheus' — the
 * client's own test, the one every request of `mora recommend` (its build-info check too) goes through: a JSON body
 * with "status":"success" (PrometheusClient.request). What stops the run (stopsRun): no connection (refused, DNS,
 * TLS: kind 'unreachable'), no answer in time ('timeout'), the credentials refused (401/403/407), or an answer that
 * is not Prometheus' query API (notPrometheus: a login page or any other non-API body with 200 — 'bad-response' —, a
 * redirect, a 4xx but 429, 501 (a method the server lacks), 505). A 429 or a 5xx (Prometheus restarting, a gateway's 502/503) is
 * taken as passing: the runner asks again (the target's first scrapes), and a failure from there on is recorded, as
 * a run that started. Until 2026-11-30 any answer passed, so a login page or a 501 wrote a "failed" record into --out.
 */
import { PrometheusClient, type PrometheusClientOptions } from './client';
import { PrometheusError } from './errors';

/** The statuses that refuse the credentials: no query will get through either. */
const AUTH_REFUSED = new Set([401, 403, 407]);

/**
 * True for an answer that is not Prometheus' query API: a body that is not its JSON with a success status (an HTML
 * login page with 200), a redirect (a login redirect: the client follows none), a 4xx other than 429 and refused
 * credentials (a wrong path, a method not allowed, plain HTTP on a TLS port), 501 or 505. Prometheus answers vector(1)
 * with 200.
 */
export function notPrometheus(e: PrometheusError): boolean {
  if (e.kind === 'bad-response') return true;
  const s = e.status;
  if (s === undefined || AUTH_REFUSED.has(s) || e.kind === 'unreachable' || e.kind === 'timeout' || e.kind === 'aborted') return false;
  return (s >= 300 && s < 500 && s !== 429) || s === 501 || s === 505;
}

/** True for a failure that must stop a run before it starts (see the module's comment). */
export function stopsRun(e: PrometheusError): boolean {
  return e.kind === 'unreachable' || e.kind === 'timeout' || (e.status !== undefined && AUTH_REFUSED.has(e.status)) || notPrometheus(e);
}

/**
 * The error that must stop a run before anything is written, scaled or sent, or undefined when the run may go on.
 * `client` is the client the run asks, or its options: then it is built here, and options that make no client (a URL
 * that is not one, bad matchers) let the run go on and fail with its own message, as any other answer does. A check
 * cut short by `signal` answers undefined: the caller stops on its own signal. Errors that are not a
 * PrometheusError are thrown.
 */
export async function reachabilityFailure(client: Pick<PrometheusClient, 'query'> | PrometheusClientOptions, signal?: AbortSignal): Promise<PrometheusError | undefined> {
  let c: Pick<PrometheusClient, 'query'>;
  try {
    c = 'query' in client ? client : new PrometheusClient(client);
  } catch (e) {
    if (e instanceof PrometheusError) return undefined; // no client: the run fails with its own message
    throw e;
  }
  try {
    await c.query('vector(1)', undefined, { signal });
    return undefined;
  } catch (e) {
    if (signal?.aborted) return undefined;
    if (!(e instanceof PrometheusError)) throw e;
    if (!stopsRun(e)) return undefined;
    // Not Prometheus' answer: say which setting to look at, unless the client's message already does (a redirect's
    // "use that URL with --prometheus", a 404's "is this the Prometheus base URL?", a TLS port's "is the URL https://?").
    if (!notPrometheus(e) || / — |use that URL with /.test(e.message)) return e;
    const hint = ('query' in client ? undefined : client.urlHint) ?? 'the Prometheus URL';
    return new PrometheusError(`${e.message} — check ${hint}: it must be the base URL of a Prometheus (or of a proxy in front of one) whose /api/v1/query answers`, e.kind, e.status);
  }
}

/** The one line said for a failure reachabilityFailure returned: its message, and that the run did nothing. */
export function nothingSentMessage(e: PrometheusError): string {
  return `${e.message}; nothing was sent or written`;
}
