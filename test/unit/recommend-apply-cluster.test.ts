// `mora recommend --apply-cluster`: the flags a person can get wrong, each refused in one line before any work, and
// no kubeconfig at all said in one line with exit 2 — through bin/mora.js in its own process (stdin not a terminal).
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moraProcess } from './helpers/run-cli';
import { recommendCommand } from '../../src/cli/commands/recommend';
import { applyClusterContexts, checkApplyClusterFlags, checkOneWorkloadPerContext } from '../../src/cli/commands/apply-to-cluster';
import { UserError } from '../../src/cli/errors';
import { parseWorkloadSelector, selects, WorkloadSelectorError } from '../../src/pipeline/workload-selector';
import type { Recommendation } from '../../src/core/recommendation';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';

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

  it('--no-rollback without --apply-cluster (alone, or with --undo) is a usage error', async () => {
    for (const args of [['recommend', '--no-rollback'], ['recommend', '--undo', join(dir, 'none.yaml'), '--no-rollback']]) {
      const r = await run(args, env);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.err, 'mora: --no-rollback goes with --apply-cluster (an --undo is not rolled back: run it again to resume it)\n');
    }
  });

  it('--dry-run alone, and --apply-cluster on the demo, are usage errors', async () => {
    const dry = await run(['recommend', '--dry-run'], env);
    assert.equal(dry.code, 2);
    assert.equal(dry.err, 'mora: --dry-run goes with --apply-cluster or --apply-to (it shows the diff the write would make, and writes nothing)\n');
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

describe('mora recommend --apply-cluster: where it writes (the current context; -w naming one workload)', function () {
  this.timeout(60_000);

  it('-w reads name, kind/name, namespace/name and namespace/kind/name (kinds as kubectl spells them)', () => {
    assert.deepEqual(parseWorkloadSelector('web'), { name: 'web' });
    assert.deepEqual(parseWorkloadSelector('deploy/web'), { kind: 'Deployment', name: 'web' });
    assert.deepEqual(parseWorkloadSelector('StatefulSet/db'), { kind: 'StatefulSet', name: 'db' });
    assert.deepEqual(parseWorkloadSelector('shop/web'), { namespace: 'shop', name: 'web' });
    assert.deepEqual(parseWorkloadSelector('shop/sts/db'), { namespace: 'shop', kind: 'StatefulSet', name: 'db' });
    assert.throws(() => parseWorkloadSelector('shop/widget/db'), WorkloadSelectorError);
    assert.throws(() => parseWorkloadSelector('a/b/c/d'), WorkloadSelectorError);
    assert.throws(() => parseWorkloadSelector('shop/'), WorkloadSelectorError);
    const web = { namespace: 'shop', kind: 'Deployment' as const, name: 'web' };
    assert.ok(selects(parseWorkloadSelector('web'), web));
    assert.ok(selects(parseWorkloadSelector('shop/deployment/web'), web));
    assert.ok(!selects(parseWorkloadSelector('sts/web'), web));
    assert.ok(!selects(parseWorkloadSelector('prod/web'), web));
  });

  it('the demo: -w shop/cartservice and -w Deployment/cartservice select it; -w prod/cartservice nothing; a bad -w is exit 2', async () => {
    const names = async (w: string) => (JSON.parse(await recommendCommand({ ...RECOMMEND_DEFAULTS, format: 'json', workload: w })) as Recommendation[])
      .map((r) => `${r.workload.namespace}/${r.workload.kind}/${r.workload.name}`);
    assert.deepEqual(await names('shop/cartservice'), ['shop/Deployment/cartservice']);
    assert.deepEqual(await names('Deployment/cartservice'), ['shop/Deployment/cartservice']);
    await assert.rejects(recommendCommand({ ...RECOMMEND_DEFAULTS, workload: 'prod/cartservice' }), /no workloads matched named "prod\/cartservice"/);
    await assert.rejects(recommendCommand({ ...RECOMMEND_DEFAULTS, workload: 'shop/widget/cartservice' }),
      (e: unknown) => e instanceof UserError && e.exitCode === 2 && /"widget" is not a workload kind/.test((e as Error).message));
  });

  it('writes go to the current context only (said on stderr), unless --context names them or --all-contexts', () => {
    assert.deepEqual(applyClusterContexts({}, 'prod', ['prod', 'staging', 'dev']), {
      contexts: ['prod'], note: '--apply-cluster writes to the current context "prod" only, not "staging", "dev" — --context <a,b> or --all-contexts for others',
    });
    assert.deepEqual(applyClusterContexts({}, 'prod', ['prod']), { contexts: ['prod'], note: undefined });
    assert.deepEqual(applyClusterContexts({ context: ['staging', 'dev'] }, 'prod', ['prod', 'staging', 'dev']), {});
    assert.deepEqual(applyClusterContexts({ allContexts: true }, 'prod', ['prod', 'staging']), {});
    assert.throws(() => applyClusterContexts({}, '', ['a', 'b']), /no current context to write to: name one with --context/);
  });

  it('--all-contexts goes with --apply-cluster, not with --context; --in-cluster takes one context', async () => {
    await assert.rejects(recommendCommand({ ...RECOMMEND_DEFAULTS, allContexts: true }), /--all-contexts goes with --apply-cluster/);
    await assert.rejects(recommendCommand({ ...RECOMMEND_DEFAULTS, inCluster: true, context: 'a,b' }), /--in-cluster reads one context/);
    await assert.rejects(recommendCommand({ ...RECOMMEND_DEFAULTS, inCluster: true, allContexts: true }), /--in-cluster reads one context/);
    assert.throws(() => checkApplyClusterFlags({ source: 'cluster', applyCluster: true, dryRun: true, allContexts: true, context: 'a' }, false), /either --context or --all-contexts/);
  });

  it('a write whose -w matches several workloads in a context is refused, listing them; one per context is fine', () => {
    const w = (context: string, namespace: string, name: string, kind: 'Deployment' | 'StatefulSet' = 'Deployment') => ({ context, namespace, kind, name });
    assert.throws(() => checkOneWorkloadPerContext('web', [w('prod', 'shop', 'web'), w('prod', 'blog', 'web', 'StatefulSet')]),
      (e: unknown) => e instanceof UserError && e.message === '--apply-cluster: -w "web" matches 2 workloads: shop/Deployment/web, blog/StatefulSet/web — nothing was changed; name the one to patch, e.g. -w shop/Deployment/web');
    assert.doesNotThrow(() => checkOneWorkloadPerContext('shop/web', [w('prod', 'shop', 'web'), w('staging', 'shop', 'web')]));
  });
});
