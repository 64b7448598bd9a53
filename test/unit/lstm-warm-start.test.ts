// MOrA's shipped warm-start global LSTM (models/lstm-warm-start/, src/ml/lstm/warm-start.ts): the artefact opens in TF.js
// and in MOrA's loader with the same numbers, says where its data came from, ships in the .vsix and the npm package,
// and a cluster without a model of its own uses it — its first training fine-tunes from it, the forecast view forecasts
// with it zero shot. Generated data only.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { Rng } from '../../src/core/random';
import { series } from '../../src/core/series';
import { DemoFleetDataSource } from '../../src/data/demo/fleet';
import { loadGlobalLstm } from '../../src/ml/lstm/global';
import { globalModelDir } from '../../src/ml/lstm/global-cache';
import { LstmNet } from '../../src/ml/lstm/net';
import { decodeWeights } from '../../src/ml/lstm/persist';
import { openLayersModel } from '../../src/ml/lstm/tfjs-runtime';
import { WARM_START_DIR, isWarmStart, loadWarmStart, warmStartEnabled, warmStartPath, type WarmStartState } from '../../src/ml/lstm/warm-start';
import { viewPanels } from '../../src/ml/worker/view-panels';
import { contextLstm, type GlobalModelEvent } from '../../src/pipeline/global-lstm';
import { panelFrame } from '../harness/panel-frame';

const REPO = join(__dirname, '..', '..');
const run = promisify(execFile);

describe('the warm-start global LSTM shipped with MOrA', function () {
  this.timeout(120000);
  const path = warmStartPath();

  it('is found beside the sources (and a bundle: dist/ → ../models), at the pipeline\'s 900 s step, and can be turned off', () => {
    assert.ok(path, `no ${WARM_START_DIR}/model.json above ${__dirname}`);
    assert.equal(relative(REPO, path), join(WARM_START_DIR, 'model.json'));
    assert.equal(warmStartPath(join(REPO, 'dist')), path);
    const model = loadWarmStart(900);
    assert.ok(model && isWarmStart(model));
    assert.equal(loadWarmStart(300), undefined, 'another step: not this model');
    assert.equal(warmStartEnabled({ MORA_LSTM_WARM_START: '0' }), false);
    assert.equal(warmStartEnabled({ MORA_LSTM_WARM_START: 'off' }), false);
    assert.equal(warmStartEnabled({}), true);
    const before = process.env.MORA_LSTM_WARM_START;
    process.env.MORA_LSTM_WARM_START = '0';
    try {
      assert.equal(loadWarmStart(900), undefined);
    } finally {
      if (before === undefined) delete process.env.MORA_LSTM_WARM_START; else process.env.MORA_LSTM_WARM_START = before;
    }
  });

  it('opens with tf.loadLayersModel and predicts what MOrA\'s loader predicts', async () => {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const state = loadGlobalLstm(path!).toJSON();
    const tfModel = await openLayersModel(tf, path!);
    const { steps, inputSize, outputs } = state.config;
    const N = 8, rng = new Rng(5);
    const x = new Float32Array(N * steps * inputSize).map(() => rng.next() * 2 - 1);
    const net = new LstmNet(state.config);
    net.setWeights(decodeWeights(state.weights));
    const ref = net.predict(x, N);
    const out = tf.tidy(() => (tfModel.predict(tf.tensor3d(x, [N, steps, inputSize])) as import('@tensorflow/tfjs').Tensor).dataSync());
    assert.equal(out.length, N * outputs);
    let d = 0;
    for (let i = 0; i < out.length; i++) d = Math.max(d, Math.abs(out[i] - ref[i]));
    assert.ok(d < 1e-5, `max |TF.js − MOrA| = ${d}`);
    tfModel.dispose();
  });

  it('names its sources and licences, was trained only on them, and is small', () => {
    const state = loadGlobalLstm(path!).toJSON() as WarmStartState;
    const info = state.warmStart!;
    assert.ok(info.sources.some((s) => /NAB/.test(s) && /MIT/.test(s)), info.sources.join(' | '));
    assert.ok(info.sources.some((s) => /DataCenter-Traces/.test(s) && /CC-BY-4\.0/.test(s)), info.sources.join(' | '));
    // Only NAB, the DataCenter-Traces aggregates and the demo generator: no Bitbrains, Azure V1 or DeathStarBench series.
    for (const id of Object.keys(state.scalers)) assert.match(id, /^(nab|alibaba2018|google2019|azure_v2|demo)\//);
    const notice = readFileSync(join(dirname(path!), 'NOTICE.md'), 'utf8');
    for (const needle of ['MIT', 'CC-BY-4.0', 'Numenta', 'zenodo.14564847']) assert.ok(notice.includes(needle), needle);
    const bytes = readdirSync(dirname(path!)).reduce((s, f) => s + readFileSync(join(dirname(path!), f)).length, 0);
    assert.ok(bytes < 400_000, `${bytes} bytes`);
  });

  it('forecasts a series it never saw, at any scale (zero shot)', () => {
    const model = loadWarmStart(900)!;
    const rng = new Rng(9);
    const t = Array.from({ length: 96 * 8 }, (_, i) => 1_790_000_000 - (1_790_000_000 % 86400) + i * 900);
    const v = t.map((x) => 2 + Math.sin((2 * Math.PI * (x % 86400)) / 86400) + 0.1 * rng.normal());
    const f = model.forecast(series(t, v), 96);
    const f10 = model.forecast(series(t, v.map((x) => 10 * x)), 96);
    assert.equal(f.mean.length, 96);
    assert.ok(f.mean.every(Number.isFinite));
    f.mean.forEach((m, i) => assert.ok(Math.abs(f10.mean[i] - 10 * m) < 1e-3 * Math.max(1, 10 * Math.abs(m)), `step ${i}`));
  });

  it('is in the .vsix file list and in what npm pack ships', async () => {
    const files = readdirSync(dirname(path!)).map((f) => `${WARM_START_DIR}/${f}`.split('\\').join('/'));
    assert.ok(files.some((f) => f.endsWith('.weights.bin')) && files.some((f) => f.endsWith('NOTICE.md')));
    const { listFiles, PackageManager } = require('@vscode/vsce') as typeof import('@vscode/vsce');
    const vsix = new Set(await listFiles({ cwd: REPO, packageManager: PackageManager.None }));
    for (const f of files) assert.ok(vsix.has(f), `${f} is not in the .vsix (see .vscodeignore)`);
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, timeout: 60000, maxBuffer: 16 << 20 });
    const packed = new Set((JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path));
    for (const f of files) assert.ok(packed.has(f), `${f} is not in the npm package (see .npmignore)`);
  });
});

