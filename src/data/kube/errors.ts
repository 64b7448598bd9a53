/**
 * Kubernetes API failures turned into one line a person can act on. The API server answers errors with a `Status`
 * object (reason Forbidden / NotFound / Conflict / Unauthorized / Invalid …); client-node wraps it in an ApiException
 * whose body may be the parsed object or its JSON text. Network failures arrive as fetch errors with a `cause.code`.
 */
import { redactCredentialText } from '../../core/redact';
import { networkFailure } from '../http';

export type KubeErrorKind = 'forbidden' | 'admission' | 'not-found' | 'conflict' | 'unauthorized' | 'invalid' | 'unsupported-media-type' | 'unreachable'
  | 'config' | 'no-kubeconfig' | 'credential-plugin' | 'other';

/**
 * The way out an error names when the kubeconfig is the problem, in the caller's words (as PrometheusClientOptions.urlHint
 * for Prometheus): the CLI's flags by default (CLI_KUBECONFIG_HINT); VS Code passes its setting and command
 * (src/extension/kubeconfig-hint.ts), so an editor popup never tells the user to pass a flag.
 */
export interface KubeconfigHint {
  /** No kubeconfig anywhere: follows "log in to your cluster (…) or ". */
  none: string;
  /** The kubeconfig named (--kubeconfig / mora.kubeconfig) does not exist: follows "the kubeconfig <file> does not exist — ". */
  missing: string;
  /** The kubeconfig defines no context: follows "has no contexts — run your cluster's login command or ". */
  noContexts: string;
  /**
   * The health check has no context to look at: the kubeconfig sets no current-context, or one it does not define.
   * Follows "sets no current-context — " (the CLI names its --context; the editor, whose health check reads the current
   * context, how to set one and read the kubeconfig again). `kubectl` is the command line that reads the same
   * kubeconfig (`kubectl --kubeconfig <file>` for a file named by --kubeconfig / mora.kubeconfig: plain kubectl would
   * set the context in KUBECONFIG or ~/.kube/config, and the check would still fail).
   */
  noCurrentContext: (kubectl: string) => string;
}

/** The CLI's words: where `mora` reads the kubeconfig from (--kubeconfig, KUBECONFIG) and the demo's flag. */
export const CLI_KUBECONFIG_HINT: Readonly<KubeconfigHint> = {
  none: 'pass --kubeconfig <file>, or try --source demo',
  missing: 'pass --kubeconfig <file> or set KUBECONFIG',
  noContexts: 'pass --kubeconfig',
  noCurrentContext: (kubectl) => `pass --context <name>, or run ${kubectl} config use-context <name>`,
};

export class KubeError extends Error {
  constructor(message: string, readonly kind: KubeErrorKind, readonly status?: number) {
    super(message);
    this.name = 'KubeError';
  }
}

/** A conditional scale (KubeClient.scale's `ifReplicas`) found another count: someone changed it; nothing was written. */
export class ReplicasChanged extends KubeError {
  constructor(ref: { kind: string; name: string; namespace: string }, readonly current: number, readonly expected: number) {
    super(`${ref.kind} "${ref.name}" in namespace "${ref.namespace}" has ${current} replica(s), not the expected ${expected}; nothing was written`, 'conflict', 409);
    this.name = 'ReplicasChanged';
  }
}

/** What MOrA was doing when the call failed, so the message can name the verb and resource. */
export interface KubeAction {
  verb: 'get' | 'list' | 'patch' | 'update' | 'create' | 'delete';
  /** Plural resource, e.g. "deployments". */
  resource: string;
  /** API group, "" for the core group. */
  group: string;
  namespace?: string;
  name?: string;
  context?: string;
  server?: string;
}

export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string };
}

function statusBody(body: unknown): KubeStatus | undefined {
  if (body && typeof body === 'object') return body as KubeStatus;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as KubeStatus) : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function what(a: KubeAction): string {
  const res = a.group ? `${a.resource}.${a.group}` : a.resource;
  return `${res}${a.name ? ` "${a.name}"` : ''}${a.namespace ? ` in namespace "${a.namespace}"` : ''}`;
}

/** The RBAC rule that would allow the action, as a person would ask an admin for it. */
export function neededRule(a: KubeAction): string {
  return `verb "${a.verb}" on resource "${a.resource}" in API group "${a.group || '""'}"${a.namespace ? ` (namespace "${a.namespace}")` : ''}`;
}

/** A server message on one line (webhooks and CEL policies may answer with several). */
function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * 403 comes from two places: the RBAC authorizer ("User "x" cannot patch resource …") and admission (a
 * ValidatingAdmissionPolicy, a webhook, LimitRanger/ResourceQuota on pods, PodSecurity …). Only the first is a missing
 * permission; the second is the cluster refusing this particular change.
 */
