/**
 * Keeping Kubernetes credentials out of messages. The kubeconfig's static credentials (token, password, key and
 * certificate data) are known up front; the others exist only once client-node has applied them to a request: an exec
 * plugin's token (gke-gcloud-auth-plugin, aws eks get-token, kubelogin …), a tokenFile or the in-cluster service
 * account token (re-read as kubelet rotates it), an auth-provider's token. `AppliedCredentials` records the
 * Authorization each request actually carried, so an API server or a proxied Prometheus that echoes it in an error
 * body ("bad credentials Bearer …") is redacted whatever the auth kind.
 *
 * Types only from client-node: this module loads nothing.
 */
import type * as k8s from '@kubernetes/client-node';
import { authorizationSecrets, redactCredentialText, redactFreeText, redactSecrets, replaceSecrets } from '../../core/redact';
import { KubeError } from './errors';

/** Secrets kept per tracker (a few per credential): tokens rotate (exec plugins, service accounts); the newest are echoed. */
const KEEP = 128;

/** An exec plugin's env variable or flag whose value is a credential (CLIENT_SECRET, --token, --password …). */
const SECRET_NAME = /token|secret|password|passwd|api[_-]?key|access[_-]?key|credential/i;

/**
 * The credentials an exec plugin is given by the kubeconfig, which its stderr may echo: the values of its env
 * variables named like one, and of its flags named like one (`--client-secret=x` or `--client-secret x`).
 */
function execSecrets(exec: unknown): string[] {
  const e = exec as { env?: Array<{ name?: unknown; value?: unknown }> | null; args?: unknown[] | null } | undefined;
  const out: string[] = [];
  for (const v of Array.isArray(e?.env) ? e.env : []) if (typeof v?.name === 'string' && SECRET_NAME.test(v.name) && typeof v.value === 'string') out.push(v.value);
  const args = Array.isArray(e?.args) ? e.args.map(String) : [];
  args.forEach((a, i) => {
    const flag = /^--?([^=]+)(?:=(.*))?$/.exec(a);
    if (!flag || !SECRET_NAME.test(flag[1])) return;
    if (flag[2] !== undefined) out.push(flag[2]);
    else if (i + 1 < args.length && !args[i + 1].startsWith('-')) out.push(args[i + 1]);
  });
  return out;
}

/**
 * The static credentials of every user in a kubeconfig (tokens, passwords and their Basic form, key and cert data,
 * the secrets an exec plugin is handed in its env and flags).
 */
export function kubeconfigSecrets(kc: k8s.KubeConfig): string[] {
  const out: string[] = [];
  for (const u of typeof kc.getUsers === 'function' ? kc.getUsers() : []) {
    for (const v of [u.token, u.password, u.keyData, u.certData]) if (v) out.push(v);
    if (u.username !== undefined && u.password) out.push(Buffer.from(`${u.username}:${u.password}`).toString('base64'));
    out.push(...execSecrets(u.exec));
  }
  return out;
}

/**
 * An exec credential plugin's own output (its stderr, quoted in a failure) with the known secrets and anything that
 * looks like a credential taken out (redactCredentialText): the plugin may print a token MOrA never saw.
 */
export function redactPluginOutput(text: string, secrets: readonly string[]): string {
  return redactCredentialText(redactSecrets(text, secrets));
}

function headerValue(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name && v !== undefined && v !== null) return String(v);
  return undefined;
}

/** The credentials client-node applied to the requests of the KubeConfigs it tracks. */
export class AppliedCredentials {
  private readonly seen = new Set<string>();

  /**
   * Records, from now on, the Authorization of every request `kc` authenticates — API clients made from it
   * (applySecurityAuthentication) and raw HTTPS requests (applyToHTTPSOptions, the service proxy) — even when the
   * authentication then fails half-way. Returns `kc`.
   */
  track(kc: k8s.KubeConfig): k8s.KubeConfig {
    // A stand-in KubeConfig (tests) may lack the methods: nothing to record then.
    if (typeof kc.applySecurityAuthentication !== 'function' || typeof kc.applyToHTTPSOptions !== 'function') return kc;
    const security = kc.applySecurityAuthentication.bind(kc);
    kc.applySecurityAuthentication = async (context) => {
      try {
        await security(context);
      } finally {
        this.add(headerValue(context.getHeaders(), 'authorization'));
      }
    };
    const https = kc.applyToHTTPSOptions.bind(kc);
    kc.applyToHTTPSOptions = async (opts) => {
      try {
        await https(opts);
      } finally {
        this.add(headerValue(opts.headers as Record<string, unknown> | undefined, 'authorization'));
        if (typeof opts.auth === 'string' && opts.auth) this.add(`Basic ${Buffer.from(opts.auth).toString('base64')}`);
      }
    };
    return kc;
  }

  /** Records one Authorization header value (its token, or Basic's encoded and decoded forms). */
  add(authorization: string | undefined): void {
    for (const s of authorizationSecrets(authorization)) {
      this.seen.delete(s);
      this.seen.add(s);
    }
    while (this.seen.size > KEEP) this.seen.delete(this.seen.values().next().value as string);
  }

  list(): string[] {
    return [...this.seen];
  }
}

/** `err` with the secrets (and any URL userinfo) taken out of its message; the same error when there is nothing to take out. */
export function redactedKubeError(err: KubeError, secrets: readonly string[]): KubeError {
  const message = redactSecrets(err.message, secrets);
  return message === err.message ? err : new KubeError(message, err.kind, err.status);
}

/** Statuses whose Response may carry no body. */
const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * `inner` with `secrets()` taken out of every response body, status text and error message: the service proxy sends
 * the user's Kubernetes credentials, which the Prometheus client does not know and so cannot redact itself. Only the
 * secrets are replaced (URLs and everything else in the body stay as sent). A successful JSON answer is data — sample
 * values ("0.1234"), labels (pod "web-1234", namespace "test") — that a short password would match as a word: there
 * only its free text (warnings, errors, messages: redactFreeText) is rewritten; an error's body and any other text whole.
 */
export function redactingFetch(inner: typeof fetch, secrets: () => string[]): typeof fetch {
  const clean = (e: unknown): unknown => {
    const list = secrets();
    const err = e as { message?: unknown; cause?: { message?: unknown } } | undefined;
    if (err && typeof err === 'object') {
      if (typeof err.message === 'string') err.message = replaceSecrets(err.message, list);
      if (err.cause && typeof err.cause === 'object' && typeof err.cause.message === 'string') err.cause.message = replaceSecrets(err.cause.message, list);
    }
    return e;
  };
  return (async (input: string | URL | Request, init?: RequestInit) => {
    let res: Response;
    let text: string;
    try {
      res = await inner(input, init);
      text = await res.text();
    } catch (e) {
      throw clean(e);
    }
    const list = secrets();
    const body = res.ok ? redactDataBody(text, list) : replaceSecrets(text, list);
    return new Response(NO_BODY.has(res.status) || body === '' ? null : body, { status: res.status, statusText: replaceSecrets(res.statusText, list), headers: res.headers });
  }) as typeof fetch;
}

/** A successful answer's body: as sent when no secret is in it; a JSON document with its free text redacted; other text whole. */
function redactDataBody(text: string, secrets: readonly string[]): string {
  if (!secrets.some((x) => x && (text.includes(x) || text.includes(encodeURIComponent(x))))) return text;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return replaceSecrets(text, secrets);
  }
  return JSON.stringify(redactFreeText(doc, secrets));
}
