// What `mora recommend` warns about on stderr when it reads Prometheus — a kubelet/cAdvisor scrape target that stopped
// (92b13d0: health's stale cAdvisor check) and a read split in parts after a timeout (b1c4654: onPrometheusNote) — the
// editor said only in the status bar item's tooltip (the first) or nowhere (the second). Now the cluster tree's context
// row says them (in short in its description, in full in its tooltip), the status item's tooltip holds both, and each is
// announced once per source built (output channel; a stopped target also as a notification). Editor-free parts here:
// SourceWarnings, and ClusterDataSource + ClusterTreeModel against loopback Kubernetes API and Prometheus doubles.
import * as assert from 'node:assert/strict';
import { ClusterDataSource } from '../../src/data/cluster';
import type { DataSource, SourceHealth } from '../../src/data/datasource';
import { DemoDataSource } from '../../src/data/demo';
import { announcement, SourceWarnings, statusTooltip, warningBrief } from '../../src/views/source-warnings';
import { ClusterTreeModel } from '../../src/views/tree-model';
import { clusterDoublesPerSuite } from './helpers/cluster-doubles-per-suite';

const FIX = 'the kubelet/cAdvisor scrape target is down or no longer scraped (…); recommendations would miss the latest usage';
const stopped = (age: string, name = 'cAdvisor') => `${name}: no samples for container_cpu_usage_seconds_total in the last 5 minutes: the newest is ${age} old — ${FIX}`;
const SPLIT = 'Prometheus at http://prom:9090 gave up on sum(rate(container_cpu_usage_seconds_total…)) over 14.0d (its own --query.timeout): reading it again in parts of its time range, down to 1/8';
const healthy = (stale?: string[]): SourceHealth => ({ ok: true, message: `2 series of container_cpu_usage_seconds_total; ${(stale ?? []).map((s) => s.replace(/^[^:]+: /, '')).join('; ')}`, ...(stale ? { stale } : {}) });

