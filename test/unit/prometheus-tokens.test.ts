// A Prometheus token per URL origin: two real loopback Prometheus servers record each request's Authorization
// header; prod's token must reach prod's URL only.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { ClusterDataSource } from '../../src/data/cluster';
import { LEGACY_TOKEN_SECRET, authForOrigin, configuredUrls, migrateLegacyToken, readTokens, setToken, tokenSecretKey, type SecretsLike } from '../../src/views/prometheus-tokens';
import { tempDir } from '../harness/temp-dir';

function memorySecrets(init: Record<string, string> = {}): SecretsLike & { map: Map<string, string> } {
  const map = new Map(Object.entries(init));
  return {
    map,
    get: async (k) => map.get(k),
    store: async (k, v) => { map.set(k, v); },
    delete: async (k) => { map.delete(k); },
  };
}

describe('Prometheus tokens per URL origin', () => {
  const servers: http.Server[] = [];
  const urls: string[] = [];
  const seen: Array<Array<string>> = [[], []];
  let kubeconfig: string;

  before(async () => {
    for (const i of [0, 1]) {
      const srv = http.createServer((req, res) => {
        seen[i].push(req.headers.authorization ?? '');
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ status: 'success', data: { version: `v${i}` } }));
      });
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
      servers.push(srv);
      urls.push(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`);
    }
    kubeconfig = path.join(tempDir('mora-tokens-'), 'config');
    fs.writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: prod',
      'clusters:', '- name: c', '  cluster: {server: "https://127.0.0.1:1"}',
      'users:', '- name: u', '  user: {token: "t"}',
      'contexts:', '- name: prod', '  context: {cluster: c, user: u}', '- name: staging', '  context: {cluster: c, user: u}', '',
    ].join('\n'));
  });

  after(async () => {
    for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  });

  it("prod's token is sent to prod's Prometheus only, not to staging's", async () => {
    const secrets = memorySecrets();
    await setToken(secrets, `${urls[0]}/prometheus/`, 'prod-token');
    const configured = configuredUrls(urls[0], { prod: urls[0], staging: urls[1] });
    assert.deepEqual(configured, [urls[0], urls[1]]);
    const tokens = await readTokens(secrets, configured);
    const source = new ClusterDataSource({
      kubeconfig, prometheusUrl: urls[0], prometheusUrls: { staging: urls[1] }, prometheusUrlScope: 'current-context',
      prometheusAuth: { bearerToken: 'must-not-be-used' }, prometheusAuthFor: authForOrigin(tokens),
    });
    await (await source.prometheusFor('prod')).buildInfo();
    await (await source.prometheusFor('staging')).buildInfo();
    await source.prometheus.buildInfo();
    assert.deepEqual([...new Set(seen[0])], ['Bearer prod-token']);
    assert.deepEqual([...new Set(seen[1])], ['']);
  });

  it('keys are per origin (path and trailing slash do not matter; another port is another origin)', () => {
    assert.equal(tokenSecretKey('https://prom.example:9090/api/'), `${LEGACY_TOKEN_SECRET}:https://prom.example:9090`);
    assert.equal(tokenSecretKey('https://prom.example:9090'), tokenSecretKey('https://prom.example:9090/x'));
    assert.notEqual(tokenSecretKey('https://prom.example:9090'), tokenSecretKey('https://prom.example:9091'));
    assert.equal(tokenSecretKey('not a url'), undefined);
    assert.deepEqual(configuredUrls(' https://a/ ', { x: 'https://a/other', y: 'https://b' }), ['https://a/', 'https://b']);
  });

  it('the old single token moves to the one configured URL, silently', async () => {
    const secrets = memorySecrets({ [LEGACY_TOKEN_SECRET]: 'old' });
    assert.deepEqual(await migrateLegacyToken(secrets, ['https://a:9090']), { movedTo: 'https://a:9090' });
    assert.equal(secrets.map.get(tokenSecretKey('https://a:9090')!), 'old');
    assert.equal(secrets.map.has(LEGACY_TOKEN_SECRET), false);
    // Once: nothing left to move.
    assert.deepEqual(await migrateLegacyToken(secrets, ['https://a:9090', 'https://b']), {});
  });

  it('with several URLs the old token is kept for the first one, with a one-time notice; none configured: it waits', async () => {
    const none = memorySecrets({ [LEGACY_TOKEN_SECRET]: 'old' });
    assert.deepEqual(await migrateLegacyToken(none, []), {});
    assert.equal(none.map.get(LEGACY_TOKEN_SECRET), 'old');
    const secrets = memorySecrets({ [LEGACY_TOKEN_SECRET]: 'old', [tokenSecretKey('https://b')!]: 'b-own' });
    const r = await migrateLegacyToken(secrets, ['https://a', 'https://b']);
    assert.equal(r.movedTo, 'https://a');
    assert.match(r.notice ?? '', /kept for https:\/\/a only.*https:\/\/b/);
    assert.equal(secrets.map.get(tokenSecretKey('https://a')!), 'old');
    assert.equal(secrets.map.get(tokenSecretKey('https://b')!), 'b-own');
    assert.deepEqual(await migrateLegacyToken(secrets, ['https://a', 'https://b']), {});
  });
});
