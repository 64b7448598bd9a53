import * as assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { METRIC_NAMES } from '../../src/core/metrics';
import { quantile, max, mean } from '../../src/core/stats';
import { DemoDataSource, DEMO_SERVICES, demoManifests, demoWorkload } from '../../src/data/demo';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../harness/temp-dir';
import { demoRows, demoTable } from '../../src/cli/commands/demo-run';
import { mora } from './helpers/run-cli';
import { asPipe } from './helpers/as-pipe';

describe('embedded demo shop', () => {
  const source = new DemoDataSource();

  it('has the eleven Online Boutique services in one namespace of the demo context', async () => {
    assert.deepEqual(await source.contexts(), ['demo']);
    assert.deepEqual(await source.namespaces('demo'), ['shop']);
    const names = (await source.workloads('demo', 'shop')).map((w) => w.name).sort();
    assert.deepEqual(names, ['adservice', 'cartservice', 'checkoutservice', 'currencyservice', 'emailservice', 'frontend',
      'paymentservice', 'productcatalogservice', 'recommendationservice', 'redis-cart', 'shippingservice']);
    assert.deepEqual(await source.workloads('other', 'shop'), []);
  });

  it('gives 14 days of 1-minute samples of all 12 metrics, finite and non-negative', () => {
    const m = source.serviceMetrics('cartservice');
    assert.equal(m.t.length, 14 * 1440);
    assert.equal(m.t[1] - m.t[0], 60);
    for (const name of METRIC_NAMES) {
      const v = m.values[name];
      assert.equal(v.length, m.t.length, name);
      assert.ok(v.every((x) => Number.isFinite(x) && x >= 0), `${name} has a negative or non-finite sample`);
    }
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = new DemoDataSource().serviceMetrics('frontend').values.cpu_usage;
    const b = new DemoDataSource().serviceMetrics('frontend').values.cpu_usage;
    const c = new DemoDataSource({ seed: 7, end: 1.8e9, days: 14, step: 60 }).serviceMetrics('frontend').values.cpu_usage;
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.subarray(0, 100), c.subarray(0, 100));
  });

  it('follows a daily cycle: afternoon traffic well above night traffic', () => {
    const m = source.serviceMetrics('frontend');
    const byHour = (h: number) => {
      const xs: number[] = [];
      m.t.forEach((t, i) => { if (Math.floor((t % 86400) / 3600) === h) xs.push(m.values.request_rate[i]); });
      return mean(xs);
    };
    assert.ok(byHour(14) > 2 * byHour(3), `14:00 ${byHour(14)} vs 03:00 ${byHour(3)}`);
  });

  it('has quieter weekends than mid-week and grows over the two weeks', () => {
    const m = source.serviceMetrics('frontend');
    const day = (d: number) => mean(m.values.request_rate.subarray(d * 1440, (d + 1) * 1440));
    // The history ends on Monday 2026-11-23, so day 0 is Monday 2026-11-09; days 6 and 13 are Sundays.
    assert.ok(day(2) > day(6) * 1.15 && day(9) > day(13) * 1.15);
    assert.ok(day(7) + day(8) + day(9) > (day(0) + day(1) + day(2)) * 1.05, 'second week busier than the first');
  });

  it('contains the deliberate mis-sizings: one over-, one under-provisioned, one leak, one GC sawtooth', () => {
    const cpuP95 = (n: string) => quantile(source.serviceMetrics(n).values.cpu_usage, 0.95);
    const catalog = demoWorkload(DEMO_SERVICES.find((s) => s.name === 'productcatalogservice')!);
    assert.ok(cpuP95('productcatalogservice') < 0.2 * catalog.containers[0].resources.requests.cpu!);
    const currency = source.serviceMetrics('currencyservice').values;
    assert.ok(max(currency.cpu_throttling_ratio) > 0.3, 'currencyservice is throttled at peak');
    const leak = source.serviceMetrics('recommendationservice').values.memory_working_set;
    assert.ok(mean(leak.subarray(-1440)) > mean(leak.subarray(0, 1440)) + 100 * 2 ** 20, 'leak adds >100 MiB over two weeks');
    const ad = source.serviceMetrics('adservice').values.memory_working_set;
    // Sawtooth: within one 7-minute GC period memory spans tens of MiB.
    assert.ok(max(ad.subarray(0, 7)) - Math.min(...ad.subarray(0, 7)) > 30 * 2 ** 20);
  });

  it('lets the HPA scale the frontend between its bounds', () => {
    const r = source.serviceMetrics('frontend').values.ready_replicas;
    assert.ok(Math.min(...r) >= 1 && max(r) <= 6);
    assert.ok(new Set(r).size > 1, 'replicas change with load');
  });

  it('resamples metrics onto a coarser grid over the requested range', async () => {
    const [w] = await source.workloads('demo', 'shop');
    const range = await source.historyRange({ workload: w });
    const frame = await source.metrics({ workload: w }, { from: range.from, to: range.from + 3600, step: 300 });
    assert.equal(frame.t.length, 12);
    assert.equal(frame.step, 300);
    assert.equal(frame.values.cpu_usage![1], source.serviceMetrics(w.name).values.cpu_usage[5]);
  });

  it('reads at its own step the samples of the grid, NaN outside the history (the copy path)', async () => {
    const [w] = await source.workloads('demo', 'shop');
    const range = await source.historyRange({ workload: w });
    const own = source.serviceMetrics(w.name).values;
    const whole = await source.metrics({ workload: w }, range);
    assert.equal(whole.t.length, own.cpu_usage.length);
    for (const name of METRIC_NAMES) assert.deepEqual(whole.values[name], own[name], name);
    // Starting two samples before the history and ending three after it.
    const wider = await source.metrics({ workload: w }, { from: range.from - 2 * range.step, to: range.to + 3 * range.step, step: range.step });
    const v = wider.values.memory_working_set!;
    assert.equal(v.length, own.memory_working_set.length + 5);
    assert.ok(Number.isNaN(v[0]) && Number.isNaN(v[1]) && Number.isNaN(v[v.length - 1]) && Number.isNaN(v[v.length - 3]));
    assert.equal(v[2], own.memory_working_set[0]);
    assert.equal(v[v.length - 4], own.memory_working_set[own.memory_working_set.length - 1]);
    // Not on a grid point: each sample is the last one at or before it.
    const between = await source.metrics({ workload: w }, { from: range.from + 30, to: range.from + 30 + 5 * range.step, step: range.step });
    assert.deepEqual(Array.from(between.values.cpu_usage!), Array.from(own.cpu_usage.subarray(0, 5)));
  });

  it('ships multi-document manifests whose requests match the workloads', () => {
    const docs = parseAllDocuments(demoManifests());
    assert.ok(docs.every((d) => d.errors.length === 0));
    const workloads = docs.map((d) => d.toJS()).filter((o) => o && ['Deployment', 'StatefulSet'].includes(o.kind));
    assert.equal(workloads.length, 11);
    for (const p of DEMO_SERVICES) {
      const doc = workloads.find((o) => o.metadata.name === p.name);
      assert.ok(doc, p.name);
      assert.equal(doc.spec.replicas, p.replicas);
      assert.deepEqual(doc.spec.template.spec.containers[0].resources.requests, p.requests);
    }
  });

  it('prints a usage table with a row per service, within 100 columns', () => {
    const rows = demoRows(source);
    assert.equal(rows.length, 11);
    const table = demoTable(rows).split('\n');
    assert.equal(table.length, 13);
    for (const l of table) assert.ok(l.length <= 100, `${l.length}: ${l}`);
    assert.match(table.find((l) => l.startsWith('productcatalogservice'))!, / idle$/);
    assert.match(table.find((l) => l.startsWith('currencyservice'))!, /throttled/);
    assert.match(table.find((l) => l.startsWith('recommendationservice'))!, /mem risk/);
  });
});