describe('Prometheus warnings in the editor: SourceWarnings', () => {
  it('says a stopped target and a split read in short: the age as health says it', () => {
    assert.equal(warningBrief({ kind: 'stale', text: stopped('20m00s') }), 'usage data 20m00s old');
    assert.equal(warningBrief({ kind: 'stale', text: stopped('about 3h00m') }), 'usage data about 3h00m old');
    assert.equal(warningBrief({ kind: 'stale', text: 'cAdvisor: 1 series of container_cpu_usage_seconds_total, but container_memory_working_set_bytes: newest sample is 4m10s old (none in the last 3m00s) — x' }), 'usage data 4m10s old');
    assert.equal(warningBrief({ kind: 'split', text: SPLIT }), 'Prometheus timed out: read in parts');
  });

  it('the current context\'s row: description ⚠ in short, tooltip in full; other contexts say nothing', () => {
    const w = new SourceWarnings();
    assert.equal(w.forContext('prod', true), undefined);
    assert.equal(w.health(healthy([stopped('20m00s')])), true);
    assert.equal(w.note(SPLIT), true);
    assert.deepEqual(w.forContext('prod', true), { description: '⚠ usage data 20m00s old · Prometheus timed out: read in parts', tooltip: `⚠ ${stopped('20m00s')}\n\n⚠ ${SPLIT}` });
    assert.equal(w.forContext('staging', false), undefined);
  });

  it('a warning naming its context is that context\'s row only', () => {
    const w = new SourceWarnings();
    w.health(healthy([stopped('20m00s', 'cAdvisor (context "staging")')]));
    w.note(SPLIT, 'prod');
    assert.equal(w.forContext('prod', true)?.description, '⚠ Prometheus timed out: read in parts');
    assert.equal(w.forContext('staging', false)?.description, '⚠ usage data 20m00s old');
    assert.equal(w.forContext('dev', false), undefined);
  });

  it('each health answer replaces the last (a target scraped again is no longer said); a failed or cancelled one changes nothing', () => {
    const w = new SourceWarnings();
    w.health(healthy([stopped('20m00s')]));
    assert.equal(w.health({ ok: false, message: 'Prometheus did not answer' }), false);
    assert.equal(w.health({ ok: false, cancelled: true, message: 'cancelled' }), false);
    assert.equal(w.forContext('prod', true)?.description, '⚠ usage data 20m00s old');
    assert.equal(w.health(healthy([stopped('20m00s')])), false, 'the same answer: nothing to re-render');
    assert.equal(w.health(healthy([stopped('25m00s')])), true);
    assert.equal(w.forContext('prod', true)?.description, '⚠ usage data 25m00s old');
    assert.equal(w.health(healthy()), true);
    assert.equal(w.forContext('prod', true), undefined);
  });

  it('announces each warning once per source built: a target\'s new age, a repeated note, a re-render are not new', () => {
    const w = new SourceWarnings();
    w.health(healthy([stopped('20m00s')]));
    assert.deepEqual(w.fresh().map((x) => x.kind), ['stale']);
    assert.deepEqual(w.fresh(), []);
    w.health(healthy([stopped('25m00s')]));
    assert.deepEqual(w.fresh(), [], 'the same stopped target, 5 minutes later');
    assert.equal(w.note(SPLIT), true);
    assert.equal(w.note(SPLIT), false);
    assert.deepEqual(w.fresh().map((x) => x.text), [SPLIT]);
    assert.deepEqual(w.fresh(), []);
    // The next source built (a Refresh) says what still stands again.
    const next = new SourceWarnings();
    next.health(healthy([stopped('30m00s')]));
    assert.equal(next.fresh().length, 1);
  });

  it('a target that stops, recovers and stops again is announced again: once per stop, not once per refresh', () => {
    const w = new SourceWarnings();
    w.health(healthy([stopped('20m00s')]));
    assert.deepEqual(w.fresh().map((x) => x.text), [stopped('20m00s')]);
    // Scraped again: no longer said; a failed check in between says nothing about it.
    assert.equal(w.health(healthy()), true);
    assert.deepEqual(w.fresh(), []);
    assert.equal(w.health({ ok: false, message: 'Prometheus did not answer' }), false);
    // Stopped again: a new stop, announced again (before: already announced by this source, so never said).
    assert.equal(w.health(healthy([stopped('6m00s')])), true);
    assert.deepEqual(w.fresh().map((x) => x.text), [stopped('6m00s')]);
    // While it stays stopped, refreshes (a new age, the same answer, a failed check) announce nothing.
    w.health(healthy([stopped('11m00s')]));
    assert.deepEqual(w.fresh(), []);
    w.health({ ok: false, cancelled: true, message: 'cancelled' });
    w.health(healthy([stopped('16m00s')]));
    assert.deepEqual(w.fresh(), []);
    // Another target stopping is new on its own; its recovery does not make this one new; a split read stays said once.
    w.health(healthy([stopped('21m00s'), stopped('5m00s', 'cAdvisor (context "staging")')]));
    assert.deepEqual(w.fresh().map((x) => x.context), ['staging']);
    w.note(SPLIT);
    assert.equal(w.fresh().length, 1);
    w.health(healthy([stopped('26m00s')]));
    assert.deepEqual(w.fresh(), []);
    assert.equal(w.note(SPLIT), false);
    assert.deepEqual(w.fresh(), []);
  });

  it('a stopped target is a notification and a log line; a split read a log line only (the numbers are whole)', () => {
    assert.deepEqual(announcement({ kind: 'stale', text: stopped('20m00s') }), { log: `warning: ${stopped('20m00s')}`, notify: `MOrA: ${stopped('20m00s')}` });
    assert.deepEqual(announcement({ kind: 'split', text: SPLIT }), { log: SPLIT });
  });

  it('the status item\'s tooltip adds what health\'s line does not hold: the split read, not the stopped target again', () => {
    const h = healthy([stopped('20m00s')]);
    const base = `cluster data source — ${h.message}`;
    const w = new SourceWarnings();
    w.health(h);
    assert.equal(statusTooltip(base, w.all()), base);
    w.note(SPLIT);
    assert.equal(statusTooltip(base, w.all()), `${base}\n\n⚠ ${SPLIT}`);
  });

  it('the tree\'s context rows: warned ones say it (description, tooltip, warning icon); the demo\'s say "embedded demo" as before', async () => {
    const w = new SourceWarnings();
    w.health(healthy([stopped('20m00s')]));
    const source = { kind: 'cluster', contexts: async () => ['prod', 'staging'], currentContext: async () => 'prod' } as unknown as DataSource;
    const model = new ClusterTreeModel(source);
    model.warnings = w;
    const [prod, staging] = await model.children();
    assert.deepEqual([prod.description, prod.tooltip, prod.icon.id], ['⚠ usage data 20m00s old', `⚠ ${stopped('20m00s')}`, 'warning']);
    assert.deepEqual([staging.description, staging.tooltip, staging.icon.id], [undefined, undefined, 'server-environment']);
    // Scraped again: the row is as before on the next render (the same node object, updated in place).
    w.health(healthy());
    const [again] = await model.children();
    assert.equal(again, prod);
    assert.deepEqual([again.description, again.tooltip, again.icon.id], [undefined, undefined, 'server-environment']);
    const demo = new ClusterTreeModel(new DemoDataSource());
    demo.warnings = w;
    assert.equal((await demo.children())[0].description, 'embedded demo');
  });
});

