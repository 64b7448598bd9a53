// A kubeconfig whose server's scheme does not fit the port is said as what to change, not as a TLS or client error:
// https:// to a plain-HTTP port ("wrong version number": a CA cannot fix that), and an http:// server, which the
// Kubernetes client refuses unless the cluster has insecure-skip-tls-verify ("HTTP protocol is not allowed when
// skipTLSVerify is not set or false"). A real plain-HTTP server answers here; the token never shows.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { kubeError } from '../../src/data/kube/errors';
import { NO_MACHINE_PROMETHEUS, suiteEnv } from '../harness/env';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const TOKEN = 'KUBETOKEN_scheme_51be';

describe('kube errors: the server\'s scheme and port', function () {
  this.timeout(20_000);
  suiteEnv(NO_MACHINE_PROMETHEUS);
  let server: http.Server;
  let port: number;
  before(async () => {
    server = http.createServer((_req, res) => { res.statusCode = 404; res.end('{}'); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const kubeconfig = (dir: string, url: string, extra: Record<string, unknown> = {}): string => {
    const file = path.join(dir, 'kc.yaml');
    fs.writeFileSync(file, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'ctx',
      clusters: [{ name: 'c', cluster: { server: url, ...extra } }],
      users: [{ name: 'u', user: { token: TOKEN } }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    }));
    return file;
  };

  it('https:// to a plain-HTTP port: "answered in plain HTTP, not TLS", check the port; not "check certificate-authority"', () => inTempDir(async (dir) => {
    const r = await mora(['recommend', '--source', 'cluster', '--kubeconfig', kubeconfig(dir, `https://127.0.0.1:${port}`), '--prometheus', `http://127.0.0.1:${port}`, '-q']);
    assert.equal(r.out, '');
    assert.match(r.err, new RegExp(`the Kubernetes API at https://127\\.0\\.0\\.1:${port} \\(context "ctx"\\) answered in plain HTTP, not TLS \\((ERR_SSL_WRONG_VERSION_NUMBER|EPROTO)\\) — check the server's port in the kubeconfig \\(an API server speaks https\\); a plain-HTTP endpoint such as kubectl proxy needs an http:// server with insecure-skip-tls-verify: true`));
    assert.doesNotMatch(r.err, /certificate-authority/);
    assert.ok(!r.err.includes(TOKEN));
  }));

  it('an http:// server: named with the two ways out, exit 2, not client-node\'s "HTTP protocol is not allowed when skipTLSVerify…"', () => inTempDir(async (dir) => {
    const r = await mora(['recommend', '--source', 'cluster', '--kubeconfig', kubeconfig(dir, `http://127.0.0.1:${port}`), '--prometheus', `http://127.0.0.1:${port}`, '-q']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, new RegExp(`the kubeconfig's server http://127\\.0\\.0\\.1:${port} \\(context "ctx"\\) is plain http://, which the Kubernetes client refuses — use the API server's https:// address, or, for a plain-HTTP endpoint such as kubectl proxy, set insecure-skip-tls-verify: true on that cluster`));
    assert.doesNotMatch(r.err, /skipTLSVerify/);
    // The way out it names works: the request reaches the server (which answers 404 here).
    const ok = await mora(['recommend', '--source', 'cluster', '--kubeconfig', kubeconfig(dir, `http://127.0.0.1:${port}`, { 'insecure-skip-tls-verify': true }), '--prometheus', `http://127.0.0.1:${port}`, '-q']);
    assert.doesNotMatch(ok.err, /plain http/);
    assert.match(ok.err, /not found: version \(context "ctx"\)/);
  }));

  it('kubeError: the OpenSSL forms of the same fault map alike; other TLS failures still point at the CA', () => {
    const action = { verb: 'get' as const, resource: 'version', group: '', context: 'ctx', server: 'https://10.0.0.1:8080' };
    const fetchFailed = (code: string, message: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(message), { code }) });
    for (const e of [fetchFailed('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'), fetchFailed('EPROTO', 'routines:ssl3_get_record:wrong version number'),
      fetchFailed('ERR_SSL_PACKET_LENGTH_TOO_LONG', 'packet length too long')]) {
      const k = kubeError(e, action);
      assert.match(k.message, /^the Kubernetes API at https:\/\/10\.0\.0\.1:8080 \(context "ctx"\) answered in plain HTTP, not TLS/);
      assert.equal(k.kind, 'unreachable');
    }
    assert.match(kubeError(fetchFailed('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify'), action).message, /check certificate-authority in the kubeconfig/);
    const plain = kubeError(new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false'), { ...action, server: 'http://10.0.0.1:8080' });
    assert.equal(plain.kind, 'config');
    assert.match(plain.message, /^the kubeconfig's server http:\/\/10\.0\.0\.1:8080 \(context "ctx"\) is plain http:\/\//);
  });
});
