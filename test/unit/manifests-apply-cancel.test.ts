/**
 * A cancelled multi-file write (`mora manifests apply <folder> --in-place`, `mora recommend --apply-to <folder>`): Ctrl-C,
 * SIGTERM or SIGHUP while the files are written stops between two files and puts back the ones already written, modes
 * kept; no temporary file is left; one line says the write was cancelled and nothing was changed (or which file could
 * not be restored and where its original is); exit 130. Before, the signal ended the process between a temporary file
 * and its rename: some files changed, a `.<name>.<pid>.<ts>.tmp` left, nothing said.
 *
 * The spawned runs preload a slow disk (each fsync waits SLOW_MS first), so the writes last seconds on any machine and
 * the signal lands while they run; the tests wait for files to change on disk (deadlines, no fixed sleeps).
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { applyMany } from '../../src/cli/commands/manifests-apply-many';
import { writeAllOrNothingInterruptible, WriteCancelled, type Interrupts, type WriteFn } from '../../src/cli/commands/write-all-or-nothing';
import { writeFileAtomic } from '../../src/core/atomic-write';
import { demoManifests } from '../../src/data/demo';
import { parseChangeSpecs } from '../../src/manifests';
import { cpuDeployment } from './helpers/manifest-fixtures';
import { cleanEnv, startMora, waitFor } from './helpers/run-cli';

/** A Deployment `web<i>` of one container `app` asking for 100m CPU. */
const deployment = (i: number): string => cpuDeployment({ name: `web${i}`, container: 'app', cpu: '100m' });

/** Each file's bytes and permission bits. */
function snapshot(dir: string): Map<string, { bytes: Buffer; mode: number }> {
  return new Map(readdirSync(dir).sort().map((f) => [f, { bytes: readFileSync(join(dir, f)), mode: statSync(join(dir, f)).mode & 0o7777 }]));
}

function assertAsBefore(dir: string, before: Map<string, { bytes: Buffer; mode: number }>): void {
  assert.deepEqual(readdirSync(dir).sort(), [...before.keys()], 'the same files, no temporary file left');
  for (const [f, was] of before) {
    const now = snapshot(dir).get(f)!;
    assert.ok(now.bytes.equals(was.bytes), `${f} byte-identical to before`);
    assert.equal(now.mode.toString(8), was.mode.toString(8), `${f} keeps its mode`);
  }
}

/** A preload making every fsyncSync wait `ms` first: a slow disk, so the writes of a run last long enough to signal it. */
function slowDisk(dir: string, ms: number): string[] {
  const file = join(dir, 'slow-disk.js');
  writeFileSync(file, [
    "const fs = require('node:fs');",
    'const real = fs.fsyncSync;',
    'const cell = new Int32Array(new SharedArrayBuffer(4));',
    `fs.fsyncSync = (fd) => { Atomics.wait(cell, 0, 0, ${ms}); return real(fd); };`,
    '',
  ].join('\n'));
  return ['--require', file];
}

/**
 * A preload making every read of a .yaml file wait `ms` first and append one byte to a counter file: a slow disk for
 * reads, so the planning of a run lasts long enough to signal it. `count()`: the .yaml reads so far.
 */
function slowReads(dir: string, ms: number): { nodeArgs: string[]; count: () => number } {
  const reads = join(dir, 'reads');
  const preload = join(dir, 'slow-reads.js');
  writeFileSync(preload, [
    "const fs = require('node:fs');",
    'const real = fs.readFileSync;',
    'const cell = new Int32Array(new SharedArrayBuffer(4));',
    `fs.readFileSync = (f, ...rest) => { if (typeof f === 'string' && f.endsWith('.yaml')) { fs.appendFileSync(${JSON.stringify(reads)}, '.'); Atomics.wait(cell, 0, 0, ${ms}); } return real(f, ...rest); };`,
    '',
  ].join('\n'));
  return { nodeArgs: ['--require', preload], count: () => (existsSync(reads) ? readFileSync(reads).length : 0) };
}

