// TEST DOUBLE of the Kubernetes API server — not a Kubernetes. It serves real HTTPS on loopback (a throwaway CA made
// with openssl; plain HTTP with insecure-skip-tls-verify when openssl is missing) and is honest to the real API for
// what MOrA uses:
//   GET /version, /api/v1/namespaces, /apis/{apps/v1|batch/v1|autoscaling/v2}/namespaces/{ns}/{resource}[/{name}]
//   PATCH (json-patch, merge-patch, strategic-merge-patch; anything else → 415), PUT, ?dryRun=All
//   list kinds (DeploymentList …) with a list resourceVersion; every write bumps a global resourceVersion;
//   a PATCH/PUT carrying a stale metadata.resourceVersion → 409 Conflict Status;
//   missing objects → 404 NotFound Status; denied verbs → 403 Forbidden Status with the API server's wording;
//   a wrong or missing bearer token → 401.
// Strategic merge is implemented for what MOrA patches (lists of named objects merged by name, null deletes a key);
// it is not the full per-field patch-strategy metadata of the real API server.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

type Json = Record<string, unknown>;

interface ResourceInfo { group: string; version: string; resource: string; kind: string; namespaced: boolean }

const RESOURCES: ResourceInfo[] = [
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespaced: true },
  { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', namespaced: true },
  { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespaced: true },
];

export interface DenyRule {
  verb: 'get' | 'list' | 'patch' | 'update';
  resource: string;
  namespace?: string;
}

export interface RequestRecord {
  method: string;
  path: string;
  contentType?: string;
  status: number;
}

export interface KubeStandinOptions {
  /** Bearer token the kubeconfig carries and the server requires. */
  token?: string;
  /** User name in 403 messages. */
  user?: string;
  deny?: DenyRule[];
  /** Use HTTPS with a generated CA (default true when openssl is on PATH). */
  tls?: boolean;
  /**
   * Play the controllers too: after every write a Deployment/StatefulSet reports all its replicas ready and its
   * generation observed (a real cluster gets there after pods start; this double gets there at once).
   */
  simulateControllers?: boolean;
}

export interface KubeStandin {
  url: string;
  /** A kubeconfig (YAML text) with one context pointing here; write it to a file for client-node. */
  kubeconfig(contextName?: string, namespace?: string): string;
  /** Writes the kubeconfig to a temp file and returns its path. */
  kubeconfigFile(contextName?: string, namespace?: string): string;
  /** Adds an object (apiVersion/kind decide where); returns it as stored. */
  add(obj: Json): Json;
  get(resource: string, namespace: string | undefined, name: string): Json | undefined;
  /** Changes an object as another writer would (bumps its resourceVersion). */
  touch(resource: string, namespace: string, name: string, mutate?: (o: Json) => void): void;
  /** Called before each write is applied: lets a test interleave a concurrent writer. */
  beforeWrite?: (resource: string, namespace: string, name: string) => void;
  deny: DenyRule[];
  requests: RequestRecord[];
  stop(): Promise<void>;
}

function status(code: number, reason: string, message: string, details?: Json): Json {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code };
}

function isObj(x: unknown): x is Json {
  return !!x && typeof x === 'object' && !Array.isArray(x);
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return patch;
  const out: Json = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Strategic merge for the shapes MOrA patches: objects merge, lists of objects with `name` merge by name. */
export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) {
    if (!Array.isArray(target) || !patch.every((p) => isObj(p) && typeof p.name === 'string')) return patch;
    const out = target.map((t) => (isObj(t) ? { ...t } : t));
    for (const p of patch as Json[]) {
      const i = out.findIndex((t) => isObj(t) && t.name === p.name);
      if (i >= 0) out[i] = strategicMerge(out[i], p);
      else out.push(strategicMerge(undefined, p));
    }
    return out;
  }
  if (!isObj(patch)) return patch;
  const out: Json = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = strategicMerge(out[k], v);
  }
  return out;
}