describe('a cluster with no global LSTM of its own uses the warm start', function () {
  this.timeout(180000);
  let cacheRoot: string;
  before(() => { cacheRoot = mkdtempSync(join(tmpdir(), 'mora-warm-')); });
  after(() => rmSync(cacheRoot, { recursive: true, force: true }));

  it('its first training fine-tunes the warm-start weights, and the cached model holds the cluster\'s series only', async () => {
    const source = new DemoFleetDataSource({ workloads: 6, perNamespace: 3, days: 6, context: 'warm-fleet' });
    const workloads = [...await source.workloads('warm-fleet', 'fleet-000'), ...await source.workloads('warm-fleet', 'fleet-001')];
    const events: GlobalModelEvent[] = [];
    const { model } = await contextLstm(source, 'warm-fleet', workloads, 900, { cacheRoot, warmStart: true, refresh: { epochs: 1, windowsPerSeries: 2 } }, (e) => events.push(e));
    const kinds = events.filter((e) => e.kind !== 'epoch');
    assert.deepEqual(kinds.map((e) => e.kind), ['training', 'trained'], JSON.stringify(kinds));
    assert.equal((kinds[0] as { warmStart?: boolean }).warmStart, true);
    assert.ok(model);
    const cached = loadGlobalLstm(join(globalModelDir('demo', 'warm-fleet', cacheRoot), 'model.json'));
    const warm = loadWarmStart(900)!;
    for (const m of [model, cached]) {
      assert.equal(m.version, 1);
      assert.equal((m.state as { warmStarted?: boolean }).warmStarted, true);
      assert.equal(isWarmStart(m), false, 'a cluster model, not the shipped one');
      assert.ok(m.seriesIds.length > 0 && m.seriesIds.every((id) => id.includes('fleet-')), m.seriesIds.join(' '));
      assert.equal(m.state.trainedOn.series, m.seriesIds.length);
      assert.deepEqual(m.state.refreshes, []);
      assert.deepEqual(m.state.config, warm.state.config);
    }
    assert.notDeepEqual(cached.toJSON().weights, warm.toJSON().weights, 'fine-tuned, not copied');
  });

  it('the forecast view\'s worker forecasts every panel with it zero shot, and says so', async () => {
    const f = panelFrame(13);
    const result = await viewPanels({
      type: 'view-panels', id: 1, t: f.t, values: f.values, cancel: new SharedArrayBuffer(4),
      options: { bucket: 900, horizonHours: 24, seed: 7, lstmPanels: ['cpu', 'memory', 'requests', 'replicas'] },
      lstm: { kind: 'global', dir: dirname(warmStartPath()!) },
    });
    assert.ok(result.panels.length >= 3);
    for (const p of result.panels) assert.deepEqual(p.runs.map((r) => r.model), ['prophet', 'lstm', 'fused'], String(p.id));
    assert.match(result.lstmNote ?? '', /warm-start model/);
    assert.ok(existsSync(join(REPO, WARM_START_DIR, 'NOTICE.md')));
  });
});
