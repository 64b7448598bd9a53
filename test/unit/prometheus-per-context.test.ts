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
import { prometheusUrlFor } from '../../src/data/prometheus/url-scope';

describe('Prometheus per kubeconfig context', () => {
  const servers: http.Server[] = [];
  const urls: string[] = [];
  let dir: string;
  let kubeconfig: string;

  before(async () => {
    for (const version of ['2.53.0-prod', '3.1.0-staging']) {
      const srv = http.createServer((_req, res) => {
        // Connection: close — no pooled socket outlives a test: after a stall longer than the server's 5 s keep-alive
        // (loading client-node on a starved CPU) a reused socket raced the server's close and failed as ECONNRESET
        // ("closed the connection").
        res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'close' });
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

  it('the extension (prometheusUrlScope current-context): mora.prometheus.url serves the current context only; another finds its own, never borrowing its numbers', async () => {
    // The default call timeouts: a 2 s one lost to a loaded CPU against these loopback servers (the discovery timeout
    // then said no context); the timeout's own message is the case below.
    const source = new ClusterDataSource({ kubeconfig, prometheusUrl: urls[0], prometheusUrls: { staging: urls[1] }, prometheusUrlScope: 'current-context' });
    assert.equal((await (await source.prometheusFor('prod')).buildInfo()).version, '2.53.0-prod');
    assert.equal((await (await source.prometheusFor('staging')).buildInfo()).version, '3.1.0-staging');
    // dev has no URL of its own: discovery through its API server (here refused), not prod's Prometheus.
    await assert.rejects(source.prometheusFor('dev'), (e: Error) => /context "dev"/.test(e.message) && !e.message.includes(urls[0]));
    // Health (no context named) still checks the URL.
    assert.equal((await source.prometheusFor(undefined)).displayUrl, urls[0]);
  });

  it('a context mora.prometheus.url does not serve, whose cluster has no Prometheus: the error says the URL serves the current context', async () => {
    // A Kubernetes API that lists no Services: discovery finds nothing.
    const api = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'close' });
      res.end(JSON.stringify({ kind: 'ServiceList', apiVersion: 'v1', metadata: {}, items: [] }));
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
    try {
      const file = path.join(dir, 'config-empty-dev');
      fs.writeFileSync(file, fs.readFileSync(kubeconfig, 'utf8')
        .replace('clusters:\n', `clusters:\n- name: empty\n  cluster: {server: "http://127.0.0.1:${(api.address() as AddressInfo).port}", insecure-skip-tls-verify: true}\n`)
        .replace('- name: dev\n  context: {cluster: c,', '- name: dev\n  context: {cluster: empty,'));
      const source = new ClusterDataSource({ kubeconfig: file, prometheusUrl: urls[0], prometheusUrlScope: 'current-context' });
      // Only the extension scopes the URL to the current context: its settings alone, each called a setting.
      await assert.rejects(source.prometheusFor('dev'), /^PrometheusError: no Prometheus found in context "dev": .* — set the mora\.prometheus\.urls setting for this context \(mora\.prometheus\.url serves the current context "prod" only: its numbers are another cluster's\), or a Service selector with the mora\.prometheus\.selector setting$/);
      // No URL (the CLI without --prometheus, or the extension without one): the flags for the CLI, the settings for VS
      // Code (it said '--prometheus / mora.prometheus.url', '--prometheus-selector / mora.prometheus.selector').
      await assert.rejects(new ClusterDataSource({ kubeconfig: file }).prometheusFor('dev'), (e: Error) => {
        assert.match(e.message, / — set --prometheus \(CLI\) or the mora\.prometheus\.url setting, or mora\.prometheus\.urls for this context \(VS Code\); or a Service selector with --prometheus-selector \(CLI\) or the mora\.prometheus\.selector setting \(VS Code\)$/);
        return true;
      });
    } finally {
      await new Promise<void>((r) => api.close(() => r()));
    }
  });

  it('a context whose API server takes the connection but never answers discovery: the timeout names the context and its API server', async () => {
    // Before, "the Kubernetes API did not answer a Service list within 1 s": which of the tree's contexts, not said.
    const api = http.createServer(() => undefined);
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
    const server = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    try {
      const file = path.join(dir, 'config-hung-dev');
      fs.writeFileSync(file, fs.readFileSync(kubeconfig, 'utf8')
        .replace('clusters:\n', `clusters:\n- name: hung\n  cluster: {server: "${server}", insecure-skip-tls-verify: true}\n`)
        .replace('- name: dev\n  context: {cluster: c,', '- name: dev\n  context: {cluster: hung,'));
      const source = new ClusterDataSource({ kubeconfig: file, prometheusUrl: urls[0], prometheusUrlScope: 'current-context', prometheusTimeoutMs: 1000 });
      await assert.rejects(source.prometheusFor('dev'), (e: Error) => {
        assert.equal(e.message, `the Kubernetes API at ${server} (context "dev") did not answer a Service list within 1 s — is the cluster reachable (VPN, firewall)?`);
        return true;
      });
    } finally {
      api.closeAllConnections();
      await new Promise<void>((r) => api.close(() => r()));
    }
  });

  it('prometheusUrlFor: per-context URL first; the one URL for its context only, or for all when there is no current context', () => {
    const s = { url: 'http://one', urls: { staging: 'http://staging' }, urlContext: 'prod' };
    assert.equal(prometheusUrlFor('prod', s), 'http://one');
    assert.equal(prometheusUrlFor('staging', s), 'http://staging');
    assert.equal(prometheusUrlFor('dev', s), undefined, 'another cluster must not read the current cluster\'s Prometheus');
    assert.equal(prometheusUrlFor(undefined, s), 'http://one');
    assert.equal(prometheusUrlFor('dev', { url: 'http://one' }), 'http://one', 'no current context: as the CLI, every context');
    assert.equal(prometheusUrlFor('dev', { urlContext: 'prod' }), undefined);
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