/** RFC 6902 JSON patch (add, remove, replace, test). */
export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new Error('a JSON patch must be an array of operations');
  let root = structuredClone(doc);
  for (const op of ops as Json[]) {
    const ptr = String(op.path ?? '').split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (ptr.length === 0) { root = op.value; continue; }
    let parent = root as Json | unknown[];
    for (const key of ptr.slice(0, -1)) {
      const next = Array.isArray(parent) ? parent[Number(key)] : (parent as Json)[key];
      if (next === undefined || next === null) throw new Error(`path ${String(op.path)} does not exist`);
      parent = next as Json | unknown[];
    }
    const last = ptr[ptr.length - 1];
    const arr = Array.isArray(parent) ? parent : undefined;
    switch (op.op) {
      case 'add':
        if (arr) arr.splice(last === '-' ? arr.length : Number(last), 0, op.value);
        else (parent as Json)[last] = op.value;
        break;
      case 'replace':
        if (arr) arr[Number(last)] = op.value; else (parent as Json)[last] = op.value;
        break;
      case 'remove':
        if (arr) arr.splice(Number(last), 1); else delete (parent as Json)[last];
        break;
      case 'test':
        if (JSON.stringify(arr ? arr[Number(last)] : (parent as Json)[last]) !== JSON.stringify(op.value)) throw new Error(`test failed at ${String(op.path)}`);
        break;
      default:
        throw new Error(`unsupported JSON patch op ${String(op.op)}`);
    }
  }
  return root;
}

function makeCert(dir: string): { key: string; cert: string } | undefined {
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=kube-standin', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore', timeout: 30_000 });
    return { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') };
  } catch {
    return undefined;
  }
}

