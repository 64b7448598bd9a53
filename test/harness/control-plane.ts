// A REAL Kubernetes control plane for tests, the way controller-runtime's envtest runs one: kube-apiserver (built from
// k8s.io/kubernetes) on kine (the etcd API over SQLite), both from scripts/install-control-plane.sh's cache, on
// 127.0.0.1 with a throwaway CA, a serving certificate, service-account keys, client certificates for the admin and
// for test users, RBAC authorization and the admission plugins on (LimitRanger, ResourceQuota, ServiceAccount …).
// Optionally kube-state-metrics against it.
//
// No kubelet, no controller-manager, no scheduler: nothing turns a Deployment into a ReplicaSet and Pods, and nothing
// creates a namespace's "default" ServiceAccount. The helpers here do what those controllers would (objects named as
// they name them, owner references, status written through the status subresource), so what the API server stores
// looks like a running cluster's.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { freeLoopbackPort } from './ports';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '..', '..');
const INSTALL = 'scripts/install-control-plane.sh';

type Json = Record<string, unknown>;

export type Credentials = { user: string; clientCert: string; clientKey: string } | { user: string; token: string };

export interface ControlPlaneOptions {
  /** Deadline for kine + kube-apiserver to be ready. Default 60 s. */
  readyTimeoutMs?: number;
  /** More kube-apiserver flags (appended; a later flag wins). */
  apiServerArgs?: string[];
  /** Start kube-state-metrics against the API server too. */
  kubeStateMetrics?: boolean | { resources?: string[] };
}

export interface RunningKubeStateMetrics {
  /** http://127.0.0.1:PORT — /metrics is the kube_* exposition. */
  url: string;
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

export interface ContainerSpec {
  name: string;
  image?: string;
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

export interface DeploymentSpec {
  name: string;
  replicas?: number;
  containers: ContainerSpec[];
  labels?: Record<string, string>;
  /** Assign the pods to this Node (created with createNode); default: the first node created, if any. */
  nodeName?: string;
  /** Pod IPs to report in the pods' status, one per pod (default: none reported). */
  podIPs?: string[];
}

export interface CreatedDeployment {
  deployment: Json;
  replicaSet: Json;
  pods: Json[];
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly body: Json | string, what: string) {
    super(`${what}: HTTP ${status}${typeof body === 'object' && body.message ? ` ${String(body.message)}` : typeof body === 'string' && body ? ` ${body.slice(0, 500)}` : ''}`);
    this.name = 'ApiError';
  }
}

// kind → [plural, namespaced] for what the helpers create; `create()` derives paths from these.
const KINDS: Record<string, [string, boolean]> = {
  Namespace: ['namespaces', false], Node: ['nodes', false], Pod: ['pods', true], ServiceAccount: ['serviceaccounts', true],
  Service: ['services', true], ConfigMap: ['configmaps', true], Secret: ['secrets', true], LimitRange: ['limitranges', true],
  ResourceQuota: ['resourcequotas', true], Endpoints: ['endpoints', true], EndpointSlice: ['endpointslices', true],
  Deployment: ['deployments', true], ReplicaSet: ['replicasets', true], StatefulSet: ['statefulsets', true],
  DaemonSet: ['daemonsets', true], Job: ['jobs', true], CronJob: ['cronjobs', true],
  HorizontalPodAutoscaler: ['horizontalpodautoscalers', true],
  Role: ['roles', true], RoleBinding: ['rolebindings', true], ClusterRole: ['clusterroles', false], ClusterRoleBinding: ['clusterrolebindings', false],
  CustomResourceDefinition: ['customresourcedefinitions', false],
};

/** The API path of a collection (name omitted) or of one object. */
export function apiPath(apiVersion: string, kind: string, namespace?: string, name?: string): string {
  const k = KINDS[kind];
  if (!k) throw new Error(`control-plane harness: no path known for kind ${kind}; add it to KINDS`);
  const [plural, namespaced] = k;
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  if (namespaced && !namespace) throw new Error(`${kind} is namespaced: give a namespace`);
  return `${base}${namespaced ? `/namespaces/${namespace}` : ''}/${plural}${name ? `/${name}` : ''}`;
}

// The alphabet the controllers use for generated names (k8s.io/apimachinery/pkg/util/rand): no vowels, no 0/1/3.
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** Like the Deployment controller's pod-template-hash: FNV-1a of the template, its decimal digits safe-encoded. */
export function podTemplateHash(template: unknown): string {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(JSON.stringify(template))) { h ^= b; h = Math.imul(h, 0x01000193) >>> 0; }
  return [...String(h)].map((c) => ALPHANUMS[c.charCodeAt(0) % ALPHANUMS.length]).join('');
}

