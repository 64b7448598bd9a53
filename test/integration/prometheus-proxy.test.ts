// MOrA's Prometheus queries through a real forward proxy on loopback (test/harness/forward-proxy.ts), the way users
// behind a corporate proxy run the CLI: HTTP_PROXY set and NO_PROXY not matching → every request goes through the
// proxy; NO_PROXY matching the Prometheus host → none does; proxyFromEnv: false (the VS Code extension host, where
// VS Code's patched agents decide) → the environment is ignored. The answers are the same either way.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { PrometheusClient } from '../../src/data/prometheus/client';
import { ClusterDataSource } from '../../src/data/cluster';
import { startForwardProxy, type ForwardProxy } from '../harness/forward-proxy';
import { freeLoopbackPort } from '../harness/ports';
import { startPrometheus, toOpenMetrics, type RunningPrometheus } from '../harness/prometheus';

const PROXY_VARS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(PROXY_VARS.map((k) => [k, process.env[k]]));
  for (const k of PROXY_VARS) delete process.env[k];
  for (const [k, v] of Object.entries(vars)) if (v !== undefined) process.env[k] = v;
  return fn().finally(() => {
    for (const k of PROXY_VARS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });
}

describe('Prometheus through a forward proxy (HTTP_PROXY / NO_PROXY)', function () {
  this.timeout(120_000);
  const end = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3600;
  const start = end - 3 * 3600;
  let prom: RunningPrometheus | undefined;
  let proxy: ForwardProxy | undefined;

  before(async () => {
    const samples: Array<[number, number]> = [];
    for (let t = start; t <= end; t += 60) samples.push([t, 100 + ((t - start) / 60) % 7]);
    [prom, proxy] = await Promise.all([
      startPrometheus({ openMetrics: toOpenMetrics([{ name: 'mora_proxy_probe', type: 'gauge', labels: { namespace: 'shop', pod: 'a-0' }, samples }]) }),
      startForwardProxy(),
    ]);
  });
  after(async () => {
    await prom?.stop();
    await proxy?.stop();
  });

  const ask = async (client: PrometheusClient) => {
    const r = await client.queryRange('mora_proxy_probe{namespace="shop"}', start, end, 60);
    const v = await client.query('count(mora_proxy_probe)', end);
    return { values: [...r.series[0].v], count: v[0].v };
  };

  it('goes through the proxy when HTTP_PROXY is set and NO_PROXY does not match', async () => {
    const direct = await withEnv({}, () => ask(new PrometheusClient({ url: prom!.url })));
    assert.equal(proxy!.requests.length, 0, 'no proxy configured: nothing through it');
    const before = proxy!.requests.length;
    const via = await withEnv({ HTTP_PROXY: proxy!.url, NO_PROXY: 'example.invalid,.corp.internal' }, () => ask(new PrometheusClient({ url: prom!.url })));
    const seen = proxy!.requests.slice(before);
    assert.deepEqual(seen.map((r) => `${r.method} ${r.target} ${r.status}`), [
      `POST ${prom!.url}/api/v1/query_range 200`,
      `POST ${prom!.url}/api/v1/query 200`,
    ]);
    assert.ok(seen.every((r) => r.bytes > 0));
    assert.deepEqual(via, direct);
    assert.equal(direct.values.length, 181);
  });

  it('lower-case http_proxy counts too, and a ClusterDataSource (what mora recommend/health build) uses it', async () => {
    const before = proxy!.requests.length;
    await withEnv({ http_proxy: proxy!.url }, async () => {
      const source = new ClusterDataSource({ prometheusUrl: prom!.url, now: () => end });
      const checks = await source.checks({ kubernetes: false });
      assert.ok(checks[0].ok, checks[0].message);
    });
    const seen = proxy!.requests.slice(before);
    assert.ok(seen.some((r) => r.target === `${prom!.url}/api/v1/status/buildinfo`), seen.map((r) => r.target).join(', '));
    assert.ok(seen.length >= 4, `${seen.length} requests through the proxy`);
  });

  it('bypasses the proxy when NO_PROXY matches the Prometheus host (name, host:port, or CIDR)', async () => {
    const before = proxy!.requests.length;
    for (const noProxy of ['127.0.0.1', `127.0.0.1:${prom!.port}`, 'example.invalid, 127.0.0.0/8']) {
      const r = await withEnv({ HTTP_PROXY: proxy!.url, NO_PROXY: noProxy }, () => ask(new PrometheusClient({ url: prom!.url })));
      assert.equal(r.values.length, 181);
    }
    assert.equal(proxy!.requests.length, before, 'nothing went through the proxy');
  });

  it('ignores the environment with proxyFromEnv: false (the extension host: VS Code\'s agents decide)', async () => {
    const before = proxy!.requests.length;
    const r = await withEnv({ HTTP_PROXY: proxy!.url }, () => ask(new PrometheusClient({ url: prom!.url, proxyFromEnv: false })));
    assert.equal(r.values.length, 181);
    assert.equal(proxy!.requests.length, before);
  });

  it('a proxy that is down fails the query with one line naming the proxy (not Prometheus) and the variable, without its password', async () => {
    const port = await freeLoopbackPort();
    await withEnv({ HTTP_PROXY: `http://user:s3cret@127.0.0.1:${port}` }, async () => {
      const client = new PrometheusClient({ url: prom!.url, auth: { bearerToken: 'tok-9f8e7d6c5b4a' } });
      await assert.rejects(client.buildInfo(), (e: Error & { kind?: string }) => {
        assert.equal(e.kind, 'unreachable');
        assert.equal(e.message, `cannot reach Prometheus at ${prom!.url}: the proxy http://127.0.0.1:${port} (from HTTP_PROXY) refused the connection — check HTTP_PROXY, or add the Prometheus host to NO_PROXY`);
        // Nothing reachable from the error (an AxiosError would carry the request config, Authorization included).
        assert.doesNotMatch(inspect(e, { depth: 10, showHidden: true }), /tok-9f8e7d6c5b4a|s3cret/);
        return true;
      });
    });
  });
});

