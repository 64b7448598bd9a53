// `mora recommend --apply-cluster` after the prompt: the previous values recorded before the first patch, the loop stopped
// at the first failure or at Ctrl-C (after the patch in flight), what was patched said exactly, and `--undo <record>`
// putting back only what the recorded patch left. A fake API server here (the real one: test/integration/apply-cluster.test.ts).
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { applyWrites, readUndoRecord, type ApplyIo, type ClusterWrite } from '../../src/cli/commands/apply-to-cluster';
import { EXIT_INTERRUPTED, EXIT_USAGE, UserError } from '../../src/cli/errors';
import { QUIT_HINT } from '../../src/cli/commands/interrupt-signals';
import type { WorkloadRef } from '../../src/core/workload';
import { ChangedSincePreview } from '../../src/data/kube/client';
import { KubeError } from '../../src/data/kube/errors';
import { FakeCluster } from './helpers/fake-cluster';

const ref = (name: string): WorkloadRef => ({ context: 'prod', namespace: 'shop', kind: 'Deployment', name });
const cpuTo = (name: string, cpu: number): ClusterWrite => ({ ref: ref(name), change: { containers: [{ container: 'server', requests: { cpu }, limits: { cpu: cpu * 2 } }] } });

describe('mora recommend --apply-cluster: a way back after a partial failure or Ctrl-C', () => {
  let dir: string;
  let cluster: FakeCluster;
  let lines: string[];
  let interrupt: (() => void) | undefined;
  const io = (): ApplyIo => ({
    out: () => undefined,
    err: (l) => lines.push(l),
    confirm: async () => true,
    onInterrupt: (h) => {
      interrupt = h;
      return () => { interrupt = undefined; };
    },
  });
  // rollback: false, as --undo runs the loop: the partial states the --undo cases start from (the rollback: its own block below).
  const options = (record: string) => ({ dryRun: false, yes: true, replicas: false, quiet: false, undoRecord: record, undoCommand: (f: string) => `mora recommend --undo ${f}`, rollback: false });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mora-undo-'));
    cluster = new FakeCluster();
    cluster.add('a', { requests: { cpu: '500m', memory: '512Mi' } });
    cluster.add('b', { requests: { cpu: '300m' }, limits: { cpu: '1' } });
    cluster.add('c', { requests: { cpu: '200m' } });
    lines = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a failure mid-loop stops it: the rest left alone, what was patched named, the previous values recorded before the first patch', async () => {
    const record = join(dir, 'undo', 'record.yaml');
    cluster.onWrite = (name) => {
      assert.ok(existsSync(record), 'the record is on disk before any patch');
      if (name === 'b') throw new ChangedSincePreview(ref('b'), '101', '150');
    };
    await assert.rejects(applyWrites(cluster, ['a', 'b', 'c'].map((n) => cpuTo(n, 0.1)), options(record), io()),
      (e: unknown) => e instanceof UserError && e.exitCode === EXIT_USAGE && e.message === '--apply-cluster: 2 workload(s) were not patched (named above)');
    assert.deepEqual(cluster.writes, ['a'], 'c is not tried after b failed');
    assert.deepEqual(cluster.resources('c'), { requests: { cpu: '200m' } });
    assert.ok(lines.includes(`previous values recorded in ${record} (to put them back: mora recommend --undo ${record})`), lines.join('\n'));
    assert.ok(lines.includes('mora: stopped at the failure above: patched 1 of 3 workload(s): Deployment shop/a (context prod); '
      + 'not patched: Deployment shop/b (context prod) (failed), Deployment shop/c (context prod) (not tried)'), lines.join('\n'));
    assert.ok(lines.includes(`mora: to put back the previous values of the ones patched (recorded in ${record}): mora recommend --undo ${record}`), lines.join('\n'));
    const saved = parse(readFileSync(record, 'utf8')) as { kind: string; workloads: Array<{ name: string; previous: unknown }> };
    assert.equal(saved.kind, 'MoraUndoRecord');
    assert.deepEqual(saved.workloads.map((w) => [w.name, w.previous]), [
      ['a', { containers: [{ container: 'server', requests: { cpu: '500m' }, limits: { cpu: null } }] }],
      ['b', { containers: [{ container: 'server', requests: { cpu: '300m' }, limits: { cpu: '1' } }] }],
      ['c', { containers: [{ container: 'server', requests: { cpu: '200m' }, limits: { cpu: null } }] }],
    ]);
  });

  it('Ctrl-C mid-loop: the patch in flight completes, nothing more is sent, exit 130 with what was patched', async () => {
    const record = join(dir, 'record.yaml');
    cluster.onWrite = (name) => {
      if (name === 'a') interrupt?.();
    };
    await assert.rejects(applyWrites(cluster, ['a', 'b', 'c'].map((n) => cpuTo(n, 0.1)), options(record), io()),
      (e: unknown) => e instanceof UserError && e.exitCode === EXIT_INTERRUPTED);
    assert.deepEqual(cluster.writes, ['a']);
    assert.equal(interrupt, undefined, 'the Ctrl-C handler is removed once the loop ends');
    assert.ok(lines.includes('mora: stopped at Ctrl-C: patched 1 of 3 workload(s): Deployment shop/a (context prod); '
      + 'not patched: Deployment shop/b (context prod), Deployment shop/c (context prod) (not tried)'), lines.join('\n'));
  });

  it('with -q: the record\'s line and, at Ctrl-C during the last patch, what was patched are still said', async () => {
    const record = join(dir, 'record.yaml');
    cluster.onWrite = (name) => {
      if (name === 'b') interrupt?.();
    };
    await assert.rejects(applyWrites(cluster, ['a', 'b'].map((n) => cpuTo(n, 0.1)), { ...options(record), quiet: true }, io()),
      (e: unknown) => e instanceof UserError && e.exitCode === EXIT_INTERRUPTED);
    assert.deepEqual(cluster.writes, ['a', 'b']);
    assert.deepEqual(lines, [
      `previous values recorded in ${record} (to put them back: mora recommend --undo ${record})`,
      'mora: interrupted: stopping after the patch in flight (nothing more is sent)',
      'mora: stopped at Ctrl-C: patched 2 of 2 workload(s): Deployment shop/a (context prod), Deployment shop/b (context prod)',
      `mora: to put back the previous values of the ones patched (recorded in ${record}): mora recommend --undo ${record}`,
    ]);
  });

  it('wired to this process\'s SIGINT while patching (and only then): the first Ctrl-C stops the loop', async () => {
    const others = process.listeners('SIGINT');
    for (const l of others) process.removeListener('SIGINT', l); // mocha's own, if any: the emit below is ours alone
    try {
      cluster.onWrite = (name) => {
        if (name === 'a') {
          assert.equal(process.listenerCount('SIGINT'), 1, 'listening while patching');
          process.emit('SIGINT');
        }
      };
      const { onInterrupt: _, ...plain } = io();
      await assert.rejects(applyWrites(cluster, ['a', 'b'].map((n) => cpuTo(n, 0.1)), options(join(dir, 'r.yaml')), plain),
        (e: unknown) => e instanceof UserError && e.exitCode === EXIT_INTERRUPTED);
      assert.deepEqual(cluster.writes, ['a']);
      assert.equal(process.listenerCount('SIGINT'), 0, 'no listener left behind');
    } finally {
      for (const l of others) process.on('SIGINT', l);
    }
  });

  it('SIGTERM while patching (a CI job cancelled) stops the loop like Ctrl-C: the summary, the way back, exit 130', async () => {
    const others = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
    for (const [s, ls] of Object.entries(others)) for (const l of ls) process.removeListener(s, l); // the emit below is ours alone
    try {
      cluster.onWrite = (name) => {
        if (name === 'a') {
          assert.equal(process.listenerCount('SIGTERM'), 1, 'listening for SIGTERM while patching');
          process.emit('SIGTERM');
        }
      };
      const record = join(dir, 'r.yaml');
      const { onInterrupt: _, ...plain } = io();
      await assert.rejects(applyWrites(cluster, ['a', 'b', 'c'].map((n) => cpuTo(n, 0.1)), { ...options(record), quiet: true }, plain),
        (e: unknown) => e instanceof UserError && e.exitCode === EXIT_INTERRUPTED);
      assert.deepEqual(cluster.writes, ['a'], 'nothing sent after the patch in flight');
      assert.deepEqual(lines.slice(1), [
        'mora: interrupted (SIGTERM): stopping after the patch in flight (nothing more is sent)',
        'mora: stopped at SIGTERM: patched 1 of 3 workload(s): Deployment shop/a (context prod); not patched: Deployment shop/b (context prod), Deployment shop/c (context prod) (not tried)',
        `mora: to put back the previous values of the ones patched (recorded in ${record}): mora recommend --undo ${record}`,
      ]);
      assert.deepEqual(readUndoRecord(record).filter((w) => !w.skip).map((w) => w.ref.name), ['a'], 'the record: only "a" to undo');
      assert.equal(process.listenerCount('SIGTERM') + process.listenerCount('SIGINT'), 0, 'no listener left behind');
    } finally {
      for (const [s, ls] of Object.entries(others)) for (const l of ls) process.on(s, l);
    }
  });

  it('--undo puts back what the recorded patch left (a limit it added removed again), leaves the never-patched alone, refuses one changed since', async () => {
    const record = join(dir, 'record.yaml');
    cluster.onWrite = (name) => {
      if (name === 'b') interrupt?.();
    };
    await assert.rejects(applyWrites(cluster, ['a', 'b', 'c'].map((n) => cpuTo(n, 0.1)), options(record), io()));
    assert.deepEqual(cluster.writes, ['a', 'b']);
    // Someone else changes b after MOrA's patch: the undo must not overwrite that.
    (cluster.resources('b').requests as Record<string, string>).cpu = '777m';
    cluster.writes = [];
    cluster.onWrite = () => undefined;
    lines = [];
    await assert.rejects(applyWrites(cluster, readUndoRecord(record), { ...options(join(dir, 'record2.yaml')), flag: '--undo' }, io()),
      (e: unknown) => e instanceof UserError && e.message === '--undo: 1 workload(s) were not patched (named above)');
    assert.deepEqual(cluster.writes, ['a']);
    assert.deepEqual(cluster.resources('a'), { requests: { cpu: '500m', memory: '512Mi' } }, 'a as it was: the CPU limit MOrA added is gone');
    assert.equal(cluster.resources('b').requests!.cpu, '777m');
    assert.ok(lines.some((l) => l.startsWith('mora: Deployment shop/b: container "server" requests.cpu is 777m, the recorded patch left 100m (changed since, or never patched): not undone')), lines.join('\n'));
    assert.ok(lines.includes('Deployment shop/c: not patched by the recorded run (not tried), nothing to undo'), lines.join('\n'));
  });

  it('the record says which workloads were patched; after a stop, --undo restores exactly those and exits 0 (the failed one and the untried left alone)', async () => {
    const record = join(dir, 'record.yaml');
    cluster.onWrite = (name) => {
      if (name === 'b') {
        (cluster.resources('b').requests as Record<string, string>).cpu = '777m'; // someone else, between preview and patch
        throw new ChangedSincePreview(ref('b'), '101', '150');
      }
    };
    await assert.rejects(applyWrites(cluster, ['a', 'b', 'c'].map((n) => cpuTo(n, 0.1)), options(record), io()));
    const saved = parse(readFileSync(record, 'utf8')) as { workloads: Array<{ name: string; status: string }> };
    assert.deepEqual(saved.workloads.map((w) => [w.name, w.status]), [['a', 'patched'], ['b', 'failed'], ['c', 'not tried']]);
    cluster.writes = [];
    cluster.onWrite = () => undefined;
    lines = [];
    await applyWrites(cluster, readUndoRecord(record), { ...options(join(dir, 'record2.yaml')), flag: '--undo' }, io());
    assert.deepEqual(cluster.writes, ['a']);
    assert.deepEqual(cluster.resources('a'), { requests: { cpu: '500m', memory: '512Mi' } });
    assert.equal(cluster.resources('b').requests!.cpu, '777m', 'the other writer\'s value stays');
    assert.ok(lines.includes('Deployment shop/b: not patched by the recorded run (failed), nothing to undo'), lines.join('\n'));
    assert.ok(lines.includes('Deployment shop/c: not patched by the recorded run (not tried), nothing to undo'), lines.join('\n'));
  });

  it('--undo of a workload an HPA scaled since the patch: replicas are not MOrA\'s, so the resources are put back and the count stays', async () => {
    const record = join(dir, 'record.yaml');
    await applyWrites(cluster, [cpuTo('a', 0.1)], options(record), io());
    cluster.objects.get('a')!.spec!.replicas = 5; // the HPA
    cluster.writes = [];
    lines = [];
    await applyWrites(cluster, readUndoRecord(record), { ...options(join(dir, 'record2.yaml')), flag: '--undo' }, io());
    assert.deepEqual(cluster.writes, ['a'], lines.join('\n'));
    assert.deepEqual(cluster.resources('a'), { requests: { cpu: '500m', memory: '512Mi' } });
    assert.equal(cluster.objects.get('a')!.spec!.replicas, 5);
  });

  it('--undo of a patch that set replicas: a count changed since is someone else\'s, not undone', async () => {
    const record = join(dir, 'record.yaml');
    await applyWrites(cluster, [{ ...cpuTo('a', 0.1), change: { ...cpuTo('a', 0.1).change, replicas: 3 } }], options(record), io());
    cluster.objects.get('a')!.spec!.replicas = 5;
    cluster.writes = [];
    lines = [];
    await assert.rejects(applyWrites(cluster, readUndoRecord(record), { ...options(join(dir, 'record2.yaml')), flag: '--undo' }, io()),
      (e: unknown) => e instanceof UserError && e.message === '--undo: 1 workload(s) were not patched (named above)');
    assert.deepEqual(cluster.writes, []);
  });

  it('--undo checks and restores only the fields the patch set: another writer\'s change to a field MOrA left alone stays', async () => {
    const record = join(dir, 'record.yaml');
    await applyWrites(cluster, [cpuTo('a', 0.1)], options(record), io()); // CPU request and limit only
    // Someone else, after MOrA's patch: a memory request raised and a memory limit added.
    const res = cluster.resources('a');
    res.requests!.memory = '1Gi';
    res.limits!.memory = '2Gi';
    cluster.writes = [];
    lines = [];
    await applyWrites(cluster, readUndoRecord(record), { ...options(join(dir, 'record2.yaml')), flag: '--undo' }, io());
    assert.deepEqual(cluster.writes, ['a'], lines.join('\n'));
    assert.deepEqual(cluster.resources('a'), { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } },
      'CPU as before the patch (the limit MOrA added removed), memory as the other writer left it');
  });

  it('--undo refuses a workload whose field MOrA set was set again by someone else, naming that field, while undoing the others', async () => {
    const record = join(dir, 'record.yaml');
    await applyWrites(cluster, ['a', 'b'].map((n) => cpuTo(n, 0.1)), options(record), io());
    (cluster.resources('a').limits as Record<string, string>).cpu = '400m'; // MOrA set it to 200m
    (cluster.resources('b').requests as Record<string, string>).memory = '64Mi'; // not MOrA's
    cluster.writes = [];
    lines = [];
    await assert.rejects(applyWrites(cluster, readUndoRecord(record), { ...options(join(dir, 'record2.yaml')), flag: '--undo' }, io()),
      (e: unknown) => e instanceof UserError && e.message === '--undo: 1 workload(s) were not patched (named above)');
    assert.deepEqual(cluster.writes, ['b']);
    assert.deepEqual(cluster.resources('a'), { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '400m' } }, 'a left as it is');
    assert.deepEqual(cluster.resources('b'), { requests: { cpu: '300m', memory: '64Mi' }, limits: { cpu: '1' } });
    assert.ok(lines.some((l) => l.startsWith('mora: Deployment shop/a: container "server" limits.cpu is 400m, the recorded patch left 200m (changed since')), lines.join('\n'));
  });

  it('a record written before statuses were kept (no status, patchedTo with replicas) is judged field by field too', async () => {
    const record = join(dir, 'record.yaml');
    await applyWrites(cluster, [cpuTo('a', 0.1)], options(record), io());
    const old = parse(readFileSync(record, 'utf8')) as { workloads: Array<Record<string, unknown>> };
    for (const w of old.workloads) delete w.status;
    writeFileSync(record, stringify(old));
    cluster.resources('a').requests!.memory = '1Gi';
    cluster.objects.get('a')!.spec!.replicas = 4;
    cluster.writes = [];
    lines = [];
    await applyWrites(cluster, readUndoRecord(record), { ...options(join(dir, 'record2.yaml')), flag: '--undo' }, io());
    assert.deepEqual(cluster.writes, ['a'], lines.join('\n'));
    assert.deepEqual(cluster.resources('a'), { requests: { cpu: '500m', memory: '1Gi' } });
    assert.equal(cluster.objects.get('a')!.spec!.replicas, 4);
  });

  it('a record that is not one is refused in one line', () => {
    const other = join(dir, 'other.yaml');
    writeFileSync(other, 'kind: Deployment\n');
    assert.throws(() => readUndoRecord(other), /--undo .*other\.yaml: not an undo record of mora recommend --apply-cluster/);
  });
});

