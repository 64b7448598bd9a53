// The workload and plan locks (src/data/experiments/plan-lock.ts) under real processes: a stale lock taken over by
// exactly one of several runs started at once, and a lock whose usual folder cannot be written.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { tempDir } from '../harness/temp-dir';
import { acquireWorkloadLock, PlanLockedError, workloadLockPath, workloadStateLockPath } from '../../src/data/experiments/plan-lock';

async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('experiment locks', () => {
  // Until 2026-12-01 each run that judged the lock stale checked it and removed it in two steps: a slower run
  // removed the lock a faster one had just created, then created its own, and both held it.
  it('a stale workload lock (its pid gone; in odd rounds with the takeover claim of a run that died) raced by 8 processes at once, 5 rounds: exactly one takes it each round, the others are refused naming it', async function () {
    this.timeout(180_000);
    const dir = tempDir('mora-lockrace-');
    const out = join(dir, 'runs', 'out');
    const sync = join(dir, 'sync');
    mkdirSync(sync);
    const n = 8;
    const rounds = 5;
    const lock = workloadLockPath(out, 'k');
    // The race is one of microseconds: each child pauses 40 ms between its last check of the stale lock and its removal
    // (MORA_LOCK_TAKEOVER_PAUSE_MS), where the runs met. Each child, each round: says it is ready, waits for the gate, takes the lock (or is refused), says which, and
    // the one that got it holds it until the round is done, so every other one meets it held.
    const script = `
      const { existsSync, renameSync, writeFileSync } = require('node:fs');
      const { join } = require('node:path');
      const { acquireWorkloadLock } = require(${JSON.stringify(resolve(__dirname, '../../src/data/experiments/plan-lock.ts'))});
      const [sync, out, id, rounds] = process.argv.slice(1);
      const wait = (f) => { while (!existsSync(f)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); };
      for (let r = 0; r < Number(rounds); r++) {
        writeFileSync(join(sync, 'ready-' + r + '-' + id), '');
        wait(join(sync, 'gate-' + r));
        let said;
        let lock;
        try { lock = acquireWorkloadLock(out, 'k', 'w', 'test ' + id); said = 'GOT'; } catch (e) { said = e.name === 'PlanLockedError' ? 'REFUSED ' + e.message : 'ERROR ' + e.stack; }
        writeFileSync(join(sync, 'tmp-' + id), said); renameSync(join(sync, 'tmp-' + id), join(sync, 'result-' + r + '-' + id)); // whole when seen
        if (lock) { wait(join(sync, 'done-' + r)); lock.release(); }
      }`;
    const children = Array.from({ length: n }, (_, i) => spawn(process.execPath, ['--import', 'tsx', '-e', script, sync, out, String(i), String(rounds)], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MORA_LOCK_TAKEOVER_PAUSE_MS: '40' } }));
    const stderr = children.map(() => '');
    children.forEach((c, i) => c.stderr!.on('data', (d: Buffer) => { stderr[i] += d.toString(); }));
    const exited = children.map((c) => new Promise<number | null>((r) => c.on('exit', (code) => r(code))));
    const files = (prefix: string) => readdirSync(sync).filter((f) => f.startsWith(prefix));
    try {
      for (let r = 0; r < rounds; r++) {
        const dead = spawnSync(process.execPath, ['-e', '']).pid!;
        mkdirSync(join(dir, 'runs'), { recursive: true });
        const lockText = `${JSON.stringify({ pid: dead, hostname: hostname(), started: `2026-11-30T10:00:0${r}.000Z` })}\n`;
        writeFileSync(lock, lockText);
        // Odd rounds: a run died mid-takeover of that lock, leaving its claim; the 8 set it aside and race on the next link.
        if (r % 2 === 1) writeFileSync(`${lock}.takeover-${createHash('sha256').update(lockText).digest('hex').slice(0, 16)}`, `${JSON.stringify({ pid: spawnSync(process.execPath, ['-e', '']).pid!, hostname: hostname(), started: 'x' })}\n`);
        await until(`round ${r}: all ${n} ready (${stderr.join('')})`, () => files(`ready-${r}-`).length === n);
        writeFileSync(join(sync, `gate-${r}`), '');
        await until(`round ${r}: all ${n} results (${stderr.join('')})`, () => files(`result-${r}-`).length === n);
        const said = files(`result-${r}-`).map((f) => require('node:fs').readFileSync(join(sync, f), 'utf8') as string);
        const got = said.filter((s) => s === 'GOT');
        assert.equal(got.length, 1, `round ${r}: ${got.length} took the lock:\n${said.join('\n')}`);
        for (const s of said.filter((x) => x !== 'GOT')) assert.match(s, /^REFUSED w is being scaled by test \d+ \(pid \d+ on /, `round ${r}: ${said.join('\n')}`);
        writeFileSync(join(sync, `done-${r}`), '');
        await until(`round ${r}: the lock released`, () => !existsSync(lock));
        assert.deepEqual(readdirSync(join(dir, 'runs')), [], `round ${r}: no claim or temp file left`);
      }
      assert.deepEqual(await Promise.all(exited), children.map(() => 0), stderr.join(''));
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill();
    }
  });

  // Until 2026-12-01 the lock went only beside --out: `--out /data` (its folder / not writable) or `--out .` under a
  // read-only parent crashed with a raw EACCES ("mora: unexpected error").
  describe('the folder holding --out cannot be written', () => {
    let saved: string | undefined;
    let state: string;
    beforeEach(() => {
      saved = process.env.XDG_STATE_HOME;
      state = join(tempDir('mora-lockstate-'), 'state');
      process.env.XDG_STATE_HOME = state;
    });
    afterEach(() => {
      if (saved === undefined) delete process.env.XDG_STATE_HOME;
      else process.env.XDG_STATE_HOME = saved;
    });

    const check = (outA: string, outB: string) => {
      const a = acquireWorkloadLock(outA, 'k', 'w', 'mora experiment (out a)');
      const path = workloadStateLockPath('k');
      assert.ok(path.startsWith(join(state, 'mora', 'locks')), path);
      assert.ok(existsSync(path), 'the lock is in the user\'s state folder');
      // Another run with its out folder in that same folder meets the same lock.
      assert.throws(() => acquireWorkloadLock(outB, 'k', 'w', 'x'), (e: Error) => e instanceof PlanLockedError && e.message.startsWith(`w is being scaled by mora experiment (out a) (pid ${process.pid} on `) && e.message.includes(`lock ${path})`));
      a.release();
      assert.ok(!existsSync(path), 'released');
    };

    it('its parent is a file, not a folder (any user, root too): the lock is in $XDG_STATE_HOME/mora/locks, shared by runs there', () => {
      const dir = tempDir('mora-locknotdir-');
      writeFileSync(join(dir, 'file'), '');
      check(join(dir, 'file', 'a'), join(dir, 'file', 'b'));
    });

    it('its parent is read-only (chmod 555): the lock is in $XDG_STATE_HOME/mora/locks, shared by runs there', function () {
      // root writes through chmod 555: the case cannot be made so (the test above covers the fallback as root).
      if (process.getuid?.() === 0) {
        console.log('      (skipped for root: a 0555 folder does not stop root from writing; the test above covers the fallback)');
        this.skip();
      }
      const dir = tempDir('mora-lockro-');
      const parent = join(dir, 'ro');
      mkdirSync(join(parent, 'a'), { recursive: true });
      mkdirSync(join(parent, 'b'));
      chmodSync(parent, 0o555);
      try {
        check(join(parent, 'a'), join(parent, 'b'));
      } finally {
        chmodSync(parent, 0o755);
      }
    });

    it('neither it nor the state folder can be written: one line that says both, nothing else', () => {
      const dir = tempDir('mora-locknowhere-');
      writeFileSync(join(dir, 'file'), '');
      process.env.XDG_STATE_HOME = join(dir, 'file', 'state');
      assert.throws(() => acquireWorkloadLock(join(dir, 'file', 'a'), 'k', 'w', 'x'), (e: Error) => e instanceof PlanLockedError
        && /^w: its lock can be written neither beside the out folder \(.*file: E[A-Z]+\) nor in .*mora\/locks \(E[A-Z]+\): nothing was scaled or sent; /.test(e.message) && !e.message.includes('\n'));
    });
  });

  // Until 2026-12-01 any EACCES/EPERM while taking the lock beside --out sent the run to the state folder — reading a
  // lock it may not read (another user's, umask 077) or removing a stale one it may not (a sticky folder) too: a second
  // lock, while the first was held, and both runs scaled the workload. The other user is simulated by the error
  // that user's lock gives (a test run as root reads and removes anything).
  describe('a lock beside --out that this user cannot read or remove (another user\'s)', () => {
    let saved: string | undefined;
    let state: string;
    // The module object plan-lock.ts calls into (its named imports are read from it at each call).
    const fsm = require('node:fs') as Record<string, unknown>;
    const real = { readFileSync: fsm.readFileSync, unlinkSync: fsm.unlinkSync };
    const failOn = (name: 'readFileSync' | 'unlinkSync', path: string, code: string) => {
      fsm[name] = (...args: unknown[]) => {
        if (args[0] === path) throw Object.assign(new Error(`${code}: operation not permitted, '${path}'`), { code });
        return (real[name] as (...a: unknown[]) => unknown)(...args);
      };
    };
    beforeEach(() => {
      saved = process.env.XDG_STATE_HOME;
      state = join(tempDir('mora-lockstate-'), 'state');
      process.env.XDG_STATE_HOME = state;
    });
    afterEach(() => {
      fsm.readFileSync = real.readFileSync;
      fsm.unlinkSync = real.unlinkSync;
      if (saved === undefined) delete process.env.XDG_STATE_HOME;
      else process.env.XDG_STATE_HOME = saved;
    });

    it('cannot be read (EACCES): refused naming the lock, no lock taken in the state folder', () => {
      const out = join(tempDir('mora-lockunreadable-'), 'out');
      const lock = workloadLockPath(out, 'k');
      writeFileSync(lock, `${JSON.stringify({ pid: process.pid, hostname: hostname(), started: '2026-12-01T01:00:00.000Z', by: 'other' })}\n`);
      failOn('readFileSync', lock, 'EACCES');
      assert.throws(() => acquireWorkloadLock(out, 'k', 'w', 'x'), (e: Error) => e instanceof PlanLockedError
        && e.message.startsWith(`w: this user cannot read the lock ${lock} (EACCES, owned by uid `) && e.message.includes(': nothing was scaled or sent; ') && e.message.includes('delete it'));
      assert.ok(!existsSync(workloadStateLockPath('k')), 'no second lock in the state folder');
    });

    it('stale but cannot be removed (EPERM, a sticky folder): refused naming the lock and its gone holder, no lock taken in the state folder', () => {
      const out = join(tempDir('mora-lockundeletable-'), 'out');
      const lock = workloadLockPath(out, 'k');
      const dead = spawnSync(process.execPath, ['-e', '']).pid!;
      writeFileSync(lock, `${JSON.stringify({ pid: dead, hostname: hostname(), started: '2026-12-01T01:00:00.000Z', by: 'mora experiment (out o)' })}\n`);
      failOn('unlinkSync', lock, 'EPERM');
      assert.throws(() => acquireWorkloadLock(out, 'k', 'w', 'x'), (e: Error) => e instanceof PlanLockedError
        && e.message.startsWith(`w: this user cannot remove the stale lock ${lock} (EPERM, owned by uid `) && e.message.includes(`written by mora experiment (out o), pid ${dead} on `));
      assert.ok(!existsSync(workloadStateLockPath('k')), 'no second lock in the state folder');
      assert.deepEqual(readdirSync(join(out, '..')).filter((f) => f.includes('.takeover-')), [], 'its claim removed');
    });
  });

  // Until 2026-12-01 a takeover claim whose pid is alive again (reused) made every run retry, then say "another run
  // took the lock … run again", without naming the claim: running again did the same, for ever.
  it('a stale lock whose takeover claim names a live pid (reused): refused naming the claim and the lock, and to delete both', function () {
    this.timeout(30_000);
    const out = join(tempDir('mora-lockclaim-'), 'out');
    const lock = workloadLockPath(out, 'k');
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const text = `${JSON.stringify({ pid: dead, hostname: hostname(), started: '2026-12-01T01:00:00.000Z' })}\n`;
    writeFileSync(lock, text);
    const claim = `${lock}.takeover-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
    writeFileSync(claim, `${JSON.stringify({ pid: process.pid, hostname: hostname(), started: '2026-12-01T01:00:01.000Z' })}\n`);
    assert.throws(() => acquireWorkloadLock(out, 'k', 'w', 'x'), (e: Error) => e instanceof PlanLockedError
      && e.message === `w: a run taking over the lock ${lock} has not finished (its claim ${claim} is still there): nothing was scaled or sent; if no mora run is going on, delete ${claim} and ${lock} and run again (a run after the claim is 2 minutes old sets it aside by itself)`);
    assert.ok(existsSync(claim) && existsSync(lock), 'a live, fresh claim and its lock are left as they are');
  });

  // Until 2026-12-01 a takeover claim was never stale: a run that died between creating its claim and removing the
  // stale lock (SIGKILL, OOM) left the claim, and every later run refused ("ended midway" for a dead pid, "has not
  // finished" once the pid was reused), for ever. Now a claim whose pid is not running here, or older than 2 minutes,
  // is set aside, said in the takeover's note.
  describe('a takeover claim left by a run that died mid-takeover', () => {
    const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
    const hash = (t: string) => createHash('sha256').update(t).digest('hex').slice(0, 16);
    /** A stale lock (its pid gone) beside `out` and its first claim, written by `claimer`; the claim's path and text. */
    const staleLockWithClaim = (prefix: string, claimer: { pid: number; hostname?: string }) => {
      const out = join(tempDir(prefix), 'out');
      const lock = workloadLockPath(out, 'k');
      const lockText = `${JSON.stringify({ pid: deadPid(), hostname: hostname(), started: '2026-12-01T01:00:00.000Z' })}\n`;
      writeFileSync(lock, lockText);
      const claim = `${lock}.takeover-${hash(lockText)}`;
      const claimText = `${JSON.stringify({ pid: claimer.pid, hostname: claimer.hostname ?? hostname(), started: '2026-12-01T01:00:01.000Z' })}\n`;
      writeFileSync(claim, claimText);
      return { out, lock, claim, claimText };
    };
    const left = (out: string) => readdirSync(join(out, '..')).filter((f) => f.includes('.takeover-') || f.endsWith('.tmp'));

    it('its pid not running: set aside, the lock taken over, the note names the claim and why; no claim left', () => {
      const dead = deadPid();
      const { out, lock, claim } = staleLockWithClaim('mora-lockdeadclaim-', { pid: dead });
      const got = acquireWorkloadLock(out, 'k', 'w', 'x');
      try {
        assert.match(got.tookOver ?? '', new RegExp(`^took over the lock of a run that is gone \\(pid \\d+ on [^)]+\\); set aside the takeover claim ${claim.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, left by pid ${dead}, which is not running$`));
        assert.equal(JSON.parse(readFileSync(lock, 'utf8')).pid, process.pid);
        assert.deepEqual(left(out), []);
      } finally {
        got.release();
      }
    });

    it('its pid alive (reused) but the claim older than 2 minutes (fs.utimes): set aside, saying its age', () => {
      const { out, claim } = staleLockWithClaim('mora-lockoldclaim-', { pid: process.pid });
      const threeMinutesAgo = new Date(Date.now() - 3 * 60_000);
      utimesSync(claim, threeMinutesAgo, threeMinutesAgo);
      const got = acquireWorkloadLock(out, 'k', 'w', 'x');
      try {
        assert.match(got.tookOver ?? '', /; set aside the takeover claim .*, written by pid \d+ on [^ ]+ 1[89]\d s ago \(a takeover takes milliseconds; a claim older than 120 s is stale\)$/);
        assert.deepEqual(left(out), []);
      } finally {
        got.release();
      }
    });

    it('a claim from another host is stale only by age: fresh, refused; 3 minutes old, set aside', function () {
      this.timeout(30_000);
      const { out, claim } = staleLockWithClaim('mora-lockhostclaim-', { pid: deadPid(), hostname: 'other-host.example' });
      assert.throws(() => acquireWorkloadLock(out, 'k', 'w', 'x'), (e: Error) => e instanceof PlanLockedError && e.message.includes(`(its claim ${claim} is still there)`));
      const old = new Date(Date.now() - 3 * 60_000);
      utimesSync(claim, old, old);
      const got = acquireWorkloadLock(out, 'k', 'w', 'x');
      got.release();
      assert.match(got.tookOver ?? '', /written by pid \d+ on other-host\.example \d+ s ago/);
      assert.deepEqual(left(out), []);
    });

    it('two runs died in turn (the claim and the claim that set it aside both left): both set aside, one note each', () => {
      const { out, claim, claimText } = staleLockWithClaim('mora-lockchain-', { pid: deadPid() });
      const second = `${claim}-${hash(claimText)}`;
      writeFileSync(second, `${JSON.stringify({ pid: deadPid(), hostname: hostname(), started: '2026-12-01T01:00:02.000Z' })}\n`);
      const got = acquireWorkloadLock(out, 'k', 'w', 'x');
      got.release();
      const notes = (got.tookOver ?? '').split('; set aside the takeover claim ').slice(1);
      assert.deepEqual(notes.map((n) => n.split(',')[0]), [claim, second]);
      assert.deepEqual(left(out), []);
    });
  });
});
