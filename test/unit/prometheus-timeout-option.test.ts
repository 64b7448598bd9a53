// MOrA's own timeout of each Prometheus request (30 s by default, e7d912f splits a range read that misses it) is set by
// `--prometheus-timeout <seconds>` on every command that takes --prometheus (recommend, recommend --in-cluster, health,
// experiment, experiment run), else $MORA_PROMETHEUS_TIMEOUT, and in the editor by mora.prometheus.timeoutSeconds; a
// value that is no positive number of seconds is refused naming where it came from. The timeout's messages say the
// value in force and where it is set. Before, nothing set it and the messages said "(MOrA's own request timeout)".
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prometheusTimeoutOption } from '../../src/cli/commands/prometheus-timeout';
import { UserError } from '../../src/cli/errors';
import { prometheusTimeoutFromSetting } from '../../src/extension/prometheus-timeout-setting';
import { withEnv } from '../harness/env';
import { clusterDoublesPerSuite } from './helpers/cluster-doubles-per-suite';
import { mora } from './helpers/run-cli';

describe('--prometheus-timeout, $MORA_PROMETHEUS_TIMEOUT, mora.prometheus.timeoutSeconds: MOrA\'s own Prometheus request timeout', function () {
  this.timeout(60_000);

  it('the flag, else the variable, in ms; anything but a positive number of seconds is refused naming its source', () => {
    assert.deepEqual(prometheusTimeoutOption('2.5', {}), { timeoutMs: 2500, timeoutHint: '--prometheus-timeout' });
    assert.deepEqual(prometheusTimeoutOption(undefined, { MORA_PROMETHEUS_TIMEOUT: '90' }), { timeoutMs: 90_000, timeoutHint: '$MORA_PROMETHEUS_TIMEOUT' });
    assert.deepEqual(prometheusTimeoutOption('5', { MORA_PROMETHEUS_TIMEOUT: '90' }), { timeoutMs: 5000, timeoutHint: '--prometheus-timeout' });
    assert.equal(prometheusTimeoutOption(undefined, {}).timeoutMs, undefined);
    for (const bad of ['0', '-3', 'abc', '', '10s', '1e9']) {
      assert.throws(() => prometheusTimeoutOption(bad, {}), (e: Error) => e instanceof UserError && /^--prometheus-timeout must be a positive number of seconds.*, got "/.test(e.message), bad);
    }
    assert.throws(() => prometheusTimeoutOption(undefined, { MORA_PROMETHEUS_TIMEOUT: 'soon' }), /MORA_PROMETHEUS_TIMEOUT must be a positive number of seconds .*got "soon"$/);
  });

  it('mora.prometheus.timeoutSeconds: contributed, read in seconds; a bad value warns and keeps 30 s', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { type: string; default: unknown }> } } };
    const setting = pkg.contributes.configuration.properties['mora.prometheus.timeoutSeconds'];
    assert.deepEqual([setting?.type, setting?.default], ['number', 30]);
    const warned: string[] = [];
    assert.deepEqual(prometheusTimeoutFromSetting(120, (m) => warned.push(m)), { prometheusTimeoutMs: 120_000, prometheusTimeoutHint: 'the mora.prometheus.timeoutSeconds setting' });
    assert.deepEqual(prometheusTimeoutFromSetting(undefined, (m) => warned.push(m)), { prometheusTimeoutHint: 'the mora.prometheus.timeoutSeconds setting' });
    assert.equal(warned.length, 0);
    assert.deepEqual(prometheusTimeoutFromSetting(0, (m) => warned.push(m)), { prometheusTimeoutHint: 'the mora.prometheus.timeoutSeconds setting' });
    assert.match(warned[0], /^mora\.prometheus\.timeoutSeconds must be a positive number of seconds .*got "0" — using the default, 30 s$/);
  });

  for (const command of ['recommend', 'health', 'experiment']) {
    it(`mora ${command} --help lists --prometheus-timeout <seconds>`, async () => {
      const r = await mora([command, '--help']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out.replace(/\s+/g, ' '), /--prometheus-timeout <seconds> MOrA's own timeout of each Prometheus request, in seconds/);
    });
  }

  it('a bad value is exit 2 naming the flag, in recommend (also --in-cluster), health, experiment and experiment run', async () => {
    await withEnv({ MORA_PROMETHEUS_URL: undefined, MORA_PROMETHEUS_TIMEOUT: undefined }, async () => {
      for (const args of [
        ['recommend', '--source', 'cluster', '--prometheus', 'http://127.0.0.1:9', '--prometheus-timeout', '0'],
        ['recommend', '--in-cluster', '--prometheus', 'http://127.0.0.1:9', '--prometheus-timeout', '0'],
        ['health', '--prometheus', 'http://127.0.0.1:9', '--no-kubernetes', '--prometheus-timeout', 'abc'],
        ['experiment', '--prometheus-timeout', '0', 'run', join(__dirname, 'never-read.mora-plan.yaml')],
        ['experiment', '--target', 'http://127.0.0.1:9', '--prometheus', 'http://127.0.0.1:9', '--levels', '1', '--out', join(__dirname, 'never-written'), '--prometheus-timeout', '-1'],
      ]) {
        const r = await mora(args);
        assert.equal(r.code, 2, `${args[0]}: ${r.err}`);
        assert.match(r.err, /--prometheus-timeout must be a positive number of seconds/, r.err);
      }
    });
  });

  describe('the timeout\'s messages say the value in force and where it is set (loopback Kubernetes API and Prometheus doubles)', () => {
    const cluster = clusterDoublesPerSuite('mora-prometheus-timeout-');
    const { prom } = cluster;
    before(() => { prom.age = 30; });
    afterEach(() => { prom.hangRanges = false; });

    it('mora recommend --prometheus-timeout 1: usage reads unanswered are split after 1 s, said naming the flag; then the run fails saying 1 s', async () => {
      prom.hangRanges = true;
      const r = await withEnv({ MORA_PROMETHEUS_TIMEOUT: undefined }, () => mora(cluster.recommendArgs('--prometheus-timeout', '1')));
      assert.notEqual(r.code, 0, r.out);
      const said = r.err.split('\n').filter((l) => /MOrA's own request timeout/.test(l) && /reading it again/.test(l));
      assert.equal(said.length, 1, r.err);
      assert.match(said[0], /^mora: Prometheus at http:\/\/127\.0\.0\.1:\d+ did not answer .* within 1 s \(MOrA's own request timeout, --prometheus-timeout\): reading it again in parts of its time range, down to 1\/8$/);
      assert.match(r.err, /did not answer .* within 1 s \(MOrA's own request timeout, --prometheus-timeout\) — is it overloaded\?/);
    });

    it('$MORA_PROMETHEUS_TIMEOUT=1: the same, naming the variable', async () => {
      prom.hangRanges = true;
      const r = await withEnv({ MORA_PROMETHEUS_TIMEOUT: '1' }, () => mora(cluster.recommendArgs()));
      assert.notEqual(r.code, 0, r.out);
      assert.match(r.err, /did not answer .* within 1 s \(MOrA's own request timeout, \$MORA_PROMETHEUS_TIMEOUT\): reading it again/);
    });
  });
});
