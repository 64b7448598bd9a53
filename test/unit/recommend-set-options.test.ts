// `mora recommend -m <model> --set model.option=value`: the options of the chosen model, parsed and checked by
// `mora forecast --set`'s own parser (same syntax, same one-line errors, exit 2 before anything is read), reach the
// pipeline as RecommendRequest.modelOptions, merged over the recommendation defaults key by key. Also --in-cluster.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mora } from './helpers/run-cli';
import { inClusterCommand } from '../../src/cli/commands/recommend-in-cluster';
import { OneVpaClusterWithSamples, useOneVpaCluster } from './helpers/one-vpa-cluster';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';

/** Exit 2, nothing on stdout, one line on stderr matching `message`. */
function usageError(r: { code: number; out: string; err: string }, message: RegExp): void {
  assert.equal(r.code, 2, r.err);
  assert.equal(r.out, '');
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.match(r.err, message);
}

/** Each container's CPU and memory forecast peaks (evidence.forecastPeak) of a -f json run, by workload/container/resource. */
function forecastPeaks(json: string): Map<string, number> {
  const peaks = new Map<string, number>();
  for (const r of JSON.parse(json) as Array<{ workload: { name: string }; containers: Array<Record<string, { evidence?: { forecastPeak?: number } } | string>> }>) {
    for (const c of r.containers) {
      for (const res of ['cpu', 'memory']) {
        const peak = (c[res] as { evidence?: { forecastPeak?: number } } | undefined)?.evidence?.forecastPeak;
        if (peak !== undefined) peaks.set(`${r.workload.name}/${c.container as string}/${res}`, peak);
      }
    }
  }
  return peaks;
}

