/**
 * `mora recommend` when some inputs are left out (a namespace it may not list, a workload without usable metrics): the
 * others are printed, then exit 4 (partial) — before 2026-11-30 it was exit 0 and a CI script could not tell. The JSON
 * stays the bare array; `--with-skipped` prints {"recommendations", "skipped"} so a script can see what was left out.
 * A namespace that does not exist is a typo: exit 2, nothing on stdout, and the message says which name matched nothing.
 */
import { strict as assert } from 'node:assert';
import { DemoDataSource } from '../../src/data/demo';
import { mora } from './helpers/run-cli';

describe('mora recommend: partial results (exit 4) and names that match nothing (exit 2)', function () {
  this.timeout(60_000);
  const proto = DemoDataSource.prototype;
  const saved = { namespaces: proto.namespaces, workloads: proto.workloads, metrics: proto.metrics };
  const restore = () => Object.assign(proto, saved);
  afterEach(restore);

  /** The demo shop plus a namespace RBAC denies, and one workload Prometheus has no samples for. */
  const leaveSomeOut = () => {
    proto.namespaces = async function (this: DemoDataSource, ctx: string) { return [...await saved.namespaces.call(this, ctx), 'locked']; };
    proto.workloads = async function (this: DemoDataSource, ctx: string, ns: string) {
      if (ns === 'locked') throw new Error('RBAC denied: cannot list deployments.apps in namespace "locked"');
      return saved.workloads.call(this, ctx, ns);
    };
    proto.metrics = async function (this: DemoDataSource, ...args: Parameters<DemoDataSource['metrics']>) {
      if (args[0].workload.name === 'cartservice') throw new Error('no samples for container_cpu_usage_seconds_total');
      return saved.metrics.apply(this, args);
    };
  };

  it('prints the others, names each left out on stderr, and exits 4; JSON stays the bare array', async () => {
    leaveSomeOut();
    const r = await mora(['recommend', '-f', 'json', '-m', 'none', '-q']);
    assert.equal(r.code, 4, r.err);
    const recs = JSON.parse(r.out) as Array<{ workload: { name: string } }>;
    assert.ok(Array.isArray(recs) && recs.length === 10, `${recs.length}`);
    assert.ok(!recs.some((x) => x.workload.name === 'cartservice'));
    assert.match(r.err, /^mora: skipped namespace "locked": RBAC denied/m);
    assert.match(r.err, /^mora: skipped Deployment shop\/cartservice: no samples/m);
    assert.match(r.err, /^mora: partial: 1 namespace, 1 workload skipped \(named above\); the others were recommended$/m);
    const table = await mora(['recommend', '-m', 'none', '-q']);
    assert.equal(table.code, 4, table.err);
    assert.match(table.out, /frontend/);
  });

  it('--with-skipped: {"recommendations": [...], "skipped": [...]} in JSON and YAML; not with table or CSV', async () => {
    leaveSomeOut();
    const r = await mora(['recommend', '-f', 'json', '--with-skipped', '-m', 'none', '-q']);
    assert.equal(r.code, 4, r.err);
    const out = JSON.parse(r.out) as { recommendations: unknown[]; skipped: Array<Record<string, unknown>> };
    assert.deepEqual(Object.keys(out), ['recommendations', 'skipped']);
    assert.equal(out.recommendations.length, 10);
    assert.deepEqual(out.skipped.map(({ reason: _r, ...s }) => s), [
      { context: 'demo', namespace: 'locked', kind: 'Namespace', name: 'locked' },
      { context: 'demo', namespace: 'shop', kind: 'Deployment', name: 'cartservice' },
    ]);
    assert.ok(out.skipped.every((s) => typeof s.reason === 'string' && (s.reason as string).length > 0));
    const yaml = await mora(['recommend', '-f', 'yaml', '--with-skipped', '-m', 'none', '-q']);
    assert.equal(yaml.code, 4, yaml.err);
    assert.match(yaml.out, /^recommendations:\n/);
    assert.match(yaml.out, /^skipped:\n/m);
    restore();
    const clean = await mora(['recommend', '-f', 'json', '--with-skipped', '-m', 'none', '-q']);
    assert.equal(clean.code, 0, clean.err);
    assert.deepEqual((JSON.parse(clean.out) as { skipped: unknown[] }).skipped, []);
    const csv = await mora(['recommend', '-f', 'csv', '--with-skipped', '-m', 'none', '-q']);
    assert.equal(csv.code, 2);
    assert.equal(csv.out, '');
    assert.match(csv.err, /--with-skipped goes with -f json or yaml/);
  });

  it('a namespace or workload that matches nothing: exit 2, stdout empty, the message names what matched nothing', async () => {
    const ns = await mora(['recommend', '-f', 'json', '-n', 'nonexistent', '-m', 'none', '-q']);
    assert.equal(ns.code, 2);
    assert.equal(ns.out, '');
    assert.match(ns.err, /^mora: no workloads matched in namespace "nonexistent": -n names namespace "nonexistent", which does not exist \(namespaces: shop\)\n$/);
    const w = await mora(['recommend', '-f', 'json', '-n', 'shop', '-w', 'nope', '-m', 'none', '-q']);
    assert.equal(w.code, 2);
    assert.equal(w.out, '');
    assert.match(w.err, /namespace "shop" exists; -w nope matched no workload in it/);
  });
});
