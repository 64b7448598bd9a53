/**
 * Finding Prometheus in a cluster, and reaching it through the API server's service proxy
 * (`/api/v1/namespaces/NS/services/SCHEME:NAME:PORT/proxy/…`) with the kubeconfig's own credentials: no port-forward,
 * no second credential.
 *
 * Discovery lists Services by label selector, one selector at a time in the order of DISCOVERY_SELECTORS (a custom
 * selector from mora.prometheus.selector / --prometheus-selector first); the first selector that matches wins, and
 * among its Services the one with a Prometheus-like port, then by namespace/name. All namespaces when the user may
 * list Services cluster-wide, else each namespace the user can list (or the context's namespace).
 *
 * Queries through the proxy are sent as GET (form parameters moved into the query string): the read-only role
 * (deploy/rbac/mora-reader.yaml) grants `get` on services/proxy; a POST would need `create`.
 *
 * TLS and credentials come from client-node's applyToHTTPSOptions for the context (CA, client certificate, token,
 * token file, exec plugins), into the https agent and headers of the same axios transport as direct Prometheus.
 */
import type * as https from 'node:https';
import type * as k8s from '@kubernetes/client-node';
import { stripUserinfo } from '../../core/redact';
import { axiosFetch } from '../http';
import { ConnectProbes } from './connect-probe';
import { KubeError, kubeError, type KubeconfigHint } from './errors';
import { AppliedCredentials, kubeconfigSecrets, redactedKubeError } from './credential-redaction';
import { contextFileProblem, findKubeconfig, loadKubeconfig, type KubeconfigLookup } from './kubeconfig';
import { loadClientNode, type ClientNode } from './load';

export interface DiscoverySelector {
  selector: string;
  /** What installs Services labelled so (for messages and docs). */
  what: string;
  /** Path under the service where the Prometheus HTTP API lives (vmselect: /select/0/prometheus). */
  apiPrefix?: string;
}

/** Known selectors, best first (docs/LIVE-CLUSTER.md lists the same order). */
export const DISCOVERY_SELECTORS: readonly DiscoverySelector[] = [
  { selector: 'app=kube-prometheus-stack-prometheus', what: 'kube-prometheus-stack (Helm)' },
  { selector: 'app.kubernetes.io/name=prometheus,app.kubernetes.io/component=server', what: 'Prometheus Helm chart' },
  { selector: 'app=prometheus,component=server', what: 'Prometheus Helm chart (older labels)' },
  { selector: 'app=prometheus-server', what: 'Prometheus server' },
  { selector: 'app.kubernetes.io/name=prometheus', what: 'kube-prometheus / prometheus-operator' },
  { selector: 'operated-prometheus=true', what: 'prometheus-operator (prometheus-operated)' },
  { selector: 'app.kubernetes.io/name=thanos-query', what: 'Thanos query (kube-thanos)' },
  { selector: 'app.kubernetes.io/name=thanos,app.kubernetes.io/component=query', what: 'Thanos query (Helm)' },
  { selector: 'app.kubernetes.io/name=vmsingle', what: 'VictoriaMetrics single' },
  { selector: 'app.kubernetes.io/name=vmselect', what: 'VictoriaMetrics cluster (vmselect)', apiPrefix: '/select/0/prometheus' },
];

/** Service ports that look like a Prometheus-compatible HTTP API, best first. */
const PORT_NAMES = ['web', 'http-web', 'http', 'http-query', 'https-web', 'https'];
const PORT_NUMBERS = [9090, 8428, 8481, 10902, 80, 443];

export interface DiscoveredPrometheus {
  context: string;
  namespace: string;
  name: string;
  port: number;
  scheme: 'http' | 'https';
  selector: string;
  what: string;
  /** Base URL of the Prometheus API through the API server's service proxy. */
  url: string;
  /** The API server (no userinfo), for messages. */
  server: string;
  /** "monitoring/prometheus-k8s:9090 (kube-prometheus …, selector …) through the API server https://…" */
  description: string;
}

interface K8sService {
  metadata?: { name?: string; namespace?: string };
  spec?: { ports?: Array<{ name?: string; port: number; appProtocol?: string }> };
}

/** Parses a selector setting: a comma-joined label selector (`app=my-prom,tier=metrics`), trimmed; '' → undefined. */
export function customSelector(value: string | undefined): DiscoverySelector | undefined {
  const s = value?.split(',').map((p) => p.trim()).filter(Boolean).join(',');
  return s ? { selector: s, what: 'custom selector (mora.prometheus.selector / --prometheus-selector)' } : undefined;
}

