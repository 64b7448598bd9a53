/**
 * The Kubernetes side of a live cluster: contexts from the kubeconfig, namespaces, workloads (Deployment, StatefulSet,
 * DaemonSet, CronJob, Job, and Argo Rollouts where their CRD is installed) with their containers' requests/limits and
 * HPAs (autoscaling/v2), and applying a recommendation (container resources, replicas) with optimistic concurrency and
 * retry on 409 Conflict.
 *
 * @kubernetes/client-node is loaded on first use (load.ts). Every failure becomes a KubeError with one clear line.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Workload, WorkloadKind, WorkloadRef } from '../../core/workload';
import { stripUserinfo } from '../../core/redact';
import { untilAborted } from '../../core/abortable';
import { abortOptions } from './abort';
import { CLI_KUBECONFIG_HINT, KubeError, ReplicasChanged, kubeError, type KubeAction, type KubeconfigHint } from './errors';
import { rawThrottle, retryThrottled, type ThrottleOptions } from './throttle';
import { contextFileProblem, describeSource, findKubeconfig, kubectlFor, loadKubeconfig, type KubeconfigSource } from './kubeconfig';
import { ConnectProbes } from './connect-probe';
import { AppliedCredentials, kubeconfigSecrets, redactedKubeError, redactPluginOutput } from './credential-redaction';
import { loadClientNode, type ClientNode } from './load';
import { FIELD_MANAGER, MERGE_PATCH, STRATEGIC_MERGE_PATCH, patchShownIn, replicasPatch, resourcesMergePatch, resourcesPatch, type ContainerResourceChange } from './patch';
import { NamespaceWatch, workloadWatchPaths, type NamespaceWatchOptions, type WatchTransport } from './watch';
import { containersOf, ownedByCronJob, toWorkload, withReferencedTemplate, type K8sHpa, type K8sLimitRange, type K8sResourceQuota, type K8sWorkloadObject } from './workloads';

export interface KubeClientOptions {
  /**
   * A kubeconfig file (or a list in KUBECONFIG's syntax); default as kubectl: $KUBECONFIG (files merged, first wins),
   * else ~/.kube/config, else the in-cluster service account (src/data/kube/kubeconfig.ts).
   */
  kubeconfig?: string;
  /** Environment for KUBECONFIG and KUBERNETES_SERVICE_HOST/PORT (tests). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Home folder for ~/.kube/config (tests). */
  home?: string;
  /** A pod's service account folder (tests). Default /var/run/secrets/kubernetes.io/serviceaccount. */
  serviceAccountDir?: string;
  /** The way out a kubeconfig error names (none found, the file missing, no contexts); default the CLI's flags. */
  kubeconfigHint?: KubeconfigHint;
  /** Attempts for a write that meets 409 Conflict (re-read, re-apply). Default 5. */
  conflictRetries?: number;
  /** Per-call timeout: an API server that accepts no connection (a black-holed address) must not hang MOrA. Default 30 s. */
  timeoutMs?: number;
  /**
   * Connect timeout (TCP + TLS handshake, probed beside a context's first calls; connect-probe.ts): a context whose API
   * server cannot even be connected to fails after this, not after `timeoutMs`, which stays long for slow but live
   * calls. Default 5 s; 0 turns the probe off. Not probed through a cluster's proxy-url.
   */
  connectTimeoutMs?: number;
  /** Attempts of a list answered 429 Too Many Requests (its Retry-After waited out between them; throttle.ts). Default 5. */
  throttleRetries?: number;
  /** The longest wait a 429's Retry-After may ask for, ms. Default 30 s. */
  maxRetryAfterMs?: number;
}

export interface ApplyResult {
  /** resourceVersion after the write. */
  resourceVersion: string;
  /** Writes sent (1 unless a conflict forced a retry). */
  attempts: number;
  dryRun: boolean;
  /** The object as MOrA read it just before the (last) write. */
  before: K8sWorkloadObject;
  /** The object as the API server answered the write: for a dry run, what it would have stored. */
  after: K8sWorkloadObject;
  /** The write was not answered in time; `after` was read back and shows the patch applied. */
  readBack?: boolean;
}

/**
 * A write a person approved after seeing its preview (the diff of a server-side dry run): it goes to the object the
 * preview was computed from, or nowhere. The patch is pinned to that object's resourceVersion; on 409 Conflict the
 * object is read again and the write goes ahead (pinned to the new resourceVersion) only when `unchanged` says the
 * new object still shows what the preview showed (e.g. only its status moved); otherwise ChangedSincePreview.
 */
export interface ApprovedPreview {
  /** The object the dry run was built on (ApplyResult.before of the dry run). */
  before: K8sWorkloadObject;
  /** Whether an object read now still shows what the preview showed, in the fields the preview covers. */
  unchanged(now: K8sWorkloadObject): boolean;
}

/** The object changed, in what the approved preview showed, between the preview and the write: nothing was written. */
export class ChangedSincePreview extends KubeError {
  constructor(ref: WorkloadRef, readonly previewVersion: string, readonly currentVersion: string) {
    super(`${ref.kind}/${ref.name} changed since the preview (resourceVersion ${previewVersion} → ${currentVersion}): nothing was applied; run again to see the new diff`, 'conflict', 409);
  }
}

