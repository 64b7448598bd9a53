/**
 * `mora manifests apply`: a manifest without metadata.namespace is in the default namespace for targeting
 * (`--default-namespace`, `default` unless given), as `recommend --apply-to` matches it. So `default/Deployment/web/app`
 * reaches the namespace-less copy of a workload that also exists with a namespace, in one file or across a kustomize
 * folder, and the ambiguity message names the exact prefixes that work.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuDeployment } from './helpers/manifest-fixtures';
import { mora } from './helpers/run-cli';

const web = (namespace: string | null, cpu: string, replicas = 2): string =>
  cpuDeployment({ name: 'web', container: 'app', cpu, namespace: namespace ?? undefined, replicas });

describe('mora manifests apply: a manifest without a namespace is in the default namespace', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mora-default-ns-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reaches the namespace-less copy in one file with default/, and the ambiguity names the prefixes that work', async () => {
    const file = join(dir, 'web.yaml');
    const text = `${web('a', '100m')}---\n${web(null, '200m')}`;
    writeFileSync(file, text);

    const ambiguous = await mora(['manifests', 'apply', file, '--set', 'Deployment/web/app=cpu=1']);
    assert.equal(ambiguous.code, 2);
    assert.match(ambiguous.err, /ambiguous.*prefix the target with a\/ or default\/ \(no namespace counts as default\)/);

    const none = await mora(['manifests', 'apply', file, '--set', 'default/Deployment/web/app=cpu=1']);
    assert.equal(none.code, 0, none.err);
    assert.equal(none.out, `${web('a', '100m')}---\n${web(null, '1')}`);

    const a = await mora(['manifests', 'apply', file, '--set', 'a/Deployment/web/app=cpu=1', '--replicas', 'a/Deployment/web=3']);
    assert.equal(a.code, 0, a.err);
    assert.equal(a.out, `${web('a', '1', 3)}---\n${web(null, '200m')}`);

    const replicas = await mora(['manifests', 'apply', file, '--replicas', 'default/Deployment/web=5']);
    assert.equal(replicas.code, 0, replicas.err);
    assert.equal(replicas.out, `${web('a', '100m')}---\n${web(null, '200m', 5)}`);

    // --default-namespace: the namespace-less copy is in that one instead
    const dev = await mora(['manifests', 'apply', file, '--default-namespace', 'dev', '--set', 'Deployment/web/app=cpu=1']);
    assert.match(dev.err, /prefix the target with a\/ or dev\/ \(no namespace counts as dev\)/);
    const devOk = await mora(['manifests', 'apply', file, '--default-namespace', 'dev', '--set', 'dev/Deployment/web/app=cpu=1']);
    assert.equal(devOk.out, `${web('a', '100m')}---\n${web(null, '1')}`);
    const notDefault = await mora(['manifests', 'apply', file, '--default-namespace', 'dev', '--set', 'default/Deployment/web/app=cpu=1']);
    assert.match(notDefault.err, /no Deployment\/web in namespace default/);
    assert.equal(readFileSync(file, 'utf8'), text);
  });

  it('an empty namespace prefix (/Deployment/web/app) says to write the default namespace instead', async () => {
    const file = join(dir, 'web.yaml');
    writeFileSync(file, web(null, '200m'));
    for (const [flag, spec] of [['--set', '/Deployment/web/app=cpu=1'], ['--replicas', '/Deployment/web=3']]) {
      const r = await mora(['manifests', 'apply', file, flag, spec]);
      assert.equal(r.code, 2);
      assert.match(r.err, /the namespace before the first "\/" is empty; a manifest without a namespace is in the default namespace: write default\/ \(or the --default-namespace given\)/, spec);
    }
  });

  it('reaches a file holding only the namespace-less workload with default/', async () => {
    const file = join(dir, 'web.yaml');
    writeFileSync(file, web(null, '200m'));
    const r = await mora(['manifests', 'apply', file, '--set', 'default/Deployment/web/app=cpu=1']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, web(null, '1'));
  });

  it('a kustomize folder: default/ writes the base without a namespace, prod/ the overlay, and the refusal names both prefixes', async () => {
    mkdirSync(join(dir, 'base'));
    mkdirSync(join(dir, 'overlays', 'prod'), { recursive: true });
    const base = join(dir, 'base', 'web.yaml');
    const prod = join(dir, 'overlays', 'prod', 'web.yaml');
    writeFileSync(base, web(null, '100m'));
    writeFileSync(prod, web('prod', '300m'));

    const refused = await mora(['manifests', 'apply', dir, '--in-place', '--set', 'Deployment/web/app=cpu=1']);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /Deployment\/web\/app is in 2 files: .*prefix the target with default\/ or prod\/ \(no namespace counts as default\)/);

    const toBase = await mora(['manifests', 'apply', dir, '--in-place', '--set', 'default/Deployment/web/app=cpu=1']);
    assert.equal(toBase.code, 0, toBase.err);
    assert.equal(readFileSync(base, 'utf8'), web(null, '1'));
    assert.equal(readFileSync(prod, 'utf8'), web('prod', '300m'));

    const toProd = await mora(['manifests', 'apply', dir, '--in-place', '--replicas', 'prod/Deployment/web=4']);
    assert.equal(toProd.code, 0, toProd.err);
    assert.equal(readFileSync(prod, 'utf8'), web('prod', '300m', 4));
    assert.equal(readFileSync(base, 'utf8'), web(null, '1'));
  });
});
