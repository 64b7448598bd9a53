// `manifests apply --out <file>` — and every other user-given output path (backtest --out/--html, experiment report
// --html, experiment jmx-template --out, demo --manifests) — must name a file in a folder that exists:
// a typo in the folder is exit 2 naming that folder, and nothing is created. MOrA's own files (undo records, state,
// caches, models) still get their missing folders created.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkWritable, writeFileAtomic } from '../../src/core/atomic-write';
import { Rng } from '../../src/core/random';
import { mora } from './helpers/run-cli';
import { fixturePlanDocument } from '../harness/experiment-fixture';

const manifest = [
  'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', 'spec:', '  template:', '    spec:', '      containers:',
  '      - name: app', '        resources:', '          requests:', '            cpu: 100m', '',
].join('\n');

describe('output paths: missing folders of a user-given path are not created', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mora-out-parents-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('manifests apply --out into a folder that does not exist: exit 2 naming the missing folder, nothing created', async () => {
    const file = join(dir, 'f.yaml');
    writeFileSync(file, manifest);
    const missing = join(dir, 'nonexistentdir');
    const r = await mora(['manifests', 'apply', file, '--set', 'Deployment/web/app=cpu=150m', '--out', join(missing, 'sub', 'out.yaml')]);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.ok(r.err.includes(`cannot write: the directory ${missing} does not exist`), r.err);
    assert.equal(existsSync(missing), false, 'the folder is not created');
    assert.equal(readFileSync(file, 'utf8'), manifest);
  });

  it('the same for a UTF-16 manifest (written as bytes)', async () => {
    const file = join(dir, 'f16.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(manifest, 'utf16le')]));
    const missing = join(dir, 'nope');
    const r = await mora(['manifests', 'apply', file, '--set', 'Deployment/web/app=cpu=150m', '--out', join(missing, 'out.yaml')]);
    assert.equal(r.code, 2, r.err);
    assert.ok(r.err.includes(`the directory ${missing} does not exist`), r.err);
    assert.equal(existsSync(missing), false);
  });

  it('--out in a folder that exists is still written', async () => {
    const file = join(dir, 'f.yaml');
    writeFileSync(file, manifest);
    const r = await mora(['manifests', 'apply', file, '--set', 'Deployment/web/app=cpu=150m', '--out', join(dir, 'out.yaml')]);
    assert.equal(r.code, 0, r.err);
    assert.match(readFileSync(join(dir, 'out.yaml'), 'utf8'), /cpu: 150m/);
  });

  it('writeFileAtomic/checkWritable: createParents false refuses (ENOENT, the missing folder); the default (MOrA\'s own files) creates them', () => {
    const mine = join(dir, 'state', 'mora', 'undo', 'record.yaml');
    writeFileAtomic(mine, 'a: 1\n');
    assert.equal(readFileSync(mine, 'utf8'), 'a: 1\n');
    checkWritable(join(dir, 'cache', 'x', 'y.json'));
    const theirs = join(dir, 'typo', 'deeper', 'out.yaml');
    for (const attempt of [() => writeFileAtomic(theirs, 'b: 1\n', { createParents: false }), () => checkWritable(theirs, { createParents: false })]) {
      assert.throws(attempt, (e: NodeJS.ErrnoException) => e.code === 'ENOENT' && e.path === join(dir, 'typo'));
    }
    assert.equal(existsSync(join(dir, 'typo')), false);
  });
  /** Ten days of 5-minute CPU samples: enough for backtest to score days. */
  function backtestInput(): string {
    const input = join(dir, 'input');
    mkdirSync(input);
    const rng = new Rng(3);
    const t0 = 1_700_000_000 - (1_700_000_000 % 86400);
    const lines = ['timestamp,value'];
    for (let i = 0; i < 10 * 288; i++) lines.push(`${t0 + i * 300},${(1 + 0.5 * Math.sin(i / 45) + 0.1 * rng.next()).toFixed(4)}`);
    writeFileSync(join(input, 'alpha.csv'), lines.join('\n'));
    return input;
  }

  function assertRefused(r: { code: number; err: string }, missing: string): void {
    assert.equal(r.code, 2, r.err);
    assert.ok(r.err.includes(`cannot write: the directory ${missing} does not exist (MOrA does not create it: create it first)`), r.err);
    assert.equal(existsSync(missing), false, 'the folder is not created');
  }

  it('backtest --out into a missing folder: exit 2 naming it, nothing created', async () => {
    const input = backtestInput();
    const missing = join(dir, 'nonexistentdir');
    assertRefused(await mora(['backtest', '--input', input, '--kind', 'cpu', '--strategies', 'vpa', '-q', '--out', join(missing, 'recs.csv')]), missing);
  });

  it('backtest --frontier --html into a missing folder: exit 2 naming it, and a good --out is not written either', async () => {
    const input = backtestInput();
    const missing = join(dir, 'report');
    const out = join(dir, 'recs.csv');
    const r = await mora(['backtest', '--input', input, '--kind', 'cpu', '--strategies', 'vpa', '--frontier', '--cpu-risk', '0.05,0.1', '-q',
      '--out', out, '--html', join(missing, 'frontier.html')]);
    assertRefused(r, missing);
    assert.equal(existsSync(out), false, 'nothing is written when one output path is bad');
  });

  it('experiment report --html into a missing folder: exit 2 naming it', async () => {
    const { doc } = fixturePlanDocument(join(dir, 'shop.mora-plan.yaml'));
    writeFileSync(join(dir, 'shop.json'), JSON.stringify(doc, null, 2));
    const missing = join(dir, 'no', 'such');
    assertRefused(await mora(['experiment', 'report', join(dir, 'shop.json'), '--html', join(missing, 'report.html')]), join(dir, 'no'));
  });

  it('experiment jmx-template --out into a missing folder: exit 2 naming it', async () => {
    const missing = join(dir, 'plans');
    assertRefused(await mora(['experiment', 'jmx-template', '--out', join(missing, 'shop.jmx')]), missing);
  });

  it('demo --manifests into a missing folder: exit 2 naming it, before the demo prints anything', async () => {
    const missing = join(dir, 'k8s');
    const r = await mora(['demo', '--manifests', join(missing, 'shop.yaml'), '--usage']);
    assertRefused(r, missing);
    assert.equal(r.out, '');
  });
});
