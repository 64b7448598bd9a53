// Which Prometheus a kubeconfig context reads: mora.prometheus.urls (per context) wins over mora.prometheus.url, and
// switching context switches Prometheus; discovery picks the Service port a Prometheus API is on. Two real loopback
// HTTP servers answer /api/v1/status/buildinfo with their own version, so the test sees which one a context reached.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterDataSource } from '../../src/data/cluster';
import { DISCOVERY_SELECTORS, customSelector, pickService } from '../../src/data/kube/prometheus-discovery';

describe('Prometheus per kubeconfig context', () => {
  const servers: http.Server[] = [];
  const urls: string[] = [];
  let dir: string;
  let kubeconfig: string;

  before(async () => {
    for (const version of ['2.53.0-prod', '3.1.0-staging']) {
      const srv = http.createServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ status: 'success', data: { version } }));
      });
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
      servers.push(srv);
      urls.push(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`);
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-per-context-'));
    kubeconfig = path.join(dir, 'config');
    fs.writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: prod',
      'clusters:', '- name: c', '  cluster: {server: "https://127.0.0.1:1"}',
      'users:', '- name: u', '  user: {token: "t"}',
      'contexts:', '- name: prod', '  context: {cluster: c, user: u}', '- name: staging', '  context: {cluster: c, user: u}', '- name: dev', '  context: {cluster: c, user: u}',
      '',
    ].join('\n'));
  });

  after(async () => {
    for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('mora.prometheus.urls: each context reads its own Prometheus; other contexts read mora.prometheus.url', async () => {
    const source = new ClusterDataSource({ kubeconfig, prometheusUrls: { prod: urls[0], staging: urls[1] }, prometheusUrl: 'http://127.0.0.1:9' });
    assert.equal((await (await source.prometheusFor('prod')).buildInfo()).version, '2.53.0-prod');
    assert.equal((await (await source.prometheusFor('staging')).buildInfo()).version, '3.1.0-staging');
    assert.equal((await source.prometheusFor('dev')).displayUrl, 'http://127.0.0.1:9');
  });

  it('mora health names the per-context Prometheus of the current context', async () => {
    const checks = await new ClusterDataSource({ kubeconfig, prometheusUrls: { prod: urls[0] } }).checks({ kubernetes: false });
    assert.equal(checks[0].name, 'prometheus');
    assert.equal(checks[0].message, `Prometheus 2.53.0-prod at ${urls[0]}`);
  });

  it('discovery: among matching Services, the one whose port looks like a Prometheus API; a custom selector goes first', () => {
    const picked = pickService([
      { metadata: { namespace: 'a', name: 'prom-metrics' }, spec: { ports: [{ name: 'metrics', port: 8080 }] } },
      { metadata: { namespace: 'b', name: 'prom' }, spec: { ports: [{ name: 'reloader', port: 8081 }, { name: 'web', port: 9090 }] } },
    ]);
    assert.equal(picked?.service.metadata?.name, 'prom');
    assert.equal(picked?.port.port, 9090);
    assert.equal(DISCOVERY_SELECTORS[0].selector, 'app=kube-prometheus-stack-prometheus');
    assert.deepEqual(customSelector(' app=my-prom , tier=metrics '), { selector: 'app=my-prom,tier=metrics', what: 'custom selector (mora.prometheus.selector / --prometheus-selector)' });
    assert.equal(customSelector('  '), undefined);
  });
});