describe('Prometheus warnings in the editor: ClusterDataSource and the tree (loopback Kubernetes API and Prometheus doubles)', function () {
  this.timeout(60_000);
  const cluster = clusterDoublesPerSuite('mora-source-warnings-');
  const { prom } = cluster;
  afterEach(() => { prom.age = 240; prom.maxRangeHours = Infinity; });

  /** A cluster source as the editor builds it (one Prometheus URL, for the current context), its notes into `w`. */
  const editorSource = (w: SourceWarnings, urls?: Record<string, string>) => new ClusterDataSource({
    kubeconfig: cluster.kubeconfig, proxyFromEnv: false, connectTimeoutMs: 0,
    ...(urls ? { prometheusUrls: urls } : { prometheusUrl: cluster.promUrl, prometheusUrlScope: 'current-context' as const }),
    onPrometheusNote: (note, context) => w.note(note, context),
  });

  it('a target stopped 20 minutes ago: health\'s stale check is the current context\'s row description', async () => {
    prom.age = 20 * 60;
    const w = new SourceWarnings();
    const source = editorSource(w);
    const health = await source.health();
    assert.equal(health.ok, true, health.message);
    assert.equal(w.health(health), true);
    const model = new ClusterTreeModel(source);
    model.warnings = w;
    const [prod] = await model.children();
    assert.equal(prod.label, 'prod');
    assert.equal(prod.description, '⚠ usage data 20m00s old');
    assert.match(prod.tooltip ?? '', /^⚠ cAdvisor: no samples for container_cpu_usage_seconds_total in the last 5 minutes: the newest is 20m00s old — the kubelet\/cAdvisor scrape target/);
    // The status item's tooltip: health's line holds it already, once.
    const base = `cluster data source — ${health.message}`;
    assert.equal(statusTooltip(base, w.all()), base);
    assert.equal(w.fresh().length, 1);
  });

  it('history reads Prometheus gives up on: the split note reaches the row of the context whose Prometheus it is', async () => {
    prom.age = 30;
    prom.maxRangeHours = 48;
    const w = new SourceWarnings();
    const source = editorSource(w, { prod: cluster.promUrl });
    const model = new ClusterTreeModel(source);
    model.warnings = w;
    try {
      const [prod] = await model.children();
      assert.equal(prod.description, undefined);
      const [shop] = (await model.children(prod)).filter((n) => n.namespace === 'shop');
      assert.ok(shop, 'namespace shop listed');
      await model.children(shop); // the namespace's usage, read over the history window
      assert.deepEqual(w.all().map((x) => [x.kind, x.context]), [['split', 'prod']]);
      assert.match(w.all()[0].text, /^Prometheus at http:\/\/127\.0\.0\.1:\d+ gave up on .* \(its own --query\.timeout\): reading it again in parts/);
      assert.equal((await model.children())[0].description, '⚠ Prometheus timed out: read in parts');
    } finally {
      model.dispose(); // the namespace's watch
    }
  });
});
