// `mora recommend --apply-cluster`: the flags a person can get wrong, each refused in one line before any work, and
// no kubeconfig at all said in one line with exit 2 — through bin/mora.js in its own process (stdin not a terminal).
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moraProcess } from './helpers/run-cli';

const run = moraProcess;

describe('mora recommend --apply-cluster: refused before any work', function () {
  this.timeout(60_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mora-apply-cluster-'));
    mkdirSync(join(dir, 'home'));
    // Nothing of the machine's own: no KUBECONFIG, an empty home, not in a pod.
    env = { PATH: process.env.PATH, HOME: join(dir, 'home'), MORA_PROMETHEUS_URL: 'http://127.0.0.1:9' };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('without --yes when stdin is not a terminal it writes nothing and says what to add', async () => {
    const kc = join(dir, 'kubeconfig.yaml');
    writeFileSync(kc, 'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:9\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n');
    const r = await run(['recommend', '--source', 'cluster', '--kubeconfig', kc, '--apply-cluster'], env);
    assert.equal(r.code, 2);
    assert.equal(r.err, 'mora: --apply-cluster would write to the cluster, and stdin is not a terminal to confirm on: add --yes to apply without a prompt, or --dry-run to only see the diff\n');
    assert.equal(r.out, '');
  });

  it('--dry-run alone, and --apply-cluster on the demo, are usage errors', async () => {
    const dry = await run(['recommend', '--dry-run'], env);
    assert.equal(dry.code, 2);
    assert.equal(dry.err, 'mora: --dry-run goes with --apply-cluster (it shows the diff the patch would make, and writes nothing)\n');
    const demo = await run(['recommend', '--apply-cluster', '--dry-run'], env);
    assert.equal(demo.code, 2);
    assert.match(demo.err, /^mora: --apply-cluster needs --source cluster \(the demo has no cluster to write to; --apply-to <path> writes manifests\)\n$/);
  });

  it('no kubeconfig anywhere: one line naming what was looked for, exit 2 (not client-node\'s placeholder context)', async () => {
    const r = await run(['recommend', '--source', 'cluster'], env);
    assert.equal(r.code, 2);
    assert.equal(r.err, `mora: no kubeconfig found: KUBECONFIG is not set; ${join(dir, 'home', '.kube', 'config')} does not exist; not running in a pod (KUBERNETES_SERVICE_HOST is not set) `
      + '— log in to your cluster (e.g. gcloud container clusters get-credentials, aws eks update-kubeconfig, az aks get-credentials) or pass --kubeconfig <file>, or try --source demo\n');
    assert.equal(r.out, '');
  });
});
