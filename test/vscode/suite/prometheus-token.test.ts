// Set Prometheus Token takes effect at once: the cluster source reads the token when it is built, so the command builds
// it again; the next Health Check sends the new token (and none after it is removed) without a settings change or a
// reload. The Prometheus here is a loopback HTTP server that records each request's Authorization header.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateMora, waitFor, type MoraTestApi } from './helpers';

type Api = MoraTestApi & { sourceKind(): string; kubeconfigProblem(): string | undefined };

describe('Set Prometheus Token takes effect without a reload', function () {
  this.timeout(120_000);
  const cfg = () => vscode.workspace.getConfiguration('mora');
  let dir = '';
  let server: http.Server;
  /** The Authorization header of each request to the Prometheus, in order ('' when none). */
  const auth: string[] = [];
  let serverUrl = '';
  /** Another context's Prometheus (another port: another origin); nothing needs to answer there. */
  const OTHER_URL = 'http://127.0.0.1:9';

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-vscode-token-'));
    server = http.createServer((req, res) => {
      auth.push(req.headers.authorization ?? '');
      res.setHeader('content-type', 'application/json');
      const data = req.url?.startsWith('/api/v1/status/buildinfo') ? { version: '2.53.0' } : { resultType: 'vector', result: [] };
      res.end(JSON.stringify({ status: 'success', data }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });

  after(async () => {
    // With several URLs configured the command would ask which one: each origin's token is removed by name.
    for (const u of [serverUrl, OTHER_URL]) if (u) await vscode.commands.executeCommand('mora.setPrometheusToken', '', u);
    await cfg().update('dataSource', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('prometheus.url', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('prometheus.urls', undefined, vscode.ConfigurationTarget.Global);
    const api = (await activateMora()) as Api;
    await waitFor(() => api.sourceKind(), (k) => k === 'demo');
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the next Health Check sends the token just set, and none once it is removed', async () => {
    const api = (await activateMora()) as Api;
    await vscode.commands.executeCommand('mora.setPrometheusToken', '');
    // A kubeconfig whose API server is nowhere (the Kubernetes check fails; the Prometheus check is what is read here).
    const kubeconfig = path.join(dir, 'kubeconfig.yaml');
    fs.writeFileSync(kubeconfig, ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: c', '  cluster:', '    server: https://127.0.0.1:9', 'users:', '- name: u', '  user:', '    token: t',
      'contexts:', '- name: mora-token', '  context:', '    cluster: c', '    user: u', 'current-context: mora-token', ''].join('\n'));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    serverUrl = url;
    await cfg().update('kubeconfig', kubeconfig, vscode.ConfigurationTarget.Global);
    await cfg().update('prometheus.url', url, vscode.ConfigurationTarget.Global);
    await cfg().update('dataSource', 'cluster', vscode.ConfigurationTarget.Global);
    await waitFor(() => api.sourceKind() === 'cluster' && api.kubeconfigProblem() === undefined, (ok) => ok);
    // The settings changes each rebuild the source; wait until one built with this URL asks this Prometheus.
    const health = async () => {
      const from = auth.length;
      const h = await vscode.commands.executeCommand<{ message: string }>('mora.healthCheck');
      return { message: h?.message ?? '', headers: auth.slice(from) };
    };
    // (Health Check's message lists only what failed: this Kubernetes and cAdvisor; the headers say Prometheus was asked.)
    const before = await waitFor(health, (h) => h.headers.length > 0);
    assert.ok(before.headers.length > 0 && before.headers.every((h) => h === ''), `no token yet: ${JSON.stringify(before.headers)}`);

    await vscode.commands.executeCommand('mora.setPrometheusToken', 'mora-test-token-1');
    const withToken = await health();
    assert.ok(withToken.headers.length > 0, 'the health check asked the Prometheus');
    assert.deepEqual([...new Set(withToken.headers)], ['Bearer mora-test-token-1']);

    await vscode.commands.executeCommand('mora.setPrometheusToken', '');
    const removed = await health();
    assert.ok(removed.headers.length > 0);
    assert.deepEqual([...new Set(removed.headers)], ['']);

    // Several Prometheus URLs: a token is kept per origin and sent only there. One set for another context's
    // Prometheus (another port: another origin) never reaches this one.
    const other = OTHER_URL;
    await cfg().update('prometheus.urls', { 'mora-other': other }, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('mora.setPrometheusToken', 'mora-other-token', other);
    const otherOnly = await waitFor(health, (h) => h.headers.length > 0);
    assert.deepEqual([...new Set(otherOnly.headers)], [''], 'the other origin\'s token is not sent here');
    await vscode.commands.executeCommand('mora.setPrometheusToken', 'mora-test-token-2', url);
    const own = await health();
    assert.deepEqual([...new Set(own.headers)], ['Bearer mora-test-token-2']);
    await vscode.commands.executeCommand('mora.setPrometheusToken', '', url);
    await vscode.commands.executeCommand('mora.setPrometheusToken', '', other);
  });
});
