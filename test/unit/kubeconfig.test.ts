// Finding the kubeconfig as kubectl does (explicit file, KUBECONFIG merged first-wins, ~/.kube/config, in-cluster), and
// saying so in one line when there is none — never client-node's placeholder context "loaded-context". Credential
// plugin failures (users[].exec) name the plugin. No network: a plugin runs before any request is sent.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeClient } from '../../src/data/kube/client';
import { KubeError } from '../../src/data/kube/errors';
import { findKubeconfig } from '../../src/data/kube/kubeconfig';

function kubeconfig(o: { current?: string; contexts: Array<{ name: string; cluster: string; user: string; namespace?: string }>; clusters: Array<{ name: string; server: string }>; users: Array<{ name: string; user: string }> }): string {
  return [
    'apiVersion: v1', 'kind: Config',
    'clusters:', ...o.clusters.flatMap((c) => [`- name: ${c.name}`, '  cluster:', `    server: ${c.server}`]),
    'users:', ...o.users.flatMap((u) => [`- name: ${u.name}`, '  user:', ...u.user.split('\n').map((l) => `    ${l}`)]),
    'contexts:', ...o.contexts.flatMap((c) => [`- name: ${c.name}`, '  context:', `    cluster: ${c.cluster}`, `    user: ${c.user}`, ...(c.namespace ? [`    namespace: ${c.namespace}`] : [])]),
    ...(o.current ? [`current-context: ${o.current}`] : []), '',
  ].join('\n');
}

