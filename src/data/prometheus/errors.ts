/**
 * Errors of the Prometheus client, each one line a person can act on. Secrets (bearer tokens, passwords, userinfo in
 * URLs) are redacted before a message is built, because these messages end up in logs, terminals and bug reports.
 */

export type PrometheusErrorKind = 'unreachable' | 'timeout' | 'http' | 'query' | 'empty' | 'bad-response' | 'aborted';

export class PrometheusError extends Error {
  constructor(message: string, readonly kind: PrometheusErrorKind, readonly status?: number) {
    super(message);
    this.name = 'PrometheusError';
  }
}

/** Replaces every secret (and any `user:password@` in URLs) by `***`. Callers pass basic auth's base64 form as a secret too. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text.replace(/(\w+:\/\/)[^/@\s]+@/g, '$1***@');
  for (const s of secrets) {
    if (!s) continue;
    out = out.split(s).join('***');
  }
  return out;
}

/** `http://user:pw@host:9090/x?y` → `http://***@host:9090` (what error messages show). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    const auth = u.username || u.password ? '***@' : '';
    return `${u.protocol}//${auth}${u.host}${u.pathname.replace(/\/$/, '')}`;
  } catch {
    return redact(url, []);
  }
}