export function isRbacDenial(message: string | undefined): boolean {
  return !message || /\bcannot [a-z]+ resource "/.test(message) || /\bcannot [a-z]+ path "/.test(message);
}

export function kubeError(e: unknown, a: KubeAction): KubeError {
  if (e instanceof KubeError) return e;
  const err = e as { code?: unknown; body?: unknown; message?: string; cause?: { code?: string; message?: string } };
  const ctx = a.context ? ` (context "${a.context}")` : '';
  const status = typeof err?.code === 'number' ? err.code : undefined;
  if (status !== undefined) {
    const s = statusBody(err.body);
    if (s?.message) s.message = oneLine(s.message);
    const server = s?.message ? `: ${s.message}` : '';
    switch (status) {
      case 403:
        if (!isRbacDenial(s?.message)) {
          return new KubeError(`the Kubernetes API${ctx} refused to ${a.verb} ${what(a)} (admission)${server}`, 'admission', 403);
        }
        return new KubeError(`RBAC denied: cannot ${a.verb} ${what(a)}${ctx} — ask for ${neededRule(a)}${server}`, 'forbidden', 403);
      case 404:
        return new KubeError(`not found: ${what(a)}${ctx}${s?.message ? ` (${s.message})` : ''}${a.name ? ' — was it renamed or deleted?' : ' — does this API exist on the cluster?'}`, 'not-found', 404);
      case 409:
        return new KubeError(`conflict: ${what(a)}${ctx} changed while MOrA was updating it${server}`, 'conflict', 409);
      case 401:
        return new KubeError(`the Kubernetes API${ctx} rejected the credentials (401) — log in again or refresh the kubeconfig token`, 'unauthorized', 401);
      case 415:
        return new KubeError(`the Kubernetes API${ctx} does not accept this patch type for ${what(a)}${server}`, 'unsupported-media-type', 415);
      case 422:
        // A ValidatingAdmissionPolicy or webhook denial answers 422 (reason Invalid) unless the policy says otherwise.
        if (s?.message && /\bis forbidden: |\bValidatingAdmissionPolicy\b|\badmission webhook\b/.test(s.message)) {
          return new KubeError(`the Kubernetes API${ctx} refused to ${a.verb} ${what(a)} (admission)${server}`, 'admission', 422);
        }
        return new KubeError(`the Kubernetes API${ctx} rejected the change to ${what(a)} as invalid${server}`, 'invalid', 422);
      case 429: case 500: case 502: case 503: case 504:
        // Overloaded (429 once its Retry-After is spent, APF), restarting or behind a failing load balancer: transient,
        // so it is classed with unreachable (exit 3; the in-cluster Job retries the shard) rather than a bad request.
        return new KubeError(`the Kubernetes API${ctx} answered ${status} to ${a.verb} ${what(a)} (transient: the API server is overloaded or unavailable — retry)${server}`, 'unreachable', status);
      default:
        return new KubeError(`the Kubernetes API${ctx} answered ${status} to ${a.verb} ${what(a)}${server}`, 'other', status);
    }
  }
  // A file the kubeconfig names (a client certificate, a CA) that could not be read when the request was built: the
  // kubeconfig's fault, not the network's (contextFileProblem says which field, when it is asked first).
  const file = err as { syscall?: string; path?: unknown; code?: unknown };
  if (typeof file?.path === 'string' && typeof file.code === 'string' && (file.syscall === 'open' || file.syscall === 'stat' || file.syscall === 'read')) {
    return new KubeError(`cannot read ${file.path}, named in the kubeconfig${ctx} (${file.code}) — fix the path in the kubeconfig, or log in again`, 'config');
  }
  const { code, message } = networkFailure(e, a.server);
  const server = a.server ? ` at ${a.server}` : '';
  // client-node refuses an http:// server before any request (it would send the credentials in clear): its words name
  // neither the server nor the kubeconfig field that allows it.
  if (/^HTTP protocol is not allowed when skipTLSVerify/.test(err?.message ?? '')) {
    return new KubeError(`the kubeconfig's server${a.server ? ` ${a.server}` : ''}${ctx} is plain http://, which the Kubernetes client refuses — `
      + 'use the API server\'s https:// address, or, for a plain-HTTP endpoint such as kubectl proxy, set insecure-skip-tls-verify: true on that cluster', 'config');
  }
  // https:// to a plain-HTTP port: OpenSSL reads the HTTP answer as a TLS record ("wrong version number"). No CA fixes that.
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || ((code === 'EPROTO' || /SSL/.test(code)) && /wrong version number|packet length too long|http request/i.test(message))) {
    return new KubeError(`the Kubernetes API${server}${ctx} answered in plain HTTP, not TLS (${code}) — check the server's port in the kubeconfig (an API server speaks https); `
      + 'a plain-HTTP endpoint such as kubectl proxy needs an http:// server with insecure-skip-tls-verify: true', 'unreachable');
  }
  if (code === 'ECONNREFUSED') return new KubeError(`the Kubernetes API${server}${ctx} refused the connection — is the cluster running and the kubeconfig context right?`, 'unreachable');
  // undici's own connect timeout (TCP + TLS, 10 s; client-node 1.x/2.x fetch) or the kernel's: nothing answered at all.
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return new KubeError(`cannot connect to the Kubernetes API${server}${ctx} (connect timeout) — is the cluster gone or the VPN down?`, 'unreachable');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new KubeError(`the Kubernetes API host${server}${ctx} was not found (DNS) — check the kubeconfig`, 'unreachable');
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET_ISSUER|VERIFY)/i.test(code)) return new KubeError(`TLS to the Kubernetes API${server}${ctx} failed (${code}) — check certificate-authority in the kubeconfig`, 'unreachable');
  if (code) return new KubeError(`cannot reach the Kubernetes API${server}${ctx}: ${code}`, 'unreachable');
  // A fetch that failed below HTTP without a code (undici's "bad port", a URL it will not fetch): its cause says why.
  if (err?.cause !== undefined && err.cause !== null) return new KubeError(`cannot reach the Kubernetes API${server}${ctx}: ${message}`, 'unreachable');
  // Neither an API answer nor a network error: most often an exec credential plugin that failed (client-node's Error is
  // its stderr), which may print tokens MOrA never saw; the callers take out the secrets they know.
  return new KubeError(`${a.verb} ${what(a)}${ctx} failed: ${redactCredentialText(err?.message ?? String(e))}`, 'other');
}

