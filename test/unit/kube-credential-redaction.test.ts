// Kubernetes credentials never reach MOrA's messages, whatever the auth kind: a static token, basic auth, an exec
// plugin's token, a token file (what a pod's service account uses). The fake API server echoes the Authorization header
// it received in its 500 answers — on a Deployment list (the Kubernetes client, the in-cluster API classes), a Service
// list (Prometheus discovery), metrics.k8s.io (metrics-server) and through the service proxy (a discovered Prometheus,
// whose client does not know the Kubernetes credentials) — as some API servers, proxies and Prometheus front-ends do.
// Every message shows `***` instead.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { authorizationSecrets, redactCredentialText, redactSecrets, replaceSecrets } from '../../src/core/redact';
import { KubeClient } from '../../src/data/kube/client';
import { connectKube } from '../../src/data/kube/connection';
import { KubeError } from '../../src/data/kube/errors';
import { MetricsServer } from '../../src/data/kube/metrics-server';
import { PrometheusDiscovery } from '../../src/data/kube/prometheus-discovery';
import { AppliedCredentials, redactingFetch } from '../../src/data/kube/credential-redaction';
import { NO_MACHINE_PROMETHEUS, suiteEnv } from '../harness/env';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

type Json = Record<string, unknown>;

/**
 * An API server that lists one Prometheus Service and echoes the Authorization header in its 500s: Deployment lists,
 * metrics.k8s.io, the service proxy — and the Service list too when `failServices()` says so.
 */
function fakeApiServer(failServices: () => boolean): http.Server {
  return http.createServer((req, res) => {
    const json = (code: number, body: Json) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
    const auth = String(req.headers.authorization ?? '');
    const url = (req.url ?? '').split('?')[0];
    const echo = { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `internal error, request had ${auth}`, reason: 'InternalError', code: 500 };
    if (url.startsWith('/apis/metrics.k8s.io/') || (url.endsWith('/services') && failServices())) return json(500, echo);
    if (url.includes('/proxy/')) return json(500, { kind: 'Status', status: 'Failure', message: `error trying to reach service: upstream said: bad credentials ${auth}`, code: 500 });
    if (url.endsWith('/deployments')) return json(500, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `etcd failure for ${auth}`, reason: 'InternalError', code: 500 });
    if (url === '/api/v1/services') {
      return json(200, { kind: 'ServiceList', apiVersion: 'v1', metadata: {}, items: [
        { metadata: { name: 'prometheus-k8s', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } }, spec: { ports: [{ name: 'web', port: 9090 }] } },
      ] });
    }
    if (url === '/version') return json(200, { major: '1', minor: '30', gitVersion: 'v1.30.0' });
    if (url === '/api/v1/namespaces') return json(200, { kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: 'shop' } }] });
    return json(200, { kind: 'List', apiVersion: 'v1', metadata: {}, items: [] });
  });
}

interface AuthKind {
  name: string;
  /** The kubeconfig's `user:` entry (JSON is YAML). */
  user(dir: string): Json;
  /** What must never appear in a message. */
  secrets: string[];
}

const EXEC_TOKEN = 'EXECTOKEN_plugin_3f9a';
const FILE_TOKEN = 'FILETOKEN_serviceaccount_77c1';

const KINDS: AuthKind[] = [
  { name: 'static token', user: () => ({ token: 'KUBETOKEN_static_ab12' }), secrets: ['KUBETOKEN_static_ab12'] },
  {
    name: 'basic auth',
    user: () => ({ username: 'alice', password: 'BASICPASS_9d2e' }),
    secrets: ['BASICPASS_9d2e', Buffer.from('alice:BASICPASS_9d2e').toString('base64')],
  },
  {
    name: 'exec plugin',
    user: () => ({ exec: {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: process.execPath,
      args: ['-e', `console.log(JSON.stringify({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1beta1', status: { token: '${EXEC_TOKEN}' } }))`],
    } }),
    secrets: [EXEC_TOKEN],
  },
  {
    // The provider a pod's service account is loaded with (src/data/kube/kubeconfig.ts): the file re-read as it rotates.
    name: 'token file',
    user: (dir) => {
      const file = path.join(dir, 'token');
      fs.writeFileSync(file, FILE_TOKEN);
      return { 'auth-provider': { name: 'tokenFile', config: { tokenFile: file } } };
    },
    secrets: [FILE_TOKEN],
  },
];

