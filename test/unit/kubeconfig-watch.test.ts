import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KubeconfigWatcher, kubeconfigWatchFiles } from '../../src/data/kube/kubeconfig-watch';
import { statusContext, statusText } from '../../src/views/status-text';
import { tempDir } from '../harness/temp-dir';
import { until } from '../harness/wait';

describe('kubeconfig watch (the client is rebuilt when the kubeconfig changes)', () => {
  it('watches what kubectl reads: the setting, else every KUBECONFIG entry, else ~/.kube/config', () => {
    assert.deepEqual(kubeconfigWatchFiles('~/k.yaml', { KUBECONFIG: '/a' }, '/home/u'), ['/home/u/k.yaml']);
    assert.deepEqual(kubeconfigWatchFiles(undefined, { KUBECONFIG: `/a/one${path.delimiter}/b/two${path.delimiter}/a/one` }, '/home/u'), ['/a/one', '/b/two']);
    assert.deepEqual(kubeconfigWatchFiles(undefined, {}, '/home/u'), ['/home/u/.kube/config']);
    assert.deepEqual(kubeconfigWatchFiles('  ', { KUBECONFIG: ' ' }, '/home/u'), ['/home/u/.kube/config']);
  });

  it('reports a use-context edit, a file renamed over it and a file created where KUBECONFIG points', async () => {
    const dir = tempDir('mora-kubewatch-');
    const file = path.join(dir, 'config');
    const later = path.join(dir, 'later');
    fs.writeFileSync(file, 'current-context: a\n');
    let changes = 0;
    const w = new KubeconfigWatcher({ files: [file, later], onChange: () => changes++, debounceMs: 50 });
    try {
      assert.equal(w.watching, 1);
      // A burst of writes (a login writes several times) is one change.
      fs.writeFileSync(file, 'current-context: b\n');
      fs.writeFileSync(file, 'current-context: c\n');
      fs.writeFileSync(file, 'current-context: d\n');
      assert.equal(await until(async () => changes, (n) => n >= 1, 5000), 1);
      // Replaced by rename (as gcloud/aws write it).
      fs.writeFileSync(path.join(dir, 'config.tmp'), 'current-context: e\n');
      fs.renameSync(path.join(dir, 'config.tmp'), file);
      assert.ok(await until(async () => changes, (n) => n >= 2, 5000) >= 2);
      const before = changes;
      fs.writeFileSync(later, 'current-context: f\n');
      assert.ok(await until(async () => changes, (n) => n > before, 5000) > before);
    } finally {
      w.dispose();
    }
  });

  it('a rewrite with the same text (a rename over it, a touch) rebuilds nothing; the next real edit does', async () => {
    const dir = tempDir('mora-kubewatch-');
    const file = path.join(dir, 'config');
    fs.writeFileSync(file, 'current-context: a\n');
    let changes = 0;
    let unchanged = 0;
    const w = new KubeconfigWatcher({ files: [file], onChange: () => changes++, onUnchanged: () => unchanged++, debounceMs: 50 });
    try {
      fs.writeFileSync(path.join(dir, 'config.tmp'), 'current-context: a\n');
      fs.renameSync(path.join(dir, 'config.tmp'), file);
      assert.ok(await until(async () => unchanged, (n) => n >= 1, 5000) >= 1);
      assert.equal(changes, 0, 'the same text: the recommendations shown stay');
      fs.writeFileSync(file, 'current-context: b\n');
      assert.equal(await until(async () => changes, (n) => n >= 1, 5000), 1);
    } finally {
      w.dispose();
    }
  });

  it('a folder not there yet (no ~/.kube before the first login) is watched through its parent', async () => {
    const home = tempDir('mora-kubewatch-');
    const file = path.join(home, '.kube', 'config');
    let changes = 0;
    let unchanged = 0;
    const errors: string[] = [];
    const w = new KubeconfigWatcher({ files: [file], onChange: () => changes++, onUnchanged: () => unchanged++, debounceMs: 50, onWatchError: (d) => errors.push(d) });
    try {
      assert.equal(w.watching, 1);
      fs.mkdirSync(path.dirname(file));
      // The folder came, the file is still absent: seen, but nothing to rebuild.
      assert.ok(await until(async () => unchanged, (n) => n >= 1, 5000) >= 1);
      assert.equal(changes, 0);
      fs.writeFileSync(file, 'current-context: new-login\n');
      assert.ok(await until(async () => changes, (n) => n >= 1, 5000) >= 1, 'the new folder is watched');
      assert.deepEqual(errors, []);
    } finally {
      w.dispose();
    }
  });

  it('the status bar names the current context, not the first in the file', () => {
    assert.equal(statusContext('prod', ['dev', 'prod']), 'prod');
    assert.equal(statusText(true, 'prod', ['dev', 'prod']), '$(pulse) MOrA: prod');
    assert.equal(statusContext(undefined, ['demo']), 'demo');
    assert.equal(statusContext(undefined, []), 'no context');
  });
});