describe('mora recommend --set: the -m model\'s options, as mora forecast --set takes them', function () {
  this.timeout(120_000);
  // The demo's global LSTM is trained once into a cache of this suite's own (not the user's ~/.cache/mora), then reused.
  let cache: string;
  let xdg: string | undefined;
  before(() => {
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-recommend-set-'));
    xdg = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = cache;
  });
  after(() => {
    if (xdg === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = xdg;
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('-m fused --set fused.prophet_weight=0.9 --set fused.lstm_weight=0.1 moves fused forecasts; the default weights spelt out change nothing', async () => {
    // 5 days at 30-minute steps: a few seconds a run (the default 14 days at 15 minutes take 3-4 times as long).
    const run = (...sets: string[]) => mora(['recommend', '--source', 'demo', '-m', 'fused', '--history-days', '5', '--forecast-step', '1800', '-q', '-f', 'json',
      ...sets.flatMap((s) => ['--set', s])]);
    const plain = await run();
    assert.equal(plain.code, 0, plain.err);
    const weighted = await run('fused.prophet_weight=0.9', 'fused.lstm_weight=0.1');
    assert.equal(weighted.code, 0, weighted.err);
    // The defaults (0.4 / 0.6) given as options: the same bytes, so the run is deterministic and a partial option set
    // keeps every other default (the LSTM's 8 epochs and 256 windows: recommendModelOptions).
    const spelt = await run('fused.prophet_weight=0.4', 'fused.lstm_weight=0.6');
    assert.equal(spelt.code, 0, spelt.err);
    assert.equal(spelt.out, plain.out);
    const before = forecastPeaks(plain.out), after = forecastPeaks(weighted.out);
    assert.ok(before.size > 0, 'the default run has fused forecasts');
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
    // A fusion that kept one model gives it prior 1 whatever the weights (fusion.ts): a peak that moves is one where
    // Prophet and the LSTM were both kept, weighed 0.9 / 0.1 instead of 0.4 / 0.6.
    const moved = [...before].filter(([k, v]) => after.get(k) !== v);
    assert.ok(moved.length > 0, 'no fused forecast peak moved with the weights');
  });

  // Mistakes: the one line mora forecast --set prints, exit 2, before the demo is read (nothing on stdout).
  const mistakes: [string[], RegExp][] = [
    [['-m', 'fused', '--set', 'fused.bogus=1'], /^mora: --set: unknown fused option "bogus"; known: prophet_weight, lstm_weight, drop_ratio, anchor_weight$/m],
    [['-m', 'fused', '--set', 'fused.prophet_weight=abc'], /^mora: --set: fused\.prophet_weight must be a number >= 0, got "abc"$/m],
    [['-m', 'fused', '--set', 'fused.prophet_weight'], /^mora: --set "fused\.prophet_weight": expected model\.option=value/m],
    [['-m', 'fused', '--set', 'lstm.epochs=-1'], /^mora: --set: lstm\.epochs must be a whole number >= 0, got "-1"$/m],
    [['-m', 'prophet', '--set', 'fused.prophet_weight=0.9'], /^mora: --set "fused\.prophet_weight=0\.9": "fused" is not run by --model prophet; with this --model the option prefixes are prophet\.$/m],
    [['-m', 'lstm', '--set', 'prophet.changepoint_prior_scale=0.1'], /"prophet" is not run by --model lstm/],
    [['-m', 'fused', '--set', 'lsmt.epochs=3'], /unknown model "lsmt"/],
    [['--set', 'fused.prophet_weight=0.9'], /^mora: --set "fused\.prophet_weight=0\.9": -m none \(the window rule\) has no options; --set goes with -m /m],
  ];
  for (const [args, message] of mistakes) {
    it(`${args.join(' ')}: exit 2, one line naming --set`, async () => {
      usageError(await mora(['recommend', '--source', 'demo', ...args]), message);
    });
  }

  it('the same mistake prints the same line as mora forecast --set', async () => {
    for (const set of ['fused.bogus=1', 'lstm.epochs=x', 'fused.prophet_weight', 'prophet.bogus=1']) {
      const r = await mora(['recommend', '--source', 'demo', '-m', 'fused', '--set', set]);
      // forecast checks its --set before it reads the input: a missing file is never reached.
      const f = await mora(['forecast', '-i', 'no-such-input.csv', '-H', '2', '-m', 'fused', '--set', set]);
      assert.equal(f.code, 2, f.err);
      assert.equal(r.err, f.err);
      assert.equal(r.code, 2);
    }
  });

  it('--help names --set', async () => {
    const r = await mora(['recommend', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /--set <model\.option=value>/);
  });
});

/** The one-VPA double, with Prometheus answering every range query with a steady series for the Deployment's container (as in-cluster-dry-run.test.ts). */

describe('mora recommend --in-cluster --set', function () {
  this.timeout(120_000);
  const cluster = new OneVpaClusterWithSamples();
  const fx = useOneVpaCluster(cluster, 'mora-in-cluster-set-');

  const run = (extra: Record<string, unknown>) => inClusterCommand({
    ...RECOMMEND_DEFAULTS, source: 'cluster', inCluster: true, kubeconfig: fx.kubeconfig, prometheus: fx.server, shardIndex: '0', shards: '1', connectTimeout: '2', dryRun: true, ...extra,
  }, { MORA_NOW: '1790000000' });

  for (const [extra, message] of [
    [{ model: 'lstm', set: ['lstm.bogus=1'] }, /^--set: unknown lstm option "bogus"/],
    [{ model: 'fused', set: ['prophet.bogus=1'] }, /^--set: unknown Prophet option "bogus"/],
    [{ model: 'none', set: ['fused.prophet_weight=0.9'] }, /-m none \(the window rule\) has no options/],
    // -m itself is now checked here as mora recommend checks it (before, an unknown model reached the pipeline).
    [{ model: 'bogus', set: [] }, /^unknown model "bogus" for --model; available: .*, none$/],
  ] as Array<[Record<string, unknown>, RegExp]>) {
    it(`-m ${extra.model as string}${(extra.set as string[]).map((s) => ` --set ${s}`).join('')}: a usage error (exit 2) before the cluster is asked anything`, async () => {
      cluster.seen.length = 0;
      await assert.rejects(run(extra), (e: Error & { exitCode?: number }) => {
        assert.match(e.message, message);
        assert.equal(e.exitCode, 2);
        return true;
      });
      assert.deepEqual(cluster.seen, []);
    });
  }

  it('-m lstm --set lstm.steps=5000 reaches the shard\'s forecasts: windows longer than the 14 days of history fail, the window rule is used and counted', async () => {
    // 14 days at the LSTM's 900 s step are 1,344 points: a 5,000-step window cannot train (without the option the
    // per-series LSTM trains and forecasts, no model error). The failures are the shard's model_errors_total.
    const metricsFile = path.join(fx.dir, 'shard.om');
    // Not a dry run (which keeps no metrics): the double answers the status PATCH.
    const summary = JSON.parse(await run({ model: 'lstm', set: ['lstm.steps=5000'], metricsFile, dryRun: undefined })) as { vpas: Array<{ outcome: string }> };
    assert.deepEqual(summary.vpas.map((v) => v.outcome), ['written']);
    assert.match(fs.readFileSync(metricsFile, 'utf8'), /^mora_recommender_model_errors_total(\{[^}]*\})? 2$/m);
  });
});