function writeKubeconfig(dir: string, server: string, user: Json): string {
  const file = path.join(dir, 'kubeconfig.yaml');
  const config = {
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } }], // client-node refuses http: without it
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'shop' } }],
    'current-context': 'ctx',
  };
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

function assertRedacted(text: string, kind: AuthKind): void {
  for (const s of kind.secrets) assert.ok(!text.includes(s), `${kind.name}: "${s}" leaked in:\n${text}`);
  assert.match(text, /\*\*\*/, `${kind.name}: nothing redacted in:\n${text}`);
}

describe('Kubernetes credentials in error messages', function () {
  this.timeout(60_000);
  let server: http.Server;
  let url = '';
  let servicesFail = false;
  afterEach(() => { servicesFail = false; });
  suiteEnv(NO_MACHINE_PROMETHEUS);
  before(async () => {
    server = fakeApiServer(() => servicesFail);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  for (const kind of KINDS) {
    it(`${kind.name}: an API server's 500 that echoes the Authorization header is redacted`, () => inTempDir(async (dir) => {
      const client = KubeClient.load({ kubeconfig: writeKubeconfig(dir, url, kind.user(dir)), connectTimeoutMs: 0 });
      // The other kinds answer, so the 500 hides the Deployments only: its warning and failedKinds entry are redacted.
      const listing = await client.workloads('ctx', 'shop');
      const err = listing.failedKinds?.find((f) => f.kind === 'Deployment')?.error;
      assert.ok(err, 'the Deployment list should fail');
      assert.match(err.message, /etcd failure/);
      assertRedacted(err.message, kind);
      assert.equal(listing.warnings.length, 1, listing.warnings.join('\n'));
      assertRedacted(listing.warnings[0], kind);
    }));

    it(`${kind.name}: the in-cluster API classes' calls (connectKube) redact an echoed Authorization`, () => inTempDir(async (dir) => {
      const conn = connectKube({ kubeconfig: writeKubeconfig(dir, url, kind.user(dir)), connectTimeoutMs: 0 });
      const apps = conn.kc.makeApiClient(conn.k.AppsV1Api);
      const err = await conn.call((o) => apps.listNamespacedDeployment({ namespace: 'shop' }, o), { verb: 'list', resource: 'deployments', group: 'apps', namespace: 'shop' }).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof KubeError, String(err));
      assertRedacted(err.message, kind);
    }));

    it(`${kind.name}: Prometheus discovery's Service list and metrics-server's API redact an echoed Authorization`, () => inTempDir(async (dir) => {
      const discovery = new PrometheusDiscovery({ kubeconfig: writeKubeconfig(dir, url, kind.user(dir)), connectTimeoutMs: 0 });
      servicesFail = true;
      const listed = await discovery.discover('ctx').then(() => undefined, (e: unknown) => e);
      assert.ok(listed instanceof KubeError, String(listed));
      assertRedacted(listed.message, kind);
      const metrics = await new MetricsServer(discovery.configFor('ctx'), 'ctx').available().then(() => undefined, (e: unknown) => e);
      assert.ok(metrics instanceof KubeError, String(metrics));
      assertRedacted(metrics.message, kind);
    }));

    it(`${kind.name}: a discovered Prometheus whose service proxy echoes the Authorization header is redacted (recommend)`, () => inTempDir(async (dir) => {
      const r = await mora(['recommend', '--source', 'cluster', '--kubeconfig', writeKubeconfig(dir, url, kind.user(dir))]);
      const text = r.out + r.err;
      assert.match(text, /bad credentials/, `expected the proxy's answer in:\n${text}`);
      assertRedacted(text, kind);
    }));
  }

  it('an exec plugin that fails quoting credentials on its stderr: none reach the message (KubeClient, connectKube)', () => inTempDir(async (dir) => {
    // What a refresh gone wrong may print: the expired bearer token, a refresh token, an ID token (JWT), the client
    // secret the kubeconfig passes in its args and env, and (far enough along the line to be clipped) another
    // user's static token.
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtb3JhIn0.c2lnbmF0dXJlX3NpZw';
    const secrets = ['ya29.A0expired_token_123', 'RT_secret_5521', jwt, 'ARGSECRET_9090', 'ENVSECRET_4471', 'KUBETOKEN_static_ab12'];
    const plugin = path.join(dir, 'plugin.sh');
    fs.writeFileSync(plugin, ['#!/bin/sh', 'echo "starting refresh" >&2',
      `echo "error: refresh failed: Authorization: Bearer ya29.A0expired_token_123; refresh_token=RT_secret_5521; id token ${jwt}; `
        + `secret $2 or $CLOUD_CLIENT_SECRET rejected; ${'.'.repeat(53)} user other has KUBETOKEN_static_ab12" >&2`, 'exit 1', ''].join('\n'));
    fs.chmodSync(plugin, 0o755);
    const file = writeKubeconfig(dir, url, { exec: {
      apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never',
      args: ['--client-secret', 'ARGSECRET_9090'], env: [{ name: 'CLOUD_CLIENT_SECRET', value: 'ENVSECRET_4471' }],
    } });
    const config = JSON.parse(fs.readFileSync(file, 'utf8')) as { users: Json[] };
    config.users.push({ name: 'other', user: { token: 'KUBETOKEN_static_ab12' } });
    fs.writeFileSync(file, JSON.stringify(config));
    const noneLeaked = (text: string) => {
      for (const s of secrets) assert.ok(!text.includes(s.slice(0, 10)), `"${s}" (or its start) leaked in:\n${text}`);
      assert.match(text, /error: refresh failed: Authorization: Bearer \*\*\*; refresh_token=\*\*\*; id token \*\*\*; secret \*\*\* or \*\*\* rejected/);
    };
    const err = await KubeClient.load({ kubeconfig: file, connectTimeoutMs: 0 }).version('ctx').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof KubeError && err.kind === 'credential-plugin', String(err));
    noneLeaked(err.message);
    const conn = connectKube({ kubeconfig: file, connectTimeoutMs: 0 });
    const apps = conn.kc.makeApiClient(conn.k.AppsV1Api);
    const inCluster = await conn.call((o) => apps.listNamespacedDeployment({ namespace: 'shop' }, o), { verb: 'list', resource: 'deployments', group: 'apps', namespace: 'shop' })
      .then(() => undefined, (e: unknown) => e);
    assert.ok(inCluster instanceof KubeError, String(inCluster));
    noneLeaked(inCluster.message);
  }));

  it('mora health: the proxied Prometheus check does not print an exec plugin token', () => inTempDir(async (dir) => {
    const kind = KINDS.find((k) => k.name === 'exec plugin') as AuthKind;
    const r = await mora(['health', '--kubeconfig', writeKubeconfig(dir, url, kind.user(dir))]);
    const text = r.out + r.err;
    assert.match(text, /bad credentials/, text);
    assertRedacted(text, kind);
  }));
});