describe('an https:// Prometheus through a forward proxy (HTTPS_PROXY: CONNECT tunnel, TLS end to end)', function () {
  this.timeout(120_000);
  const end = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3600;
  let prom: RunningPrometheus | undefined;
  let proxy: ForwardProxy | undefined;
  let savedCa: unknown;

  before(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-proxy-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
        '-days', '1', '-subj', '/CN=prometheus', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore', timeout: 30_000 });
      const tls = { cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'), key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8') };
      const samples: Array<[number, number]> = [];
      for (let t = end - 3600; t <= end; t += 60) samples.push([t, 42]);
      [prom, proxy] = await Promise.all([
        startPrometheus({ tls, openMetrics: toOpenMetrics([{ name: 'mora_tls_probe', type: 'gauge', labels: { namespace: 'shop' }, samples }]) }),
        startForwardProxy(),
      ]);
      // What NODE_EXTRA_CA_CERTS=<cert> does for a real run (it must be set before Node starts): trust the self-signed CA.
      savedCa = https.globalAgent.options.ca;
      https.globalAgent.options.ca = tls.cert;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  after(async () => {
    // Restore by deleting when there was none: the agent's options override a request's own (Node's addRequest merges
    // them last), so a left-behind `ca: undefined` would discard the `ca` of every later https.request in this process.
    if (savedCa === undefined) delete https.globalAgent.options.ca;
    else https.globalAgent.options.ca = savedCa as typeof https.globalAgent.options.ca;
    await prom?.stop();
    await proxy?.stop();
  });

  it('tunnels through the proxy with CONNECT (the proxy sees host:port only), and goes direct when NO_PROXY matches', async () => {
    assert.match(prom!.url, /^https:/);
    const ask = () => new PrometheusClient({ url: prom!.url }).queryRange('mora_tls_probe', end - 600, end, 60);
    const r = await withEnv({ HTTPS_PROXY: proxy!.url, NO_PROXY: 'example.invalid' }, ask);
    assert.deepEqual([...r.series[0].v], Array(11).fill(42));
    assert.deepEqual(proxy!.requests.map((x) => `${x.method} ${x.target} ${x.status}`), [`CONNECT 127.0.0.1:${prom!.port} 200`]);
    assert.ok(proxy!.requests[0].bytes > 0, 'the answer came back through the tunnel');
    const direct = await withEnv({ HTTPS_PROXY: proxy!.url, NO_PROXY: '127.0.0.1' }, ask);
    assert.deepEqual([...direct.series[0].v], Array(11).fill(42));
    assert.equal(proxy!.requests.length, 1, 'no second tunnel');
  });
});
