/**
 * `mora manifests apply --diff`: what an apply would change as a unified diff, nothing written (one file, a folder);
 * and a single file's --in-place names the file it wrote on stderr, as a folder's does.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPatch } from 'diff';
import { mora } from './helpers/run-cli';
import { deploymentWithCpu } from './helpers/manifest-fixtures';

describe('mora manifests apply --diff', () => {
  let dir = '';
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mora-apply-diff-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const put = (rel: string, body: string): string => {
    const file = join(dir, rel);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, body);
    return file;
  };
  const name = (file: string) => file.replace(/^\/+/, '');

  it('one file: prints a unified diff of the change and writes nothing', async () => {
    const file = put('web.yaml', deploymentWithCpu('web', '100m'));
    const mtime = statSync(file).mtimeMs;
    const printed = await mora(['manifests', 'apply', file, '--set', 'deploy/web/web=cpu=250m']);
    const r = await mora(['manifests', 'apply', file, '--set', 'deploy/web/web=cpu=250m', '--diff']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, [
      `--- a/${name(file)}`,
      `+++ b/${name(file)}`,
      '@@ -9,4 +9,4 @@',
      '         - name: web',
      '           resources:',
      '             requests:',
      '-              cpu: 100m',
      '+              cpu: 250m',
      '',
    ].join('\n'));
    assert.equal(applyPatch(readFileSync(file, 'utf8'), r.out), printed.out, 'the diff turns the file into what apply prints');
    assert.equal(readFileSync(file, 'utf8'), deploymentWithCpu('web', '100m'));
    assert.equal(statSync(file).mtimeMs, mtime);
  });

  it('one file already at the values: no diff, the usual note', async () => {
    const file = put('web.yaml', deploymentWithCpu('web', '250m'));
    const r = await mora(['manifests', 'apply', file, '--set', 'deploy/web/web=cpu=0.25', '--diff']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '');
    assert.match(r.err, /already has these values/);
  });

  it('a folder: one diff per file that would change, without --in-place, nothing written', async () => {
    const web = put('k8s/web.yaml', deploymentWithCpu('web', '100m'));
    const api = put('k8s/api.yaml', deploymentWithCpu('api', '1'));
    const r = await mora(['manifests', 'apply', join(dir, 'k8s'), '--set', 'deploy/web/web=cpu=300m', '--set', 'deploy/api/api=cpu=500m', '--diff']);
    assert.equal(r.code, 0, r.err);
    const heads = r.out.split('\n').filter((l) => l.startsWith('+++ '));
    assert.deepEqual(heads, [`+++ b/${name(api)}`, `+++ b/${name(web)}`]);
    assert.match(r.out, /^-\s+cpu: 100m\n\+\s+cpu: 300m$/m);
    assert.match(r.out, /^-\s+cpu: 1\n\+\s+cpu: 500m$/m);
    assert.equal(readFileSync(web, 'utf8'), deploymentWithCpu('web', '100m'));
    assert.equal(readFileSync(api, 'utf8'), deploymentWithCpu('api', '1'));
    assert.doesNotMatch(r.err, /updated/);
  });

  it('refuses --diff with --in-place or --out (it writes nothing)', async () => {
    const file = put('web.yaml', deploymentWithCpu('web', '100m'));
    for (const extra of [['--in-place'], ['--out', join(dir, 'o.yaml')]]) {
      const r = await mora(['manifests', 'apply', file, '--set', 'deploy/web/web=cpu=250m', '--diff', ...extra]);
      assert.equal(r.code, 2);
      assert.match(r.err, new RegExp(`--diff writes nothing: give it without ${extra[0]}`));
    }
    assert.equal(readFileSync(file, 'utf8'), deploymentWithCpu('web', '100m'));
  });

  it('--exit-code (as git diff): 1 when something would change, 0 when nothing would; one file and a folder; only with --diff', async () => {
    const web = put('k8s/web.yaml', deploymentWithCpu('web', '100m'));
    put('k8s/api.yaml', deploymentWithCpu('api', '1'));
    const changed = await mora(['manifests', 'apply', web, '--set', 'deploy/web/web=cpu=250m', '--diff', '--exit-code']);
    assert.equal(changed.code, 1, changed.err);
    assert.match(changed.out, /^\+\s+cpu: 250m$/m, 'the diff is still printed');
    assert.equal(changed.err, '');
    const same = await mora(['manifests', 'apply', web, '--set', 'deploy/web/web=cpu=0.1', '--diff', '--exit-code']);
    assert.equal(same.code, 0, same.err);
    assert.equal(same.out, '');
    const folder = (set: string[]) => mora(['manifests', 'apply', join(dir, 'k8s'), ...set.flatMap((x) => ['--set', x]), '--diff', '--exit-code']);
    const one = await folder(['deploy/web/web=cpu=100m', 'deploy/api/api=cpu=500m']); // web unchanged, api would change
    assert.equal(one.code, 1, one.err);
    assert.equal(one.out.split('\n').filter((l) => l.startsWith('+++ ')).length, 1);
    const none = await folder(['deploy/web/web=cpu=100m', 'deploy/api/api=cpu=1']);
    assert.equal(none.code, 0, none.err);
    assert.equal(none.out, '');
    const plain = await mora(['manifests', 'apply', web, '--set', 'deploy/web/web=cpu=250m', '--diff']);
    assert.equal(plain.code, 0, 'without --exit-code a diff is still exit 0');
    const alone = await mora(['manifests', 'apply', web, '--set', 'deploy/web/web=cpu=250m', '--exit-code']);
    assert.equal(alone.code, 2);
    assert.match(alone.err, /--exit-code goes with --diff/);
    assert.equal(readFileSync(web, 'utf8'), deploymentWithCpu('web', '100m'), 'nothing written');
  });

  it('one file --in-place names the file it wrote on stderr, as a folder does', async () => {
    const file = put('web.yaml', deploymentWithCpu('web', '100m'));
    const r = await mora(['manifests', 'apply', file, '--set', 'deploy/web/web=cpu=250m', '--in-place']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '');
    assert.equal(r.err, `mora: updated ${file}\n`);
    const folder = await mora(['manifests', 'apply', dir, '--set', 'deploy/web/web=cpu=300m', '--in-place']);
    assert.equal(folder.err, `mora: updated ${file}\n`);
  });
});