describe('credential redaction helpers', () => {
  it('authorizationSecrets: the token of a Bearer header, and the encoded and decoded forms of Basic', () => {
    assert.deepEqual(authorizationSecrets('Bearer abc.def'), ['Bearer abc.def', 'abc.def']);
    const b64 = Buffer.from('bob:pa:ss').toString('base64');
    assert.deepEqual(authorizationSecrets(`Basic ${b64}`), [`Basic ${b64}`, b64, 'bob:pa:ss', 'pa:ss']);
    assert.deepEqual(authorizationSecrets(undefined), []);
    assert.deepEqual(authorizationSecrets('  '), []);
  });

  it('replaceSecrets: a long secret everywhere; a short one only where it stands alone, so "t" does not eat every word', () => {
    assert.equal(replaceSecrets('tokenABCDEFGH12 and xtokenABCDEFGH12x', ['tokenABCDEFGH12']), '*** and x***x');
    assert.equal(replaceSecrets('cannot connect to the server with Bearer t', ['t']), 'cannot connect to the server with Bearer ***');
    assert.equal(replaceSecrets('password "a.c" or abc', ['a.c']), 'password "***" or abc');
    assert.equal(redactSecrets('http://u:p@h/ Bearer t', ['t']), 'http://h/ Bearer ***');
  });

  it('redactCredentialText: bearer values, JWTs, EKS tokens and token=/secret: fields; plain prose stays', () => {
    assert.equal(redactCredentialText('got 401 with Bearer abc.DEF-123 and Basic YWxpY2U6cHc9MTIz'), 'got 401 with Bearer *** and Basic ***');
    assert.equal(redactCredentialText('{"access_token": "q9ZZ", "token_type": "Bearer", "expires_in": 3599}'), '{"access_token": "***", "token_type": "Bearer", "expires_in": 3599}');
    assert.equal(redactCredentialText('AWS_SECRET_ACCESS_KEY=wJalr/K7MDENG password: hunter2'), 'AWS_SECRET_ACCESS_KEY=*** password: ***');
    assert.equal(redactCredentialText('id eyJhbGciOi.eyJzdWIiOi.c2ln, eks k8s-aws-v1.aHR0cHM6Ly9zdHM'), 'id ***, eks ***');
    const prose = 'error: token expired, run: cloud-login (Bearer authentication failed; see https://x.example/login?next=1)';
    assert.equal(redactCredentialText(prose), prose);
  });

  it('redactingFetch: takes the recorded credentials out of the body, the status text and a network error', async () => {
    const applied = new AppliedCredentials();
    applied.add('Bearer TOKEN_xyz');
    const answer = redactingFetch(async () => new Response('upstream saw TOKEN_xyz twice: Bearer TOKEN_xyz', { status: 502, statusText: 'Bad TOKEN_xyz' }), () => applied.list());
    const res = await answer('http://example.invalid/');
    assert.equal(res.status, 502);
    assert.equal(res.statusText, 'Bad ***');
    assert.equal(await res.text(), 'upstream saw *** twice: ***');
    const failing = redactingFetch(async () => { throw Object.assign(new Error('socket to TOKEN_xyz closed'), { code: 'ECONNRESET' }); }, () => applied.list());
    const err = await failing('http://example.invalid/').then(() => undefined, (e: unknown) => e as Error & { code?: string });
    assert.equal(err?.message, 'socket to *** closed');
    assert.equal(err?.code, 'ECONNRESET');
  });

  it('redactingFetch: a successful Prometheus answer keeps its samples and labels when they contain a short password; its warnings lose it', async () => {
    const applied = new AppliedCredentials();
    applied.add(`Basic ${Buffer.from('admin:1234').toString('base64')}`);
    const data = {
      status: 'success',
      data: { resultType: 'matrix', result: [{ metric: { namespace: 'shop', pod: 'web-1234' }, values: [[1700000000, '0.1234'], [1700000060, '1234.5']] }] },
      warnings: ['proxy saw admin:1234'],
    };
    const ok = redactingFetch(async () => new Response(JSON.stringify(data), { status: 200 }), () => applied.list());
    const body = JSON.parse(await (await ok('http://example.invalid/')).text()) as typeof data;
    assert.deepEqual(body.data, data.data, 'values and labels as sent');
    assert.deepEqual(body.warnings, ['proxy saw ***']);
    // An error's body is redacted whole, as before.
    const denied = redactingFetch(async () => new Response('{"status":"error","error":"bad password 1234 for admin"}', { status: 401 }), () => applied.list());
    assert.equal(await (await denied('http://example.invalid/')).text(), '{"status":"error","error":"bad password *** for admin"}');
  });
});
