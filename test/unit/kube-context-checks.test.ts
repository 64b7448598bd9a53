// The pre-flight check (`mora recommend --source cluster`'s health, `mora health`) looks at the contexts the run reads:
// `--context` names them, else the kubeconfig's current context. A name the kubeconfig lacks is refused before anything
// is asked over the network, listing the contexts it has; a kubeconfig without current-context is said once, plainly.
// Each context points at a closed loopback port of its own, so a message names which context was tried.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NO_MACHINE_PROMETHEUS, suiteEnv } from '../harness/env';
import { closedPort } from '../harness/ports';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const TOKEN = 'KUBETOKEN_ctxcheck_5e1d';

/** Contexts ctx1 and ctx2, each on its own closed port; `current` (or none) as current-context. */
function writeTwoContexts(dir: string, ports: [number, number], current: string | undefined): string {
  const file = path.join(dir, 'kc.yaml');
  fs.writeFileSync(file, [
    'apiVersion: v1', 'kind: Config', ...(current ? [`current-context: ${current}`] : []),
    'clusters:',
    `- { name: c1, cluster: { server: "https://127.0.0.1:${ports[0]}", insecure-skip-tls-verify: true } }`,
    `- { name: c2, cluster: { server: "https://127.0.0.1:${ports[1]}", insecure-skip-tls-verify: true } }`,
    `users: [{ name: u, user: { token: ${TOKEN} } }]`,
    'contexts:', '- { name: ctx1, context: { cluster: c1, user: u } }', '- { name: ctx2, context: { cluster: c2, user: u } }', '',
  ].join('\n'));
  return file;
}

async function setup(dir: string, current: string | undefined): Promise<{ kubeconfig: string; ports: [number, number] }> {
  const ports: [number, number] = [await closedPort(), await closedPort()];
  return { kubeconfig: writeTwoContexts(dir, ports, current), ports };
}

function noSecret(text: string): void {
  assert.ok(!text.includes(TOKEN), `the token leaked in:\n${text}`);
}

describe('pre-flight checks of the contexts asked for', function () {
  this.timeout(30_000);
  suiteEnv(NO_MACHINE_PROMETHEUS); // else --prometheus defaults to the machine's URL and no discovery is tried

  it('recommend --context ctx2 checks ctx2, not the current context ctx1', () => inTempDir(async (dir) => {
    const { kubeconfig, ports } = await setup(dir, 'ctx1');
    const r = await mora(['recommend', '--source', 'cluster', '--kubeconfig', kubeconfig, '--context', 'ctx2']);
    assert.equal(r.code, 3, r.err);
    assert.match(r.err, new RegExp(`127\\.0\\.0\\.1:${ports[1]} \\(context "ctx2"\\) refused the connection`));
    assert.doesNotMatch(r.err, /ctx1/);
    assert.doesNotMatch(r.err, new RegExp(`:${ports[0]}\\b`));
    // One dead API server is said once, not once by Prometheus discovery and again by the Kubernetes check.
    assert.equal(r.err.match(/refused the connection/g)?.length, 1, r.err);
    noSecret(r.out + r.err);
  }));

  it('recommend --context nope is refused up front, listing the contexts there are', () => inTempDir(async (dir) => {
    const { kubeconfig } = await setup(dir, 'ctx1');
    const r = await mora(['recommend', '--source', 'cluster', '--kubeconfig', kubeconfig, '--context', 'nope']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /no kubeconfig context "nope"; contexts: ctx1, ctx2/);
    assert.doesNotMatch(r.err, /refused|ctx1"/);
  }));

  it('no current-context: recommend --context ctx2 checks ctx2; without --context one line says what to do', () => inTempDir(async (dir) => {
    const { kubeconfig, ports } = await setup(dir, undefined);
    const named = await mora(['recommend', '--source', 'cluster', '--kubeconfig', kubeconfig, '--context', 'ctx2']);
    assert.equal(named.code, 3, named.err);
    assert.match(named.err, new RegExp(`127\\.0\\.0\\.1:${ports[1]} \\(context "ctx2"\\) refused the connection`));
    assert.doesNotMatch(named.err, /no context ""/);
    const none = await mora(['recommend', '--source', 'cluster', '--kubeconfig', kubeconfig]);
    assert.equal(none.code, 2, none.err);
    assert.equal(none.err.trim(), `mora: the kubeconfig ${kubeconfig} sets no current-context — pass --context <name>, or run kubectl --kubeconfig ${kubeconfig} config use-context <name> (contexts: "ctx1", "ctx2")`);
  }));

  it('mora health --context: the contexts named, each check naming its context when there are several', () => inTempDir(async (dir) => {
    const { kubeconfig, ports } = await setup(dir, 'ctx1');
    const one = await mora(['health', '--kubeconfig', kubeconfig, '--context', 'ctx2', '--connect-timeout', '0']);
    assert.equal(one.code, 3, one.out);
    assert.match(one.out, new RegExp(`^FAIL prometheus, kubernetes: the Kubernetes API at https://127\\.0\\.0\\.1:${ports[1]} \\(context "ctx2"\\) refused`, 'm'));
    assert.doesNotMatch(one.out, /ctx1/);
    const both = await mora(['health', '--kubeconfig', kubeconfig, '--context', 'ctx1,ctx2', '--format', 'json']);
    assert.equal(both.code, 3, both.out);
    const names = (JSON.parse(both.out) as { checks: Array<{ name: string }> }).checks.map((c) => c.name);
    assert.deepEqual(names, ['prometheus (context "ctx1")', 'prometheus (context "ctx2")', 'kubernetes (context "ctx1")', 'kubernetes (context "ctx2")']);
    noSecret(one.out + one.err + both.out + both.err);
  }));

  it('mora health --context nope, and a kubeconfig without current-context: one bad-input line, nothing asked', () => inTempDir(async (dir) => {
    const { kubeconfig } = await setup(dir, 'ctx1');
    const nope = await mora(['health', '--kubeconfig', kubeconfig, '--context', 'nope']);
    assert.equal(nope.code, 2);
    assert.equal(nope.out, `FAIL kubernetes: no context "nope" in the kubeconfig ${kubeconfig}; its contexts: "ctx1", "ctx2"\n`);
    const bare = await mora(['health', '--kubeconfig', writeTwoContexts(dir, [1, 2], undefined)]);
    assert.equal(bare.code, 2);
    assert.match(bare.out, /^FAIL kubernetes: the kubeconfig .* sets no current-context — pass --context <name>/);
    assert.equal(bare.out.split('\n').filter(Boolean).length, 1, bare.out);
  }));
});
