import { strict as assert } from 'node:assert';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { recommendCommand } from '../../src/cli/commands/recommend';
import { asPipe } from './helpers/as-pipe';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';
import { UserError } from '../../src/cli/errors';
import { renderHtmlReport } from '../../src/cli/format/html';
import { recommendFromSource } from '../../src/pipeline/recommend';
import { DemoDataSource } from '../../src/data/demo';

const base = RECOMMEND_DEFAULTS;

describe('mora recommend on the demo shop', function () {
  this.timeout(60000);

  it('prints a table with one row per service in a pipe, no wider than 100 columns with COLUMNS=100', async () => {
    const text = await asPipe(undefined, () => recommendCommand(base));
    const lines = text.trimEnd().split('\n');
    // Header, rule, 11 services; then the footnotes (prose, whatever they say). A row has the header's cells (columns
    // are set apart by two spaces or more); the table ends at the first line that does not.
    const cells = (l: string) => l.trim().split(/\s{2,}/);
    assert.match(lines[1], /^[─ ]+$/);
    assert.equal(cells(lines[1]).length, cells(lines[0]).length);
    const end = lines.findIndex((l, i) => i > 1 && cells(l).length !== cells(lines[0]).length);
    const rows = lines.slice(2, end < 0 ? lines.length : end);
    assert.equal(rows.length, 11, rows.join('\n'));
    assert.deepEqual(rows.map((l) => cells(l)[0]).filter((n) => !/^[a-z-]+$/.test(n)), []);
    // At 100 columns the names (and the verdict, at its hyphen) wrap; the quantities stay whole.
    for (const l of (await asPipe('100', () => recommendCommand(base))).split('\n')) assert.ok(l.length <= 100, `${l.length}: ${l}`);
  });

  it('--compare puts VPA and KRR values next to MOrA\'s, with savings and risk, within 100 columns', async () => {
    const text = await asPipe('100', () => recommendCommand({ ...base, compare: true }));
    const lines = text.trimEnd().split('\n');
    assert.match(lines[0], /vpa.*krr/);
    assert.ok(lines.some((l) => /frees|needs/.test(l)) && lines.some((l) => /container-days/.test(l)));
    for (const l of lines) assert.ok(l.length <= 100, `${l.length}: ${l}`);
  });

  it('json, yaml and csv carry the same recommendations', async () => {
    const j = JSON.parse(await recommendCommand({ ...base, format: 'json', workload: 'cartservice' }));
    const y = parse(await recommendCommand({ ...base, format: 'yaml', workload: 'cartservice' }));
    assert.equal(j.length, 1);
    assert.deepEqual(y[0].containers[0].cpu.request, j[0].containers[0].cpu.request);
    const csv = (await recommendCommand({ ...base, format: 'csv', workload: 'cartservice' })).trim().split('\n');
    assert.match(csv[0], /^context,namespace,kind,workload,container,resource/);
    assert.ok(csv.some((l) => l.includes(',cpu,')) && csv.some((l) => l.includes(',memory,')));
  });

  it('rounding steps and floors are configurable with quantities', async () => {
    const j = JSON.parse(await recommendCommand({ ...base, format: 'json', workload: 'paymentservice', cpuStep: '50m', cpuMin: '0', memoryMin: '16Mi', memoryStep: '16Mi' }));
    const c = j[0].containers[0];
    assert.ok(c.cpu.request.value > 0 && Math.abs(c.cpu.request.value / 0.05 - Math.round(c.cpu.request.value / 0.05)) < 1e-9);
    assert.equal(c.memory.limit.value % (16 * 2 ** 20), 0);
    assert.ok(c.memory.limit.value < 250 * 2 ** 20, 'the lower floor applies');
  });

  it('Guaranteed sets CPU limits equal to requests', async () => {
    const j = JSON.parse(await recommendCommand({ ...base, format: 'json', qos: 'Guaranteed', workload: 'adservice' }));
    const c = j[0].containers[0];
    assert.equal(c.cpu.limit.value, c.cpu.request.value);
    assert.equal(c.memory.limit.value, c.memory.request.value);
  });

  it('rejects bad options and unknown workloads with a usage error', async () => {
    await assert.rejects(recommendCommand({ ...base, format: 'xml' }), (e: unknown) => e instanceof UserError && /--format/.test(e.message));
    await assert.rejects(recommendCommand({ ...base, workload: 'nope' }), /no workloads matched/);
    await assert.rejects(recommendCommand({ ...base, memoryMin: '12 Mi' }), (e: unknown) => e instanceof UserError && /--memory-min/.test(e.message));
    // A kubeconfig that does not exist is bad input (2) — as in `mora health` — even with Prometheus unreachable too.
    await assert.rejects(recommendCommand({ ...base, source: 'cluster', prometheus: 'http://127.0.0.1:9', kubeconfig: join(tmpdir(), 'mora-no-such-kubeconfig') }),
      (e: unknown) => e instanceof UserError && e.exitCode === 2 && /kubeconfig/.test(e.message));
  });

  it('writes an HTML report with a chart per service', async () => {
    const runs = await recommendFromSource(new DemoDataSource(), { workload: 'frontend' });
    const html = renderHtmlReport(runs, { title: 'test' });
    assert.match(html, /^<!doctype html>/);
    assert.ok((html.match(/<svg /g) ?? []).length >= 2);
    assert.ok(html.includes('frontend'));
  });

  it('dates the HTML report by SOURCE_DATE_EPOCH when set (the same bytes twice), else now; a bad value is exit 2', async () => {
    const runs = await recommendFromSource(new DemoDataSource(), { workload: 'frontend' });
    const saved = process.env.SOURCE_DATE_EPOCH;
    try {
      process.env.SOURCE_DATE_EPOCH = '1700000000';
      const a = renderHtmlReport(runs, { title: 'test' });
      assert.match(a, /Generated 2023-11-14T22:13:20\.000Z\./);
      assert.equal(renderHtmlReport(runs, { title: 'test' }), a);
      process.env.SOURCE_DATE_EPOCH = 'yesterday';
      assert.throws(() => renderHtmlReport(runs, { title: 'test' }), (e: unknown) => e instanceof UserError && e.exitCode === 2 && /SOURCE_DATE_EPOCH/.test(e.message));
      delete process.env.SOURCE_DATE_EPOCH;
      assert.doesNotMatch(renderHtmlReport(runs, { title: 'test' }), /Generated 2023-11-14/);
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = saved;
    }
  });
});
