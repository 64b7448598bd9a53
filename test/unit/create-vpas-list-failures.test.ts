// `mora recommend --in-cluster --create-vpas` when a workload list fails, against a loopback HTTP double of the API
// server (two opted-in namespaces, a Deployment and a StatefulSet in each, no VPAs yet): a kind RBAC refuses in one
// namespace is named with the rule and exits 2, a transient answer (503) on one kind skips that kind and exits 3 — and in
// both the other kinds and namespaces still get their VPAs planned. (The real API server's RBAC case, with the creates and the
// status writes: test/integration/vpa-in-cluster.test.ts.)
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { inClusterCommand, type ShardSummary } from '../../src/cli/commands/recommend-in-cluster';
import { UserError } from '../../src/cli/errors';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';
import { writeKubeconfig } from './helpers/kubeconfig';

type Json = Record<string, unknown>;

describe('--create-vpas: a workload list that fails is named, the rest still planned, the exit says the run was incomplete', () => {
  let server: http.Server;
  let dir: string;
  let kubeconfig: string;
  /** What the double answers to `list statefulsets` in namespace "alpha": a 403 from the RBAC authorizer, or a 503. */
  let statefulSetsInAlpha: 200 | 403 | 503 = 200;
  /** Whether the double serves batch/v1 CronJobs (a cluster before Kubernetes 1.21 answers 404 to the list). */
  let cronJobsServed = true;

  const workload = (kind: string, name: string): Json => ({
    apiVersion: 'apps/v1', kind, metadata: { name, namespace: 'x', uid: `${kind}-${name}` },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } } },
  });
  const list = (kind: string, items: Json[]) => ({ apiVersion: 'v1', kind: `${kind}List`, metadata: { resourceVersion: '1' }, items });

  before(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://double');
      const send = (code: number, body: unknown) => res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      if (req.method !== 'GET') { send(405, { kind: 'Status', code: 405 }); return; }
      if (url.pathname === '/api/v1/namespaces') {
        send(200, list('Namespace', ['alpha', 'beta'].map((name) => ({ metadata: { name, labels: { 'mora.dev/create-vpa': 'true' } } }))));
        return;
      }
      const m = /^\/apis\/([^/]+)\/([^/]+)\/namespaces\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (!m) { send(404, { kind: 'Status', code: 404, reason: 'NotFound' }); return; }
      const [, , , ns, resource] = m;
      if (resource === 'cronjobs' && !cronJobsServed) { send(404, { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' }); return; }
      if (resource === 'statefulsets' && ns === 'alpha' && statefulSetsInAlpha !== 200) {
        send(statefulSetsInAlpha, statefulSetsInAlpha === 403
          ? { kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message: `statefulsets.apps is forbidden: User "system:serviceaccount:mora-system:mora" cannot list resource "statefulsets" in API group "apps" in the namespace "${ns}"` }
          : { kind: 'Status', status: 'Failure', reason: 'ServiceUnavailable', code: 503, message: 'the server is currently unable to handle the request' });
        return;
      }
      if (resource === 'deployments') send(200, list('Deployment', [workload('Deployment', 'web')]));
      else if (resource === 'statefulsets') send(200, list('StatefulSet', [workload('StatefulSet', 'db')]));
      else send(200, list(resource, []));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-create-vpas-lists-'));
    kubeconfig = writeKubeconfig(dir, { context: 't', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 't' });
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** One shard of one, --create-vpas --dry-run: its summary and exit code (0, or the UserError's with the summary as output). */
  const run = async (quiet = true): Promise<{ code: number; message: string; summary: ShardSummary }> => {
    try {
      const out = await inClusterCommand({
        ...RECOMMEND_DEFAULTS, quiet, inCluster: true, createVpas: true, dryRun: true, kubeconfig, prometheus: 'http://127.0.0.1:9', shardIndex: '0', shards: '1',
      }, {});
      return { code: 0, message: '', summary: JSON.parse(out) as ShardSummary };
    } catch (e) {
      assert.ok(e instanceof UserError, `a UserError, not ${(e as Error).stack}`);
      const output = (e as UserError & { output?: string }).output;
      assert.ok(output, `the summary comes with the error: ${e.message}`);
      return { code: e.exitCode, message: e.message, summary: JSON.parse(output) as ShardSummary };
    }
  };
  const planned = (s: ShardSummary) => (s.created ?? []).map((c) => `${c.namespace}/${c.name} ${c.target}`).sort();

  it('every list answered: both kinds in both namespaces, exit 0', async () => {
    statefulSetsInAlpha = 200;
    const r = await run();
    assert.equal(r.code, 0, r.message);
    assert.deepEqual(planned(r.summary), ['alpha/db-mora StatefulSet/db', 'alpha/web-mora Deployment/web', 'beta/db-mora StatefulSet/db', 'beta/web-mora Deployment/web']);
    assert.equal(r.summary.notListed, undefined);
  });

  it('RBAC refuses list statefulsets in one namespace: the Deployments still planned, StatefulSets named with the rule, exit 2', async () => {
    statefulSetsInAlpha = 403;
    const r = await run();
    assert.equal(r.code, 2, r.message);
    assert.deepEqual(planned(r.summary), ['alpha/web-mora Deployment/web', 'beta/db-mora StatefulSet/db', 'beta/web-mora Deployment/web']);
    assert.deepEqual(r.summary.notListed?.map((n) => `${n.namespace} ${n.kind}`), ['alpha StatefulSet']);
    assert.match(r.summary.notListed![0].reason, /RBAC denied: cannot list statefulsets\.apps in namespace "alpha".*verb "list" on resource "statefulsets" in API group "apps"/);
    assert.match(r.message, /--create-vpas could not list every workload.*first: StatefulSets in namespace alpha: RBAC denied.*grant the missing RBAC rule/);
  });

  it('a kind the cluster does not serve (404 to list cronjobs): nothing of it to create, the rest planned, exit 0 with a note', async () => {
    statefulSetsInAlpha = 200;
    cronJobsServed = false;
    const logged: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => { logged.push(String(chunk)); return true; }) as typeof process.stderr.write;
    let r: Awaited<ReturnType<typeof run>>;
    try { r = await run(false); } finally { process.stderr.write = write; cronJobsServed = true; }
    assert.equal(r.code, 0, r.message);
    assert.deepEqual(planned(r.summary), ['alpha/db-mora StatefulSet/db', 'alpha/web-mora Deployment/web', 'beta/db-mora StatefulSet/db', 'beta/web-mora Deployment/web']);
    assert.equal(r.summary.notListed, undefined);
    assert.match(logged.join(''), /CronJobs are not served by this cluster/);
  });

  it('a 503 on one kind\'s list: that kind waits for the rerun, the namespace\'s other kinds and the other namespace are planned, exit 3 (transient, retried)', async () => {
    statefulSetsInAlpha = 503;
    const r = await run();
    assert.equal(r.code, 3, r.message);
    assert.deepEqual(planned(r.summary), ['alpha/web-mora Deployment/web', 'beta/db-mora StatefulSet/db', 'beta/web-mora Deployment/web']);
    assert.deepEqual(r.summary.notListed?.map((n) => `${n.namespace} ${n.kind ?? '(all)'}`), ['alpha StatefulSet']);
    assert.match(r.summary.notListed![0].reason, /answered 503 to list statefulsets\.apps in namespace "alpha" \(transient/);
    assert.match(r.message, /rerun the shard$/);
  });
});
