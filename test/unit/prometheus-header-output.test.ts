// --prometheus-header values in what `mora recommend --in-cluster` and `mora health` print. A tenant id
// (X-Scope-OrgID) is not a secret and is never starred; a credential (Authorization) is redacted, but only in the free
// text a server may echo it into (reasons, messages): names, namespaces and numbers are never rewritten, and the JSON
// stays valid. Before: the whole stdout went through replaceSecrets, so 'X-Scope-OrgID: 1' made the summary read
// "count": *** (not JSON) and 'X-Scope-OrgID: team-a' starred the namespace team-a.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { inClusterCommand, type ShardSummary } from '../../src/cli/commands/recommend-in-cluster';
import { healthCommand } from '../../src/cli/commands/health';
import { prometheusHeaderSecrets } from '../../src/cli/commands/prometheus-options';
import { redactOutput } from '../../src/core/redact';
import { UserError } from '../../src/cli/errors';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';
import { writeKubeconfig } from './helpers/kubeconfig';

type Json = Record<string, unknown>;
const TOKEN = 'tok3n-abc';
const AUTH = `Authorization: Bearer ${TOKEN}`;

function listen(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}
const close = (s: http.Server | undefined) => new Promise<void>((r) => (s ? s.close(() => r()) : r()));

describe('--prometheus-header values in the output: credentials out of the free text, structure untouched', () => {
  it('a tenant id is no secret; Authorization is, with its credentials', () => {
    assert.deepEqual(prometheusHeaderSecrets({ prometheusHeader: ['X-Scope-OrgID: 1'] }), []);
    assert.deepEqual(prometheusHeaderSecrets({ prometheusHeader: ['X-Scope-OrgID: team-a'] }), []);
    const s = prometheusHeaderSecrets({ prometheusHeader: ['X-Scope-OrgID: 1', AUTH, 'X-Api-Key: k3y'] });
    assert.ok(s.includes(TOKEN) && s.includes(`Bearer ${TOKEN}`) && s.includes('k3y') && !s.includes('1'), s.join(','));
  });

  it('redactOutput: a short secret that equals a number or a name leaves the JSON valid and the names as they were', () => {
    const doc = { shard: { index: 1, count: 4 }, namespaces: ['team-a'], vpas: [{ namespace: 'team-a', name: 'team-a', outcome: 'failed', reason: 'tenant team-a refused 1 query' }] };
    const out = redactOutput(`${JSON.stringify(doc, null, 2)}\n`, ['1', 'team-a']);
    const back = JSON.parse(out) as typeof doc;
    assert.deepEqual(back.shard, { index: 1, count: 4 });
    assert.deepEqual(back.namespaces, ['team-a']);
    assert.equal(back.vpas[0].name, 'team-a');
    // "team-a" (6 characters) is replaced wherever it is; "1" (short) only where a credential is written, so the count stays.
    assert.equal(back.vpas[0].reason, 'tenant *** refused 1 query');
    assert.ok(out.endsWith('}\n'));
  });

  describe('mora recommend --in-cluster summary (API server double, --create-vpas --dry-run)', () => {
    let api: { server: http.Server; url: string } | undefined;
    let dir = '';
    let kubeconfig = '';
    before(async () => {
      const workload = (kind: string, name: string): Json => ({
        apiVersion: 'apps/v1', kind, metadata: { name, namespace: 'team-a', uid: `${kind}-${name}` },
        spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } } },
      });
      const list = (kind: string, items: Json[]) => ({ apiVersion: 'v1', kind: `${kind}List`, metadata: { resourceVersion: '1' }, items });
      api = await listen((req, res) => {
        const url = new URL(req.url ?? '/', 'http://double');
        const send = (code: number, body: unknown) => res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
        if (url.pathname === '/api/v1/namespaces') { send(200, list('Namespace', [{ metadata: { name: 'team-a', labels: { 'mora.dev/create-vpa': 'true' } } }])); return; }
        const m = /^\/apis\/[^/]+\/[^/]+\/namespaces\/([^/]+)\/([^/]+)$/.exec(url.pathname);
        if (!m) { send(404, { kind: 'Status', code: 404, reason: 'NotFound' }); return; }
        // A server that echoes a credential into its message (as a misconfigured gateway may).
        if (m[2] === 'statefulsets') { send(403, { kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message: `statefulsets.apps is forbidden: bad header Bearer ${TOKEN} in namespace "team-a"` }); return; }
        send(200, list(m[2], m[2] === 'deployments' ? [workload('Deployment', 'team-a')] : []));
      });
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-header-output-'));
      kubeconfig = writeKubeconfig(dir, { context: 'kind-test', server: api.url, token: 'kube-token-xyz' });
    });
    after(async () => {
      await close(api?.server);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const run = async (headers: string[]): Promise<string> => {
      try {
        return await inClusterCommand({
          ...RECOMMEND_DEFAULTS, quiet: true, inCluster: true, createVpas: true, dryRun: true, kubeconfig, prometheus: 'http://127.0.0.1:9', shardIndex: '0', shards: '1', prometheusHeader: headers,
        }, {});
      } catch (e) {
        assert.ok(e instanceof UserError, `a UserError, not ${(e as Error).stack}`);
        assert.ok(!e.message.includes(TOKEN), e.message);
        return (e as UserError & { output?: string }).output ?? '';
      }
    };

    for (const tenant of ['1', 'team-a']) {
      it(`X-Scope-OrgID: ${tenant} with Authorization: valid JSON, names and numbers kept, the token nowhere`, async () => {
        const out = await run([`X-Scope-OrgID: ${tenant}`, AUTH]);
        const s = JSON.parse(out) as ShardSummary;
        assert.deepEqual(s.shard, { index: 0, count: 1 });
        assert.deepEqual(s.namespaces, ['team-a']);
        assert.deepEqual((s.created ?? []).map((c) => `${c.namespace}/${c.name} ${c.target}`), ['team-a/team-a-mora Deployment/team-a']);
        assert.equal(s.notListed?.[0].namespace, 'team-a');
        assert.match(s.notListed![0].reason, /bad header \*\*\* in namespace "team-a"/);
        assert.ok(!out.includes(TOKEN), out);
      });
    }
  });

  describe('mora health (Prometheus double)', () => {
    let prom: { server: http.Server; url: string } | undefined;
    let echo401 = false;
    before(async () => {
      prom = await listen((req, res) => {
        const send = (code: number, body: string) => res.writeHead(code, { 'Content-Type': code === 200 ? 'application/json' : 'text/plain' }).end(body);
        if (echo401) { send(401, `unauthorized: tenant ${String(req.headers['x-scope-orgid'])}, ${String(req.headers.authorization)}`); return; }
        const data = (req.url ?? '').includes('buildinfo') ? { version: '2.53.0' } : { resultType: 'vector', result: [{ metric: {}, value: [1, '1'] }] };
        send(200, JSON.stringify({ status: 'success', data }));
      });
    });
    after(async () => close(prom?.server));

    const health = (format: string) => healthCommand({ prometheus: prom!.url, kubernetes: false, format, timeout: '5', prometheusHeader: ['X-Scope-OrgID: 1', AUTH] });

    it('X-Scope-OrgID: 1: the messages keep their 1s (JSON and text); nothing starred', async () => {
      echo401 = false;
      const json = await health('json');
      const checks = (JSON.parse(json.text) as { checks: Array<{ name: string; message: string }> }).checks;
      assert.ok(checks.some((c) => /^1 series/.test(c.message)), json.text);
      assert.ok(!json.text.includes('***'), json.text);
      assert.ok(!(await health('text')).text.includes('***'));
    });

    it('a 401 echoing the headers: the tenant shown, the Authorization token never (JSON and text)', async () => {
      echo401 = true;
      for (const format of ['json', 'text']) {
        const r = await health(format);
        assert.notEqual(r.code, 0);
        if (format === 'json') JSON.parse(r.text);
        assert.ok(!r.text.includes(TOKEN), r.text);
        assert.match(r.text, /tenant 1, \*\*\*/, r.text);
      }
    });
  });
});