export async function startKubeStandin(options: KubeStandinOptions = {}): Promise<KubeStandin> {
  const token = options.token ?? 'standin-token';
  const user = options.user ?? 'system:serviceaccount:mora:mora-test';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-kube-standin-'));
  const pem = options.tls === false ? undefined : makeCert(dir);
  // store: resource → namespace ('' for cluster-scoped) → name → object
  const store = new Map<string, Map<string, Map<string, Json>>>();
  let rv = 1000;
  const nextRv = () => String(++rv);

  const converge = (o: Json) => {
    if (!options.simulateControllers || (o.kind !== 'Deployment' && o.kind !== 'StatefulSet')) return;
    const replicas = Number((o.spec as Json | undefined)?.replicas ?? 1);
    o.status = { ...(isObj(o.status) ? o.status : {}), replicas, readyReplicas: replicas, observedGeneration: (o.metadata as Json).generation };
  };

  const bucket = (resource: string, ns: string) => {
    let r = store.get(resource);
    if (!r) store.set(resource, (r = new Map()));
    let n = r.get(ns);
    if (!n) r.set(ns, (n = new Map()));
    return n;
  };

  const api: KubeStandin = {
    url: '',
    deny: [...(options.deny ?? [])],
    requests: [],
    kubeconfig(contextName = 'standin', namespace = 'default') {
      const cluster = pem
        ? `    certificate-authority-data: ${Buffer.from(pem.cert).toString('base64')}\n    server: ${api.url}`
        : `    insecure-skip-tls-verify: true\n    server: ${api.url}`;
      return [
        'apiVersion: v1', 'kind: Config',
        'clusters:', '- name: standin', '  cluster:', cluster,
        'users:', '- name: standin-user', '  user:', `    token: ${token}`,
        'contexts:', `- name: ${contextName}`, '  context:', '    cluster: standin', '    user: standin-user', `    namespace: ${namespace}`,
        `current-context: ${contextName}`, '',
      ].join('\n');
    },
    kubeconfigFile(contextName, namespace) {
      const f = path.join(dir, `kubeconfig-${contextName ?? 'standin'}.yaml`);
      fs.writeFileSync(f, api.kubeconfig(contextName, namespace));
      return f;
    },
    add(obj) {
      const info = RESOURCES.find((r) => r.kind === obj.kind);
      if (!info) throw new Error(`stand-in: unknown kind ${String(obj.kind)}`);
      const meta = (obj.metadata ?? {}) as Json;
      const ns = info.namespaced ? String(meta.namespace ?? 'default') : '';
      const stored = structuredClone(obj);
      stored.metadata = { ...meta, ...(info.namespaced ? { namespace: ns } : {}), resourceVersion: nextRv(), uid: `uid-${rv}`, generation: 1 };
      if (info.namespaced && !bucket('namespaces', '').has(ns)) api.add({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      converge(stored);
      bucket(info.resource, ns).set(String(meta.name), stored);
      return stored;
    },
    get(resource, namespace, name) {
      return store.get(resource)?.get(namespace ?? '')?.get(name);
    },
    touch(resource, namespace, name, mutate) {
      const o = api.get(resource, namespace, name);
      if (!o) throw new Error(`stand-in: no ${resource} ${namespace}/${name}`);
      mutate?.(o);
      (o.metadata as Json).resourceVersion = nextRv();
    },
    async stop() {
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections?.();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (code: number, body: Json) => {
        api.requests.push({ method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'], status: code });
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      try {
        route(req, Buffer.concat(chunks).toString('utf8'), send);
      } catch (e) {
        send(500, status(500, 'InternalError', `stand-in: ${(e as Error).message}`));
      }
    });
  };

  const route = (req: http.IncomingMessage, text: string, send: (code: number, body: Json) => void) => {
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, status(401, 'Unauthorized', 'Unauthorized'));
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    if (url.pathname === '/version' && method === 'GET') {
      return send(200, { major: '1', minor: '31', gitVersion: 'v1.31.0-standin', platform: 'linux/amd64' });
    }
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
    // /api/v1/namespaces/{name} reads a namespace: the generic pattern sees it as resource "namespaces" with a name.
    const nsGet = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(url.pathname);
    let group: string, version: string, ns: string | undefined, resource: string, name: string | undefined;
    if (nsGet) { group = ''; version = 'v1'; ns = undefined; resource = 'namespaces'; name = nsGet[1]; }
    else if (m) { group = m[2] ?? ''; version = m[1] ?? m[3]; ns = m[4]; resource = m[5]; name = m[6]; }
    else return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const info = RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
    if (!info || (info.namespaced && ns === undefined && name !== undefined)) {
      return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    }
    const verb = method === 'GET' ? (name ? 'get' : 'list') : method === 'PATCH' ? 'patch' : method === 'PUT' ? 'update' : method.toLowerCase();
    const gr = group ? `${resource}.${group}` : resource;
    const denied = api.deny.find((d) => d.verb === verb && d.resource === resource && (d.namespace === undefined || d.namespace === ns));
    if (denied) {
      const scope = ns ? ` in the namespace "${ns}"` : ' at the cluster scope';
      return send(403, status(403, 'Forbidden',
        `${gr}${name ? ` "${name}"` : ''} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${group}"${scope}`,
        { name, group, kind: resource }));
    }
    const apiVersion = group ? `${group}/${version}` : version;
    if (verb === 'list') {
      const items: Json[] = [];
      const r = store.get(resource);
      for (const [bns, objs] of r ?? []) if (ns === undefined || bns === ns) for (const o of objs.values()) items.push(o);
      return send(200, { kind: `${info.kind}List`, apiVersion, metadata: { resourceVersion: String(rv) }, items });
    }
    const key = info.namespaced ? ns ?? '' : '';
    const current = name ? bucket(resource, key).get(name) : undefined;
    const notFound = () => send(404, status(404, 'NotFound', `${gr} "${name}" not found`, { name, group, kind: resource }));
    if (verb === 'get') return current ? send(200, current) : notFound();
    if (verb !== 'patch' && verb !== 'update') return send(405, status(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`));
    if (!current || !name) return notFound();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      return send(400, status(400, 'BadRequest', `the body of the request was in an unknown format: ${(e as Error).message}`));
    }
    api.beforeWrite?.(resource, key, name);
    const fresh = bucket(resource, key).get(name) as Json;
    const freshRv = String((fresh.metadata as Json).resourceVersion);
    let next: Json;
    if (verb === 'update') {
      next = body as Json;
    } else {
      const ct = String(req.headers['content-type'] ?? '').split(';')[0].trim();
      try {
        if (ct === 'application/merge-patch+json') next = mergePatch(fresh, body) as Json;
        else if (ct === 'application/strategic-merge-patch+json') next = strategicMerge(fresh, body) as Json;
        else if (ct === 'application/json-patch+json') next = jsonPatch(fresh, body) as Json;
        else {
          return send(415, status(415, 'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`));
        }
      } catch (e) {
        return send(422, status(422, 'Invalid', `${gr} "${name}" is invalid: ${(e as Error).message}`));
      }
    }
    const sentRv = isObj(next.metadata) ? next.metadata.resourceVersion : undefined;
    // Optimistic concurrency: a write that names a resourceVersion must name the current one; one that names none is
    // unconditional (as for the built-in workload kinds, which allow unconditional update).
    if (sentRv !== undefined && String(sentRv) !== freshRv) {
      return send(409, status(409, 'Conflict',
        `Operation cannot be fulfilled on ${gr} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name, group, kind: resource }));
    }
    const stored: Json = { ...next, metadata: { ...(fresh.metadata as Json), ...(isObj(next.metadata) ? next.metadata : {}) } };
    const specChanged = JSON.stringify(stored.spec) !== JSON.stringify(fresh.spec);
    if (url.searchParams.get('dryRun') === 'All') {
      return send(200, stored);
    }
    (stored.metadata as Json).resourceVersion = nextRv();
    if (specChanged) (stored.metadata as Json).generation = Number((fresh.metadata as Json).generation ?? 1) + 1;
    converge(stored);
    bucket(resource, key).set(name, stored);
    return send(200, stored);
  };

  const server = pem ? https.createServer({ key: pem.key, cert: pem.cert }, handler) : http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  api.url = `${pem ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return api;
}
