/**
 * Errors of the Prometheus client, each one line a person can act on. Secrets (bearer tokens, passwords, userinfo in
 * URLs) are redacted before a message is built, because these messages end up in logs, terminals and bug reports.
 */
import { redactSecrets, stripUserinfo } from '../../core/redact';

export type PrometheusErrorKind = 'unreachable' | 'timeout' | 'http' | 'query' | 'empty' | 'bad-response' | 'aborted';

export class PrometheusError extends Error {
  /**
   * `serverTimeout`: Prometheus itself gave up on the query (its --query.timeout: 503, errorType "timeout", "query timed
   * out in expression evaluation"), the server up and the query too heavy for it: a smaller read may finish in time.
   */
  constructor(message: string, readonly kind: PrometheusErrorKind, readonly status?: number, readonly serverTimeout = false) {
    super(message);
    this.name = 'PrometheusError';
  }
}

/** Replaces every secret by `***` and strips `user:password@` from URLs (src/core/redact.ts). Callers pass basic auth's base64 form as a secret too. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  return redactSecrets(text, secrets).replace(SECRET_QUERY_PARAM, '$1***');
}

/**
 * `?token=…`, `&api_key=…`, `access_token`, `password`, `signature`…: a gateway's credential in the Prometheus URL's query
 * string (the URL may come back in a transport error or a server's echo). Other parameters (extra_label, dedup) stay.
 */
const SECRET_QUERY_PARAM = /([?&][^=&#\s]*(?:token|key|secret|pass|auth|sig|credential)[^=&#\s]*=)[^&#\s]+/gi;

/** Query parameter names that carry a credential (the same words as above). */
export const SECRET_PARAM_NAME = /token|key|secret|pass|auth|sig|credential/i;

/** `http://user:pw@host:9090/x?y` → `http://host:9090/x` (what messages show: no credentials, no query). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/$/, '')}`;
  } catch {
    return stripUserinfo(url);
  }
}