/** `n` files w0000.yaml… in `dir`, each a Deployment web<i> (container app, 100m CPU); their names. */
function manyDeployments(dir: string, n: number): string[] {
  const names = Array.from({ length: n }, (_, i) => `w${String(i).padStart(4, '0')}.yaml`);
  mkdirSync(dir);
  names.forEach((f, i) => writeFileSync(join(dir, f), deployment(i)));
  return names;
}

const INTERRUPTED_BEFORE = (signal: string) => `mora: interrupted (${signal}) before anything was written; nothing was changed\n`;

const differs = (file: string, bytes: Buffer) => !existsSync(file) || !readFileSync(file).equals(bytes);

describe('a cancelled manifest write leaves every file as it was', function () {
  this.timeout(120_000);
  let root: string;
  beforeEach(() => { root = mkdtempSync(join(tmpdir(), 'mora-apply-cancel-')); });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('manifests apply <folder> --in-place, Ctrl-C midway and again while restoring: all files as before, modes too, one line, exit 130', async () => {
    const N = 200;
    const dir = join(root, 'many');
    const names = Array.from({ length: N }, (_, i) => `w${String(i).padStart(4, '0')}.yaml`);
    mkdirSync(dir);
    names.forEach((f, i) => {
      writeFileSync(join(dir, f), deployment(i));
      chmodSync(join(dir, f), [0o600, 0o640, 0o644][i % 3]);
    });
    const before = snapshot(dir);
    const sets = names.flatMap((_, i) => ['--set', `Deployment/web${i}/app=cpu=5m`]);
    const { child, result } = startMora(['manifests', 'apply', dir, ...sets, '--in-place'], cleanEnv(), slowDisk(root, 10));
    let ended: string | undefined;
    void result.then((r) => { ended = `code ${r.code}, signal ${r.signal}, stderr: ${r.err}`; });
    // 20 files written (the writes go in name order), then Ctrl-C.
    const twentieth = join(dir, names[20]);
    await waitFor(() => differs(twentieth, before.get(names[20])!.bytes), 60_000, `${names[20]} was written`, () => ended);
    child.kill('SIGINT');
    // The restore goes in the same order: once the first file is back, a second signal (a SIGTERM) comes while it runs.
    const first = join(dir, names[0]);
    await waitFor(() => !differs(first, before.get(names[0])!.bytes), 60_000, `${names[0]} was restored`, () => ended);
    if (ended === undefined) child.kill('SIGTERM');
    const r = await result;
    assert.equal(r.signal, null, `ended by ${r.signal}, not by itself: ${r.err}`);
    assert.equal(r.code, 130, r.err);
    assert.match(r.err, /^mora: interrupted \(SIGINT\): the write was cancelled and nothing was changed \(the \d+ files written before it were restored\)\n$/);
    assert.equal(r.out, '');
    assertAsBefore(dir, before);
  });

  it('recommend --apply-to <folder>, SIGTERM midway: all files as before, no recommendations printed, one line, exit 130', async () => {
    const dir = join(root, 'shop');
    mkdirSync(dir);
    const deployments = demoManifests().split(/^---\n/m).filter((d) => /^kind: Deployment$/m.test(d));
    assert.ok(deployments.length >= 5, 'the demo shop has Deployments to write');
    deployments.forEach((d, i) => writeFileSync(join(dir, `d${i}.yaml`), d));
    const before = snapshot(dir);
    const args = ['recommend', '--source', 'demo', '-f', 'json', '--apply-to', dir, '--default-namespace', 'shop'];
    const { child, result } = startMora(args, cleanEnv(), slowDisk(root, 150));
    let ended: string | undefined;
    void result.then((r) => { ended = `code ${r.code}, signal ${r.signal}, stderr: ${r.err}`; });
    await waitFor(() => [...before].some(([f, was]) => differs(join(dir, f), was.bytes)), 60_000, 'a file was written', () => ended);
    child.kill('SIGTERM');
    const r = await result;
    assert.equal(r.signal, null, `ended by ${r.signal}: ${r.err}`);
    assert.equal(r.code, 130, r.err);
    assert.equal(r.out, '', 'no recommendations on stdout: the run was cancelled');
    assert.match(r.err, /^mora: interrupted \(SIGTERM\): the write was cancelled and nothing was changed \(the (file|\d+ files) written before it (was|were) restored\)$/m);
    assert.equal(r.err.split('\n').filter((l) => l.startsWith('mora: ') && !l.startsWith('mora: demo data')).length, 1, r.err);
    assertAsBefore(dir, before);
  });

  it('manifests apply <folder> --in-place, Ctrl-C while the files are still read: stops between two reads, one line, exit 130, nothing changed', async () => {
    const N = 200;
    const dir = join(root, 'many');
    const names = manyDeployments(dir, N);
    const before = snapshot(dir);
    // A slow disk for reads: each manifest read waits 50 ms (N files: 10 s of planning).
    const reads = slowReads(root, 50);
    const sets = names.flatMap((_, i) => ['--set', `Deployment/web${i}/app=cpu=5m`]);
    const { child, result } = startMora(['manifests', 'apply', dir, ...sets, '--in-place'], cleanEnv(), reads.nodeArgs);
    let ended: string | undefined;
    void result.then((r) => { ended = `code ${r.code}, signal ${r.signal}, stderr: ${r.err}`; });
    await waitFor(() => reads.count() >= 3, 60_000, 'three files were read', () => ended);
    child.kill('SIGINT');
    const r = await result;
    assert.equal(r.signal, null, `ended by ${r.signal}, not by itself: ${r.err}`);
    assert.equal(r.code, 130, r.err);
    assert.equal(r.err, INTERRUPTED_BEFORE('SIGINT'));
    assert.equal(r.out, '');
    assert.ok(reads.count() < N, `stopped between two reads, not after all ${N} (${reads.count()} read)`);
    assertAsBefore(dir, before);
  });

  /**
   * A run that plans, then writes, signalled once `ready` holds (before any write): it ends by itself, exit 130, with
   * the one line and an empty stdout, every file of `dir` as before. Returns the run's result.
   */
  async function signalBeforeWrites(args: string[], dir: string, nodeArgs: string[], ready: (err: () => string) => boolean, what: string, signal: NodeJS.Signals) {
    const before = snapshot(dir);
    const { child, result } = startMora(args, cleanEnv(), nodeArgs);
    let ended: string | undefined;
    let err = '';
    child.stderr!.on('data', (s: string) => { err += s; });
    void result.then((r) => { ended = `code ${r.code}, signal ${r.signal}, stderr: ${r.err}`; });
    await waitFor(() => ready(() => err), 60_000, what, () => ended);
    child.kill(signal);
    const r = await result;
    assert.equal(r.signal, null, `ended by ${r.signal}, not by itself: ${r.err}`);
    assert.equal(r.code, 130, r.err);
    assert.equal(r.out, '', 'nothing on stdout: the run was stopped before it printed');
    assert.ok(r.err.endsWith(INTERRUPTED_BEFORE(signal)), r.err);
    assert.equal(r.err.split('\n').filter((l) => l.startsWith('mora: ')).length, 1, r.err);
    assertAsBefore(dir, before);
    return r;
  }

  it('manifests apply <folder> --replicas --in-place, Ctrl-C while the files are read for their autoscalers: one line, exit 130, nothing changed', async () => {
    const N = 200;
    const dir = join(root, 'many');
    const names = manyDeployments(dir, N);
    const reads = slowReads(root, 50);
    const specs = names.flatMap((_, i) => ['--replicas', `Deployment/web${i}=3`]);
    await signalBeforeWrites(['manifests', 'apply', dir, ...specs, '--in-place'], dir, reads.nodeArgs, () => reads.count() >= 3, 'three files were read', 'SIGINT');
    assert.ok(reads.count() < N, `stopped between two reads, not after all ${N} (${reads.count()} read)`);
  });

  it('recommend --apply-to <folder>, Ctrl-C while the manifests are read: one line, exit 130, nothing printed or changed', async () => {
    const N = 200;
    const dir = join(root, 'many');
    manyDeployments(dir, N);
    const reads = slowReads(root, 50);
    const args = ['recommend', '--source', 'demo', '-q', '-f', 'json', '--apply-to', dir, '--default-namespace', 'shop'];
    await signalBeforeWrites(args, dir, reads.nodeArgs, () => reads.count() >= 3, 'three manifests were read', 'SIGINT');
    assert.ok(reads.count() < N, `stopped between two reads, not after all ${N} (${reads.count()} read)`);
  });

  it('recommend --apply-to --replicas <folder>, SIGTERM while the manifests are read for their autoscalers: one line, exit 130', async () => {
    const N = 200;
    const dir = join(root, 'many');
    manyDeployments(dir, N);
    const reads = slowReads(root, 50);
    const args = ['recommend', '--source', 'demo', '-q', '-f', 'json', '--apply-to', dir, '--replicas', '--default-namespace', 'shop'];
    await signalBeforeWrites(args, dir, reads.nodeArgs, () => reads.count() >= 3, 'three manifests were read', 'SIGTERM');
    assert.ok(reads.count() < N, `stopped between two reads, not after all ${N} (${reads.count()} read)`);
  });

  it('recommend --apply-to, SIGHUP while the recommendations are computed (-m prophet): one line, exit 130, no manifest read', async () => {
    const dir = join(root, 'few');
    manyDeployments(dir, 3);
    const reads = slowReads(root, 0);
    const args = ['recommend', '--source', 'demo', '-m', 'prophet', '-f', 'json', '--apply-to', dir, '--default-namespace', 'shop'];
    // Progress goes to a pipe one line per workload with a forecaster: the first says the computing is under way.
    const r = await signalBeforeWrites(args, dir, reads.nodeArgs, (err) => /^recommend: 1\/\d+ /m.test(err()), 'the first workload was computed', 'SIGHUP');
    assert.match(r.err, /^recommend: 1\//, r.err);
    assert.doesNotMatch(r.err, /recommend: (\d+)\/\1 /, `stopped before the last workload: ${r.err}`);
    assert.equal(reads.count(), 0, 'stopped before any manifest was read');
  });
});

describe('writeAllOrNothingInterruptible: the restore after a cancel', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mora-cancel-restore-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Ten files a0..a9 (modes 0600/0640 in turn), and their writes to `new <i>`. */
  const ten = () => {
    const files = Array.from({ length: 10 }, (_, i) => join(dir, `a${i}.yaml`));
    files.forEach((f, i) => { writeFileSync(f, `old ${i}\n`); chmodSync(f, i % 2 ? 0o640 : 0o600); });
    return files.map((file, i) => ({ file, data: `new ${i}\n`, read: Buffer.from(`old ${i}\n`) }));
  };
  /** Interrupts a test fires itself: `fire(signal)` calls the handler the write installed; `removed` once it let go. */
  const injected = () => {
    const state: { handler?: (s: string) => void; removed: boolean } = { removed: false };
    const interrupts: Interrupts = (handler) => { state.handler = handler; return () => { state.removed = true; }; };
    return { interrupts, fire: (s: string) => state.handler!(s), state };
  };
  /** A write that writes each file, then fires `signal` right after the `nth` write. */
  const signalAfterWrite = (nth: number, signal: string, fire: (s: string) => void): WriteFn => {
    let n = 0;
    return (file, data, opts) => {
      writeFileAtomic(file, data, opts);
      if (++n === nth) fire(signal);
    };
  };

  it('a cancel after 4 of 10 files puts those 4 back (modes kept), writes no other, and says nothing was changed', async () => {
    const toWrite = ten();
    const before = snapshot(dir);
    const { interrupts, fire, state } = injected();
    const calls: string[] = [];
    const write: WriteFn = (file, data, opts) => {
      calls.push(`${String(data).startsWith('new') ? 'write' : 'restore'} ${file.slice(dir.length + 1)}`);
      writeFileAtomic(file, data, opts);
      if (calls.length === 4) fire('SIGINT');
    };
    await assert.rejects(writeAllOrNothingInterruptible(toWrite, { write, interrupts }), (e: Error) => {
      assert.ok(e instanceof WriteCancelled);
      assert.equal(e.exitCode, 130);
      assert.equal(e.message, 'interrupted (SIGINT): the write was cancelled and nothing was changed (the 4 files written before it were restored)');
      return true;
    });
    assert.deepEqual(calls, [0, 1, 2, 3].map((i) => `write a${i}.yaml`).concat([0, 1, 2, 3].map((i) => `restore a${i}.yaml`)));
    assertAsBefore(dir, before);
    assert.ok(state.removed, 'the interrupts let go');
  });

  it('a signal during the last file still cancels: all restored, nothing reported written', async () => {
    const toWrite = ten();
    const before = snapshot(dir);
    const { interrupts, fire } = injected();
    const write = signalAfterWrite(10, 'SIGHUP', fire);
    await assert.rejects(writeAllOrNothingInterruptible(toWrite, { write, interrupts }), (e: Error) => {
      assert.equal(e.message, 'interrupted (SIGHUP): the write was cancelled and nothing was changed (the 10 files written before it were restored)');
      return true;
    });
    assertAsBefore(dir, before);
  });

  it('a cancel before the first write (a signal while the files are checked): nothing written, said so', async () => {
    const toWrite = ten();
    const before = snapshot(dir);
    const interrupts: Interrupts = (handler) => { handler('SIGTERM'); return () => undefined; };
    let writes = 0;
    await assert.rejects(writeAllOrNothingInterruptible(toWrite, { write: () => { writes++; }, interrupts }), (e: Error) => {
      assert.equal(e.message, 'interrupted (SIGTERM): the write was cancelled before the first file was written; nothing was changed');
      return true;
    });
    assert.equal(writes, 0);
    assertAsBefore(dir, before);
  });

  it('a restore that fails names the file, says where its original was saved (the bytes as before), and restores the rest', async () => {
    const toWrite = ten();
    const { interrupts, fire } = injected();
    let n = 0;
    const stuck = join(dir, 'a2.yaml');
    const write: WriteFn = (file, data, opts) => {
      if (file === stuck && !String(data).startsWith('new')) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      writeFileAtomic(file, data, opts);
      if (++n === 5) fire('SIGINT');
    };
    let saved = '';
    try {
      await assert.rejects(writeAllOrNothingInterruptible(toWrite, { write, interrupts }), (e: Error) => {
        assert.ok(e instanceof WriteCancelled);
        assert.equal(e.exitCode, 130);
        const m = /^interrupted \(SIGINT\): the write was cancelled; 4 of the 5 files written before it were restored; could not restore: (\S+): cannot write: permission denied \(EACCES\) \(that file has the new values; its original is saved as (\S+)\)$/.exec(e.message);
        assert.ok(m, e.message);
        assert.equal(m[1], stuck);
        saved = m[2];
        assert.deepEqual(e.notRestored.map((f) => [f.file, f.original]), [[stuck, saved]]);
        return true;
      });
      assert.equal(readFileSync(saved, 'utf8'), 'old 2\n', 'the original, saved');
      assert.equal(readFileSync(stuck, 'utf8'), 'new 2\n', 'as the message says: the new values');
      for (const i of [0, 1, 3, 4, 5, 6, 7, 8, 9]) assert.equal(readFileSync(join(dir, `a${i}.yaml`), 'utf8'), `old ${i}\n`);
    } finally {
      if (saved) rmSync(dirname(saved), { recursive: true, force: true });
    }
  });

  it('applyMany (manifests apply on a folder): a cancel after 2 files restores them; no "updated" line', async () => {
    for (let i = 0; i < 5; i++) writeFileSync(join(dir, `w${i}.yaml`), deployment(i));
    const before = snapshot(dir);
    const { interrupts, fire } = injected();
    const write = signalAfterWrite(2, 'SIGINT', fire);
    const changes = parseChangeSpecs({ set: [0, 1, 2, 3, 4].map((i) => `Deployment/web${i}/app=cpu=5m`), replicas: [] });
    let err = '';
    const se = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => { err += s; return true; }) as typeof process.stderr.write;
    try {
      await assert.rejects(applyMany([dir], changes, 'default', { write, interrupts }), /the write was cancelled and nothing was changed \(the 2 files written before it were restored\)/);
    } finally {
      process.stderr.write = se;
    }
    assert.doesNotMatch(err, /updated/);
    assertAsBefore(dir, before);
  });
});