describe('kubeconfig like kubectl', () => {
  let dir: string;
  let home: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-kubeconfig-'));
    home = path.join(dir, 'home');
    fs.mkdirSync(home);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };

  it('no kubeconfig anywhere: one line saying what was looked for and what to do, never a placeholder context', () => {
    const err = (() => {
      try {
        KubeClient.load({ env: {}, home, serviceAccountDir: path.join(dir, 'no-sa') });
      } catch (e) {
        return e;
      }
      return assert.fail('expected no kubeconfig');
    })();
    assert.ok(err instanceof KubeError && err.kind === 'no-kubeconfig', String(err));
    assert.equal(err.message, `no kubeconfig found: KUBECONFIG is not set; ${path.join(home, '.kube', 'config')} does not exist; not running in a pod `
      + '(KUBERNETES_SERVICE_HOST is not set) — log in to your cluster (e.g. gcloud container clusters get-credentials, aws eks update-kubeconfig, '
      + 'az aks get-credentials) or pass --kubeconfig <file>, or try --source demo');
    assert.doesNotMatch(err.message, /loaded-context|skipTLSVerify/);
    // KUBECONFIG naming only files that do not exist is "none" too (kubectl skips missing files), and says which.
    const missing = path.join(dir, 'gone.yaml');
    assert.deepEqual(findKubeconfig({ env: { KUBECONFIG: missing }, home, serviceAccountDir: path.join(dir, 'no-sa') }),
      { kind: 'none', looked: [`KUBECONFIG names ${missing}, which does not exist`, 'not running in a pod (KUBERNETES_SERVICE_HOST is not set)'] });
  });

  it('KUBECONFIG with several files: merged, the first file wins for a name and for current-context; missing and empty files skipped', () => {
    const a = write('a.yaml', kubeconfig({
      current: 'dev', clusters: [{ name: 'c-dev', server: 'https://dev.example:6443' }, { name: 'c-shared', server: 'https://first.example:6443' }],
      users: [{ name: 'me', user: 'token: aaa' }], contexts: [{ name: 'dev', cluster: 'c-dev', user: 'me' }, { name: 'shared', cluster: 'c-shared', user: 'me', namespace: 'from-a' }],
    }));
    const b = write('b.yaml', kubeconfig({
      current: 'prod', clusters: [{ name: 'c-prod', server: 'https://prod.example:6443' }, { name: 'c-shared', server: 'https://second.example:6443' }],
      users: [{ name: 'me', user: 'token: bbb' }, { name: 'ops', user: 'token: ccc' }],
      contexts: [{ name: 'prod', cluster: 'c-prod', user: 'ops' }, { name: 'shared', cluster: 'c-shared', user: 'ops', namespace: 'from-b' }],
    }));
    const empty = write('empty.yaml', '\n');
    const env = { KUBECONFIG: [path.join(dir, 'missing.yaml'), a, empty, b].join(path.delimiter) };
    const client = KubeClient.load({ env, home });
    assert.deepEqual(client.contexts(), ['dev', 'shared', 'prod'], 'the context picker lists every context of every file');
    assert.equal(client.currentContext(), 'dev');
    assert.equal(client.server('shared'), 'https://first.example:6443');
    assert.equal(client.server('prod'), 'https://prod.example:6443');
    assert.equal(client.where, [a, empty, b].join(path.delimiter));
    // ~/.kube/config is not read when KUBECONFIG is set, as in kubectl.
    fs.mkdirSync(path.join(home, '.kube'));
    fs.writeFileSync(path.join(home, '.kube', 'config'), kubeconfig({ current: 'home', clusters: [{ name: 'h', server: 'https://home.example' }], users: [{ name: 'u', user: 'token: h' }], contexts: [{ name: 'home', cluster: 'h', user: 'u' }] }));
    assert.deepEqual(KubeClient.load({ env, home }).contexts(), ['dev', 'shared', 'prod']);
    assert.deepEqual(KubeClient.load({ env: {}, home }).contexts(), ['home']);
    // An explicit file (--kubeconfig / mora.kubeconfig) wins over both.
    assert.deepEqual(KubeClient.load({ kubeconfig: b, env, home }).contexts(), ['prod', 'shared']);
  });

  it('a broken or missing explicit kubeconfig is named in one line, its content never shown', () => {
    const broken = write('broken.yaml', 'apiVersion: v1\nusers:\n- name: me\n  user:\n    token: s3cr3t-token\n   bad: [indent\n');
    assert.throws(() => KubeClient.load({ kubeconfig: broken, env: {}, home }), (e: KubeError) => e.kind === 'config'
      && e.message.startsWith(`the kubeconfig ${broken} is not valid YAML at line`) && !e.message.includes('s3cr3t') && !e.message.includes('\n'));
    const gone = path.join(dir, 'nope.yaml');
    assert.throws(() => KubeClient.load({ kubeconfig: gone, env: {}, home }), (e: KubeError) => e.kind === 'config' && e.message === `the kubeconfig ${gone} does not exist — pass --kubeconfig <file> or set KUBECONFIG`);
    // "~" in a setting is the home folder.
    fs.mkdirSync(path.join(home, 'kube'));
    fs.writeFileSync(path.join(home, 'kube', 'x.yaml'), kubeconfig({ current: 'x', clusters: [{ name: 'x', server: 'https://x.example' }], users: [{ name: 'u', user: 'token: t' }], contexts: [{ name: 'x', cluster: 'x', user: 'u' }] }));
    assert.deepEqual(KubeClient.load({ kubeconfig: '~/kube/x.yaml', env: {}, home }).contexts(), ['x']);
  });

  it('in a pod: KUBERNETES_SERVICE_HOST/PORT and the service account\'s token, CA and namespace', () => {
    const sa = path.join(dir, 'sa');
    fs.mkdirSync(sa);
    fs.writeFileSync(path.join(sa, 'token'), 'eyJ.token');
    fs.writeFileSync(path.join(sa, 'ca.crt'), 'not used here');
    fs.writeFileSync(path.join(sa, 'namespace'), 'shop');
    const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
    const client = KubeClient.load({ env, home, serviceAccountDir: sa });
    assert.deepEqual(client.contexts(), ['in-cluster']);
    assert.equal(client.currentContext(), 'in-cluster');
    assert.equal(client.server('in-cluster'), 'https://10.96.0.1:443');
    assert.equal(client.where, `in-cluster service account (${sa})`);
    // A kubeconfig, when there is one, comes first (kubectl does the same).
    const f = write('k.yaml', kubeconfig({ current: 'x', clusters: [{ name: 'x', server: 'https://x.example' }], users: [{ name: 'u', user: 'token: t' }], contexts: [{ name: 'x', cluster: 'x', user: 'u' }] }));
    assert.deepEqual(KubeClient.load({ env: { ...env, KUBECONFIG: f }, home, serviceAccountDir: sa }).contexts(), ['x']);
  });

  it('an exec credential plugin that is missing, fails or prints no ExecCredential: one line naming the command', async function () {
    this.timeout(20_000);
    const plugin = (name: string, body: string) => {
      const f = write(name, `#!/bin/sh\n${body}\n`);
      fs.chmodSync(f, 0o755);
      return f;
    };
    const failing = plugin('failing.sh', 'echo "error: token expired, run: cloud-login" >&2\nexit 1');
    const garbage = plugin('garbage.sh', 'echo "not json"');
    const exec = (cmd: string, hint = '') => `exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: ${cmd}\n  interactiveMode: Never${hint ? `\n  installHint: ${hint}` : ''}`;
    const f = write('exec.yaml', kubeconfig({
      current: 'missing',
      // A closed loopback port: the plugin runs before any connection is made.
      clusters: [{ name: 'c', server: 'https://127.0.0.1:9' }],
      users: [{ name: 'missing', user: exec('mora-test-no-such-plugin', '"install it with: apt-get install mora-test-plugin"') }, { name: 'failing', user: exec(failing) }, { name: 'garbage', user: exec(garbage) }],
      contexts: [{ name: 'missing', cluster: 'c', user: 'missing' }, { name: 'failing', cluster: 'c', user: 'failing' }, { name: 'garbage', cluster: 'c', user: 'garbage' }],
    }));
    const client = KubeClient.load({ kubeconfig: f, env: {}, home, timeoutMs: 10_000 });
    await assert.rejects(client.version('missing'), (e: KubeError) => e.kind === 'credential-plugin'
      && e.message === 'the kubeconfig\'s credential plugin "mora-test-no-such-plugin" (context "missing") was not found — install it with: apt-get install mora-test-plugin');
    await assert.rejects(client.version('failing'), (e: KubeError) => e.kind === 'credential-plugin'
      && e.message === `the kubeconfig's credential plugin "${failing}" (context "failing") failed: error: token expired, run: cloud-login`);
    await assert.rejects(client.version('garbage'), (e: KubeError) => e.kind === 'credential-plugin'
      && e.message === `the kubeconfig's credential plugin "${garbage}" (context "garbage") did not print an ExecCredential (JSON) — run it by hand to see what it prints`);
  });
});
