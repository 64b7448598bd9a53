// A Prometheus URL serves one cluster, so --context a,b and --all-contexts refuse it. When the URL comes from
// $MORA_PROMETHEUS_URL (the default of --prometheus), the refusal names the variable, not a flag the user never gave.
import * as assert from 'node:assert/strict';
import { mora } from './helpers/run-cli';

describe('recommend: a refusal about the Prometheus URL names where it came from', () => {
  let saved: string | undefined;
  beforeEach(() => { saved = process.env.MORA_PROMETHEUS_URL; });
  afterEach(() => {
    if (saved === undefined) delete process.env.MORA_PROMETHEUS_URL;
    else process.env.MORA_PROMETHEUS_URL = saved;
  });

  it('from $MORA_PROMETHEUS_URL: --context a,b and --all-contexts name the variable (and say to unset it)', async () => {
    process.env.MORA_PROMETHEUS_URL = 'http://127.0.0.1:9';
    const two = await mora(['recommend', '--source', 'cluster', '--context', 'a,b']);
    assert.equal(two.code, 2);
    assert.equal(two.err, 'mora: MORA_PROMETHEUS_URL (the default of --prometheus) serves one cluster: give one --context with it (or unset MORA_PROMETHEUS_URL to find each context\'s own)\n');
    const all = await mora(['recommend', '--source', 'cluster', '--apply-cluster', '--dry-run', '--all-contexts']);
    assert.equal(all.code, 2);
    assert.equal(all.err, 'mora: MORA_PROMETHEUS_URL (the default of --prometheus) serves one cluster: not with --all-contexts (unset MORA_PROMETHEUS_URL to find each context\'s own)\n');
  });

  it('from --prometheus (the variable set too): the flag, as before', async () => {
    process.env.MORA_PROMETHEUS_URL = 'http://127.0.0.1:9';
    const r = await mora(['recommend', '--source', 'cluster', '--context', 'a,b', '--prometheus', 'http://127.0.0.1:10']);
    assert.equal(r.code, 2);
    assert.equal(r.err, 'mora: --prometheus serves one cluster: give one --context with it (or leave out --prometheus to find each context\'s own)\n');
  });
});