/** The namespace's LimitRanges and ResourceQuotas (what admission checks the pods against), or why they are unknown. */
export interface PodAdmissionObjects {
  limitRanges: K8sLimitRange[];
  quotas: K8sResourceQuota[];
  /** One line per list that could not be read (RBAC): that check is skipped. */
  warnings: string[];
}

export interface WorkloadListing {
  workloads: Workload[];
  /** Kinds that could not be listed (e.g. RBAC denies CronJobs), one line each. */
  warnings: string[];
  /** The same kinds with their errors, for a caller that must not take "not listed" for "not there" (--in-cluster). */
  failedKinds?: Array<{ kind: WorkloadKind; error: KubeError }>;
}

interface Apis {
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  batch: k8s.BatchV1Api;
  autoscaling: k8s.AutoscalingV2Api;
  custom: k8s.CustomObjectsApi;
  version: k8s.VersionApi;
  kc: k8s.KubeConfig;
}

type AnyObj = K8sWorkloadObject & { metadata?: { resourceVersion?: string } };

interface KindOps {
  group: string;
  resource: string;
  /**
   * A custom resource whose CRD a cluster may not have (Argo Rollouts): a 404 to its list means "none here", without a
   * warning. Its resources are written with a JSON merge patch (custom resources take no strategic merge).
   */
  custom?: boolean;
  /** Whether the cluster serves the kind (discovery, which every authenticated user may read). */
  served?(a: Apis): Promise<boolean>;
  list(a: Apis, namespace: string): Promise<{ items: AnyObj[] }>;
  read(a: Apis, namespace: string, name: string): Promise<AnyObj>;
  patch(a: Apis, namespace: string, name: string, body: object, opts: k8s.ConfigurationOptions, dryRun?: string): Promise<AnyObj>;
}

/** Kinds MOrA lists, in display order. */
export const LISTED_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job', 'Rollout'];

