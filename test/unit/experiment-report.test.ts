import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../harness/temp-dir';
import { FIXTURE_FAILED, fixturePlanDocument } from '../harness/experiment-fixture';
import { mora } from './helpers/run-cli';

describe('mora experiment report', () => {
  function stored(): { dir: string; json: string } {
    const dir = tempDir('mora-exp-report-');
    const { doc } = fixturePlanDocument(join(dir, 'shop.mora-plan.yaml'));
    const json = join(dir, 'shop.json');
    writeFileSync(json, JSON.stringify(doc, null, 2));
    writeFileSync(join(dir, 'other.json'), '{"not":"a record"}');
    return { dir, json };
  }

  it('prints the quality report and the capacity, and writes a self-contained HTML report with the charts', async () => {
    const { dir, json } = stored();
    const html = join(dir, 'report.html');
    const r = await mora(['experiment', 'report', dir, '--html', html]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`^Load experiment: shop \\(partial\\): ${json.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.match(r.out, new RegExp(`^  ${FIXTURE_FAILED.replace(/\//g, '\\/')} +FAILED `, 'm'));
    assert.match(r.out, /^ {2}6 passed, 1 failed \(left out of capacity\), 1 not run$/m);
    assert.match(r.out, /^ {2}checkout: [\d.]+ req\/s \([\d.]+–[\d.]+\) within p95 ≤ 100 ms;/m);
    const page = readFileSync(html, 'utf8');
    assert.ok(page.startsWith('<!doctype html>'));
    assert.doesNotMatch(page, /<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'no scripts, nothing fetched');
    assert.equal((page.match(/<svg /g) ?? []).length, 6, 'three charts per service');
    // The failed cell is a cross on the load and CPU charts and on both latency series.
    assert.equal((page.match(/class="failed" d=/g) ?? []).length, 4);
    assert.match(page, /Capacity: [\d.]+ req\/s per replica \(95% [\d.]+–[\d.]+\) within p95 ≤ 100 ms/);
  });

  it('json has the capacity and the view; a folder without a record, or not a record, is a clear error (exit 2)', async () => {
    const { dir, json } = stored();
    const j = await mora(['experiment', 'report', json, '--format', 'json']);
    assert.equal(j.code, 0, j.err);
    const out = JSON.parse(j.out) as { capacity: Array<{ service: string }>; view: { services: unknown[] } };
    assert.deepEqual(out.capacity.map((c) => c.service), ['checkout', 'cart']);
    assert.equal(out.view.services.length, 2);
    const empty = tempDir('mora-exp-report-empty-');
    const e = await mora(['experiment', 'report', empty]);
    assert.equal(e.code, 2);
    assert.match(e.err, /no experiment plan record there/);
    const n = await mora(['experiment', 'report', join(dir, 'other.json')]);
    assert.equal(n.code, 2);
    assert.match(n.err, /other\.json is not an experiment plan's record/);
  });
});
