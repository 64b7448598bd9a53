// `mora demo` and `mora recommend --report`: every option is checked before any output or write. Before, `demo -m bogus`
// printed the usage table and then failed (exit 2 with stdout filled), `demo --manifests m.yaml -m bogus` wrote m.yaml
// first, `--report nodir/r.html` created the folder (unlike --manifests and --out) and `demo --report keep.yaml`
// replaced a YAML manifest with HTML.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/core/random';
import { tempDir } from '../harness/temp-dir';
import { fixturePlanDocument } from '../harness/experiment-fixture';
import { mora } from './helpers/run-cli';

describe('demo and recommend: options checked before output; --report paths', function () {
  this.timeout(60000);
  let dir: string;
  beforeEach(() => { dir = tempDir('mora-report-path-'); });

  it('demo -m bogus: exit 2, stdout empty, the model named', async () => {
    const r = await mora(['demo', '-m', 'bogus', '--report', join(dir, 'r.html')]);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.out, '');
    assert.match(r.err, /^mora: unknown model "bogus" for --model; available: .*none\n$/);
    assert.equal(existsSync(join(dir, 'r.html')), false);
  });

  it('demo --manifests m.yaml -m bogus: m.yaml not written', async () => {
    const m = join(dir, 'm.yaml');
    const r = await mora(['demo', '--manifests', m, '-m', 'bogus', '--no-report']);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.out, '');
    assert.equal(existsSync(m), false);
  });

  it('demo --report . and --report keep.yaml: exit 2 saying the name must end in .html, the file untouched, nothing printed or written', async () => {
    const keep = join(dir, 'keep.yaml');
    writeFileSync(keep, 'kind: Deployment\n');
    const m = join(dir, 'm.yaml');
    for (const report of [dir, keep, join(dir, 'r.txt')]) {
      const r = await mora(['demo', '--report', report, '--manifests', m]);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.out, '');
      assert.equal(r.err, `mora: --report ${report}: a report's file name must end in .html or .htm (the HTML report replaces the file's content; e.g. --report mora-report.html)\n`);
    }
    assert.equal(readFileSync(keep, 'utf8'), 'kind: Deployment\n');
    assert.equal(existsSync(m), false);
  });

  it('demo --report nodir/r.html and recommend --report a/b/r.html: exit 2 naming the missing folder, nothing created or printed', async () => {
    const cases: Array<[string[], string]> = [
      [['demo', '--report', join(dir, 'nodir', 'r.html')], join(dir, 'nodir')],
      [['recommend', '--report', join(dir, 'a', 'b', 'r.html')], join(dir, 'a')],
      [['demo', '--manifests', join(dir, 'gone', 'm.yaml'), '--no-report'], join(dir, 'gone')],
    ];
    for (const [args, missing] of cases) {
      const r = await mora(args);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.out, '');
      assert.ok(r.err.includes(`cannot write: the directory ${missing} does not exist (MOrA does not create it: create it first)`), r.err);
      assert.equal(existsSync(missing), false);
    }
  });

  it('recommend --report keep.yaml: refused before anything is printed', async () => {
    const keep = join(dir, 'keep.yaml');
    writeFileSync(keep, 'kind: Deployment\n');
    const r = await mora(['recommend', '--report', keep, '-w', 'cartservice']);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.out, '');
    assert.match(r.err, /must end in \.html or \.htm/);
    assert.equal(readFileSync(keep, 'utf8'), 'kind: Deployment\n');
  });

  it('a report named .html or .HTM in a folder that exists is written; demo --usage --report is refused before the path is looked at', async () => {
    mkdirSync(join(dir, 'sub'));
    const rec = await mora(['recommend', '--report', join(dir, 'sub', 'r.HTM'), '-w', 'cartservice', '-q']);
    assert.equal(rec.code, 0, rec.err);
    assert.match(readFileSync(join(dir, 'sub', 'r.HTM'), 'utf8'), /^<!doctype html>/);
    const usage = await mora(['demo', '--usage', '--report', join(dir, 'nodir', 'r.html')]);
    assert.equal(usage.code, 2, usage.err);
    assert.equal(usage.out, '');
    assert.match(usage.err, /^mora: --report goes with the recommendations, which --usage leaves out/);
  });

  // backtest --html and experiment report --html write the same kind of file: the same check (report-path.ts). Before,
  // `backtest --frontier --html recs.csv` replaced a CSV with HTML and `experiment report shop.json --html shop.json`
  // replaced the very record it read.
  it('backtest --frontier --html keep.csv and experiment report --html <the record>: exit 2 saying the name must end in .html, the files untouched', async () => {
    const input = join(dir, 'input');
    mkdirSync(input);
    const rng = new Rng(3);
    const t0 = 1_700_000_000 - (1_700_000_000 % 86400);
    const lines = ['timestamp,value'];
    for (let i = 0; i < 10 * 288; i++) lines.push(`${t0 + i * 300},${(1 + 0.5 * Math.sin(i / 45) + 0.1 * rng.next()).toFixed(4)}`);
    writeFileSync(join(input, 'alpha.csv'), lines.join('\n'));
    const keep = join(dir, 'keep.csv');
    writeFileSync(keep, 'series,value\n');
    const out = join(dir, 'recs.csv');
    const bt = await mora(['backtest', '--input', input, '--kind', 'cpu', '--strategies', 'vpa', '--frontier', '--cpu-risk', '0.05,0.1', '-q', '--out', out, '--html', keep]);
    assert.equal(bt.code, 2, bt.err);
    assert.equal(bt.out, '');
    assert.equal(bt.err, `mora: --html ${keep}: a report's file name must end in .html or .htm (the HTML report replaces the file's content; e.g. --html mora-report.html)\n`);
    assert.equal(readFileSync(keep, 'utf8'), 'series,value\n');
    assert.equal(existsSync(out), false, 'nothing written when one output path is refused');

    const { doc } = fixturePlanDocument(join(dir, 'shop.mora-plan.yaml'));
    const record = join(dir, 'shop.json');
    const text = JSON.stringify(doc, null, 2);
    writeFileSync(record, text);
    const rep = await mora(['experiment', 'report', record, '--html', record]);
    assert.equal(rep.code, 2, rep.err);
    assert.equal(rep.out, '');
    assert.equal(rep.err, `mora: --html ${record}: a report's file name must end in .html or .htm (the HTML report replaces the file's content; e.g. --html mora-report.html)\n`);
    assert.equal(readFileSync(record, 'utf8'), text);
    // A .htm name is written as before.
    const ok = await mora(['experiment', 'report', record, '--html', join(dir, 'shop.HTM')]);
    assert.equal(ok.code, 0, ok.err);
    assert.match(readFileSync(join(dir, 'shop.HTM'), 'utf8'), /^<!doctype html>/);
  });
});
