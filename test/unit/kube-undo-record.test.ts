// The undo record as a shared, editor-free module (src/data/kube/undo-record.ts): the editor's Apply to Cluster writes
// it before its one patch (recordBeforePatch), Undo reads it back and judges each workload on the same dry run
// (judgeWrite) the CLI's --undo and rollback use. Against the kube test double of the CLI's undo tests.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { WorkloadRef } from '../../src/core/workload';
import { applyApproved, planApply } from '../../src/data/kube/apply-plan';
import { judgeWrite, readUndoRecord, recordBeforePatch, undoRecordPath, UndoRecordError } from '../../src/data/kube/undo-record';
import { readUndoRecord as cliReadUndoRecord } from '../../src/cli/commands/apply-to-cluster';
import { UserError } from '../../src/cli/errors';
import { FakeCluster } from './helpers/fake-cluster';

const ref = (name: string): WorkloadRef => ({ context: 'prod', namespace: 'shop', kind: 'Deployment', name });
const change = { containers: [{ container: 'server', requests: { cpu: 0.125 }, limits: { cpu: 0.25 } }] };

describe('the undo record, shared by the CLI and the editor (src/data/kube/undo-record.ts)', () => {
  let dir: string;
  let cluster: FakeCluster;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mora-undo-record-'));
    cluster = new FakeCluster();
    cluster.add('a', { requests: { cpu: '500m', memory: '512Mi' } });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The editor's Apply to Cluster: plan, record (before the patch), patch, mark. */
  const applyAsTheEditor = async (record: string) => {
    const plan = await planApply(cluster, ref('a'), change);
    const mark = recordBeforePatch(record, plan);
    const saved = parse(readFileSync(record, 'utf8')) as { kind: string; workloads: Array<{ status: string; name: string; previous: unknown }> };
    assert.equal(saved.kind, 'MoraUndoRecord');
    assert.deepEqual(saved.workloads.map((w) => [w.name, w.status, w.previous]), [['a', 'pending', { containers: [{ container: 'server', requests: { cpu: '500m' }, limits: { cpu: null } }] }]],
      'on disk, pending, before the patch');
    assert.deepEqual(cluster.writes, []);
    await applyApproved(cluster, plan);
    mark('patched');
    assert.deepEqual(cluster.resources('a'), { requests: { cpu: '125m', memory: '512Mi' }, limits: { cpu: '250m' } });
  };

  it('round trip: the record written before the patch puts the previous values back (the limit MOrA added removed); a second undo has nothing to do', async () => {
    const record = join(dir, 'r.yaml');
    await applyAsTheEditor(record);
    assert.equal((parse(readFileSync(record, 'utf8')) as { workloads: Array<{ status: string }> }).workloads[0].status, 'patched');
    const [w] = readUndoRecord(record);
    const judged = await judgeWrite(cluster, w);
    assert.deepEqual(judged.refusals, []);
    assert.equal(judged.nothing, undefined);
    assert.equal(judged.plan?.changed, true);
    assert.match(judged.plan!.diff, /^-\s+cpu: 125m$/m);
    await applyApproved(cluster, judged.plan!);
    assert.deepEqual(cluster.resources('a'), { requests: { cpu: '500m', memory: '512Mi' } });
    const again = await judgeWrite(cluster, readUndoRecord(record)[0]);
    assert.equal(again.nothing, 'already at its previous values, nothing to undo');
    assert.deepEqual(again.refusals, []);
  });

  it('refuses when a field the patch set changed since (another writer), naming it; a field it did not set does not stop it', async () => {
    const record = join(dir, 'r.yaml');
    await applyAsTheEditor(record);
    const obj = cluster.objects.get('a')!;
    obj.spec!.template!.spec!.containers![0].resources = { requests: { cpu: '300m', memory: '1Gi' }, limits: { cpu: '250m' } };
    const judged = await judgeWrite(cluster, readUndoRecord(record, `The undo record ${record}`, '(changed since the patch): not undone')[0]);
    assert.deepEqual(judged.refusals, ['container "server" requests.cpu is 300m, the recorded patch left 125m (changed since the patch): not undone']);
    assert.deepEqual(cluster.writes, ['a'], 'nothing written by the refused undo');
    // Back to what the patch left, with the memory request (not MOrA's) still changed: the undo goes ahead and keeps it.
    obj.spec!.template!.spec!.containers![0].resources = { requests: { cpu: '125m', memory: '1Gi' }, limits: { cpu: '250m' } };
    const ok = await judgeWrite(cluster, readUndoRecord(record)[0]);
    assert.deepEqual(ok.refusals, []);
    await applyApproved(cluster, ok.plan!);
    assert.deepEqual(cluster.resources('a'), { requests: { cpu: '500m', memory: '1Gi' } });
  });

  it('a patch that failed is marked so: its undo skips it without asking the server', async () => {
    const record = join(dir, 'r.yaml');
    const mark = recordBeforePatch(record, await planApply(cluster, ref('a'), change));
    mark('failed');
    const judged = await judgeWrite(cluster, readUndoRecord(record)[0]);
    assert.equal(judged.plan, undefined);
    assert.equal(judged.nothing, 'not patched by the recorded run (failed), nothing to undo');
  });

  it('a record that cannot be read is an UndoRecordError under the caller\'s label; the CLI still turns it into a UserError with its --undo wording', () => {
    const missing = join(dir, 'nope.yaml');
    assert.throws(() => readUndoRecord(missing, 'The undo record x'), (e: Error) => e instanceof UndoRecordError && /^The undo record x: no such file/.test(e.message));
    writeFileSync(join(dir, 'other.yaml'), 'kind: Deployment\n');
    assert.throws(() => cliReadUndoRecord(join(dir, 'other.yaml')), (e: Error) => e instanceof UserError && /^--undo .*other\.yaml: not an undo record/.test(e.message));
  });

  it('the editor\'s records go where the CLI\'s do (XDG_STATE_HOME/mora/undo), named apart', () => {
    const at = new Date('2026-11-30T21:00:00.123Z');
    assert.match(undoRecordPath({ XDG_STATE_HOME: '/state' }, at, 'apply-cluster-editor'), new RegExp(`^/state/mora/undo/apply-cluster-editor-20261130T210000\\.123Z-${process.pid}-[0-9a-f]{6}\\.yaml$`));
    assert.match(undoRecordPath({ XDG_STATE_HOME: '/state' }, at), new RegExp(`^/state/mora/undo/apply-cluster-20261130T210000\\.123Z-${process.pid}-[0-9a-f]{6}\\.yaml$`));
  });

  it('two editor applies in the same millisecond (one extension host, one pid) get two records; an existing record is never overwritten', async () => {
    const at = new Date('2026-11-30T21:00:00.123Z');
    const env = { XDG_STATE_HOME: join(dir, 'state') };
    const names = new Set(Array.from({ length: 50 }, () => undoRecordPath(env, at, 'apply-cluster-editor')));
    assert.equal(names.size, 50);
    cluster.add('b', { requests: { cpu: '500m', memory: '512Mi' } });
    const [first, second] = [...names];
    recordBeforePatch(first, await planApply(cluster, ref('a'), change))('patched');
    recordBeforePatch(second, await planApply(cluster, ref('b'), change))('patched');
    assert.deepEqual([readUndoRecord(first)[0].ref.name, readUndoRecord(second)[0].ref.name], ['a', 'b']);
    // A record already at the path (a name chosen twice): refused before anything is sent, the record kept.
    const kept = readFileSync(first, 'utf8');
    const again = await planApply(cluster, ref('b'), change);
    assert.throws(() => recordBeforePatch(first, again), (e: NodeJS.ErrnoException) => e.code === 'EEXIST');
    assert.equal(readFileSync(first, 'utf8'), kept);
  });
});
