// A cluster or Prometheus flag without --source cluster printed the demo shop's table (services named as Online
// Boutique's) and exit 0: `--apply-to` could then write demo values into real manifests. Now refused (exit 2, stdout
// empty) naming the flag and --source cluster; $MORA_PROMETHEUS_URL alone does not choose the source, and every demo
// run says it is the demo (stderr, and the table's last line).
import * as assert from 'node:assert/strict';
import { mora } from './helpers/run-cli';

describe('recommend: cluster flags without --source cluster', function () {
  this.timeout(60000);
  let saved: string | undefined;
  beforeEach(() => { saved = process.env.MORA_PROMETHEUS_URL; delete process.env.MORA_PROMETHEUS_URL; });
  afterEach(() => {
    if (saved === undefined) delete process.env.MORA_PROMETHEUS_URL;
    else process.env.MORA_PROMETHEUS_URL = saved;
  });

  const cases: Array<[string[], string]> = [
    [['--prometheus', 'http://127.0.0.1:9'], '--prometheus is'],
    [['--kubeconfig', 'x.kubeconfig'], '--kubeconfig is'],
    [['--context', 'prod'], '--context is'],
    [['--prometheus-matchers', 'cluster="a"'], '--prometheus-matchers is'],
    [['--prometheus-header', 'X-Scope-OrgID: a'], '--prometheus-header is'],
    [['--prometheus-selector', 'app=prometheus'], '--prometheus-selector is'],
    [['--connect-timeout', '5'], '--connect-timeout is'],
    [['--kubeconfig', 'x.kubeconfig', '--context', 'prod'], '--kubeconfig, --context are'],
  ];
  for (const [flags, named] of cases) {
    it(`${flags.join(' ')}: exit 2, stdout empty, the flag and --source cluster named`, async () => {
      const r = await mora(['recommend', ...flags]);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.out, '');
      assert.equal(r.err, `mora: ${named} for a cluster, but the source is the demo shop (the default of --source): add --source cluster to read the cluster, or leave ${named.endsWith('are') ? 'them' : 'it'} out for the demo\n`);
    });
  }

  it('--source demo with a cluster flag: refused too, naming --source demo', async () => {
    const r = await mora(['recommend', '--source', 'demo', '--prometheus', 'http://127.0.0.1:9', '-f', 'json']);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.out, '');
    assert.match(r.err, /^mora: --prometheus is for a cluster, but the source is the demo shop \(--source demo\): add --source cluster/);
  });

  it('$MORA_PROMETHEUS_URL alone keeps the demo, and says so on stderr and in the table', async () => {
    process.env.MORA_PROMETHEUS_URL = 'http://127.0.0.1:9';
    const r = await mora(['recommend', '-w', 'cartservice']);
    assert.equal(r.code, 0, r.err);
    const note = 'demo data: the embedded demo shop (namespace "shop"), not a cluster; --source cluster reads yours (MORA_PROMETHEUS_URL is set, and read only with --source cluster)';
    assert.ok(r.err.startsWith(`mora: ${note}\n`), r.err);
    assert.ok(r.out.endsWith(`${note}\n`), r.out);
  });

  it('the demo without flags: the note on stderr (not with -q) and as the table\'s last line; JSON stays the bare array', async () => {
    const r = await mora(['recommend', '-w', 'cartservice', '-q']);
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.endsWith('demo data: the embedded demo shop (namespace "shop"), not a cluster; --source cluster reads yours\n'), r.out);
    assert.doesNotMatch(r.err, /demo data/);
    const j = await mora(['recommend', '-w', 'cartservice', '-f', 'json']);
    assert.equal(j.code, 0, j.err);
    assert.equal(JSON.parse(j.out).length, 1);
    assert.match(j.err, /^mora: demo data: the embedded demo shop/);
  });
});
