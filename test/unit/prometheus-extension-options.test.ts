// The editor-free half of the extension's Prometheus query options (src/views/prometheus-headers.ts): extra headers
// kept per URL origin in the secret store (Set Prometheus Headers) and mora.prometheus.matchers, as they become the
// cluster data source's options — and what its Prometheus clients then send, to loopback servers standing in for two
// clusters' Prometheus.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { ClusterDataSource } from '../../src/data/cluster';
import { headersForOrigin, headersSecretKey, matchersFromSetting, parseHeaderInput, prometheusQuerySettings, readHeaders, setHeaders } from '../../src/views/prometheus-headers';
import type { SecretsLike } from '../../src/views/prometheus-tokens';

function memorySecrets(): SecretsLike & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    get: async (k) => map.get(k),
    store: async (k, v) => { map.set(k, v); },
    delete: async (k) => { map.delete(k); },
  };
}

interface Seen { headers: http.IncomingHttpHeaders; query?: string }

/** A loopback stand-in for Prometheus' query API: answers an empty vector, records headers and PromQL. */
async function fakePrometheus(): Promise<{ url: string; seen: Seen[]; stop(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({ headers: req.headers, query: new URLSearchParams(body).get('query') ?? url.searchParams.get('query') ?? undefined });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen, stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

describe('extension Prometheus options: mora.prometheus.matchers and per-origin headers (editor-free)', () => {
  it('headers typed in one line: several separated by ";", checked by the CLI parser without echoing a value', () => {
    assert.deepEqual(parseHeaderInput('X-Scope-OrgID: team-a; X-Extra:  1 '), { 'X-Scope-OrgID': 'team-a', 'X-Extra': '1' });
    assert.deepEqual(parseHeaderInput(''), {});
    assert.throws(() => parseHeaderInput('X-Scope-OrgID team-s3cr3t'), (e: Error) => /expected 'Name: value'/.test(e.message) && !e.message.includes('team-s3cr3t'));
  });

  it('kept per URL origin in the secret store, never for another origin; none removes them', async () => {
    const secrets = memorySecrets();
    await setHeaders(secrets, 'https://mimir.example.com/prometheus', { 'X-Scope-OrgID': 'team-a' });
    assert.equal(secrets.map.get(headersSecretKey('https://mimir.example.com:443/other')!), JSON.stringify({ 'X-Scope-OrgID': 'team-a' }), 'one key per origin');
    const forUrl = headersForOrigin(await readHeaders(secrets, ['https://mimir.example.com/prometheus', 'https://staging.example.com']));
    assert.deepEqual(forUrl('https://mimir.example.com/api'), { 'X-Scope-OrgID': 'team-a' });
    assert.equal(forUrl('https://staging.example.com'), undefined);
    assert.equal(forUrl('http://mimir.example.com'), undefined, 'another scheme is another origin');
    // Only configured URLs are read: headers kept for a URL no longer in the settings are not sent anywhere.
    assert.equal(headersForOrigin(await readHeaders(secrets, ['https://staging.example.com']))('https://mimir.example.com'), undefined);
    await setHeaders(secrets, 'https://mimir.example.com', {});
    assert.equal(secrets.map.size, 0);
  });

  it('mora.prometheus.matchers: normalized; empty is none; an invalid list is reported naming the setting and kept so reads fail', () => {
    const warned: string[] = [];
    const warn = (m: string) => warned.push(m);
    assert.equal(matchersFromSetting(' { cluster = "prod-eu" , region!="x" } ', warn), 'cluster="prod-eu",region!="x"');
    assert.equal(matchersFromSetting('', warn), undefined);
    assert.equal(matchersFromSetting(undefined, warn), undefined);
    assert.deepEqual(warned, []);
    assert.equal(matchersFromSetting('cluster=prod-eu', warn), 'cluster=prod-eu');
    assert.equal(warned.length, 1);
    assert.match(warned[0], /^mora\.prometheus\.matchers: .*the value of cluster must be a quoted string.*not read until it is fixed/);
    const ds = new ClusterDataSource({ prometheusUrl: 'http://127.0.0.1:9', prometheusMatchers: matchersFromSetting('cluster=prod-eu', () => undefined) });
    // The flag for the CLI, the setting for VS Code, each said (it was '(mora.prometheus.matchers / --prometheus-matchers)').
    assert.throws(() => ds.prometheus, /must be a quoted string \(e\.g\. cluster="prod-eu"\) — check --prometheus-matchers \(CLI\) or the mora\.prometheus\.matchers setting \(VS Code\)$/,
      'no Prometheus read with an invalid list; the error names the setting');
  });

  it('the cluster source built from them: each URL gets its own origin\'s headers and every query the matchers', async () => {
    const [prod, staging] = [await fakePrometheus(), await fakePrometheus()];
    try {
      const secrets = memorySecrets();
      await setHeaders(secrets, prod.url, { 'X-Scope-OrgID': 'tenant-prod' });
      await setHeaders(secrets, staging.url, { 'X-Scope-OrgID': 'tenant-staging' });
      const settings = await prometheusQuerySettings('cluster="prod-eu"', secrets, [prod.url, staging.url], (m) => assert.fail(m));
      const source = new ClusterDataSource({ prometheusUrl: prod.url, prometheusUrls: { staging: staging.url }, prometheusUrlScope: 'current-context', proxyFromEnv: false, ...settings });
      await source.prometheus.query('count(up{job="x"})', 1_800_000_000);
      await (await source.prometheusFor('staging')).query('count(up{})', 1_800_000_000);
      assert.equal(prod.seen.length, 1);
      assert.equal(staging.seen.length, 1);
      assert.equal(prod.seen[0].headers['x-scope-orgid'], 'tenant-prod');
      assert.equal(staging.seen[0].headers['x-scope-orgid'], 'tenant-staging');
      assert.equal(prod.seen[0].query, 'count(up{cluster="prod-eu",job="x"})');
      assert.equal(staging.seen[0].query, 'count(up{cluster="prod-eu"})');
    } finally {
      await prod.stop();
      await staging.stop();
    }
  });
});
