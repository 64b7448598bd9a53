import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { series } from '../../src/core/series';
import { DemoFleetDataSource } from '../../src/data/demo/fleet';
import { DEMO_END } from '../../src/data/demo';
import { runForecast, runForecasts, type ModelRun } from '../../src/ml/forecast';
import type { FusedForecast } from '../../src/ml/fusion';
import { contextKey, coveredTo, globalModelDir, moraCacheRoot } from '../../src/ml/lstm/global-cache';
import { loadGlobalLstm } from '../../src/ml/lstm/global';
import { recommendFromSource } from '../../src/pipeline/recommend';
import { contextLstm, poolCutoff, unavailableLstm, type GlobalLstmSettings, type GlobalModelEvent } from '../../src/pipeline/global-lstm';
import { downsample } from '../../src/rightsizing/engine/forecast-choice';
import { buildForecastView, cachedGlobalLstm, DEFAULT_FORECAST_VIEW_OPTIONS, globalLstmRunner } from '../../src/views/forecast-model';

const DAY = 86400;
const REPO = join(__dirname, '..', '..');

/** Tiny models: a few epochs on a few windows, so the worker's training takes a second or two. */
const TINY: GlobalLstmSettings = {
  train: { units1: 8, units2: 4, dense: 4, epochs: 3, patience: 3, windowsPerSeries: 4, seed: 3 },
  refresh: { epochs: 1, windowsPerSeries: 2 },
};

/** 6 demo-style workloads × 6 days at 5 minutes: enough for the engine's forecast check (4 days) and a pool (2+ days). */
const fleet = (end = DEMO_END, days = 6): DemoFleetDataSource => new DemoFleetDataSource({ workloads: 6, perNamespace: 3, days, end, context: 'unit-fleet' });

