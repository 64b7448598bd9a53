/**
 * 429 Too Many Requests from the API server (max-in-flight, API Priority and Fairness): wait what its Retry-After says
 * (capped; 1 s, 2 s … without one, with jitter) and send the same request again, a bounded number of times. One loop
 * for MOrA's reads (namespaces, workloads, VPAs: client.ts, vpa-writer.ts) and its status writes (vpa-writer.ts), so a
 * throttled list does not fail a shard that a throttled write would have waited out. When the attempts are spent the
 * last error is thrown; the API server's 429 is transient (errors.ts: kind 'unreachable'), so the shard exits 3.
 */

/** Retry-After as ms: delay-seconds or an HTTP date (RFC 9110 § 10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(headers: unknown, now = Date.now()): number | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const h = headers as Record<string, unknown>;
  const raw = Object.keys(h).find((k) => k.toLowerCase() === 'retry-after');
  const v = raw === undefined ? undefined : String(h[raw]).trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export interface ThrottleOptions {
  /** Attempts in all (the first included). Default 5. */
  attempts?: number;
  /** The longest wait a Retry-After may ask for, ms (a longer one is cut to this). Default 30 s. */
  maxRetryAfterMs?: number;
  /** Called on each 429 (counting). */
  onThrottled?: () => void;
}

/** What a failed attempt says: a 429 or not, and its Retry-After when it gave one. */
export interface ThrottleSignal {
  throttled: boolean;
  retryAfterMs?: number;
}

/** A raw client-node error (ApiException: `code`, `headers`) read as a ThrottleSignal. */
export function rawThrottle(e: unknown): ThrottleSignal {
  const err = e as { code?: unknown; headers?: unknown } | undefined;
  return err?.code === 429 ? { throttled: true, retryAfterMs: retryAfterMs(err.headers) } : { throttled: false };
}

/**
 * `send` until it does not fail with a 429 (as `signal` reads the error), at most `attempts` times. Throws the first
 * error that is not a 429, or the last 429 with `exhausted(e, attempts)` applied when it builds a better one.
 */
export async function retryThrottled<T>(send: () => Promise<T>, signal: (e: unknown) => ThrottleSignal, o: ThrottleOptions = {},
  exhausted?: (e: unknown, attempts: number) => unknown): Promise<T> {
  const attempts = Math.max(1, o.attempts ?? 5);
  const cap = Math.max(0, o.maxRetryAfterMs ?? 30_000);
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (e) {
      const s = signal(e);
      if (!s.throttled) throw e;
      o.onThrottled?.();
      if (attempt >= attempts) throw exhausted ? exhausted(e, attempt) : e;
      const wait = Math.min(cap, s.retryAfterMs ?? 1000 * attempt);
      await new Promise((r) => setTimeout(r, wait * (1 + 0.2 * Math.random())));
    }
  }
}

/** The `annotate` hook of KubeConnection.call: keeps a 429's Retry-After on the KubeError it made (`retryAfterMs`). */
export function keepRetryAfter(err: { status?: number; retryAfterMs?: number }, raw: unknown): void {
  if (err.status === 429) err.retryAfterMs = retryAfterMs((raw as { headers?: unknown } | undefined)?.headers);
}

/** A KubeError (with keepRetryAfter's `retryAfterMs`) read as a ThrottleSignal. */
export function kubeThrottle(e: unknown): ThrottleSignal {
  const err = e as { status?: number; retryAfterMs?: number } | undefined;
  return err?.status === 429 ? { throttled: true, retryAfterMs: err.retryAfterMs } : { throttled: false };
}