function portScore(p: { name?: string; port: number }): number {
  const byName = PORT_NAMES.indexOf(p.name ?? '');
  if (byName >= 0) return byName;
  const byNumber = PORT_NUMBERS.indexOf(p.port);
  return byNumber >= 0 ? 10 + byNumber : 100;
}

/** The best Service of those one selector matched, and its port: a Prometheus-like port first, then namespace/name. */
export function pickService(services: readonly K8sService[]): { service: K8sService; port: { name?: string; port: number; appProtocol?: string } } | undefined {
  const candidates = services.flatMap((service) => {
    const ports = [...(service.spec?.ports ?? [])].sort((a, b) => portScore(a) - portScore(b));
    return ports.length ? [{ service, port: ports[0] }] : [];
  });
  candidates.sort((a, b) => portScore(a.port) - portScore(b.port)
    || String(a.service.metadata?.namespace).localeCompare(String(b.service.metadata?.namespace))
    || String(a.service.metadata?.name).localeCompare(String(b.service.metadata?.name)));
  return candidates[0];
}

/**
 * A `fetch` that sends each request to the API server with the context's TLS settings and credentials (fresh from
 * client-node each time: exec plugins and token files rotate), and turns a form POST into a GET with the same parameters.
 */
export function serviceProxyFetch(kc: k8s.KubeConfig, options: { proxyFromEnv?: boolean } = {}): typeof fetch {
  let agent: https.Agent | undefined;
  let inner: typeof fetch | undefined;
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    if (!inner) {
      agent = opts.agent as https.Agent | undefined;
      inner = axiosFetch({ proxyFromEnv: options.proxyFromEnv, httpsAgent: agent });
    }
    const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = String(v);
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    let url = String(input);
    let method = init.method ?? 'GET';
    if (method === 'POST' && typeof init.body === 'string') {
      url += `${url.includes('?') ? '&' : '?'}${init.body}`;
      method = 'GET';
      delete headers['Content-Type'];
    }
    return inner(url, { ...init, method, headers, body: method === 'GET' ? undefined : init.body });
  }) as typeof fetch;
}

/** Discovers Prometheus per kubeconfig context. The kubeconfig is read as KubeClient reads it (kubectl's rules). */
export class PrometheusDiscovery {
  private readonly k: ClientNode;
  private readonly config: k8s.KubeConfig;
  private readonly timeoutMs: number;
  private readonly probes: ConnectProbes;
  /** What the discovery's requests carried: a failure that echoes it (a 500 quoting the Authorization) is redacted. */
  private readonly applied = new AppliedCredentials();

  /** `connectTimeoutMs`: as KubeClientOptions.connectTimeoutMs (default 5 s, 0 = off); `kubeconfigHint` as KubeClientOptions'. */
  constructor(options: KubeconfigLookup & { kubeconfig?: string; kubeconfigHint?: KubeconfigHint; timeoutMs?: number; connectTimeoutMs?: number }) {
    this.k = loadClientNode();
    this.config = loadKubeconfig(this.k, findKubeconfig({ ...options, explicit: options.kubeconfig }), options.kubeconfigHint);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.probes = new ConnectProbes(options.connectTimeoutMs, this.timeoutMs);
  }

  currentContext(): string {
    return this.config.getCurrentContext();
  }

  /** A KubeConfig whose current context is `context` (same clusters, users and plugins). */
  configFor(context: string): k8s.KubeConfig {
    if (!this.config.getContextObject(context)) throw new KubeError(`no context "${context}" in the kubeconfig`, 'config');
    const unreadable = contextFileProblem(this.config, context);
    if (unreadable) throw unreadable;
    const kc = this.applied.track(new this.k.KubeConfig());
    kc.loadFromOptions({ clusters: this.config.getClusters(), users: this.config.getUsers(), contexts: this.config.getContexts(), currentContext: context });
    return kc;
  }

  /** `p` within the timeout, raced against the context's connect probe (a dead API server fails after the connect timeout). */
  private timed<T>(p: Promise<T>, what: string, context: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    // Named as KubeClient names its own timeouts (server and context): the extension discovers in several contexts at once.
    const server = this.server(context);
    const t = new Promise<never>((_r, reject) => { timer = setTimeout(() => reject(new KubeError(`the Kubernetes API${server ? ` at ${server}` : ''} (context "${context}") did not answer ${what} within ${Math.round(this.timeoutMs / 1000)} s — is the cluster reachable (VPN, firewall)?`, 'unreachable')), this.timeoutMs); });
    const ctx = this.config.getContextObject(context);
    return Promise.race([p, t, this.probes.failure(context, ctx ? this.config.getCluster(ctx.cluster) : null)]).finally(() => clearTimeout(timer));
  }