/** Argo Rollouts' API: a Rollout is a Deployment with a progressive strategy (spec.template, spec.replicas). */
const ROLLOUT = { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts' } as const;

const KINDS: Partial<Record<WorkloadKind, KindOps>> = {
  Deployment: {
    group: 'apps', resource: 'deployments',
    list: (a, namespace) => a.apps.listNamespacedDeployment({ namespace }) as Promise<{ items: AnyObj[] }>,
    read: (a, namespace, name) => a.apps.readNamespacedDeployment({ namespace, name }) as Promise<AnyObj>,
    patch: (a, namespace, name, body, o, dryRun) => a.apps.patchNamespacedDeployment({ namespace, name, body, dryRun, fieldManager: FIELD_MANAGER }, o) as Promise<AnyObj>,
  },
  StatefulSet: {
    group: 'apps', resource: 'statefulsets',
    list: (a, namespace) => a.apps.listNamespacedStatefulSet({ namespace }) as Promise<{ items: AnyObj[] }>,
    read: (a, namespace, name) => a.apps.readNamespacedStatefulSet({ namespace, name }) as Promise<AnyObj>,
    patch: (a, namespace, name, body, o, dryRun) => a.apps.patchNamespacedStatefulSet({ namespace, name, body, dryRun, fieldManager: FIELD_MANAGER }, o) as Promise<AnyObj>,
  },
  DaemonSet: {
    group: 'apps', resource: 'daemonsets',
    list: (a, namespace) => a.apps.listNamespacedDaemonSet({ namespace }) as Promise<{ items: AnyObj[] }>,
    read: (a, namespace, name) => a.apps.readNamespacedDaemonSet({ namespace, name }) as Promise<AnyObj>,
    patch: (a, namespace, name, body, o, dryRun) => a.apps.patchNamespacedDaemonSet({ namespace, name, body, dryRun, fieldManager: FIELD_MANAGER }, o) as Promise<AnyObj>,
  },
  CronJob: {
    group: 'batch', resource: 'cronjobs',
    list: (a, namespace) => a.batch.listNamespacedCronJob({ namespace }) as Promise<{ items: AnyObj[] }>,
    read: (a, namespace, name) => a.batch.readNamespacedCronJob({ namespace, name }) as Promise<AnyObj>,
    patch: (a, namespace, name, body, o, dryRun) => a.batch.patchNamespacedCronJob({ namespace, name, body, dryRun, fieldManager: FIELD_MANAGER }, o) as Promise<AnyObj>,
  },
  Job: {
    group: 'batch', resource: 'jobs',
    list: (a, namespace) => a.batch.listNamespacedJob({ namespace }) as Promise<{ items: AnyObj[] }>,
    read: (a, namespace, name) => a.batch.readNamespacedJob({ namespace, name }) as Promise<AnyObj>,
    patch: (a, namespace, name, body, o, dryRun) => a.batch.patchNamespacedJob({ namespace, name, body, dryRun, fieldManager: FIELD_MANAGER }, o) as Promise<AnyObj>,
  },
  Rollout: {
    group: ROLLOUT.group, resource: ROLLOUT.plural, custom: true,
    list: (a, namespace) => a.custom.listNamespacedCustomObject({ ...ROLLOUT, namespace }) as Promise<{ items: AnyObj[] }>,
    read: (a, namespace, name) => a.custom.getNamespacedCustomObject({ ...ROLLOUT, namespace, name }) as Promise<AnyObj>,
    patch: (a, namespace, name, body, o, dryRun) => a.custom.patchNamespacedCustomObject({ ...ROLLOUT, namespace, name, body, dryRun, fieldManager: FIELD_MANAGER }, o) as Promise<AnyObj>,
    served: async (a) => (await a.custom.getAPIResources({ group: ROLLOUT.group, version: ROLLOUT.version })).resources.some((r) => r.name === ROLLOUT.plural),
  },
};

/** Kinds with a replica count MOrA may set (spec.replicas). */
const KINDS_WITH_REPLICAS: ReadonlySet<WorkloadKind> = new Set(['Deployment', 'StatefulSet', 'Rollout']);

/** Failures of a listing that say the credentials are bad, whatever kind was being listed: they stop the listing. */
const WHOLE_CLUSTER: ReadonlySet<string> = new Set(['unauthorized', 'credential-plugin', 'config']);

function opsFor(kind: WorkloadKind): KindOps {
  const ops = KINDS[kind];
  if (!ops) throw new KubeError(`MOrA cannot change a ${kind}; supported kinds: ${LISTED_KINDS.join(', ')}`, 'invalid');
  return ops;
}

export class KubeClient {
  private readonly apisByContext = new Map<string, Apis>();
  private readonly conflictRetries: number;
  private readonly timeoutMs: number;
  private readonly probes: ConnectProbes;
  private readonly applied = new AppliedCredentials();

  /** The kubectl command line that reads this kubeconfig, for hints (kubectlFor). */
  readonly kubectl: string;

  private constructor(private readonly k: ClientNode, private readonly config: k8s.KubeConfig, options: KubeClientOptions, readonly where: string, source?: KubeconfigSource) {
    this.kubectl = source ? kubectlFor(source) : 'kubectl';
    this.conflictRetries = Math.max(1, options.conflictRetries ?? 5);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.probes = new ConnectProbes(options.connectTimeoutMs, this.timeoutMs);
    this.throttle = { attempts: options.throttleRetries, maxRetryAfterMs: options.maxRetryAfterMs };
  }

  private readonly throttle: ThrottleOptions;

  /**
   * A list within the call timeout, a 429 Too Many Requests (APF, max-in-flight) waited out as its Retry-After says and
   * sent again, a bounded number of times (throttle.ts, as the VPA status writes); then it fails as a 429 (transient).
   */
  private timedList<T>(make: () => Promise<T>, context: string): Promise<T> {
    return retryThrottled(() => this.timed(make(), context), rawThrottle, this.throttle);
  }

  /**
   * Races a call against the timeout (client-node has none by default) and against the context's connect probe.
   * `onGiveUp` runs when one of those wins while the call is still pending (a write aborts its request there).
   */
  private timed<T>(p: Promise<T>, context: string, onGiveUp?: () => void): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const giveUp = (e: unknown): never => {
      if (!settled) onGiveUp?.();
      throw e;
    };
    const timeout = new Promise<never>((_r, reject) => {
      timer = setTimeout(() => reject(new KubeError(`the Kubernetes API${this.server(context) ? ` at ${this.server(context)}` : ''} (context "${context}") did not answer within ${Math.round(this.timeoutMs / 1000)} s — is the cluster reachable (VPN, firewall)?`, 'unreachable')), this.timeoutMs);
    });
    const call = p.finally(() => { settled = true; });
    return Promise.race([call, timeout.catch(giveUp), this.connectFailure(context).catch(giveUp)]).finally(() => clearTimeout(timer));
  }

  /** Rejects when the context's API server cannot be connected to within the connect timeout; otherwise never settles. */
  private connectFailure(context: string): Promise<never> {
    const ctx = this.config.getContextObject(context);
    return this.probes.failure(context, ctx ? this.config.getCluster(ctx.cluster) : null);
  }

  /**
   * Reads the kubeconfig as kubectl finds it. Throws KubeError kind "no-kubeconfig" (with what was looked for) when
   * there is none, kind "config" (with the file named) when one cannot be read or has no contexts.
   */
  static load(options: KubeClientOptions = {}): KubeClient {
    const found = findKubeconfig({ explicit: options.kubeconfig, env: options.env, home: options.home, serviceAccountDir: options.serviceAccountDir });
    const k = loadClientNode();
    const hint = options.kubeconfigHint ?? CLI_KUBECONFIG_HINT;
    const kc = loadKubeconfig(k, found, hint);
    const where = describeSource(found);
    if (kc.getContexts().length === 0) {
      throw new KubeError(`the kubeconfig ${where} has no contexts — run your cluster's login command or ${hint.noContexts}`, 'config');
    }
    return new KubeClient(k, kc, options, where, found);
  }

  /**
   * Credentials to redact from every message: every kubeconfig user's static ones, and whatever Authorization the
   * requests actually carried (exec plugin, tokenFile / service account, auth-provider tokens).
   */
  private secrets(): string[] {
    return [...kubeconfigSecrets(this.config), ...this.applied.list()];
  }

  /** kubeError, with the kubeconfig's secrets and any URL userinfo taken out of the message. */
  private fail(e: unknown, action: KubeAction): KubeError {
    return redactedKubeError(this.pluginError(e, action.context) ?? kubeError(e, action), this.secrets());
  }

  /**
   * A failure of the user's exec credential plugin (kubectl's `users[].exec`: gke-gcloud-auth-plugin, aws eks get-token,
   * kubelogin …) as one line naming the command; undefined for any other error. client-node runs the plugin before
   * the request: a missing command arrives as a spawn error, a failing one as an Error with its stderr, bad output as
   * a JSON SyntaxError.
   */
  private pluginError(e: unknown, context: string | undefined): KubeError | undefined {
    const ctx = context ? this.config.getContextObject(context) : null;
    const user = ctx ? this.config.getUser(ctx.user) : null;
    const exec = user?.exec as { command?: string; installHint?: string } | undefined;
    if (!exec?.command || e instanceof KubeError) return undefined;
    const err = e as { code?: unknown; syscall?: string; message?: string; body?: unknown; cause?: unknown };
    if (typeof err?.code === 'number' || err?.cause !== undefined) return undefined; // an API answer or a network error
    const where = `the kubeconfig's credential plugin "${exec.command}" (context "${context}")`;
    const hint = exec.installHint ? ` — ${exec.installHint.replace(/\s+/g, ' ').trim().slice(0, 200)}` : '';
    if (err?.syscall?.startsWith('spawn') && err.code === 'ENOENT') return new KubeError(`${where} was not found${hint || ' — install it or fix users[].exec.command in the kubeconfig'}`, 'credential-plugin');
    if (err?.syscall?.startsWith('spawn')) return new KubeError(`${where} could not be started (${String(err.code)})`, 'credential-plugin');
    if (e instanceof SyntaxError) return new KubeError(`${where} did not print an ExecCredential (JSON) — run it by hand to see what it prints`, 'credential-plugin');
    if (e instanceof Error && err.code === undefined) {
      // Its stderr, redacted before it is cut (a secret cut in half would no longer match): a plugin may print tokens.
      const said = redactPluginOutput(err.message ?? '', this.secrets()).trim().split('\n').filter(Boolean).slice(-1)[0]?.slice(0, 300);
      return new KubeError(`${where} failed${said ? `: ${said}` : ' (non-zero exit, nothing on stderr)'}${hint}`, 'credential-plugin');
    }
    return undefined;
  }

  contexts(): string[] {
    return this.config.getContexts().map((c) => c.name);
  }

  currentContext(): string {
    return this.config.getCurrentContext();
  }

  /** The API server URL of a context (for messages). */
  server(context: string): string | undefined {
    const ctx = this.config.getContextObject(context);
    const server = ctx ? this.config.getCluster(ctx.cluster)?.server : undefined;
    return server === undefined ? undefined : stripUserinfo(server);
  }

  private apis(context: string): Apis {
    let a = this.apisByContext.get(context);
    if (a) return a;
    if (!this.config.getContextObject(context)) {
      throw new KubeError(`no context "${context}" in the kubeconfig; contexts: ${this.contexts().join(', ')}`, 'config');
    }
    const unreadable = contextFileProblem(this.config, context);
    if (unreadable) throw unreadable;
    // Same clusters, users and contexts (exec plugins, token files and file paths as loaded), another current context.
    const kc = this.applied.track(new this.k.KubeConfig());
    kc.loadFromOptions({ clusters: this.config.getClusters(), users: this.config.getUsers(), contexts: this.config.getContexts(), currentContext: context });
    a = {
      core: kc.makeApiClient(this.k.CoreV1Api),
      apps: kc.makeApiClient(this.k.AppsV1Api),
      batch: kc.makeApiClient(this.k.BatchV1Api),
      autoscaling: kc.makeApiClient(this.k.AutoscalingV2Api),
      custom: kc.makeApiClient(this.k.CustomObjectsApi),
      version: kc.makeApiClient(this.k.VersionApi),
      kc,
    };
    this.apisByContext.set(context, a);
    return a;
  }

  private action(context: string, a: Omit<KubeAction, 'context' | 'server'>): KubeAction {
    return { ...a, context, server: this.server(context) };
  }

  /**
   * The API server's version (GET /version): a cheap reachability and credentials check. `signal` (a health check's
   * Cancel) aborts the request and ends the wait at once.
   */
  async version(context: string, signal?: AbortSignal): Promise<string> {
    try {
      const api = this.apis(context).version;
      const v = await untilAborted(this.timed(signal ? api.getCode(undefined, abortOptions(this.k, signal)) : api.getCode(), context), signal);
      return v.gitVersion;
    } catch (e) {
      throw this.fail(e, this.action(context, { verb: 'get', resource: 'version', group: '' }));
    }
  }

  /**
   * Namespaces; a user who may not list them (common with namespaced RBAC) gets the context's own namespace, unless
   * `strict` (--in-cluster shards every namespace: without the list it would silently do nothing), which throws.
   */
  /**
   * The context's namespaces. A user who may not list them (RBAC scoped to some namespaces, no ClusterRole) gets one:
   * `asked` (the namespace the user named, e.g. -n, which kubectl -n would read too), else the context's own (or
   * "default"); `onNarrowed` is told so in one line. `strict`: the refusal is thrown instead.
   */
  async namespaces(context: string, options: { strict?: boolean; asked?: string; onNarrowed?: (message: string) => void } = {}): Promise<string[]> {
    try {
      const list = await this.timedList(() => this.apis(context).core.listNamespace(), context);
      return list.items.map((n) => n.metadata?.name ?? '').filter(Boolean).sort();
    } catch (e) {
      const err = this.fail(e, this.action(context, { verb: 'list', resource: 'namespaces', group: '' }));
      if (err.kind !== 'forbidden' || options.strict) throw err;
      const own = this.config.getContextObject(context)?.namespace;
      const ns = options.asked ?? own ?? 'default';
      const which = options.asked !== undefined ? 'the one asked for' : own !== undefined ? 'the context\'s namespace' : 'the context sets none';
      options.onNarrowed?.(`context "${context}": this user may not list namespaces (RBAC), so only namespace "${ns}" was read (${which})${options.asked !== undefined ? '' : ' — -n <namespace> reads another one it may read'}`);
      return [ns];
    }
  }

  async workloads(context: string, namespace: string): Promise<WorkloadListing> {
    const apis = this.apis(context);
    const warnings: string[] = [];
    let hpas: K8sHpa[] = [];
    try {
      hpas = (await this.timedList(() => apis.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace }), context)).items as K8sHpa[];
    } catch (e) {
      const err = this.fail(e, this.action(context, { verb: 'list', resource: 'horizontalpodautoscalers', group: 'autoscaling', namespace }));
      if (err.kind === 'unreachable' || err.kind === 'unauthorized') throw err;
      warnings.push(`${err.message} (HPAs are not taken into account)`);
    }
    const all = await Promise.all(LISTED_KINDS.map(async (kind) => {
      const ops = opsFor(kind);
      try {
        return { kind, items: (await this.timedList(() => ops.list(apis, namespace), context)).items };
      } catch (e) {
        const error = this.fail(e, this.action(context, { verb: 'list', resource: ops.resource, group: ops.group, namespace }));
        // A custom kind whose CRD is not installed (no Argo Rollouts on this cluster): none, and nothing to say.
        if (ops.custom && await this.notServed(ops, apis, context, error)) return { kind, absent: true };
        return { kind, error };
      }
    }));
    // A kind the cluster does not serve does not count towards "every kind failed".
    const lists = all.filter((l) => !('absent' in l));
    const workloads: Workload[] = [];
    const failed = lists.filter((l) => l.error);
    // Bad credentials is a whole-cluster problem, and so is no kind answering at all (unreachable). Otherwise a failure
    // on one kind — RBAC, a kind the cluster does not serve, a 5xx/429 from that resource's storage or a broken
    // conversion, a timeout — only hides that kind, named in a warning and in failedKinds.
    const credentials = failed.find((l) => l.error && WHOLE_CLUSTER.has(l.error.kind));
    if (credentials?.error) throw credentials.error;
    if (failed.length && failed.length === lists.length) {
      const first = failed.find((l) => l.error && l.error.kind !== 'forbidden' && l.error.kind !== 'not-found') ?? failed[0];
      if (first.error) throw first.error;
    }
    const failedKinds: NonNullable<WorkloadListing['failedKinds']> = [];
    for (const l of lists) {
      if (l.error) {
        // A hidden kind is named: the call timeout's message names no resource, so it gets the list's.
        const ops = opsFor(l.kind);
        const error = l.error.message.includes(`${ops.resource}.${ops.group}`) ? l.error
          : new KubeError(`list ${ops.resource}.${ops.group} in namespace "${namespace}": ${l.error.message}`, l.error.kind, l.error.status);
        warnings.push(error.message);
        failedKinds.push({ kind: l.kind, error });
        continue;
      }
      const deployments = lists.find((d) => d.kind === 'Deployment')?.items;
      for (const obj of l.items ?? []) {
        if (l.kind === 'Job' && ownedByCronJob(obj)) continue;
        workloads.push(toWorkload(context, namespace, l.kind, l.kind === 'Rollout' ? withReferencedTemplate(obj, deployments) : obj, hpas));
      }
    }
    return { workloads, warnings, ...(failedKinds.length ? { failedKinds } : {}) };
  }

  /**
   * Whether a custom kind's failed list means the cluster does not serve it: 404, or 403 where discovery does not list
   * the resource (RBAC is checked before the API is looked up, so a role without the rule gets 403 even where the CRD
   * is not installed). Discovery failing otherwise: taken as served, the error stays a warning.
   */
  private async notServed(ops: KindOps, apis: Apis, context: string, error: KubeError): Promise<boolean> {
    if (error.kind === 'not-found') return true;
    if (error.kind !== 'forbidden' || !ops.served) return false;
    return this.timed(ops.served(apis), context).then((served) => !served, (e: unknown) => (e as { code?: unknown })?.code === 404);
  }

  /**
   * Pods that run but belong to no workload MOrA lists (a ReplicaSet without a Deployment or Argo Rollout, a
   * ReplicationController, a bare Pod, a pod an operator's custom resource owns): one line naming their
   * owners, so they are not missing from the output without a word. Best effort: a list RBAC refuses gives no line.
   */
  async uncoveredPods(context: string, namespace: string): Promise<string | undefined> {
    const apis = this.apis(context);
    type Owned = { metadata?: { name?: string; ownerReferences?: Array<{ kind?: string; name?: string; controller?: boolean }> }; status?: { phase?: string } };
    const list = async (call: () => Promise<{ items: unknown[] }>): Promise<Owned[] | undefined> => {
      try { return (await this.timed(call(), context)).items as Owned[]; } catch { return undefined; }
    };
    const [pods, replicaSets] = await Promise.all([
      list(() => apis.core.listNamespacedPod({ namespace })),
      list(() => apis.apps.listNamespacedReplicaSet({ namespace })),
    ]);
    if (!pods) return undefined;
    const controller = (o: Owned) => o.metadata?.ownerReferences?.find((r) => r.controller) ?? o.metadata?.ownerReferences?.[0];
    const rsOwner = new Map((replicaSets ?? []).map((rs) => [rs.metadata?.name ?? '', controller(rs)]));
    const owners = new Map<string, number>();
    for (const pod of pods) {
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      const o = controller(pod);
      let owner: string | undefined;
      if (!o?.kind) owner = `Pod ${pod.metadata?.name ?? '?'} (no owner)`;
      else if (o.kind === 'ReplicaSet') {
        // Without the ReplicaSet list (RBAC) the pod is taken as a Deployment's.
        const up = replicaSets ? rsOwner.get(o.name ?? '') : { kind: 'Deployment' };
        if (up?.kind !== 'Deployment' && up?.kind !== 'Rollout') owner = `ReplicaSet ${o.name}${up?.kind ? ` (owned by ${up.kind} ${up.name})` : ''}`;
      } else if (!['StatefulSet', 'DaemonSet', 'Job'].includes(o.kind)) owner = `${o.kind} ${o.name}`;
      if (owner) owners.set(owner, (owners.get(owner) ?? 0) + 1);
    }
    if (!owners.size) return undefined;
    const n = [...owners.values()].reduce((a, b) => a + b, 0);
    const named = [...owners].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, 5).map(([o, k]) => (k > 1 ? `${o}: ${k} pods` : o));
    return `namespace "${namespace}": ${n} pod${n > 1 ? 's' : ''} not recommended, their owner is not a kind MOrA sizes (${LISTED_KINDS.join(', ')}): ${named.join('; ')}${owners.size > 5 ? `; and ${owners.size - 5} more owners` : ''}`;
  }

  /**
   * Watches a namespace's Deployments, StatefulSets, DaemonSets and HPAs (watch.ts): `onChange` (debounced) when one
   * is added or deleted or its spec changes. Reconnects with backoff; dispose() stops it.
   */
  watchWorkloads(context: string, namespace: string, onChange: () => void, options: NamespaceWatchOptions = {}): { dispose(): void } {
    const apis = this.apis(context);
    const watch = new this.k.Watch(apis.kc);
    const lists: Record<string, [string, string, () => Promise<{ metadata?: { resourceVersion?: string } }>]> = {
      deployments: ['deployments', 'apps', () => apis.apps.listNamespacedDeployment({ namespace, limit: 1 })],
      statefulsets: ['statefulsets', 'apps', () => apis.apps.listNamespacedStatefulSet({ namespace, limit: 1 })],
      daemonsets: ['daemonsets', 'apps', () => apis.apps.listNamespacedDaemonSet({ namespace, limit: 1 })],
      horizontalpodautoscalers: ['horizontalpodautoscalers', 'autoscaling', () => apis.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace, limit: 1 })],
    };
    const transport: WatchTransport = {
      list: async (path) => {
        const [resource, group, list] = lists[path.slice(path.lastIndexOf('/') + 1)];
        try {
          return (await this.timed(list(), context)).metadata?.resourceVersion ?? '';
        } catch (e) {
          throw this.fail(e, this.action(context, { verb: 'list', resource, group, namespace }));
        }
      },
      // The server ends each watch after timeoutSeconds, before client-node's 30 s idle timeout; it is resumed at once.
      watch: (path, resourceVersion, onEvent, onDone) => watch.watch(path, { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 25 }, onEvent, onDone),
    };
    return new NamespaceWatch(transport, workloadWatchPaths(namespace), onChange, options);
  }

  /** One workload object as the API returns it (with its resourceVersion). */
  async read(ref: WorkloadRef): Promise<AnyObj> {
    const ops = opsFor(ref.kind);
    try {
      return await this.timed(ops.read(this.apis(ref.context), ref.namespace, ref.name), ref.context);
    } catch (e) {
      throw this.fail(e, this.action(ref.context, { verb: 'get', resource: ops.resource, group: ops.group, namespace: ref.namespace, name: ref.name }));
    }
  }

  /**
   * Sets container requests/limits. Checks the containers exist and sends a strategic-merge patch pinned to a
   * resourceVersion. Without `approved`: the object as read now, and on 409 Conflict (someone else wrote in between)
   * it reads again and retries. With `approved` (a write a person confirmed after its preview): the object the
   * preview was computed from, and a conflict retried only while the object still shows what the preview showed —
   * else ChangedSincePreview, nothing written.
   */
  async applyResources(ref: WorkloadRef, changes: ContainerResourceChange[], opts: { dryRun?: boolean; replicas?: number; approved?: ApprovedPreview } = {}): Promise<ApplyResult> {
    if (opts.replicas !== undefined && !KINDS_WITH_REPLICAS.has(ref.kind)) {
      throw new KubeError(`a ${ref.kind} has no replica count to set (only Deployments, StatefulSets and Rollouts)`, 'invalid');
    }
    // A custom resource (an Argo Rollout) takes no strategic merge: a JSON merge patch carrying the whole container
    // lists as read, with the changes in them, pinned to the resourceVersion they were read at.
    const custom = opsFor(ref.kind).custom === true;
    return this.writeWithRetry(ref, custom ? MERGE_PATCH : STRATEGIC_MERGE_PATCH, opts.dryRun ?? false, opts.approved, (obj) => {
      const workloadRef = obj.spec?.workloadRef;
      if (ref.kind === 'Rollout' && !obj.spec?.template && workloadRef) {
        throw new KubeError(`Rollout "${ref.name}" in namespace "${ref.namespace}" takes its pod template from ${workloadRef.kind ?? '?'} "${workloadRef.name ?? '?'}" (spec.workloadRef): MOrA does not write it there — change that ${workloadRef.kind ?? 'workload'}'s template (its manifest) instead; nothing was applied`, 'invalid');
      }
      const specs = containersOf(ref.kind, obj);
      const names = specs.map((c) => c.name);
      const unknown = changes.filter((c) => !names.includes(c.container)).map((c) => c.container);
      if (unknown.length) {
        throw new KubeError(`${ref.kind} "${ref.name}" in namespace "${ref.namespace}" has no container ${unknown.map((n) => `"${n}"`).join(', ')}; containers: ${names.join(', ')}`, 'not-found', 404);
      }
      const sidecars = new Set(specs.filter((c) => c.sidecar).map((c) => c.name));
      if (custom) return resourcesMergePatch(obj, changes, obj.metadata?.resourceVersion, opts.replicas, sidecars);
      return resourcesPatch(ref.kind, changes, obj.metadata?.resourceVersion, opts.replicas, sidecars);
    });
  }

  /**
   * The namespace's LimitRanges and ResourceQuotas. They are enforced when the controller creates the new pods, not
   * when MOrA patches the workload, so the apply plan checks the patched pod template against them itself.
   */
  async podAdmissionObjects(context: string, namespace: string): Promise<PodAdmissionObjects> {
    const core = this.apis(context).core;
    const out: PodAdmissionObjects = { limitRanges: [], quotas: [], warnings: [] };
    const read = async <T>(resource: string, list: () => Promise<{ items: unknown[] }>, into: T[]) => {
      try {
        into.push(...((await this.timed(list(), context)).items as T[]));
      } catch (e) {
        const err = this.fail(e, this.action(context, { verb: 'list', resource, group: '', namespace }));
        if (err.kind === 'unreachable' || err.kind === 'unauthorized') throw err;
        out.warnings.push(`${err.message} (${resource} not checked)`);
      }
    };
    await Promise.all([
      read('limitranges', () => core.listNamespacedLimitRange({ namespace }), out.limitRanges),
      read('resourcequotas', () => core.listNamespacedResourceQuota({ namespace }), out.quotas),
    ]);
    return out;
  }

  /**
   * Sets spec.replicas (JSON merge patch). Refuses kinds without replicas. With `ifReplicas`, writes only while the
   * count is still that one — checked on the object the patch is pinned to (its resourceVersion), so a change made in
   * between is never overwritten — else throws ReplicasChanged, nothing written.
   */
  async scale(ref: WorkloadRef, replicas: number, opts: { dryRun?: boolean; ifReplicas?: number } = {}): Promise<ApplyResult> {
    if (!KINDS_WITH_REPLICAS.has(ref.kind)) {
      throw new KubeError(`a ${ref.kind} has no replica count to set (only Deployments, StatefulSets and Rollouts)`, 'invalid');
    }
    return this.writeWithRetry(ref, MERGE_PATCH, opts.dryRun ?? false, undefined, (obj) => {
      // Kubernetes defaults an unset spec.replicas to 1.
      const current = (obj as { spec?: { replicas?: number } }).spec?.replicas ?? 1;
      if (opts.ifReplicas !== undefined && current !== opts.ifReplicas) throw new ReplicasChanged(ref, current, opts.ifReplicas);
      return replicasPatch(replicas, obj.metadata?.resourceVersion);
    });
  }

  /**
   * The HorizontalPodAutoscalers of the workload's namespace whose scaleTargetRef names it. A cluster that does not
   * serve autoscaling/v2 has none; any other failure to list them (RBAC) is thrown: the caller cannot rule one out.
   */
  async autoscalersOf(ref: WorkloadRef): Promise<Array<{ name: string; minReplicas?: number; maxReplicas: number }>> {
    const apis = this.apis(ref.context);
    let hpas: K8sHpa[];
    try {
      hpas = (await this.timed(apis.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace: ref.namespace }), ref.context)).items as K8sHpa[];
    } catch (e) {
      const err = this.fail(e, this.action(ref.context, { verb: 'list', resource: 'horizontalpodautoscalers', group: 'autoscaling', namespace: ref.namespace }));
      if (err.kind === 'not-found') return [];
      throw err;
    }
    return hpas.filter((h) => h.spec?.scaleTargetRef?.kind === ref.kind && h.spec.scaleTargetRef.name === ref.name)
      .map((h) => ({ name: h.metadata?.name ?? '?', minReplicas: h.spec?.minReplicas, maxReplicas: h.spec?.maxReplicas ?? 0 }));
  }

  /**
   * One patch, retried on 409 Conflict. A patch whose answer does not come in time (call timeout, connect probe) is
   * aborted — a request not yet sent is then never sent — and, unless a dry run, the object is read back: the server
   * may have applied a request it received (unansweredWrite). An approved write starts from the previewed object, not
   * a fresh read, and is retried only while the object read after the conflict still shows what the preview showed.
   */
  private async writeWithRetry(ref: WorkloadRef, contentType: string, dryRun: boolean, approved: ApprovedPreview | undefined, build: (obj: AnyObj) => object): Promise<ApplyResult> {
    const ops = opsFor(ref.kind);
    const apis = this.apis(ref.context);
    const act = this.action(ref.context, { verb: 'patch', resource: ops.resource, group: ops.group, namespace: ref.namespace, name: ref.name });
    // Without a resourceVersion the patch would carry no precondition and could overwrite anything.
    if (approved && !approved.before.metadata?.resourceVersion) throw new KubeError(`${ref.kind}/${ref.name}: the preview has no resourceVersion to pin the write to; nothing was applied`, 'other');
    let last: KubeError | undefined;
    for (let attempt = 1; attempt <= this.conflictRetries; attempt++) {
      const obj: AnyObj = approved && attempt === 1 ? approved.before : await this.read(ref);
      if (approved && attempt > 1 && !approved.unchanged(obj)) {
        throw new ChangedSincePreview(ref, approved.before.metadata?.resourceVersion ?? '?', obj.metadata?.resourceVersion ?? '?');
      }
      const body = build(obj);
      const abort = new AbortController();
      const options = abortOptions(this.k, abort.signal, this.k.setHeaderOptions('Content-Type', contentType));
      try {
        const out = await this.timed(ops.patch(apis, ref.namespace, ref.name, body, options, dryRun ? 'All' : undefined), ref.context, () => abort.abort());
        return { resourceVersion: out.metadata?.resourceVersion ?? '', attempts: attempt, dryRun, before: obj, after: out };
      } catch (e) {
        if (abort.signal.aborted && !dryRun) return this.unansweredWrite(ref, obj, body, attempt, this.fail(e, act));
        last = this.fail(e, act);
        if (last.kind !== 'conflict') throw last;
        // Back off a little (jittered) so two writers do not collide again at once.
        await new Promise((r) => setTimeout(r, 50 * attempt * (0.5 + Math.random())));
      }
    }
    throw new KubeError(`${last?.message ?? 'conflict'} — gave up after ${this.conflictRetries} attempts; try again`, 'conflict', 409);
  }

  /**
   * A patch sent but not answered in time: it may or may not have been applied. The object read back decides: the
   * patched fields in place → applied (the result, read back); the resourceVersion MOrA pinned still there → not
   * applied (a request the server already holds could still land: said, with the command to check); no answer either
   * (or changed by someone else) → unknown, said with the command to check. Never "failed" while it may have landed.
   */
  private async unansweredWrite(ref: WorkloadRef, before: AnyObj, body: object, attempt: number, err: KubeError): Promise<ApplyResult> {
    const check = `check with kubectl get ${ref.kind.toLowerCase()} ${ref.name} -n ${ref.namespace} --context ${ref.context} -o yaml before trying again`;
    const what = `${ref.kind} "${ref.name}" in namespace "${ref.namespace}"`;
    let now: AnyObj;
    try {
      now = await this.read(ref);
    } catch (e) {
      const why = e instanceof KubeError ? e.message : String(e);
      throw new KubeError(`${err.message} — the patch to ${what} was sent but not answered, so it may or may not have been applied, and reading it back failed too (${why}); ${check}`, 'unreachable');
    }
    if (patchShownIn(body, now)) {
      return { resourceVersion: now.metadata?.resourceVersion ?? '', attempts: attempt, dryRun: false, before, after: now, readBack: true };
    }
    const pinned = before.metadata?.resourceVersion;
    if (pinned !== undefined && now.metadata?.resourceVersion === pinned) {
      throw new KubeError(`${err.message} — the patch to ${what} was not answered and, read back, the object is unchanged (resourceVersion ${pinned}): not applied so far, though a request the server already received could still land; ${check}`, 'unreachable');
    }
    throw new KubeError(`${err.message} — the patch to ${what} was not answered and, read back, the object changed (resourceVersion ${now.metadata?.resourceVersion ?? '?'}) without the patched values: the patch may or may not have been applied (someone else wrote meanwhile); ${check}`, 'unreachable');
  }
}