describe('mora recommend --apply-cluster: rolled back on a failure or a signal while patching', () => {
  let dir: string;
  let cluster: FakeCluster;
  let lines: string[];
  let interrupt: ((signal?: NodeJS.Signals) => void) | undefined;
  const io = (): ApplyIo => ({
    out: () => undefined,
    err: (l) => lines.push(l),
    confirm: async () => true,
    onInterrupt: (h) => {
      interrupt = h;
      return () => { interrupt = undefined; };
    },
  });
  // No `rollback`: the default, as `mora recommend --apply-cluster` runs it.
  const options = (record: string) => ({ dryRun: false, yes: true, replicas: false, quiet: false, undoRecord: record, undoCommand: (f: string) => `mora recommend --undo ${f}` });
  const names = ['a', 'b', 'c', 'd', 'e'];
  const original = (n: string) => ({ requests: { cpu: `${100 * (names.indexOf(n) + 2)}m`, memory: '256Mi' } });
  const statuses = (record: string) => (parse(readFileSync(record, 'utf8')) as { workloads: Array<{ name: string; status: string }> }).workloads.map((w) => [w.name, w.status]);
  const named = (...ns: string[]) => ns.map((n) => `Deployment shop/${n} (context prod)`).join(', ');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mora-rollback-'));
    cluster = new FakeCluster();
    for (const n of names) cluster.add(n, original(n));
    lines = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the 3rd of 5 patches denied (RBAC 403): the two patched are put back, the last two never tried, exit 2, the record says so', async () => {
    const record = join(dir, 'record.yaml');
    cluster.onWrite = (name) => {
      if (name === 'c') throw new KubeError('RBAC denied: cannot patch deployments.apps "c" in namespace "shop"', 'forbidden', 403);
    };
    await assert.rejects(applyWrites(cluster, names.map((n) => cpuTo(n, 0.1)), options(record), io()),
      (e: unknown) => e instanceof UserError && e.exitCode === EXIT_USAGE && e.message === '--apply-cluster: 3 workload(s) were not patched (named above)');
    assert.deepEqual(cluster.writes, ['a', 'b', 'b', 'a'], 'a and b patched, then put back (last first); d and e never written');
    for (const n of names) assert.deepEqual(cluster.resources(n), original(n), `${n} as it was before the run`);
    assert.ok(lines.includes('mora: rolling back: putting back the previous values of 2 workload(s) this run patched'), lines.join('\n'));
    assert.ok(lines.some((l) => /^put back Deployment shop\/b \(context prod, resourceVersion \d+\)$/.test(l)), lines.join('\n'));
    assert.ok(lines.includes(`mora: stopped at the failure above and rolled back: put back the previous values of ${named('b', 'a')}; `
      + `not patched: ${named('c')} (failed), ${named('d', 'e')} (not tried)`), lines.join('\n'));
    assert.ok(lines.includes(`mora: the cluster is as it was before this run; the record ${record} says so (its --undo has nothing to do)`), lines.join('\n'));
    assert.ok(!lines.some((l) => l.startsWith('mora: to put back the previous values')), 'no --undo to run by hand');
    assert.deepEqual(statuses(record), [['a', 'rolled back'], ['b', 'rolled back'], ['c', 'failed'], ['d', 'not tried'], ['e', 'not tried']]);
    // The record's --undo: nothing to do, nothing written.
    cluster.writes = [];
    lines = [];
    await applyWrites(cluster, readUndoRecord(record), { ...options(join(dir, 'record2.yaml')), flag: '--undo', rollback: false }, io());
    assert.deepEqual(cluster.writes, []);
    assert.ok(lines.includes('Deployment shop/a: put back by the recorded run itself (rolled back after a failure or a signal), nothing to undo'), lines.join('\n'));
  });

  // Before: the warning came once, and the last line still said 'the record <file> says so (its --undo has nothing to do)'.
  it('the record cannot be updated mid-run (replaced by a folder): the rollback\'s last line does not claim what it says', async () => {
    const record = join(dir, 'record.yaml');
    const saved = join(dir, 'record-as-left.yaml');
    cluster.onWrite = (name) => {
      if (name === 'b' && !existsSync(saved)) { // after a's patch was marked: the record is moved away and a folder takes its name
        renameSync(record, saved);
        mkdirSync(record);
      }
      if (name === 'c') throw new KubeError('RBAC denied: cannot patch deployments.apps "c" in namespace "shop"', 'forbidden', 403);
    };
    await assert.rejects(applyWrites(cluster, names.map((n) => cpuTo(n, 0.1)), options(record), io()),
      (e: unknown) => e instanceof UserError && e.exitCode === EXIT_USAGE);
    for (const n of names) assert.deepEqual(cluster.resources(n), original(n), `${n} as it was before the run`);
    assert.equal(lines.filter((l) => l.startsWith(`mora: warning: could not update the undo record ${record} (`)).length, 1, lines.join('\n'));
    assert.equal(lines[lines.length - 1], `mora: the cluster is as it was before this run; the record ${record} could not be updated (named above): `
      + 'its --undo will find the workloads already at their previous values');
    assert.ok(!lines.some((l) => l.includes('says so')), lines.join('\n'));
    // The record as it was last written (a patched, the rest pending): its --undo writes nothing, as the line says.
    assert.deepEqual(statuses(saved), [['a', 'patched'], ['b', 'pending'], ['c', 'pending'], ['d', 'pending'], ['e', 'pending']]);
    cluster.writes = [];
    lines = [];
    await applyWrites(cluster, readUndoRecord(saved), { ...options(join(dir, 'record2.yaml')), flag: '--undo', rollback: false }, io());
    assert.deepEqual(cluster.writes, [], lines.join('\n'));
  });

  it('Ctrl-C while patching (the test double; SIGTERM goes the same way): the patch in flight completes, then everything patched is put back, exit 130', async () => {
    const record = join(dir, 'record.yaml');
    cluster.onWrite = (name) => {
      if (name === 'b' && cluster.writes.length === 1) interrupt?.(); // once: the patch of b, not its rollback
    };
    await assert.rejects(applyWrites(cluster, names.map((n) => cpuTo(n, 0.1)), { ...options(record), quiet: true }, io()),
      (e: unknown) => e instanceof UserError && e.exitCode === EXIT_INTERRUPTED);
    assert.deepEqual(cluster.writes, ['a', 'b', 'b', 'a']);
    for (const n of names) assert.deepEqual(cluster.resources(n), original(n), `${n} as it was before the run`);
    assert.equal(interrupt, undefined, 'the signal handler is removed once the loop ends');
    assert.deepEqual(lines.slice(1), [
      `mora: interrupted: stopping after the patch in flight, then putting back what this run patched (${QUIT_HINT})`,
      'mora: rolling back: putting back the previous values of 2 workload(s) this run patched',
      `mora: stopped at Ctrl-C and rolled back: put back the previous values of ${named('b', 'a')}; not patched: ${named('c', 'd', 'e')} (not tried)`,
      `mora: the cluster is as it was before this run; the record ${record} says so (its --undo has nothing to do)`,
    ]);
    assert.deepEqual(statuses(record), [['a', 'rolled back'], ['b', 'rolled back'], ['c', 'not tried'], ['d', 'not tried'], ['e', 'not tried']]);
  });

  /** Runs `fn` with this process's SIGINT/SIGTERM listeners (mocha's, if any) set aside: the emits in it are ours alone. */
  const ownSignals = async (fn: () => Promise<void>) => {
    const others = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
    for (const [s, ls] of Object.entries(others)) for (const l of ls) process.removeListener(s, l);
    try {
      await fn();
    } finally {
      for (const [s, ls] of Object.entries(others)) for (const l of ls) process.on(s, l);
    }
  };

  // `timeout` and process managers send SIGTERM twice (the child, then its group). Before: the first signal removed
  // the listeners, so the second got Node's default — the process killed mid-rollback (exit 143), the cluster patched.
  it('SIGTERM twice while a patch is in flight (timeout\'s pair, one press): the second is absorbed silently, everything patched is put back, exit 130', async () => {
    await ownSignals(async () => {
      const record = join(dir, 'record.yaml');
      const listening: number[] = [];
      cluster.onWrite = (name) => {
        if (name !== 'b' || listening.length) return;
        process.emit('SIGTERM');
        listening.push(process.listenerCount('SIGTERM'));
        process.emit('SIGTERM');
      };
      let rollbackListening: number[] = [];
      const plain = { ...io(), onInterrupt: undefined, now: () => 1_000, err: (l: string) => { lines.push(l); if (l.startsWith('mora: rolling back')) rollbackListening = [process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]; } };
      await assert.rejects(applyWrites(cluster, names.map((n) => cpuTo(n, 0.1)), { ...options(record), quiet: true }, plain),
        (e: unknown) => e instanceof UserError && e.exitCode === EXIT_INTERRUPTED);
      assert.deepEqual(listening, [1], 'still listening after the first SIGTERM');
      assert.deepEqual(rollbackListening, [1, 1], 'listening during the rollback');
      assert.deepEqual(cluster.writes, ['a', 'b', 'b', 'a']);
      for (const n of names) assert.deepEqual(cluster.resources(n), original(n), `${n} as it was before the run`);
      assert.deepEqual(lines.slice(1), [
        `mora: interrupted (SIGTERM): stopping after the patch in flight, then putting back what this run patched (${QUIT_HINT})`,
        'mora: rolling back: putting back the previous values of 2 workload(s) this run patched',
        `mora: stopped at SIGTERM and rolled back: put back the previous values of ${named('b', 'a')}; not patched: ${named('c', 'd', 'e')} (not tried)`,
        `mora: the cluster is as it was before this run; the record ${record} says so (its --undo has nothing to do)`,
      ]);
      assert.deepEqual(statuses(record), [['a', 'rolled back'], ['b', 'rolled back'], ['c', 'not tried'], ['d', 'not tried'], ['e', 'not tried']]);
      assert.equal(process.listenerCount('SIGTERM') + process.listenerCount('SIGINT'), 0, 'no listener left behind');
    });
  });

  it('Ctrl-C during the rollback after a failure is absorbed: the rollback completes, the failure\'s exit code stands', async () => {
    await ownSignals(async () => {
      const record = join(dir, 'record.yaml');
      let listening = -1;
      cluster.onWrite = (name) => {
        if (name === 'c') throw new KubeError('RBAC denied: cannot patch deployments.apps "c" in namespace "shop"', 'forbidden', 403);
        if (cluster.writes.length === 2 && listening < 0) { // the rollback's first write (b)
          listening = process.listenerCount('SIGINT');
          process.emit('SIGINT');
        }
      };
      await assert.rejects(applyWrites(cluster, names.map((n) => cpuTo(n, 0.1)), { ...options(record), quiet: true }, { ...io(), onInterrupt: undefined }),
        (e: unknown) => e instanceof UserError && e.exitCode === EXIT_USAGE);
      assert.equal(listening, 1, 'listening during the rollback');
      assert.deepEqual(cluster.writes, ['a', 'b', 'b', 'a']);
      for (const n of names) assert.deepEqual(cluster.resources(n), original(n), `${n} as it was before the run`);
      assert.ok(lines.includes(`mora: Ctrl-C again: still putting back what this run patched — please wait; the previous values are recorded in ${record} (mora recommend --undo ${record}); two more presses, at least 0.2 s apart and the second within 3 s of the first, quit at once, leaving patched what is not put back yet`), lines.join('\n'));
      assert.ok(lines.includes(`mora: the cluster is as it was before this run; the record ${record} says so (its --undo has nothing to do)`), lines.join('\n'));
    });
  });

  it('a third press in quick succession (0.5 s apart) quits at once, after naming what is still patched, the patch in flight and the record\'s --undo', async () => {
    const record = join(dir, 'record.yaml');
    const exits: number[] = [];
    let t = 0;
    cluster.onWrite = (name) => {
      if (name === 'b' && !exits.length) for (let k = 0; k < 3; k++) { t += 500; interrupt?.('SIGTERM'); }
    };
    await assert.rejects(applyWrites(cluster, names.map((n) => cpuTo(n, 0.1)), { ...options(record), quiet: true }, { ...io(), now: () => t, exit: (code) => { exits.push(code); } }),
      (e: unknown) => e instanceof UserError && e.exitCode === EXIT_INTERRUPTED);
    assert.deepEqual(exits, [EXIT_INTERRUPTED]);
    assert.ok(lines.includes(`mora: quitting at once (SIGTERM, a third press): still patched, not put back: Deployment shop/a (context prod); `
      + `the patch of Deployment shop/b (context prod) was in flight and may have landed; the previous values are recorded in ${record}: to put them back: mora recommend --undo ${record}`), lines.join('\n'));
  });

  // Before: the window ran from the last signal and the wait line said 'a third signal within 3 s quits': a press 150 ms
  // after the second was absorbed, and one 50 ms later chained to it, so neither quit.
  it('presses at 0, 1, 1.15 and 1.2 s: the wait line asks for one more at least 0.2 s after the second; 1.15 s is absorbed, 1.2 s quits', async () => {
    const record = join(dir, 'record.yaml');
    const exits: number[] = [];
    let t = 0;
    let before1200: number[] | undefined;
    cluster.onWrite = (name) => {
      if (name !== 'b' || before1200) return;
      for (const at of [0, 1_000, 1_150]) { t = at; interrupt?.('SIGTERM'); }
      before1200 = [...exits];
      t = 1_200;
      interrupt?.('SIGTERM');
    };
    await assert.rejects(applyWrites(cluster, names.map((n) => cpuTo(n, 0.1)), { ...options(record), quiet: true }, { ...io(), now: () => t, exit: (code) => { exits.push(code); } }),
      (e: unknown) => e instanceof UserError && e.exitCode === EXIT_INTERRUPTED);
    assert.deepEqual([before1200, exits], [[], [EXIT_INTERRUPTED]], lines.join('\n'));
    assert.ok(lines.includes(`mora: SIGTERM again: still stopping after the patch in flight, then putting back what this run patched — please wait; the previous values are recorded in ${record} (mora recommend --undo ${record}); `
      + 'one more press, at least 0.2 s and at most 3 s after this one, quits at once, leaving patched what is not put back yet'), lines.join('\n'));
    assert.equal(lines.filter((l) => l.startsWith('mora: quitting at once (SIGTERM, a third press)')).length, 1, lines.join('\n'));
  });

  it('a patch that went unanswered (unreachable) may have landed: the rollback checks it too, and puts back only what changed; exit 3', async () => {
    const record = join(dir, 'record.yaml');
    let reachable = true;
    const landed = cluster.applyResources.bind(cluster);
    cluster.applyResources = async (r, changes, opts) => {
      const res = await landed(r, changes, opts);
      if (!opts.dryRun && r.name === 'c' && reachable) {
        reachable = false; // c's patch landed, its answer was lost
        throw new KubeError('the Kubernetes API (context "prod") could not be reached', 'unreachable');
      }
      return res;
    };
    await assert.rejects(applyWrites(cluster, names.map((n) => cpuTo(n, 0.1)), options(record), io()),
      (e: unknown) => e instanceof UserError && e.exitCode === 3);
    assert.deepEqual(cluster.writes, ['a', 'b', 'c', 'c', 'b', 'a']);
    for (const n of names) assert.deepEqual(cluster.resources(n), original(n), `${n} as it was before the run`);
    assert.ok(lines.includes('mora: rolling back: putting back the previous values of 2 workload(s) this run patched, and checking the one whose patch went unanswered'), lines.join('\n'));
    assert.ok(lines.includes(`mora: stopped at the failure above and rolled back: put back the previous values of ${named('c', 'b', 'a')}; `
      + `not patched: ${named('d', 'e')} (not tried)`), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('mora: Deployment shop/c: the Kubernetes API (context "prod") could not be reached')), lines.join('\n'));
    assert.deepEqual(statuses(record), [['a', 'rolled back'], ['b', 'rolled back'], ['c', 'rolled back'], ['d', 'not tried'], ['e', 'not tried']]);
  });

  it('a workload another writer changed after this run patched it is not put back: their value stays, it is named, the record keeps it for --undo', async () => {
    const record = join(dir, 'record.yaml');
    cluster.onWrite = (name) => {
      if (name === 'c') {
        (cluster.resources('a').requests as Record<string, string>).cpu = '777m'; // someone else, after MOrA's patch of a
        throw new ChangedSincePreview(ref('c'), '102', '150');
      }
    };
    await assert.rejects(applyWrites(cluster, names.map((n) => cpuTo(n, 0.1)), options(record), io()),
      (e: unknown) => e instanceof UserError && e.exitCode === EXIT_USAGE);
    assert.deepEqual(cluster.writes, ['a', 'b', 'b']);
    assert.deepEqual(cluster.resources('a'), { requests: { cpu: '777m', memory: '256Mi' }, limits: { cpu: '200m' } }, 'the other writer\'s value stays');
    assert.deepEqual(cluster.resources('b'), original('b'));
    assert.ok(lines.includes('mora: Deployment shop/a: not put back: container "server" requests.cpu is 777m, the recorded patch left 100m (changed since this run patched it): the other writer\'s values stay'), lines.join('\n'));
    assert.ok(lines.includes(`mora: stopped at the failure above and rolled back: put back the previous values of ${named('b')}; not put back: ${named('a')} (named above); `
      + `not patched: ${named('c')} (failed), ${named('d', 'e')} (not tried)`), lines.join('\n'));
    assert.ok(lines.includes(`mora: their previous values stay recorded in ${record} (once the workload shows what the patch left again, or to see why not: mora recommend --undo ${record})`), lines.join('\n'));
    assert.deepEqual(statuses(record), [['a', 'patched'], ['b', 'rolled back'], ['c', 'failed'], ['d', 'not tried'], ['e', 'not tried']]);
  });
});
