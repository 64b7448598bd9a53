// `mora recommend --in-cluster -m fused|lstm --set lstm.global=<model.json>`: the user's saved global LSTM is the
// shard's LSTM. The shared model's ConfigMap (claim/lease, training, publish: in-cluster-global-model.ts) is not touched
// at all, the summary, stderr and metrics name the model used, and lstm.* keys the saved model does not use are named
// in a warning, as the pipeline names those a context's own global LSTM does not use (a053b67).
// A loopback double is the API server and Prometheus (one namespace, one MOrA VPA, two weeks of samples), here also
// serving the recommender namespace's ConfigMap like an API server (404, create, replace pinned to resourceVersion),
// so the shared path really claims, trains (1 epoch) and publishes when it runs.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { inClusterCommand, type ShardSummary } from '../../src/cli/commands/recommend-in-cluster';
import { series } from '../../src/core/series';
import { saveGlobalLstm, trainGlobalLstm } from '../../src/ml/lstm/global';
import { OneVpaClusterWithSamples, useOneVpaCluster, type Json } from './helpers/one-vpa-cluster';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';

const NS = 'mora';
const CM_PATH = `/api/v1/namespaces/${NS}/configmaps`;

/** The one-VPA double with samples, and the recommender namespace's ConfigMaps kept in memory. */
class WithConfigMaps extends OneVpaClusterWithSamples {
  readonly configMaps = new Map<string, Json>();
  protected override answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://double');
    if (!url.pathname.startsWith(CM_PATH)) return super.answer(req, res, body);
    this.seen.push(`${req.method} ${url.pathname}`);
    const send = (code: number, b: unknown): void => { res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(b)); };
    const status = (code: number, reason: string): void => send(code, { apiVersion: 'v1', kind: 'Status', status: 'Failure', reason, code, message: reason });
    const name = url.pathname.slice(CM_PATH.length + 1);
    const stored = this.configMaps.get(name);
    const cm = body ? JSON.parse(body) as Json & { metadata: Json } : undefined;
    if (req.method === 'GET' && name) return stored ? send(200, stored) : status(404, 'NotFound');
    if (req.method === 'POST' && !name && cm) {
      const n = cm.metadata.name as string;
      if (this.configMaps.has(n)) return status(409, 'AlreadyExists');
      const out = { ...cm, metadata: { ...cm.metadata, namespace: NS, resourceVersion: '1' } };
      this.configMaps.set(n, out);
      return send(201, out);
    }
    if (req.method === 'PUT' && name && cm) {
      if (!stored) return status(404, 'NotFound');
      const rv = (stored.metadata as Json).resourceVersion as string;
      if (cm.metadata.resourceVersion !== rv) return status(409, 'Conflict');
      const out = { ...cm, metadata: { ...cm.metadata, namespace: NS, resourceVersion: String(Number(rv) + 1) } };
      this.configMaps.set(name, out);
      return send(200, out);
    }
    status(405, 'MethodNotAllowed');
  }
}

/** A small saved global LSTM: three 900 s series of 10 days, 2 epochs. */
function saveSmallModel(file: string): void {
  const pool = [0, 1, 2].map((k) => {
    const t: number[] = [], v: number[] = [];
    for (let i = 0; i < 960; i++) { t.push(1_789_000_000 + i * 900); v.push(0.2 + 0.05 * k + 0.03 * Math.sin((2 * Math.PI * i) / 96)); }
    return { id: `s${k}`, series: series(t, v) };
  });
  saveGlobalLstm(file, trainGlobalLstm(pool, { steps: 24, chunk: 12, units1: 8, units2: 4, dense: 4, epochs: 2, batchSize: 64, windowsPerSeries: 50, seed: 7 }));
}