/** The 5-character suffix the ReplicaSet controller's generateName gives pods. */
export function randomSuffix(n = 5): string {
  return Array.from({ length: n }, () => ALPHANUMS[randomInt(ALPHANUMS.length)]).join('');
}

export interface ControlPlaneBinaries { dir: string; kubeApiserver: string; kine: string; kubeStateMetrics: string }

/** Where the install script caches the binaries (it answers --print-dir instantly, without building). */
export function controlPlaneBinaries(): ControlPlaneBinaries {
  const dir = execFileSync('bash', [path.join(repoRoot, INSTALL), '--print-dir'], { encoding: 'utf8' }).trim();
  const bin = path.join(dir, 'bin');
  return { dir, kubeApiserver: path.join(bin, 'kube-apiserver'), kine: path.join(bin, 'kine'), kubeStateMetrics: path.join(bin, 'kube-state-metrics') };
}

function requireBinary(bins: ControlPlaneBinaries, file: string): void {
  if (fs.existsSync(file)) return;
  const piece = path.basename(file);
  const failed = path.join(bins.dir, `${piece}.failed`);
  const why = fs.existsSync(failed) ? `; its last build failed (${failed}):\n${fs.readFileSync(failed, 'utf8').split('\n').slice(0, 12).join('\n')}` : '';
  throw new Error(`${piece} is not built at ${file}: run \`bash ${INSTALL}\` (or npm run setup:test), which builds it from Go modules once per version${why}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Children still running when the test process exits are killed with it (a failed `before` must not leave an API server).
const live = new Set<ChildProcess>();
process.once('exit', () => { for (const c of live) c.kill('SIGKILL'); });

interface Proc { child: ChildProcess; logs(): string; exited: Promise<void>; stop(): Promise<void> }

function startProcess(file: string, args: string[], cwd: string): Proc {
  let logs = '';
  const child = spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const keep = (d: Buffer) => { logs = (logs + d.toString()).slice(-200_000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => { live.delete(child); resolve(); }));
  child.once('error', (e) => { logs += `\n${String(e)}`; });
  return {
    child, exited, logs: () => logs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

const running = (p: Proc) => p.child.exitCode === null && p.child.signalCode === null;

async function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** A throwaway PKI made with the openssl CLI (ECDSA P-256: fast to generate, accepted everywhere here). */
class Pki {
  readonly caKey: string;
  readonly caCert: string;
  constructor(readonly dir: string) {
    this.caKey = path.join(dir, 'ca.key');
    this.caCert = path.join(dir, 'ca.crt');
  }

  async init(): Promise<void> {
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', this.caKey,
      '-out', this.caCert, '-days', '2', '-subj', '/CN=mora-test-ca', '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'], { timeout: 30_000 });
  }

  /** A leaf certificate signed by the CA; subject like /O=group/CN=user. */
  async leaf(name: string, subject: string, ext: string[]): Promise<{ cert: string; key: string }> {
    const key = path.join(this.dir, `${name}.key`);
    const cert = path.join(this.dir, `${name}.crt`);
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
      '-CA', this.caCert, '-CAkey', this.caKey, '-days', '2', '-subj', subject, '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment', ...ext.flatMap((e) => ['-addext', e])], { timeout: 30_000 });
    return { cert, key };
  }
}

/** Escapes one RDN value for openssl's -subj. */
const rdn = (v: string) => v.replace(/[\\/,+="<>;]/g, (c) => `\\${c}`);

export class ControlPlane {
  /** https://127.0.0.1:PORT */
  url = '';
  /** The API server's gitVersion (GET /version). */
  version = '';
  /** Admin (system:masters) kubeconfig, context "mora-real" with namespace "default". */
  kubeconfig = '';
  admin!: Credentials;
  caPem = '';
  private kine?: Proc;
  private apiserver?: Proc;
  private ksm?: Proc;
  private readonly pki: Pki;
  private users = 0;
  private kubeconfigs = 0;
  private defaultNode?: string;

  private constructor(readonly dir: string, readonly bins: ControlPlaneBinaries) {
    this.pki = new Pki(path.join(dir, 'pki'));
  }

  /** Starts kine and kube-apiserver (and kube-state-metrics when asked); throws with their logs if they are not ready in time. */
  static async start(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
    const bins = controlPlaneBinaries();
    requireBinary(bins, bins.kubeApiserver);
    requireBinary(bins, bins.kine);
    if (options.kubeStateMetrics) requireBinary(bins, bins.kubeStateMetrics);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-control-plane-'));
    const cp = new ControlPlane(dir, bins);
    try {
      await cp.boot(options);
      return cp;
    } catch (e) {
      await cp.stop();
      throw e;
    }
  }

  /** Log tail of the processes (for failure messages). */
  logs(which: 'kube-apiserver' | 'kine' | 'kube-state-metrics' = 'kube-apiserver', chars = 4000): string {
    const p = which === 'kine' ? this.kine : which === 'kube-state-metrics' ? this.ksm : this.apiserver;
    return p?.logs().slice(-chars) ?? '';
  }

  private async boot(options: ControlPlaneOptions): Promise<void> {
    const t0 = Date.now();
    const deadline = t0 + (options.readyTimeoutMs ?? 60_000);
    fs.mkdirSync(this.pki.dir, { recursive: true });
    await this.pki.init();
    const [serving, admin, sa] = await Promise.all([
      this.pki.leaf('apiserver', '/CN=kube-apiserver', ['subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc', 'extendedKeyUsage=serverAuth']),
      this.pki.leaf('admin', '/O=system:masters/CN=mora-admin', ['extendedKeyUsage=clientAuth']),
      run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', path.join(this.pki.dir, 'sa.key')]),
    ]);
    void sa;
    await run('openssl', ['pkey', '-in', path.join(this.pki.dir, 'sa.key'), '-pubout', '-out', path.join(this.pki.dir, 'sa.pub')]);
    this.caPem = fs.readFileSync(this.pki.caCert, 'utf8');
    this.admin = { user: 'mora-admin', clientCert: fs.readFileSync(admin.cert, 'utf8'), clientKey: fs.readFileSync(admin.key, 'utf8') };

    // kine: the etcd v3 API on a loopback port, its SQLite file in this run's folder; no metrics listener.
    const kineDir = path.join(this.dir, 'kine');
    fs.mkdirSync(kineDir);
    for (let attempt = 0; ; attempt++) {
      const port = await freeLoopbackPort();
      this.kine = startProcess(this.bins.kine, [`--listen-address=127.0.0.1:${port}`, '--metrics-bind-address=0',
        `--endpoint=sqlite://${path.join(kineDir, 'state.db')}`], kineDir);
      while (Date.now() < deadline && running(this.kine) && !(await tcpOpen(port))) await sleep(50);
      if (running(this.kine) && (await tcpOpen(port))) { this.kineUrl = `http://127.0.0.1:${port}`; break; }
      const logs = this.kine.logs();
      await this.kine.stop();
      if (attempt >= 2 || !/address already in use/.test(logs)) throw new Error(`kine did not start on 127.0.0.1:${port}:\n${logs.slice(-3000)}`);
    }

    for (let attempt = 0; ; attempt++) {
      const port = await freeLoopbackPort();
      const args = [
        '--bind-address=127.0.0.1', `--secure-port=${port}`, '--advertise-address=127.0.0.1',
        // The lease reconciler would publish the advertise address in default/kubernetes' endpoints and refuses loopback.
        '--endpoint-reconciler-type=none',
        `--etcd-servers=${this.kineUrl}`,
        `--tls-cert-file=${serving.cert}`, `--tls-private-key-file=${serving.key}`,
        `--client-ca-file=${this.pki.caCert}`,
        `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
        `--service-account-key-file=${path.join(this.pki.dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${path.join(this.pki.dir, 'sa.key')}`,
        '--api-audiences=https://kubernetes.default.svc.cluster.local',
        '--service-cluster-ip-range=10.96.0.0/16',
        '--authorization-mode=RBAC',
        // On by default already; named so a reader sees what is enforced.
        '--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,ResourceQuota',
        '--allow-privileged=true', '--profiling=false',
        `--cert-dir=${path.join(this.dir, 'apiserver-certs')}`,
        ...(options.apiServerArgs ?? []),
      ];
      this.apiserver = startProcess(this.bins.kubeApiserver, args, this.dir);
      this.url = `https://127.0.0.1:${port}`;
      if (await this.waitReady(deadline)) break;
      // Why /readyz did not answer 200: its failing checks, or the request's own error (a TLS or connection failure).
      const checks = await this.raw('GET', '/readyz?verbose', undefined, { timeoutMs: 2_000 }).then((r) => String(r.body)).catch((e: Error) => e.message);
      const logs = this.apiserver.logs();
      const exited = !running(this.apiserver);
      await this.apiserver.stop();
      if (exited && attempt < 2 && /address already in use/.test(logs)) continue;
      throw new Error(`kube-apiserver was not ready at ${this.url}/readyz within ${Math.round((Date.now() - t0) / 1000)} s${exited ? ' (it exited)' : ''}; failing checks:\n${failingChecks(checks)}\nits last log lines:\n${logs.slice(-4000)}\nkine:\n${this.logs('kine', 1500)}`);
    }
    this.version = String(((await this.api('GET', '/version')) as Json).gitVersion);
    this.kubeconfig = this.writeKubeconfig([{ name: 'mora-real', credentials: this.admin, namespace: 'default' }], 'admin');
    await this.aggregateClusterRoles();
    if (options.kubeStateMetrics) {
      const resources = typeof options.kubeStateMetrics === 'object' ? options.kubeStateMetrics.resources : undefined;
      await this.startKubeStateMetrics(resources, deadline);
    }
  }

  private kineUrl = '';

  private async waitReady(deadline: number): Promise<boolean> {
    while (Date.now() < deadline) {
      if (!this.apiserver || !running(this.apiserver)) return false;
      const r = await this.raw('GET', '/readyz', undefined, { timeoutMs: 2_000 }).catch(() => undefined);
      if (r?.status === 200) return true;
      await sleep(100);
    }
    return false;
  }

  /** One HTTPS call to the API server; resolves with any status (network errors reject). */
  raw(method: string, p: string, body?: unknown, opts: { contentType?: string; credentials?: Credentials; timeoutMs?: number } = {}): Promise<{ status: number; body: Json | string }> {
    const creds = opts.credentials ?? this.admin;
    const url = new URL(p, this.url);
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(url, {
        method, ca: this.caPem,
        ...('clientCert' in creds ? { cert: creds.clientCert, key: creds.clientKey } : {}),
        headers: {
          Accept: 'application/json',
          ...('token' in creds ? { Authorization: `Bearer ${creds.token}` } : {}),
          ...(text !== undefined ? { 'Content-Type': opts.contentType ?? 'application/json' } : {}),
        },
        timeout: opts.timeoutMs ?? 30_000,
      }, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => {
          let parsed: Json | string = b;
          try { parsed = JSON.parse(b) as Json; } catch { /* plain text (e.g. /readyz) */ }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${p}: no answer within ${opts.timeoutMs ?? 30_000} ms`)));
      req.on('error', reject);
      req.end(text);
    });
  }

  /** A call that must succeed (2xx); returns the parsed body, else throws ApiError with the API server's message. */
  async api(method: string, p: string, body?: unknown, opts: { contentType?: string; credentials?: Credentials } = {}): Promise<Json> {
    const r = await this.raw(method, p, body, opts);
    if (r.status < 200 || r.status > 299) throw new ApiError(r.status, r.body, `${method} ${p}`);
    return typeof r.body === 'object' ? r.body : { text: r.body };
  }

  /** Creates any object the KINDS table knows (as the admin), returns it as stored. */
  create(obj: Json, credentials?: Credentials): Promise<Json> {
    const meta = (obj.metadata ?? {}) as Json;
    return this.api('POST', apiPath(String(obj.apiVersion), String(obj.kind), meta.namespace as string | undefined), obj, { credentials });
  }

  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<Json> {
    return this.api('GET', apiPath(apiVersion, kind, namespace, name));
  }

  /** JSON merge patch of the status subresource, as a controller or the kubelet writes status. */
  setStatus(obj: Json, status: Json): Promise<Json> {
    const meta = obj.metadata as Json;
    return this.api('PATCH', `${apiPath(String(obj.apiVersion), String(obj.kind), meta.namespace as string | undefined, String(meta.name))}/status`,
      { status }, { contentType: 'application/merge-patch+json' });
  }

  // ---- users and kubeconfigs ----

  /** A user authenticated by a client certificate (CN = user, O = each group). */
  async userCredentials(user: string, groups: string[] = []): Promise<Credentials> {
    const subject = `${groups.map((g) => `/O=${rdn(g)}`).join('')}/CN=${rdn(user)}`;
    const { cert, key } = await this.pki.leaf(`user-${++this.users}`, subject, ['extendedKeyUsage=clientAuth']);
    return { user, clientCert: fs.readFileSync(cert, 'utf8'), clientKey: fs.readFileSync(key, 'utf8') };
  }

  /** A bound token for a ServiceAccount (TokenRequest API), the way `kubectl create token` gets one. */
  async serviceAccountCredentials(namespace: string, name: string, seconds = 3600): Promise<Credentials> {
    const tr = await this.api('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: seconds } });
    return { user: `system:serviceaccount:${namespace}:${name}`, token: String((tr.status as Json).token) };
  }

  /** Writes a kubeconfig with one context per entry (all on this cluster); the first is current. Returns its path. */
  writeKubeconfig(contexts: Array<{ name: string; credentials: Credentials; namespace?: string }>, fileName?: string): string {
    const users = contexts.map((c, i) => {
      const u = c.credentials;
      const cred = 'token' in u
        ? [`    token: ${u.token}`]
        : [`    client-certificate-data: ${Buffer.from(u.clientCert).toString('base64')}`, `    client-key-data: ${Buffer.from(u.clientKey).toString('base64')}`];
      return [`- name: u${i}-${u.user.replace(/[^A-Za-z0-9_.-]/g, '-')}`, '  user:', ...cred];
    });
    const lines = [
      'apiVersion: v1', 'kind: Config', 'preferences: {}',
      'clusters:', '- name: mora-real', '  cluster:', `    certificate-authority-data: ${Buffer.from(this.caPem).toString('base64')}`, `    server: ${this.url}`,
      'users:', ...users.flat(),
      'contexts:', ...contexts.flatMap((c, i) => [`- name: ${c.name}`, '  context:', '    cluster: mora-real', `    user: ${users[i][0].slice(8)}`, ...(c.namespace ? [`    namespace: ${c.namespace}`] : [])]),
      `current-context: ${contexts[0].name}`, '',
    ];
    const file = path.join(this.dir, `kubeconfig-${fileName ?? ++this.kubeconfigs}.yaml`);
    fs.writeFileSync(file, lines.join('\n'), { mode: 0o600 });
    return file;
  }

  // ---- objects, as the controllers would leave them ----

  /** A Namespace plus its "default" ServiceAccount (the service-account controller's job; pods need it for admission). */
  async createNamespace(name: string, labels: Record<string, string> = {}): Promise<Json> {
    const ns = await this.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    await this.createServiceAccount(name, 'default');
    return ns;
  }

  createServiceAccount(namespace: string, name: string): Promise<Json> {
    return this.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
  }

  /** A Node object reporting Ready with this capacity (no kubelet behind it); later pods are assigned to the first one. */
  async createNode(name = 'mora-node-1', capacity: { cpu?: string; memory?: string; pods?: string } = {}): Promise<Json> {
    const cap = { cpu: capacity.cpu ?? '4', memory: capacity.memory ?? '16Gi', pods: capacity.pods ?? '110' };
    const node = await this.create({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' } } });
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    this.defaultNode ??= name;
    return this.setStatus(node, {
      capacity: cap, allocatable: cap,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'mora test harness', lastHeartbeatTime: now, lastTransitionTime: now }],
      nodeInfo: { kubeletVersion: this.version, osImage: 'mora test harness', operatingSystem: 'linux', architecture: 'amd64', kernelVersion: '', containerRuntimeVersion: '', machineID: '', systemUUID: '', bootID: '' },
    });
  }

  /**
   * A Deployment and what its controllers would make of it: the ReplicaSet `<name>-<pod-template-hash>` owned by it,
   * `replicas` Pods `<rs>-<5 chars>` owned by the ReplicaSet, all reported Running and Ready (status subresource).
   */
  async createDeployment(namespace: string, spec: DeploymentSpec): Promise<CreatedDeployment> {
    const replicas = spec.replicas ?? 1;
    const labels = { app: spec.name, ...(spec.labels ?? {}) };
    const deployment = await this.create({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: spec.name, namespace, labels },
      spec: {
        replicas, selector: { matchLabels: { app: spec.name } },
        template: { metadata: { labels }, spec: { containers: spec.containers.map((c) => containerJson(c)) } },
      },
    });
    const dspec = deployment.spec as Json;
    const template = structuredClone(dspec.template) as { metadata: { labels: Record<string, string> }; spec: Json };
    const hash = podTemplateHash(template);
    template.metadata.labels = { ...template.metadata.labels, 'pod-template-hash': hash };
    const dmeta = deployment.metadata as Json;
    const rsName = `${spec.name}-${hash}`;
    const replicaSet = await this.create({
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: {
        name: rsName, namespace, labels: template.metadata.labels,
        annotations: { 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': String(replicas), 'deployment.kubernetes.io/max-replicas': String(replicas + Math.ceil(replicas / 4)) },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: spec.name, uid: dmeta.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { replicas, selector: { matchLabels: { app: spec.name, 'pod-template-hash': hash } }, template },
    });
    const rsMeta = replicaSet.metadata as Json;
    const pods: Json[] = [];
    for (let i = 0; i < replicas; i++) {
      const pod = await this.create({
        apiVersion: 'v1', kind: 'Pod',
        metadata: {
          name: `${rsName}-${randomSuffix()}`, namespace, labels: template.metadata.labels,
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: rsMeta.uid, controller: true, blockOwnerDeletion: true }],
        },
        spec: { ...template.spec, ...((spec.nodeName ?? this.defaultNode) ? { nodeName: spec.nodeName ?? this.defaultNode } : {}) },
      });
      pods.push(await this.markPodRunning(pod, spec.podIPs?.[i]));
    }
    await this.setStatus(replicaSet, { replicas, fullyLabeledReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas, observedGeneration: rsMeta.generation });
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const done = await this.setStatus(deployment, {
      observedGeneration: dmeta.generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: now, lastTransitionTime: now },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.`, lastUpdateTime: now, lastTransitionTime: now },
      ],
    });
    return { deployment: done, replicaSet: await this.get('apps/v1', 'ReplicaSet', namespace, rsName), pods };
  }

  /** What the kubelet reports for a started pod: Running, every container ready. */
  async markPodRunning(pod: Json, podIP?: string): Promise<Json> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const containers = ((pod.spec as Json).containers as Json[]);
    const cond = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now });
    return this.setStatus(pod, {
      phase: 'Running', startTime: now, qosClass: (pod.status as Json | undefined)?.qosClass,
      conditions: [cond('PodReadyToStartContainers'), cond('Initialized'), cond('Ready'), cond('ContainersReady'), cond('PodScheduled')],
      ...(podIP ? { podIP, podIPs: [{ ip: podIP }], hostIP: podIP, hostIPs: [{ ip: podIP }] } : {}),
      containerStatuses: containers.map((c) => ({
        name: c.name, ready: true, started: true, restartCount: 0, image: c.image, imageID: `${String(c.image)}@sha256:${createHash('sha256').update(String(c.image)).digest('hex')}`,
        containerID: `containerd://${randomBytes(32).toString('hex')}`, state: { running: { startedAt: now } },
      })),
    });
  }

  /** An autoscaling/v2 HPA on a Deployment with CPU (and optionally memory) utilisation targets. */
  createHpa(namespace: string, o: { name: string; target: string; minReplicas?: number; maxReplicas: number; cpuUtilization?: number; memoryUtilization?: number }): Promise<Json> {
    const metric = (name: string, u: number) => ({ type: 'Resource', resource: { name, target: { type: 'Utilization', averageUtilization: u } } });
    return this.create({
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: o.name, namespace },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: o.target }, minReplicas: o.minReplicas ?? 1, maxReplicas: o.maxReplicas,
        metrics: [...(o.cpuUtilization ? [metric('cpu', o.cpuUtilization)] : []), ...(o.memoryUtilization ? [metric('memory', o.memoryUtilization)] : [])],
      },
    });
  }

  /** A LimitRange with one item of type Container (max/min/default/defaultRequest as quantities). */
  createLimitRange(namespace: string, name: string, container: { max?: Json; min?: Json; default?: Json; defaultRequest?: Json; maxLimitRequestRatio?: Json }): Promise<Json> {
    return this.create({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name, namespace }, spec: { limits: [{ type: 'Container', ...container }] } });
  }

  createRole(namespace: string | undefined, name: string, rules: Json[]): Promise<Json> {
    return this.create(namespace
      ? { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace }, rules }
      : { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules });
  }

  /**
   * Binds a Role or ClusterRole to subjects: in a namespace (RoleBinding) or cluster-wide (ClusterRoleBinding, namespace
   * undefined). A subject is `user:NAME`, `group:NAME` or `serviceaccount:NS:NAME`.
   */
  bind(namespace: string | undefined, name: string, role: { kind: 'Role' | 'ClusterRole'; name: string }, subjects: string[]): Promise<Json> {
    const subs = subjects.map((s) => {
      const [kind, a, b] = s.split(':');
      if (kind === 'user') return { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: a };
      if (kind === 'group') return { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: a };
      if (kind === 'serviceaccount') return { kind: 'ServiceAccount', namespace: a, name: b };
      throw new Error(`subject ${s}: use user:NAME, group:NAME or serviceaccount:NS:NAME`);
    });
    const roleRef = { apiGroup: 'rbac.authorization.k8s.io', ...role };
    return this.create(namespace
      ? { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace }, roleRef, subjects: subs }
      : { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name }, roleRef, subjects: subs });
  }

  /**
   * What kube-controller-manager's clusterrole-aggregation controller does: fills each ClusterRole that has an
   * aggregationRule (the built-in admin, edit and view among them) with the rules of the ClusterRoles its selectors
   * match. Without it those roles have no rules at all. Runs at start; call it again after adding labelled roles.
   */
  async aggregateClusterRoles(): Promise<void> {
    type Role = { metadata: { name: string; labels?: Record<string, string> }; rules?: Json[]; aggregationRule?: { clusterRoleSelectors?: Array<{ matchLabels?: Record<string, string> }> } };
    const matches = (labels: Record<string, string> | undefined, sel: { matchLabels?: Record<string, string> }) =>
      Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
    // Aggregated roles feed each other (view → edit → admin): repeat until nothing changes.
    for (let round = 0; round < 5; round++) {
      const roles = ((await this.api('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles')).items ?? []) as Role[];
      let changed = false;
      for (const role of roles.filter((r) => r.aggregationRule?.clusterRoleSelectors?.length)) {
        const rules: Json[] = [];
        const seen = new Set<string>();
        for (const other of roles) {
          if (other.metadata.name === role.metadata.name) continue;
          if (!role.aggregationRule!.clusterRoleSelectors!.some((sel) => matches(other.metadata.labels, sel))) continue;
          for (const rule of other.rules ?? []) {
            const key = JSON.stringify(rule);
            if (!seen.has(key)) { seen.add(key); rules.push(rule); }
          }
        }
        if (JSON.stringify(rules) === JSON.stringify(role.rules ?? [])) continue;
        await this.api('PATCH', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${role.metadata.name}`, { rules }, { contentType: 'application/merge-patch+json' });
        changed = true;
      }
      if (!changed) return;
    }
  }

  /**
   * A stand-in for the Deployment controller and the kubelet's readiness, for tests that scale: every `intervalMs` it
   * reads the Deployments (all namespaces) and reports each one whose status lags its spec as rolled out — replicas,
   * ready, available and observedGeneration as the spec says. It does not create or delete Pods. stop() ends the loop.
   */
  startReplicaController(intervalMs = 100): { stop(): Promise<void> } {
    let running = true;
    const loop = (async () => {
      while (running) {
        try {
          const list = await this.api('GET', '/apis/apps/v1/deployments');
          for (const d of (list.items ?? []) as Json[]) {
            const meta = d.metadata as Json;
            const want = Number((d.spec as Json).replicas ?? 1);
            const st = (d.status ?? {}) as Json;
            if (Number(st.readyReplicas ?? 0) === want && st.observedGeneration === meta.generation) continue;
            await this.setStatus({ ...d, apiVersion: 'apps/v1', kind: 'Deployment' }, {
              observedGeneration: meta.generation, replicas: want, updatedReplicas: want, readyReplicas: want, availableReplicas: want,
            });
          }
        } catch {
          // the API server is going away (stop), or a write raced a user's: the next round retries
        }
        await sleep(intervalMs);
      }
    })();
    return { stop: async () => { running = false; await loop; } };
  }

  // ---- kube-state-metrics ----

  /** kube-state-metrics reading this API server as the admin; /metrics on a loopback port. */
  async startKubeStateMetrics(resources?: string[], deadline = Date.now() + 30_000): Promise<RunningKubeStateMetrics> {
    requireBinary(this.bins, this.bins.kubeStateMetrics);
    for (let attempt = 0; ; attempt++) {
      const [port, telemetry] = [await freeLoopbackPort(), await freeLoopbackPort()];
      const ksm = startProcess(this.bins.kubeStateMetrics, [
        `--kubeconfig=${this.kubeconfig}`, '--host=127.0.0.1', `--port=${port}`, '--telemetry-host=127.0.0.1', `--telemetry-port=${telemetry}`,
        ...(resources ? [`--resources=${resources.join(',')}`] : []),
      ], this.dir);
      const url = `http://127.0.0.1:${port}`;
      while (Date.now() < deadline && running(ksm)) {
        const ok = await fetch(`${url}/metrics`).then((r) => r.ok, () => false);
        if (ok) {
          this.ksm = ksm;
          return { url, metrics: () => fetch(`${url}/metrics`).then((r) => r.text()), stop: () => ksm.stop() };
        }
        await sleep(100);
      }
      const logs = ksm.logs();
      await ksm.stop();
      if (attempt < 2 && /address already in use/.test(logs)) continue;
      throw new Error(`kube-state-metrics did not serve ${url}/metrics in time:\n${logs.slice(-3000)}`);
    }
  }

  /** Stops every process (kube-state-metrics, kube-apiserver, kine) and removes the run's folder. */
  async stop(): Promise<void> {
    await this.ksm?.stop();
    await this.apiserver?.stop();
    await this.kine?.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function containerJson(c: ContainerSpec): Json {
  const resources: Json = {};
  if (c.requests) resources.requests = c.requests;
  if (c.limits) resources.limits = c.limits;
  return { name: c.name, image: c.image ?? `registry.example/${c.name}:1`, resources };
}

/** The `[-]` lines of a verbose /readyz answer (the checks that fail), or the answer itself when it has none. */
function failingChecks(verbose: string): string {
  const failing = verbose.split('\n').filter((l) => l.startsWith('[-]'));
  return (failing.length ? failing.join('\n') : verbose).slice(0, 2000);
}
