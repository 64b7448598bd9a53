/**
 * The target check before `mora experiment` (the flag form) writes or waits for anything: one GET to --target. A
 * target nobody can connect to (connection refused, host not found, no route) has nothing to measure, and without this
 * check the run first waited up to 10 scrape intervals + 5 s (2 min 35 s at the default 15 s) for Prometheus to scrape
 * it, then wrote a `failed` record. Any answer — a 404, a 500, a redirect — and anything slower than `timeoutMs`, or a
 * failure after the connection (a reset, TLS), lets the run go on: its levels say how the target served.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { redact } from '../prometheus/errors';

/** The connection errors that say no request can reach the target. */
const NO_CONNECTION: Record<string, string> = {
  ECONNREFUSED: 'refused the connection',
  ENOTFOUND: 'has a host that was not found',
  EAI_AGAIN: 'has a host that could not be resolved',
  EHOSTUNREACH: 'has a host with no route to it',
  ENETUNREACH: 'is on an unreachable network',
};

/**
 * Why no request can reach `url` (one sentence naming it, without its credentials, and the error code), or undefined
 * when it answered, took longer than `timeoutMs`, failed in another way, or `signal` cut the check short.
 */
export async function targetUnreachable(url: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string | undefined> {
  const u = new URL(url);
  const get = u.protocol === 'https:' ? https.get : http.get;
  return await new Promise<string | undefined>((resolve) => {
    let done = false;
    const finish = (v: string | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(v);
    };
    const onAbort = () => finish(undefined);
    const req = get(u, { headers: { 'user-agent': 'mora-experiment-check' }, agent: false }, (res) => {
      res.resume();
      finish(undefined);
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      const what = e.code !== undefined ? NO_CONNECTION[e.code] : undefined;
      finish(what ? `--target ${redact(url, [])} ${what} (${e.code}) — is the service running and listening there?` : undefined);
    });
    const timer = setTimeout(() => finish(undefined), opts.timeoutMs ?? 5000);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) finish(undefined);
  });
}
