import * as assert from 'node:assert/strict';
import { NamespaceWatch, workloadWatchPaths, type WatchTransport } from '../../src/data/kube/watch';

/** Resolves when `ok()` holds, or fails after the deadline (no fixed sleeps). */
async function until(ok: () => boolean, what: string, deadlineMs = 5000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface OpenWatch { path: string; rv: string; emit(type: string, obj: unknown): void; end(err: unknown): void; aborted: boolean }

/** A fake API server: lists answer the current version, watches stay open until ended. */
function fakeTransport(listFails: () => Error | undefined = () => undefined) {
  const lists: string[] = [];
  const open: OpenWatch[] = [];
  let version = 100;
  const transport: WatchTransport = {
    list: async (path) => {
      lists.push(path);
      const e = listFails();
      if (e) throw e;
      return String(version++);
    },
    watch: async (path, rv, onEvent, onDone) => {
      const w: OpenWatch = { path, rv, emit: onEvent, end: onDone, aborted: false };
      open.push(w);
      return { abort: () => { w.aborted = true; onDone(null); } };
    },
  };
  return { transport, lists, open };
}

const dep = (name: string, generation: number, rv: string) => ({ metadata: { name, uid: `uid-${name}`, generation, resourceVersion: rv } });

describe('Kubernetes namespace watch (editor-free)', () => {
  it('watches Deployments, StatefulSets, DaemonSets and HPAs of the namespace from the listed resourceVersion', async () => {
    const f = fakeTransport();
    const w = new NamespaceWatch(f.transport, workloadWatchPaths('shop'), () => {}, { debounceMs: 10 });
    await until(() => f.open.length === 4, 'four watches');
    assert.deepEqual(f.open.map((o) => o.path.split('/').slice(-1)[0]).sort(), ['daemonsets', 'deployments', 'horizontalpodautoscalers', 'statefulsets']);
    assert.ok(f.open.every((o) => o.path.includes('/namespaces/shop/') && /^\d+$/.test(o.rv)));
    w.dispose();
    assert.ok(f.open.every((o) => o.aborted));
  });

  it('adds, spec changes and deletes are reported once per burst; status-only updates and bookmarks are not', async () => {
    const f = fakeTransport();
    let changes = 0;
    const w = new NamespaceWatch(f.transport, ['/apis/apps/v1/namespaces/shop/deployments'], () => changes++, { debounceMs: 20 });
    await until(() => f.open.length === 1, 'the watch');
    const [o] = f.open;
    o.emit('ADDED', dep('api', 1, '201'));
    o.emit('MODIFIED', dep('api', 2, '202')); // scaled
    o.emit('MODIFIED', dep('api', 2, '203')); // status
    await until(() => changes === 1, 'one debounced change');
    o.emit('MODIFIED', dep('api', 2, '204')); // status only
    o.emit('BOOKMARK', { metadata: { resourceVersion: '205' } });
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(changes, 1, 'status updates and bookmarks are no change a person sees');
    o.emit('DELETED', dep('api', 2, '206'));
    await until(() => changes === 2, 'the delete');
    // A watch the server closes is resumed from the last version seen (a bookmark counts), without a list.
    o.end(null);
    await until(() => f.open.length === 2, 'the resumed watch');
    assert.equal(f.open[1].rv, '206');
    assert.equal(f.lists.length, 1);
    w.dispose();
  });

  it('410 Gone lists again, watches from the new version and reports a change (events may have been missed)', async () => {
    const f = fakeTransport();
    let changes = 0;
    const w = new NamespaceWatch(f.transport, ['/apis/apps/v1/namespaces/shop/deployments'], () => changes++, { debounceMs: 5, minBackoffMs: 5 });
    await until(() => f.open.length === 1, 'the watch');
    f.open[0].emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' });
    f.open[0].end(null);
    await until(() => f.open.length === 2, 'the watch after the relist');
    assert.equal(f.lists.length, 2);
    assert.notEqual(f.open[1].rv, f.open[0].rv);
    await until(() => changes === 1, 'the change after a relist');
    w.dispose();
  });

  it('an API server that is down is retried with growing delays, not in a loop, and dispose stops the retries', async () => {
    let down = true;
    const f = fakeTransport(() => (down ? Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) : undefined));
    const errors: number[] = [];
    let changes = 0;
    const w = new NamespaceWatch(f.transport, ['/apis/apps/v1/namespaces/shop/deployments'], () => changes++, { debounceMs: 5, minBackoffMs: 20, maxBackoffMs: 80, onError: () => errors.push(Date.now()) });
    await until(() => errors.length >= 4, 'four failed attempts');
    // 20 + 40 + 80 ms at least between the first and the fourth attempt.
    assert.ok(errors[3] - errors[0] >= 130, `retries ${errors.map((t) => t - errors[0]).join(', ')} ms apart`);
    down = false;
    await until(() => f.open.length === 1, 'the watch once the server is back');
    w.dispose();
    const attempts = f.lists.length;
    down = true;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(f.lists.length, attempts, 'nothing after dispose');
    assert.equal(changes, 0, 'the first list is no change');
  });

  it('after a watch error it lists again and reports a change', async () => {
    const f = fakeTransport();
    let changes = 0;
    const w = new NamespaceWatch(f.transport, ['/apis/apps/v1/namespaces/shop/deployments'], () => changes++, { debounceMs: 5, minBackoffMs: 5 });
    await until(() => f.open.length === 1, 'the watch');
    f.open[0].end(new Error('socket hang up'));
    await until(() => f.open.length === 2 && changes === 1, 'the relisted watch and a change');
    assert.equal(f.lists.length, 2);
    w.dispose();
  });
});