/**
 * A kubeconfig that cannot be loaded, as one line that never quotes the file: a kubeconfig holds tokens, passwords and
 * keys, and a YAML parser's message carries a code frame of the lines around the error. Only the file, the line and
 * column, and the kind of YAML error are said. `hint`: the way out when the file does not exist (KubeconfigHint).
 */
export function kubeconfigError(file: string, e: unknown, hint: Pick<KubeconfigHint, 'missing'> = CLI_KUBECONFIG_HINT): KubeError {
  const err = e as { name?: string; code?: string; path?: unknown; reason?: string; mark?: { line?: number; column?: number } };
  // client-node reads a user's token-file while it loads the kubeconfig: that file, not the kubeconfig, is missing.
  if (err?.code && typeof err.path === 'string' && err.path !== file) {
    const why = err.code === 'ENOENT' ? 'does not exist' : err.code === 'EACCES' || err.code === 'EPERM' ? 'cannot be read (permission denied)' : `cannot be read (${err.code})`;
    return new KubeError(`the kubeconfig ${file} names a file that ${why}: ${err.path} (a user's token-file) — fix the path in the kubeconfig, or log in again`, 'config');
  }
  if (err?.code === 'ENOENT') return new KubeError(`the kubeconfig ${file} does not exist — ${hint.missing}`, 'config');
  if (err?.code === 'EACCES' || err?.code === 'EPERM') return new KubeError(`cannot read the kubeconfig ${file}: permission denied`, 'config');
  if (err?.code === 'EISDIR') return new KubeError(`the kubeconfig ${file} is a directory, not a file`, 'config');
  if (err?.code) return new KubeError(`cannot read the kubeconfig ${file} (${err.code})`, 'config');
  if (err?.name === 'YAMLException') {
    // js-yaml's reason is the kind of error ("bad indentation of a mapping entry"); a few reasons quote a name from
    // the file (an alias, a tag), so anything quoted is dropped too.
    const kind = (err.reason ?? 'invalid YAML').replace(/"[^"]*"|'[^']*'|!<[^>]*>|`[^`]*`/g, '…').replace(/\s+/g, ' ').trim().slice(0, 80);
    const at = err.mark?.line !== undefined ? ` at line ${err.mark.line + 1}${err.mark.column !== undefined ? `, column ${err.mark.column + 1}` : ''}` : '';
    return new KubeError(`the kubeconfig ${file} is not valid YAML${at}: ${kind} — fix the file (its content is not shown: it holds credentials)`, 'config');
  }
  // Structural problems found by client-node ("users[0].name is missing") name fields, never values.
  const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
  const safe = /^(clusters|users|contexts)\[\d+\]\.[\w.]+ is missing$|^Duplicate (context|cluster|user): /.test(msg) ? msg.replace(/: .*$/, (m) => (m.length > 60 ? ': …' : m)) : 'not a kubeconfig';
  return new KubeError(`cannot read the kubeconfig ${file}: ${safe}`, 'config');
}
