import { strict as assert } from 'node:assert';
import { PeriodicRefresh, refreshShown, shownNamespaces } from '../../src/views/periodic-refresh';

const rec = (context: string, namespace: string) => ({ workload: { context, namespace } });

describe('periodic refresh (mora.refreshIntervalSeconds)', () => {
  it('recomputes each shown context/namespace once and keeps what is shown meanwhile', async () => {
    const shown = [rec('prod', 'shop'), rec('prod', 'shop'), rec('dev', 'shop'), rec('prod', 'db')];
    assert.deepEqual(shownNamespaces(shown), [{ context: 'prod', namespace: 'shop' }, { context: 'dev', namespace: 'shop' }, { context: 'prod', namespace: 'db' }]);
    const store = [...shown];
    const seenDuring: number[] = [];
    await refreshShown(store, async () => { seenDuring.push(store.length); });
    // Nothing was discarded while the recomputations ran.
    assert.deepEqual(seenDuring, [4, 4, 4]);
  });

  it('skips a tick while the previous tick still computes, so a slow namespace finishes', async () => {
    let starts = 0;
    let finishes = 0;
    let release!: () => void;
    const refresh = new PeriodicRefresh(async () => {
      starts++;
      await new Promise<void>((resolve) => { release = resolve; });
      finishes++;
    });
    assert.equal(refresh.tick(), true);
    assert.equal(refresh.busy, true);
    assert.equal(refresh.tick(), false);
    assert.equal(refresh.tick(), false);
    assert.equal(starts, 1);
    assert.equal(refresh.skipped, 2);
    release();
    await refresh.idle();
    assert.equal(finishes, 1);
    assert.equal(refresh.busy, false);
    assert.equal(refresh.tick(), true);
    assert.equal(starts, 2);
    release();
    await refresh.idle();
  });

  it('a failed tick reports the error and does not block the next one', async () => {
    const errors: unknown[] = [];
    let n = 0;
    const refresh = new PeriodicRefresh(async () => {
      n++;
      throw new Error('prometheus down');
    }, (e) => errors.push(e));
    refresh.tick();
    await refresh.idle();
    assert.equal(errors.length, 1);
    assert.equal(refresh.tick(), true);
    await refresh.idle();
    assert.equal(n, 2);
  });
});