  /** The context's API server as KubeClient names it in messages (no userinfo): one dead server reads alike in both. */
  private server(context: string): string | undefined {
    const ctx = this.config.getContextObject(context);
    const server = ctx ? this.config.getCluster(ctx.cluster)?.server : undefined;
    return server === undefined ? undefined : stripUserinfo(server);
  }

  private redacted(err: KubeError): KubeError {
    return redactedKubeError(err, [...kubeconfigSecrets(this.config), ...this.applied.list()]);
  }

  /**
   * Where the last discover() of each context could list Services when it could not list them cluster-wide (RBAC):
   * the namespaces it looked in, and whether those were all the cluster's or only the context's own. Absent: cluster-wide.
   */
  private readonly narrowed = new Map<string, { namespaces: string[]; all: boolean }>();

  /** The namespaces the last discover() of `context` searched, when the user could not list Services cluster-wide. */
  searchedNamespaces(context: string): { namespaces: string[]; all: boolean } | undefined {
    return this.narrowed.get(context);
  }

  /** Services matching `selector` in every namespace the user may list them in. */
  private async services(core: k8s.CoreV1Api, context: string, selector: string): Promise<K8sService[]> {
    let scope = this.narrowed.get(context);
    if (!scope) {
      try {
        return (await this.timed(core.listServiceForAllNamespaces({ labelSelector: selector }), 'a Service list', context)).items as K8sService[];
      } catch (e) {
        const err = this.redacted(kubeError(e, { verb: 'list', resource: 'services', group: '', context, server: this.server(context) }));
        if (err.kind !== 'forbidden') throw err;
      }
      // Asked once per discovery, not once per selector: a namespaced user's refusals are the same for every selector.
      try {
        scope = { namespaces: (await this.timed(core.listNamespace(), 'a namespace list', context)).items.map((n) => n.metadata?.name ?? '').filter(Boolean), all: true };
      } catch {
        scope = { namespaces: [this.config.getContextObject(context)?.namespace ?? 'default'], all: false };
      }
      this.narrowed.set(context, scope);
    }
    const namespaces = scope.namespaces;
    const out: K8sService[] = [];
    for (const namespace of namespaces) {
      try {
        out.push(...((await this.timed(core.listNamespacedService({ namespace, labelSelector: selector }), 'a Service list', context)).items as K8sService[]));
      } catch (e) {
        const err = this.redacted(kubeError(e, { verb: 'list', resource: 'services', group: '', namespace, context, server: this.server(context) }));
        if (err.kind !== 'forbidden') throw err;
      }
    }
    return out;
  }

  /**
   * The Prometheus of a context: the first selector (custom first) with a matching Service. undefined when none
   * matches; KubeError when the API server cannot be asked.
   */
  async discover(context: string, custom?: DiscoverySelector): Promise<DiscoveredPrometheus | undefined> {
    const kc = this.configFor(context);
    const core = kc.makeApiClient(this.k.CoreV1Api);
    this.narrowed.delete(context); // RBAC may have changed since the last discovery
    const server = stripUserinfo(kc.getCurrentCluster()?.server ?? '').replace(/\/+$/, '');
    for (const sel of custom ? [custom, ...DISCOVERY_SELECTORS] : DISCOVERY_SELECTORS) {
      const picked = pickService(await this.services(core, context, sel.selector));
      if (!picked) continue;
      const namespace = String(picked.service.metadata?.namespace);
      const name = String(picked.service.metadata?.name);
      const { port } = picked.port;
      const scheme = /https/.test(`${picked.port.name ?? ''} ${picked.port.appProtocol ?? ''}`) || port === 443 ? 'https' : 'http';
      const base = `${kc.getCurrentCluster()?.server.replace(/\/+$/, '')}/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${scheme}:${encodeURIComponent(name)}:${port}/proxy${sel.apiPrefix ?? ''}`;
      return {
        context, namespace, name, port, scheme, selector: sel.selector, what: sel.what, url: base, server,
        description: `service ${namespace}/${name}:${port} (${sel.what}, selector ${sel.selector}) through the API server ${server}`,
      };
    }
    return undefined;
  }

  /** What was looked for, for the "none found" message. */
  static lookedFor(custom?: DiscoverySelector): string {
    return (custom ? [custom, ...DISCOVERY_SELECTORS] : DISCOVERY_SELECTORS).map((s) => s.selector).join('; ');
  }
}
