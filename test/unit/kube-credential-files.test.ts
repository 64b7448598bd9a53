// A file the kubeconfig names — certificate-authority, client-certificate, client-key, a user's token-file — that is
// missing is the kubeconfig's fault: one bad-config line naming the field and the file (exit 2), never "cannot reach the
// Kubernetes API …: ENOENT" (exit 3, as if the cluster were down). What the files hold is never quoted. The API servers
// are closed loopback ports: nothing is ever answered.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KubeClient } from '../../src/data/kube/client';
import { connectKube } from '../../src/data/kube/connection';
import { KubeError, kubeError } from '../../src/data/kube/errors';
import { PrometheusDiscovery } from '../../src/data/kube/prometheus-discovery';
import { NO_MACHINE_PROMETHEUS, suiteEnv } from '../harness/env';
import { closedPort } from '../harness/ports';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const KEY_SECRET = 'KEYSECRET_b64_9f31c0de';
const TOKEN = 'KUBETOKEN_files_41aa';

/** A kubeconfig (JSON is YAML) with one context "ctx" on a closed port; `cluster` and `user` fields as given. */
async function write(dir: string, cluster: Record<string, unknown>, user: Record<string, unknown>): Promise<string> {
  const file = path.join(dir, 'kc.yaml');
  fs.writeFileSync(file, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'ctx',
    clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${await closedPort()}`, ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
  }));
  return file;
}

/** A client key file whose content must never be shown. */
function keyFile(dir: string): string {
  const f = path.join(dir, 'client.key');
  fs.writeFileSync(f, `-----BEGIN PRIVATE KEY-----\n${KEY_SECRET}\n-----END PRIVATE KEY-----\n`);
  return f;
}

const CASES: Array<{ field: string; entry: string; kubeconfig: (dir: string) => Promise<string> }> = [
  { field: 'client-certificate', entry: 'user "u"', kubeconfig: (dir) => write(dir, { 'insecure-skip-tls-verify': true }, { 'client-certificate': path.join(dir, 'gone.crt'), 'client-key': keyFile(dir) }) },
  { field: 'client-key', entry: 'user "u"', kubeconfig: (dir) => {
    fs.writeFileSync(path.join(dir, 'client.crt'), 'not read: the key is looked for too');
    return write(dir, { 'insecure-skip-tls-verify': true }, { 'client-certificate': path.join(dir, 'client.crt'), 'client-key': path.join(dir, 'gone.crt') });
  } },
  { field: 'certificate-authority', entry: 'cluster "c"', kubeconfig: (dir) => write(dir, { 'certificate-authority': path.join(dir, 'gone.crt') }, { token: TOKEN }) },
];

describe('files a kubeconfig names that are missing', function () {
  this.timeout(20_000);
  suiteEnv(NO_MACHINE_PROMETHEUS); // else --prometheus defaults to the machine's URL and no discovery is tried

  for (const c of CASES) {
    it(`${c.field}: recommend and health say which field and file, exit 2`, () => inTempDir(async (dir) => {
      const kubeconfig = await c.kubeconfig(dir);
      const line = `the kubeconfig's ${c.field} file ${path.join(dir, 'gone.crt')} (${c.entry}, context "ctx") does not exist — fix the path in the kubeconfig, or log in again to write fresh credentials`;
      const rec = await mora(['recommend', '--source', 'cluster', '--kubeconfig', kubeconfig]);
      assert.equal(rec.code, 2, rec.err);
      assert.equal(rec.err, `mora: ${line}\n`);
      const health = await mora(['health', '--kubeconfig', kubeconfig]);
      assert.equal(health.code, 2, health.out);
      // One fault, both checks (Prometheus discovery needs the same context): one line naming both, as recommend says it once.
      assert.equal(health.out, `FAIL prometheus, kubernetes: ${line}\n`);
      const json = await mora(['health', '--kubeconfig', kubeconfig, '--format', 'json']);
      assert.equal(json.code, 2, json.out);
      assert.deepEqual((JSON.parse(json.out) as { checks: Array<{ name: string; message: string }> }).checks.map((x) => [x.name, x.message]), [['prometheus', line], ['kubernetes', line]], 'JSON keeps a record per check');
      for (const text of [rec.out + rec.err, health.out + health.err]) {
        assert.doesNotMatch(text, /ENOENT|cannot reach/);
        assert.ok(!text.includes(KEY_SECRET) && !text.includes(TOKEN), `a secret leaked in:\n${text}`);
      }
    }));
  }

  it('the in-cluster classes (connectKube) and Prometheus discovery refuse the context the same way', () => inTempDir(async (dir) => {
    const kubeconfig = await CASES[0].kubeconfig(dir);
    const refused = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        assert.ok(e instanceof KubeError && e.kind === 'config', String(e));
        assert.match(e.message, /^the kubeconfig's client-certificate file .*gone\.crt \(user "u", context "ctx"\) does not exist/);
        return;
      }
      assert.fail('expected a KubeError');
    };
    refused(() => connectKube({ kubeconfig }));
    refused(() => new PrometheusDiscovery({ kubeconfig }).configFor('ctx'));
    const version = await KubeClient.load({ kubeconfig }).version('ctx').then(() => undefined, (e: unknown) => e);
    assert.ok(version instanceof KubeError && version.kind === 'config', String(version));
  }));

  it('a token-file that is missing is named as such, not as a missing kubeconfig', () => inTempDir(async (dir) => {
    const kubeconfig = await write(dir, { 'insecure-skip-tls-verify': true }, { 'token-file': path.join(dir, 'gone-token') });
    const r = await mora(['recommend', '--source', 'cluster', '--kubeconfig', kubeconfig]);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.err, `mora: the kubeconfig ${kubeconfig} names a file that does not exist: ${path.join(dir, 'gone-token')} (a user's token-file) — fix the path in the kubeconfig, or log in again\n`);
  }));

  it('kubeError: a file that vanished after the check (read while the request is built) is bad config, not unreachable', () => {
    const gone = Object.assign(new Error("ENOENT: no such file or directory, open '/creds/client.crt'"), { code: 'ENOENT', errno: -2, syscall: 'open', path: '/creds/client.crt' });
    const err = kubeError(gone, { verb: 'get', resource: 'version', group: '', context: 'ctx', server: 'https://127.0.0.1:6443' });
    assert.equal(err.kind, 'config');
    assert.equal(err.message, 'cannot read /creds/client.crt, named in the kubeconfig (context "ctx") (ENOENT) — fix the path in the kubeconfig, or log in again');
    // A network error keeps its class.
    const refused = kubeError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' } }), { verb: 'get', resource: 'version', group: '', context: 'ctx' });
    assert.equal(refused.kind, 'unreachable');
  });
});
