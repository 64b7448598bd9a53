// `mora recommend --apply-to <path> --apply-cluster`: the manifests are previewed with the cluster and written after the
// one prompt, before the first patch (ApplyToClusterOptions.manifests). Before 2026-12-01 they were written first, before
// the cluster's dry run and prompt: a refused dry run (RBAC), a declined prompt or Ctrl-C there left them written while
// MOrA said "nothing was changed". A fake API server here; the real one: test/integration/recommend-apply-both.test.ts.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { applyWrites, PromptInterrupted, type ApplyIo, type ClusterWrite, type ManifestsAlongside } from '../../src/cli/commands/apply-to-cluster';
import { EXIT_INTERRUPTED, EXIT_USAGE, UserError } from '../../src/cli/errors';
import type { WorkloadRef } from '../../src/core/workload';
import { KubeError } from '../../src/data/kube/errors';
import { FakeCluster } from './helpers/fake-cluster';

const ref = (name: string): WorkloadRef => ({ context: 'prod', namespace: 'shop', kind: 'Deployment', name });
const cpuTo = (name: string, cpu: number): ClusterWrite => ({ ref: ref(name), change: { containers: [{ container: 'server', requests: { cpu } }] } });

describe('mora recommend --apply-to with --apply-cluster: both previewed, one prompt, the files before the patches', () => {
  let dir: string;
  let cluster: FakeCluster;
  let lines: string[];
  /** What happened, in order: 'manifests' when the files were written, the workload's name when it was patched. */
  let events: string[];
  let interrupt: ((signal?: NodeJS.Signals) => void) | undefined;
  const files = ['k8s/a.yaml', 'k8s/b.yaml'];
  const manifests = (write: () => Promise<void> = async () => undefined): ManifestsAlongside => ({
    files,
    write: async () => {
      events.push('manifests');
      await write();
    },
  });
  const io = (confirm: ApplyIo['confirm'] = async () => true): ApplyIo => ({
    out: () => undefined,
    err: (l) => lines.push(l),
    confirm,
    onInterrupt: (h) => {
      interrupt = h;
      return () => { interrupt = undefined; };
    },
  });
  const options = (m: ManifestsAlongside, yes = true) => ({ dryRun: false, yes, replicas: false, quiet: false, undoRecord: join(dir, 'record.yaml'), manifests: m });
  const writes = () => ['a', 'b'].map((n) => cpuTo(n, 0.1));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mora-apply-both-'));
    cluster = new FakeCluster();
    cluster.add('a', { requests: { cpu: '500m' } });
    cluster.add('b', { requests: { cpu: '300m' } });
    cluster.onWrite = (name) => { events.push(name); };
    lines = [];
    events = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('both written: the files after the prompt and before the first patch; the prompt names both', async () => {
    const asked: string[] = [];
    await applyWrites(cluster, writes(), options(manifests(), false), io(async (q) => { asked.push(q); events.push('asked'); return true; }));
    assert.deepEqual(events, ['asked', 'manifests', 'a', 'b']);
    assert.deepEqual(asked, ['Write 2 manifest file(s) and patch 2 workload(s) in context prod as shown above? The pods restart with the new resources. [y/N] ']);
    assert.ok(!lines.some((l) => /not rolled back/.test(l)), lines.join('\n'));
  });

  it('a declined prompt writes neither', async () => {
    await applyWrites(cluster, writes(), options(manifests(), false), io(async () => false));
    assert.deepEqual(events, []);
    assert.ok(lines.includes('nothing was changed'), lines.join('\n'));
  });

  it('Ctrl-C at the prompt writes neither (exit 130)', async () => {
    await assert.rejects(applyWrites(cluster, writes(), options(manifests(), false), io(async () => { throw new PromptInterrupted(); })),
      (e: unknown) => e instanceof UserError && e.exitCode === EXIT_INTERRUPTED);
    assert.deepEqual(events, []);
  });

  it('the cluster\'s dry run refused for one workload (RBAC): nothing written anywhere, no prompt, said so', async () => {
    const client = {
      podAdmissionObjects: () => cluster.podAdmissionObjects(),
      applyResources: async (r: WorkloadRef, changes: Parameters<FakeCluster['applyResources']>[1], opts: Parameters<FakeCluster['applyResources']>[2]) => {
        if (r.name === 'b') throw new KubeError('RBAC denied: cannot patch deployments.apps "b" in namespace "shop"', 'forbidden', 403);
        return cluster.applyResources(r, changes, opts);
      },
    };
    let asked = false;
    await assert.rejects(applyWrites(client, writes(), options(manifests(), false), io(async () => { asked = true; return true; })),
      (e: unknown) => e instanceof UserError && e.exitCode === EXIT_USAGE
        && e.message === '--apply-cluster: 1 workload(s) would not be patched (named above), so nothing was written: neither the cluster nor the manifests (--apply-to)');
    assert.deepEqual(events, []);
    assert.equal(asked, false);
    assert.ok(lines.some((l) => l.startsWith('mora: Deployment shop/b: RBAC denied')), lines.join('\n'));
  });

  it('a patch refused after the files were written: the cluster rolled back, the files named as written and kept, exit 2', async () => {
    cluster.onWrite = (name) => {
      events.push(name);
      if (name === 'b' && !events.includes('rolled')) {
        events.push('rolled');
        throw new KubeError('RBAC denied: cannot patch deployments.apps "b" in namespace "shop"', 'forbidden', 403);
      }
    };
    await assert.rejects(applyWrites(cluster, writes(), options(manifests()), io()),
      (e: unknown) => e instanceof UserError && e.exitCode === EXIT_USAGE
        && e.message === '--apply-cluster: 1 workload(s) were not patched (named above); the manifest file(s) --apply-to wrote before the patches keep the new values (not rolled back): k8s/a.yaml, k8s/b.yaml');
    assert.deepEqual(events.slice(0, 3), ['manifests', 'a', 'b']);
    assert.deepEqual(cluster.resources('a'), { requests: { cpu: '500m' } }, 'a put back');
    assert.ok(lines.includes('mora: the cluster is as it was before this run; the record ' + join(dir, 'record.yaml') + ' says so (its --undo has nothing to do)'), lines.join('\n'));
    assert.ok(lines.includes('mora: the manifests were written before the patches and are not rolled back: k8s/a.yaml, k8s/b.yaml keep the new values (git restore, or git checkout -- <file>, puts a file back)'), lines.join('\n'));
  });

  it('the files could not be written: no patch sent, the record says none was tried, the write\'s error ends with it', async () => {
    await assert.rejects(applyWrites(cluster, writes(), options(manifests(async () => { throw new UserError('--apply-to: 1 of 2 files could not be updated (named above)'); })), io()),
      (e: unknown) => e instanceof UserError && e.exitCode === EXIT_USAGE && e.message === '--apply-to: 1 of 2 files could not be updated (named above); nothing was patched on the cluster');
    assert.deepEqual(events, ['manifests']);
    assert.equal(interrupt, undefined, 'no listener left');
    const saved = parse(readFileSync(join(dir, 'record.yaml'), 'utf8')) as { workloads: Array<{ status: string }> };
    assert.deepEqual(saved.workloads.map((w) => w.status), ['not tried', 'not tried']);
  });

  it('a signal as the last file is written (after that write\'s last look): the files stay, no patch is sent, exit 130', async () => {
    await assert.rejects(applyWrites(cluster, writes(), options(manifests(async () => { interrupt?.('SIGTERM'); })), io()),
      (e: unknown) => e instanceof UserError && e.exitCode === EXIT_INTERRUPTED && /keep the new values \(not rolled back\): k8s\/a\.yaml, k8s\/b\.yaml$/.test(e.message));
    assert.deepEqual(events, ['manifests']);
    assert.ok(lines.includes('mora: interrupted (SIGTERM) as the manifests were written: no patch is sent'), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('mora: stopped at SIGTERM: patched 0 of 2 workload(s)')), lines.join('\n'));
  });

  it('listening from before the files are written until after the patches: no moment for a signal\'s default action', async () => {
    const listening: boolean[] = [];
    await applyWrites(cluster, writes(), options(manifests(async () => { listening.push(interrupt !== undefined); })), {
      ...io(),
      onListening: () => listening.push(interrupt !== undefined),
    });
    assert.deepEqual(listening, [true, true]);
    assert.equal(interrupt, undefined);
  });
});