describe('recommend -m fused with one global LSTM per context (src/pipeline/global-lstm.ts)', function () {
  this.timeout(180000);
  let cacheRoot: string;
  const settings = (): GlobalLstmSettings => ({ ...TINY, cacheRoot });
  const dir = (): string => globalModelDir('demo', 'unit-fleet', cacheRoot);
  const run = async (source = fleet(), extra: Partial<GlobalLstmSettings> = {}): Promise<{ events: GlobalModelEvent[]; runs: Awaited<ReturnType<typeof recommendFromSource>> }> => {
    const events: GlobalModelEvent[] = [];
    const runs = await recommendFromSource(source, { model: 'fused', globalLstm: { ...settings(), ...extra }, onGlobalModel: (e) => events.push(e) });
    return { events, runs };
  };
  const kinds = (events: GlobalModelEvent[]): string[] => events.filter((e) => e.kind !== 'epoch').map((e) => e.kind);

  before(() => { cacheRoot = mkdtempSync(join(tmpdir(), 'mora-global-')); });
  after(() => rmSync(cacheRoot, { recursive: true, force: true }));

  it('trains one model for the context in a worker, caches it, and recommends every workload with fused forecasts', async () => {
    const { events, runs } = await run();
    assert.deepEqual(kinds(events), ['training', 'trained']);
    assert.ok(events.some((e) => e.kind === 'epoch'), 'epoch progress from the worker');
    assert.equal(runs.length, 6);
    for (const r of runs) assert.ok(r.recommendation.containers[0].cpu, `${r.recommendation.workload.name} has a CPU recommendation`);
    const trained = events.find((e) => e.kind === 'trained') as Extract<GlobalModelEvent, { kind: 'trained' | 'refreshed' }>;
    assert.equal(trained.version, 1);
    assert.ok(trained.series >= 12, `cpu, memory and request rate of most workloads pooled (${trained.series})`);
    assert.ok(existsSync(join(dir(), 'model.json')));
    // Every forecast check ran the fused model (it either beat the window on the last day or says why not).
    const reasons = runs.flatMap((r) => r.details.flatMap((d) => [d.cpu?.evidence, d.memory?.evidence]))
      .map((e) => `${e?.method}: ${e?.reason} ${e?.notes.join(' ')}`);
    assert.ok(reasons.every((x) => /fused/.test(x)), reasons.find((x) => !/fused/.test(x)));
    // The pool ends two days before the last midnight: neither the engine's checked day nor the fusion's holdout was seen.
    const model = loadGlobalLstm(join(dir(), 'model.json'));
    assert.ok(coveredTo(model) < poolCutoff(DEMO_END));
  });

  it('gives each series its own fused forecast and falls back per series when the LSTM member fails', async () => {
    const source = fleet();
    const [a, b] = (await source.workloads('unit-fleet', 'fleet-000')).slice(0, 2);
    const range = await source.historyRange();
    const hist = async (w: typeof a): Promise<ReturnType<typeof series>> => {
      const f = await source.metrics({ workload: w, container: 'server' }, range);
      return downsample(series(f.t, f.values.cpu_usage!), 900, 'cpu');
    };
    const { override, model } = await contextLstm(source, 'unit-fleet', await source.workloads('unit-fleet', 'fleet-000'), 900, settings(), () => undefined);
    assert.ok(model, 'the cached model is used');
    const both = async (w: typeof a): Promise<[ModelRun, ModelRun]> => {
      // The small test-trained global model validates 3–6× worse than the seasonal baseline here, which drops it from the
      // blend at the default drop_ratio 2; a looser limit keeps it in, so this checks the wiring, not the model's skill.
      const [l, f] = await runForecasts(await hist(w), ['lstm', 'fused'], { horizon: 96, step: 900, overrides: { lstm: override }, options: { fused: { drop_ratio: '10' } } });
      return [l, f];
    };
    const [la, fa] = await both(a);
    const [lb, fb] = await both(b);
    for (const l of [la, lb]) assert.equal((l.fitted as { kind: string }).kind, 'mora-lstm-global', 'the LSTM member is the global model, not a per-series training');
    const used = (r: ModelRun): string[] => (r.fitted as { used: string[] }).used;
    assert.ok(used(fa).includes('lstm') || used(fb).includes('lstm'), `the global LSTM is used in the blend (${used(fa)} / ${used(fb)})`);
    assert.notDeepEqual(Array.from(la.forecast.mean), Array.from(lb.forecast.mean), 'two series, two LSTM forecasts (each its own scale)');
    assert.notDeepEqual(Array.from(fa.forecast.mean), Array.from(fb.forecast.mean), 'two series, two fused forecasts');
    for (const x of [fa, fb]) {
      const c = (x.forecast as FusedForecast).confidence;
      assert.ok(c >= 0 && c <= 1, `confidence ${c}`);
    }
    // Fallback: without the LSTM the fusion still forecasts, from Prophet and the seasonal baseline.
    const fallback = await runForecast(await hist(a), { model: 'fused', horizon: 96, step: 900, overrides: { lstm: unavailableLstm('test') } });
    assert.ok(!used(fallback).includes('lstm'));
    assert.equal(fallback.forecast.mean.length, 96);
    assert.ok(Array.from(fallback.forecast.mean).every(Number.isFinite));
  });

  it('reuses a fresh cached model, and REFRESHES a stale one (version and trainedThrough advance, fewer epochs) instead of retraining', async () => {
    const again = await run();
    assert.deepEqual(kinds(again.events), ['cached']);
    const before = loadGlobalLstm(join(dir(), 'model.json'));
    // A day later: one more day of history.
    const later = await run(fleet(DEMO_END + DAY, 7));
    assert.deepEqual(kinds(later.events), ['refreshing', 'refreshed']);
    const after = loadGlobalLstm(join(dir(), 'model.json'));
    assert.equal(after.version, before.version + 1);
    assert.equal(after.state.refreshes.length, 1);
    assert.ok(coveredTo(after) >= coveredTo(before) + DAY - 900, `trained through ${coveredTo(after)} vs ${coveredTo(before)}`);
    assert.ok(after.state.refreshes[0].epochs < after.state.trainedOn.epochs, 'a refresh trains fewer epochs than the first training');
    assert.deepEqual(after.state.trainedOn, before.state.trainedOn, 'the first training is kept, not redone');
  });

  it('ignores a corrupt cache file with a one-line warning and trains a new model (never crashes)', async () => {
    writeFileSync(join(dir(), 'model.json'), '{"format": 1, "modelTopology": trunc');
    const { events, runs } = await run();
    const warnings = events.filter((e): e is Extract<GlobalModelEvent, { kind: 'warning' }> => e.kind === 'warning');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0].message, /ignoring the cached global LSTM .*model\.json: .*training a new one/);
    assert.ok(!warnings[0].message.includes('\n'));
    assert.deepEqual(kinds(events), ['warning', 'training', 'trained']);
    assert.equal(runs.length, 6);
    // Weights missing behind a valid model.json: the same.
    for (const f of readdirSync(dir())) if (f.endsWith('.weights.bin')) rmSync(join(dir(), f));
    const second = await run();
    assert.deepEqual(kinds(second.events), ['warning', 'training', 'trained']);
  });

  it('gives a run of one workload the context\'s cached model when it is up to date (the numbers of the fleet-wide run)', async () => {
    const fleetWide = await run();
    const events: GlobalModelEvent[] = [];
    const [one] = await recommendFromSource(fleet(), { model: 'fused', workload: 'frontend-0000', globalLstm: settings(), onGlobalModel: (e) => events.push(e) });
    assert.deepEqual(kinds(events), ['cached']);
    const same = fleetWide.runs.find((r) => r.recommendation.workload.name === 'frontend-0000')!;
    assert.deepEqual(one.recommendation.containers, same.recommendation.containers);
  });

  it('gives the same recommendations with the forecasts in the worker pool as on the calling thread', async () => {
    const inWorkers = await run();
    const here = await run(fleet(), { parallel: false });
    assert.deepEqual(kinds(here.events), ['cached']);
    assert.deepEqual(here.runs.map((r) => r.recommendation.containers), inWorkers.runs.map((r) => r.recommendation.containers));
    assert.deepEqual(here.runs.map((r) => r.recommendation.workload.name), inWorkers.runs.map((r) => r.recommendation.workload.name), 'order kept');
  });

  it('lets the forecast view use the cached global model: LSTM and fused on all four panels, no per-series training', async () => {
    const source = fleet();
    await run(source);
    const warnings: string[] = [];
    assert.equal(cachedGlobalLstm('demo', 'unit-fleet', 300, (l) => warnings.push(l), cacheRoot), undefined, 'another bucket: not this model');
    assert.equal(cachedGlobalLstm('demo', 'no-such-context', 900, (l) => warnings.push(l), cacheRoot), undefined);
    const model = cachedGlobalLstm('demo', 'unit-fleet', 900, (l) => warnings.push(l), cacheRoot);
    assert.ok(model);
    assert.deepEqual(warnings, []);
    const [w] = await source.workloads('unit-fleet', 'fleet-000');
    const t0 = performance.now();
    const { data } = await buildForecastView(source, w, 'server', {
      ...DEFAULT_FORECAST_VIEW_OPTIONS, lstm: globalLstmRunner(model), lstmPanels: ['cpu', 'memory', 'requests', 'replicas'], lstmNote: 'LSTM: the global model',
    });
    const seconds = (performance.now() - t0) / 1000;
    assert.deepEqual(data.panels.map((p) => p.id), ['cpu', 'memory', 'requests', 'replicas']);
    for (const p of data.panels) assert.deepEqual(p.forecasts.map((f) => f.model), ['prophet', 'lstm', 'fused'], p.id);
    assert.ok(data.notes.includes('LSTM: the global model'));
    assert.ok(seconds < 60, `${seconds} s`);
  });

  it('keeps the cache out of any repository: XDG_CACHE_HOME when absolute, never a relative one, never inside a checkout', () => {
    const inRepo = (p: string): boolean => { const r = relative(REPO, p); return r === '' || (!r.startsWith('..') && !isAbsolute(r)); };
    const home = mkdtempSync(join(tmpdir(), 'mora-xdg-'));
    try {
      assert.equal(moraCacheRoot({ XDG_CACHE_HOME: home }, tmpdir()), join(home, 'mora'));
      for (const env of [{ XDG_CACHE_HOME: join(REPO, '.cache') }, { XDG_CACHE_HOME: 'relative/cache' }, { XDG_CACHE_HOME: REPO }, {}]) {
        for (const cwd of [REPO, join(REPO, 'src'), tmpdir()]) {
          const root = moraCacheRoot(env, cwd);
          assert.ok(isAbsolute(root), root);
          assert.ok(!inRepo(root), `${JSON.stringify(env)} from ${cwd}: ${root} is inside the repository`);
        }
      }
      assert.ok(!inRepo(moraCacheRoot()), 'the default root of this process');
      const d = globalModelDir('cluster', 'prod/eu', home);
      assert.equal(d, join(home, 'models', contextKey('cluster', 'prod/eu'), 'lstm-global'));
      assert.match(contextKey('cluster', 'prod/eu'), /^[0-9a-f]{16}$/);
      assert.notEqual(contextKey('cluster', 'a'), contextKey('demo', 'a'));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('keeps per-series LSTMs below the threshold and when disabled (no model trained)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mora-global-off-'));
    try {
      const events: GlobalModelEvent[] = [];
      const source = new DemoFleetDataSource({ workloads: 2, perNamespace: 2, days: 5, context: 'unit-small' });
      await recommendFromSource(source, { model: 'prophet', globalLstm: { cacheRoot: root }, onGlobalModel: (e) => events.push(e) });
      assert.equal(events.length, 0, 'prophet has no LSTM');
      const perSeries: GlobalModelEvent[] = [];
      const runs = await recommendFromSource(fleet(), { model: 'fused', modelOptions: { lstm: { epochs: '1', maxWindows: '8', units1: '4', units2: '2', dense: '2' } }, globalLstm: { ...TINY, cacheRoot: root, enabled: false }, onGlobalModel: (e) => perSeries.push(e), workload: 'frontend-0000' });
      assert.equal(runs.length, 1);
      assert.equal(perSeries.length, 0);
      // One workload (the extension's store asks one at a time) and no cached model: per series, nothing trained.
      const one = await recommendFromSource(fleet(), { model: 'fused', modelOptions: { lstm: { epochs: '1', maxWindows: '8', units1: '4', units2: '2', dense: '2' } }, globalLstm: { ...TINY, cacheRoot: root }, onGlobalModel: (e) => perSeries.push(e), workload: 'frontend-0000' });
      assert.equal(one.length, 1);
      assert.equal(perSeries.length, 0);
      assert.equal(existsSync(join(root, 'models')), false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