describe('mora demo', function () {
  this.timeout(60000);

  it('prints usage, then MOrA next to VPA and KRR for every service, and writes the HTML report', async () => {
    const dir = tempDir('mora-demo-');
    const report = join(dir, 'report.html');
    // In a pipe without $COLUMNS the comparison table is unlimited (names whole); in 100 columns it fits them.
    const { code, out, err } = await asPipe(undefined, () => mora(['demo', '--report', report, '--model', 'none', '--quiet']));
    assert.equal(code, 0);
    // Where the report is goes to stderr: stdout is the tables alone.
    assert.doesNotMatch(out, /HTML report/);
    assert.match(err, /^HTML report with charts: .*report\.html$/m);
    const lines = out.split('\n');
    const header = lines.findIndex((l) => /^service +cpu +vpa +krr/.test(l));
    assert.ok(header > 0, 'the comparison table follows the usage table');
    for (const p of DEMO_SERVICES) assert.ok(lines.slice(header).some((l) => l.startsWith(`${p.name} `)), p.name);
    const narrow = await asPipe('100', () => mora(['demo', '--no-report', '--model', 'none', '--quiet']));
    assert.equal(narrow.code, 0);
    for (const l of narrow.out.split('\n')) assert.ok(l.length <= 100, `${l.length}: ${l}`);
    assert.match(out, /CPU frees \d+m/);
    const html = readFileSync(report, 'utf8');
    assert.match(html, /<svg/);
    for (const p of DEMO_SERVICES) assert.ok(html.includes(p.name), `report names ${p.name}`);
  });

  it('--usage with --report is a one-line usage error (the report is of the recommendations --usage leaves out), nothing printed or written', async () => {
    const dir = tempDir('mora-demo-usage-');
    const report = join(dir, 'report.html');
    const r = await mora(['demo', '--usage', '--report', report]);
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.equal(r.err, 'mora: --report goes with the recommendations, which --usage leaves out: drop --usage for the report, or --report for the usage table alone\n');
    assert.ok(!existsSync(report), 'no report written');
    // --usage alone (the default report name is not asked for) and with --no-report prints the usage table, exit 0.
    for (const args of [['demo', '--usage'], ['demo', '--usage', '--no-report']]) {
      const u = await mora(args);
      assert.equal(u.code, 0, u.err);
      assert.match(u.out, /What each service asks for/);
      assert.doesNotMatch(u.out, /MOrA's recommendations/);
    }
  });

  it('--usage with -m, --cpu-risk or --memory-risk is a usage error naming each (they size the recommendations --usage leaves out), not a flag ignored', async () => {
    const cpu = await mora(['demo', '--usage', '--cpu-risk', '0.01']);
    assert.equal(cpu.code, 2, cpu.out);
    assert.equal(cpu.out, '');
    assert.equal(cpu.err, 'mora: --cpu-risk goes with the recommendations, which --usage leaves out (the usage table is what was observed: no forecast, '
      + 'no risk target): drop --usage for the recommendations, or --cpu-risk for the usage table alone\n');
    // Every such flag typed is named, --report too; -m with the model asked for (-m none too: typed, as --report's default name).
    const all = await mora(['demo', '--usage', '--report', 'r.html', '--model', 'fused', '--cpu-risk', '0.01', '--memory-risk', '0.02']);
    assert.equal(all.code, 2, all.out);
    assert.equal(all.out, '');
    assert.match(all.err, /^mora: --report, -m fused, --cpu-risk and --memory-risk go with the recommendations, which --usage leaves out .*: drop --usage for the recommendations, or --report, -m fused, --cpu-risk and --memory-risk for the usage table alone\n$/);
    for (const [args, named] of [[['-m', 'none'], '-m none'], [['--memory-risk', '0.5'], '--memory-risk']] as const) {
      const r = await mora(['demo', '--usage', ...args]);
      assert.equal(r.code, 2, r.out);
      assert.equal(r.out, '');
      assert.ok(r.err.startsWith(`mora: ${named} goes with the recommendations, which --usage leaves out`), r.err);
    }
    // --usage -q is still the usage table (quiet: no progress, which --usage has none of); --help says which flags go with --usage.
    const quiet = await mora(['demo', '--usage', '-q']);
    assert.equal(quiet.code, 0, quiet.err);
    assert.match(quiet.out, /What each service asks for/);
    const help = await mora(['demo', '--help']);
    assert.match(help.out.replace(/\s+/g, ' '), /--usage .*not with --report, -m, --cpu-risk or --memory-risk/);
  });
});
