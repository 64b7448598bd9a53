// A request Node's fetch (undici) fails below HTTP says why: the error's `cause`, not "fetch failed". A Kubernetes API
// on a port undici refuses outright (its "bad port" list: 9 here) is named with its URL and that reason, and classed
// as unreachable (exit 3) like any API server that cannot be reached. The same unwrapping serves Prometheus.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kubeError } from '../../src/data/kube/errors';
import { networkFailure } from '../../src/data/http';
import { PrometheusClient } from '../../src/data/prometheus/client';
import { NO_MACHINE_PROMETHEUS, suiteEnv } from '../harness/env';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const TOKEN = 'KUBETOKEN_badport_7c20';
const BLOCKED = "port 9 is blocked by Node's fetch (undici's bad-port list, the ports browsers refuse) — put it on (or forward it to) another port";

describe('fetch failures say their cause', function () {
  this.timeout(20_000);
  suiteEnv(NO_MACHINE_PROMETHEUS); // else --prometheus defaults to the machine's URL and no discovery is tried

  it('recommend and health: a Kubernetes API on a port fetch refuses is named with its URL and the reason, exit 3', () => inTempDir(async (dir) => {
    const kubeconfig = path.join(dir, 'kc.yaml');
    fs.writeFileSync(kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'ctx',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:9', 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: TOKEN } }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    }));
    const line = `cannot reach the Kubernetes API at https://127.0.0.1:9 (context "ctx"): ${BLOCKED}`;
    const rec = await mora(['recommend', '--source', 'cluster', '--kubeconfig', kubeconfig]);
    assert.equal(rec.code, 3, rec.err);
    assert.equal(rec.err, `mora: ${line}\n`);
    const health = await mora(['health', '--kubeconfig', kubeconfig]);
    assert.equal(health.code, 3, health.out);
    assert.equal(health.out, `FAIL prometheus, kubernetes: ${line}\n`, 'one fault, one line naming both checks');
    for (const text of [rec.out + rec.err, health.out + health.err]) {
      assert.doesNotMatch(text, /fetch failed/);
      assert.ok(!text.includes(TOKEN), `the token leaked in:\n${text}`);
    }
  }));

  it('kubeError: a fetch failure with a cause but no code is unreachable and says the cause', () => {
    const action = { verb: 'get' as const, resource: 'version', group: '', context: 'ctx', server: 'https://10.0.0.1:6443' };
    const closed = kubeError(Object.assign(new TypeError('fetch failed'), { cause: new Error('other side closed') }), action);
    assert.equal(closed.kind, 'unreachable');
    assert.equal(closed.message, 'cannot reach the Kubernetes API at https://10.0.0.1:6443 (context "ctx"): other side closed');
    // Neither an answer nor a network error (no cause): as before, the call that failed.
    const other = kubeError(new Error('something else'), action);
    assert.equal(other.kind, 'other');
  });

  it('networkFailure: the cause first; a bad port named with the port of the URL (default ports too)', () => {
    const badPort = Object.assign(new TypeError('fetch failed'), { cause: new Error('bad port') });
    assert.deepEqual(networkFailure(badPort, 'https://127.0.0.1:9/version'), { code: '', message: BLOCKED });
    assert.match(networkFailure(badPort, 'https://k8s.example/').message, /^port 443 is blocked by Node's fetch/);
    assert.match(networkFailure(badPort).message, /^port is blocked by Node's fetch/);
    assert.deepEqual(networkFailure(Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) })),
      { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' });
    assert.deepEqual(networkFailure(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })), { code: 'ECONNRESET', message: 'socket hang up' });
  });

  it('Prometheus through Node\'s own fetch on a blocked port: the same reason', async () => {
    const client = new PrometheusClient({ url: 'http://127.0.0.1:9', fetch: globalThis.fetch, timeoutMs: 5000 });
    await assert.rejects(client.query('up'), { name: 'PrometheusError', message: `cannot reach Prometheus at http://127.0.0.1:9: ${BLOCKED}` });
  });
});