describe('recommend --in-cluster --set lstm.global=<model.json>: the given model, the shared one untouched', function () {
  this.timeout(120_000);
  const cluster = new WithConfigMaps();
  const fx = useOneVpaCluster(cluster, 'mora-in-cluster-given-lstm-');
  let model = '';
  before(() => {
    model = path.join(fx.dir, 'model.json');
    saveSmallModel(model);
  });
  beforeEach(() => {
    cluster.seen.length = 0;
    cluster.configMaps.clear();
  });

  /** One shard run: its summary (or the error it threw) and everything it wrote to stderr. */
  async function run(extra: Record<string, unknown>): Promise<{ summary?: ShardSummary; error?: Error & { exitCode?: number }; err: string }> {
    let err = '';
    const se = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => { err += s; return true; }) as typeof process.stderr.write;
    try {
      const out = await inClusterCommand({
        ...RECOMMEND_DEFAULTS, source: 'cluster', inCluster: true, kubeconfig: fx.kubeconfig, prometheus: fx.server, shardIndex: '0', shards: '1', connectTimeout: '2', quiet: false, ...extra,
      }, { MORA_NOW: '1790000000', MORA_NAMESPACE: NS, MORA_GLOBAL_LSTM_EPOCHS: '1', MORA_GLOBAL_LSTM_WAIT_SECONDS: '30' });
      return { summary: JSON.parse(out) as ShardSummary, err };
    } catch (e) {
      return { error: e as Error & { exitCode?: number }, err };
    } finally {
      process.stderr.write = se;
    }
  }
  const configMapRequests = () => cluster.seen.filter((s) => s.includes('/configmaps'));

  it('without lstm.global (the double can be claimed): the shard claims, trains and publishes the shared model, and logs the pipeline\'s warning for lstm.epochs', async () => {
    const r = await run({ model: 'fused', set: ['lstm.epochs=1'], quiet: true });
    assert.equal(r.error, undefined, `${r.error?.message}\n${r.err}`);
    assert.ok(configMapRequests().includes(`POST ${CM_PATH}`), configMapRequests().join(', '));
    assert.equal(r.summary!.globalModel?.outcome, 'trained', JSON.stringify(r.summary!.globalModel));
    assert.ok(cluster.configMaps.has('mora-global-lstm'));
    // Shown with -q too, once.
    assert.equal(r.err.match(/^mora: --set lstm\.epochs not used for context "x": its 1 workloads share the context's global LSTM/gm)?.length, 1, r.err);
  });

  it('-m fused: no ConfigMap request; the summary, stderr and metrics name the given model; the VPA is written', async () => {
    const metricsFile = path.join(fx.dir, 'given.om');
    const r = await run({ model: 'fused', set: [`lstm.global=${model}`], metricsFile });
    assert.equal(r.error, undefined, `${r.error?.message}\n${r.err}`);
    assert.deepEqual(configMapRequests(), []);
    assert.equal(cluster.configMaps.size, 0);
    const { trainedThrough, ...report } = r.summary!.globalModel ?? { outcome: 'none' };
    assert.deepEqual(report, { outcome: 'given', file: model, version: 1, series: 3 });
    assert.equal(trainedThrough, new Date((1_789_000_000 + 959 * 900) * 1000).toISOString());
    assert.deepEqual(r.summary!.vpas.map((v) => v.outcome), ['written']);
    assert.match(r.err, new RegExp(`^mora in-cluster: shard 0/1 forecasts with the given global LSTM ${model.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(v1, 3 series, trained through [^)]+\\), zero shot .*; the shared model is not used, trained nor written$`, 'm'), r.err);
    assert.doesNotMatch(r.err, /trains it for every shard|shared global LSTM|--set .* not used/, r.err);
    const om = fs.readFileSync(metricsFile, 'utf8');
    assert.match(om, /^mora_recommender_global_model\{[^}]*outcome="given"[^}]*\} 1$/m);
    assert.match(om, /^mora_recommender_global_model\{[^}]*outcome="trained"[^}]*\} 0$/m);
    assert.match(om, /^mora_recommender_global_model_version(\{[^}]*\})? 1$/m);
    assert.match(om, /^mora_recommender_model_errors_total(\{[^}]*\})? 0$/m);
  });

  it('-m lstm --set lstm.series=s1 --set lstm.epochs=3 --set lstm.max_windows=256 -q: the given model scaled as s1; lstm.epochs named as not used (the default max_windows not)', async () => {
    const r = await run({ model: 'lstm', set: [`lstm.global=${model}`, 'lstm.series=s1', 'lstm.epochs=3', 'lstm.max_windows=256'], quiet: true });
    assert.equal(r.error, undefined, `${r.error?.message}\n${r.err}`);
    assert.deepEqual(configMapRequests(), []);
    assert.equal(r.summary!.globalModel?.outcome, 'given');
    assert.equal(r.summary!.globalModel?.lstmSeries, 's1');
    assert.deepEqual(r.err.trim().split('\n'), [
      `mora: --set lstm.epochs not used: the given global LSTM ${model} forecasts as it was saved (nothing is trained in this run; those keys shape the per-series LSTM, used without lstm.global)`,
    ]);
  });

  it('--dry-run: the given model too, nothing asked of the ConfigMap nor written', async () => {
    const r = await run({ model: 'fused', set: [`lstm.global=${model}`], dryRun: true });
    assert.equal(r.error, undefined, `${r.error?.message}\n${r.err}`);
    assert.deepEqual(cluster.seen.filter((s) => s.includes('/configmaps') || !(s.startsWith('GET ') || s.startsWith('POST /api/v1/query'))), [], cluster.seen.join(', '));
    assert.equal(r.summary!.globalModel?.outcome, 'given');
    assert.equal(r.summary!.globalModel?.file, model);
    assert.deepEqual(r.summary!.vpas.map((v) => v.outcome), ['would-write']);
    assert.doesNotMatch(r.err, /the pipeline's own model/);
  });

  it('a model file that cannot be used: exit 2 with mora forecast\'s message, before the cluster is asked anything', async () => {
    const missing = path.join(fx.dir, 'no-such-model.json');
    const r = await run({ model: 'fused', set: [`lstm.global=${missing}`] });
    assert.equal(r.error?.exitCode, 2, r.error?.message);
    assert.match(r.error!.message, new RegExp(`^--set: lstm\\.global: cannot use "${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}" as a global LSTM: `));
    assert.deepEqual(cluster.seen, []);
  });
});
