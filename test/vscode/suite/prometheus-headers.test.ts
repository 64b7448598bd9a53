// mora.prometheus.matchers and Set Prometheus Headers reach the cluster source's Prometheus client at once: a settings
// change rebuilds the source, as the other mora.prometheus.* settings do, and the command builds it again, so the next
// Health Check sends the matchers in its queries and the headers on its requests (none once removed). The Prometheus
// here is a loopback HTTP server that records each request's X-Scope-OrgID header and PromQL.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateMora, waitFor, type MoraTestApi } from './helpers';

type Api = MoraTestApi & { sourceKind(): string; kubeconfigProblem(): string | undefined };

describe('Prometheus matchers setting and headers command', function () {
  this.timeout(120_000);
  const cfg = () => vscode.workspace.getConfiguration('mora');
  let dir = '';
  let server: http.Server;
  const seen: Array<{ tenant: string; cookie?: string; query?: string }> = [];
  let serverUrl = '';

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-vscode-headers-'));
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        seen.push({ tenant: String(req.headers['x-scope-orgid'] ?? ''), cookie: req.headers.cookie, query: new URLSearchParams(body).get('query') ?? u.searchParams.get('query') ?? undefined });
        res.setHeader('content-type', 'application/json');
        const data = u.pathname.startsWith('/api/v1/status/buildinfo') ? { version: '2.53.0' } : { resultType: 'vector', result: [] };
        res.end(JSON.stringify({ status: 'success', data }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });

  after(async () => {
    if (serverUrl) await vscode.commands.executeCommand('mora.setPrometheusHeaders', '', serverUrl);
    for (const k of ['dataSource', 'kubeconfig', 'prometheus.url', 'prometheus.matchers']) await cfg().update(k, undefined, vscode.ConfigurationTarget.Global);
    const api = (await activateMora()) as Api;
    await waitFor(() => api.sourceKind(), (k) => k === 'demo');
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the next Health Check sends the matchers set in settings and the headers set by the command', async () => {
    const api = (await activateMora()) as Api;
    // A kubeconfig whose API server is nowhere (the Kubernetes check fails; the Prometheus requests are what is read).
    const kubeconfig = path.join(dir, 'kubeconfig.yaml');
    fs.writeFileSync(kubeconfig, ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: c', '  cluster:', '    server: https://127.0.0.1:9', 'users:', '- name: u', '  user:', '    token: t',
      'contexts:', '- name: mora-headers', '  context:', '    cluster: c', '    user: u', 'current-context: mora-headers', ''].join('\n'));
    serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await cfg().update('kubeconfig', kubeconfig, vscode.ConfigurationTarget.Global);
    await cfg().update('prometheus.url', serverUrl, vscode.ConfigurationTarget.Global);
    await cfg().update('dataSource', 'cluster', vscode.ConfigurationTarget.Global);
    await waitFor(() => api.sourceKind() === 'cluster' && api.kubeconfigProblem() === undefined, (ok) => ok);
    const health = async () => {
      const from = seen.length;
      await vscode.commands.executeCommand('mora.healthCheck');
      return seen.slice(from);
    };
    // The settings change rebuilds the source: wait until a Health Check's queries carry the matcher.
    await cfg().update('prometheus.matchers', 'cluster="prod-eu"', vscode.ConfigurationTarget.Global);
    const matched = await waitFor(health, (s) => s.some((x) => x.query?.includes('cluster="prod-eu"')));
    const queries = matched.filter((x) => x.query !== undefined);
    assert.ok(queries.length > 0 && queries.every((x) => x.query!.includes('cluster="prod-eu"')), JSON.stringify(queries));
    assert.ok(matched.every((x) => x.tenant === ''), 'no header set yet');

    await vscode.commands.executeCommand('mora.setPrometheusHeaders', 'X-Scope-OrgID: team-a');
    const withHeader = await health();
    assert.ok(withHeader.length > 0, 'the health check asked the Prometheus');
    assert.deepEqual([...new Set(withHeader.map((x) => x.tenant))], ['team-a']);

    // The input's format: a ';' inside a value (a Cookie's) is written '\;'.
    await vscode.commands.executeCommand('mora.setPrometheusHeaders', 'X-Scope-OrgID: team-b; Cookie: a=1\\; b=2');
    const withCookie = await health();
    assert.ok(withCookie.length > 0);
    assert.deepEqual([...new Set(withCookie.map((x) => `${x.tenant} | ${x.cookie}`))], ['team-b | a=1; b=2']);

    await vscode.commands.executeCommand('mora.setPrometheusHeaders', '');
    const removed = await health();
    assert.ok(removed.length > 0);
    assert.deepEqual([...new Set(removed.map((x) => x.tenant))], ['']);

    // A value that is not label matchers: Health Check names the setting, and nothing is asked of Prometheus.
    await cfg().update('prometheus.matchers', 'cluster=prod-eu', vscode.ConfigurationTarget.Global);
    const check = async () => {
      const from = seen.length;
      const h = await vscode.commands.executeCommand<{ message: string }>('mora.healthCheck');
      return { message: h?.message ?? '', requests: seen.length - from };
    };
    const refused = await waitFor(check, (h) => h.message.includes('mora.prometheus.matchers'));
    assert.match(refused.message, /must be a quoted string.*mora\.prometheus\.matchers/, refused.message);
    assert.equal(refused.requests, 0);
  });
});
