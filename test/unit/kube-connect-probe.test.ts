// The connect probe raced beside a context's first Kubernetes API calls (src/data/kube/connect-probe.ts): an API server
// that takes the TCP connection but never completes TLS (what a black-holed cluster costs) fails within the connect
// timeout with a line naming the server and the context; one that answers the handshake passes.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { probeConnect } from '../../src/data/kube/connect-probe';
import { KubeError, kubeError } from '../../src/data/kube/errors';

describe('Kubernetes API connect probe', () => {
  const held = new Set<net.Socket>();
  let silent: net.Server;
  let port = 0;
  before(async () => {
    silent = net.createServer((s) => { held.add(s); s.on('error', () => undefined); s.on('close', () => held.delete(s)); });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as net.AddressInfo).port;
  });
  after(async () => {
    for (const s of held) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('https to a server that never completes the TLS handshake: rejected after the connect timeout, kind unreachable, server and context named', async () => {
    const t0 = Date.now();
    const err = await probeConnect({ server: `https://127.0.0.1:${port}`, context: 'old-vpn' }, 300).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof KubeError, String(err));
    assert.equal(err.kind, 'unreachable');
    assert.equal(err.message, `cannot connect to https://127.0.0.1:${port} (context "old-vpn") within 0.3 s — is the cluster gone or the VPN down?`);
    assert.ok(Date.now() - t0 < 5_000);
  });

  it('http to a server that accepts the connection: resolves (a TCP connect is all an http: server owes the probe)', async () => {
    await probeConnect({ server: `http://127.0.0.1:${port}`, context: 'plain' }, 2_000);
  });

  it("undici's own connect timeout reads as a connect failure, not a bare error code", () => {
    const err = kubeError(Object.assign(new Error('fetch failed'), { cause: { code: 'UND_ERR_CONNECT_TIMEOUT' } }),
      { verb: 'list', resource: 'namespaces', group: '', context: 'old-vpn', server: 'https://10.0.0.1:6443' });
    assert.equal(err.message, 'cannot connect to the Kubernetes API at https://10.0.0.1:6443 (context "old-vpn") (connect timeout) — is the cluster gone or the VPN down?');
    assert.equal(err.kind, 'unreachable');
  });
});
