// The connect probe raced beside a context's first Kubernetes API calls (src/data/kube/connect-probe.ts): an API server
// that takes the TCP connection but never completes TLS (what a black-holed cluster costs) fails within the connect
// timeout with a line naming the server and the context; one that answers the handshake passes. The in-cluster API
// classes (connectKube: VPA reader/writer/creator, the shared model's ConfigMap) and Prometheus discovery race the same
// probe, so a pod whose API server address is dead fails after the connect timeout, not the 30 s call timeout.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { probeConnect } from '../../src/data/kube/connect-probe';
import { connectKube } from '../../src/data/kube/connection';
import { KubeError, kubeError } from '../../src/data/kube/errors';
import { PrometheusDiscovery } from '../../src/data/kube/prometheus-discovery';
import { writeKubeconfig } from './helpers/kubeconfig';
import { silentTcpServerPerSuite } from './helpers/silent-tcp-server';
import { inTempDir } from './helpers/temp-dir';

describe('Kubernetes API connect probe', () => {
  const silent = silentTcpServerPerSuite();

  it('https to a server that never completes the TLS handshake: rejected after the connect timeout, kind unreachable, server and context named', async () => {
    const t0 = Date.now();
    const err = await probeConnect({ server: `https://127.0.0.1:${silent.port}`, context: 'old-vpn' }, 300).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof KubeError, String(err));
    assert.equal(err.kind, 'unreachable');
    assert.equal(err.message, `cannot connect to https://127.0.0.1:${silent.port} (context "old-vpn") within 0.3 s — is the cluster gone or the VPN down?`);
    assert.ok(Date.now() - t0 < 5_000);
  });

  it('http to a server that accepts the connection: resolves (a TCP connect is all an http: server owes the probe)', async () => {
    await probeConnect({ server: `http://127.0.0.1:${silent.port}`, context: 'plain' }, 2_000);
  });

  it('in a pod (service account, connectKube): a call to an API server that never completes TLS fails after the connect timeout, naming the context', async function () {
    this.timeout(20_000);
    await inTempDir(async (dir) => {
      const sa = path.join(dir, 'sa');
      fs.mkdirSync(sa);
      fs.writeFileSync(path.join(sa, 'token'), 'eyJ.token');
      fs.writeFileSync(path.join(sa, 'ca.crt'), 'not a certificate: the handshake never gets that far');
      const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(silent.port) };
      const conn = connectKube({ env, home: dir, serviceAccountDir: sa, timeoutMs: 15_000, connectTimeoutMs: 300 });
      assert.equal(conn.context, 'in-cluster');
      const t0 = Date.now();
      const err = await conn.call(conn.kc.makeApiClient(conn.k.CoreV1Api).listNamespace(), { verb: 'list', resource: 'namespaces', group: '' })
        .then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof KubeError, String(err));
      assert.equal(err.kind, 'unreachable');
      assert.equal(err.message, `cannot connect to https://127.0.0.1:${silent.port} (context "in-cluster") within 0.3 s — is the cluster gone or the VPN down?`);
      assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms: the call timeout, not the connect timeout`);
    });
  });

  it('Prometheus discovery through a kubeconfig context whose API server never completes TLS: the connect timeout, not the call timeout', async function () {
    this.timeout(20_000);
    await inTempDir(async (dir) => {
      const file = writeKubeconfig(dir, { context: 'old-vpn', server: `https://127.0.0.1:${silent.port}`, token: 't' });
      const discovery = new PrometheusDiscovery({ kubeconfig: file, env: {}, home: dir, timeoutMs: 15_000, connectTimeoutMs: 300 });
      const t0 = Date.now();
      const err = await discovery.discover('old-vpn').then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof KubeError, String(err));
      assert.equal(err.message, `cannot connect to https://127.0.0.1:${silent.port} (context "old-vpn") within 0.3 s — is the cluster gone or the VPN down?`);
      assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
    });
  });

  it("undici's own connect timeout reads as a connect failure, not a bare error code", () => {
    const err = kubeError(Object.assign(new Error('fetch failed'), { cause: { code: 'UND_ERR_CONNECT_TIMEOUT' } }),
      { verb: 'list', resource: 'namespaces', group: '', context: 'old-vpn', server: 'https://10.0.0.1:6443' });
    assert.equal(err.message, 'cannot connect to the Kubernetes API at https://10.0.0.1:6443 (context "old-vpn") (connect timeout) — is the cluster gone or the VPN down?');
    assert.equal(err.kind, 'unreachable');
  });
});
