import * as assert from 'node:assert/strict';
import { parse } from 'yaml';
import { parseQuantity } from '../../src/core/quantity';
import { Rng } from '../../src/core/random';
import type { DataSource, MetricFrame, MetricTarget, TimeRange } from '../../src/data/datasource';
import { holdoutSplit } from '../../src/ml/lstm/holdout-run';
import { aggregate, buildForecastView, DEFAULT_FORECAST_VIEW_OPTIONS, type ForecastViewOptions, type LstmRunResult } from '../../src/views/forecast-model';
import { showMemory } from '../../src/views/recommendation-text';
import { DAY, END, STEP, apiWorkload } from './helpers/forecast-view-fixture';

const workload = apiWorkload;

/** A seeded source: daily-seasonal CPU (~0.1–0.2 cores), memory around 300 MiB, requests, 3 replicas; optional metrics left out. */
class FakeSource implements DataSource {
  readonly kind = 'demo' as const;
  constructor(private readonly seed: number, private readonly omit: string[] = [], private readonly days = 10) {}
  async contexts() { return ['test']; }
  async namespaces() { return ['ns']; }
  async workloads() { return [workload]; }
  async health() { return { ok: true, message: 'fake' }; }
  async historyRange(_t: MetricTarget): Promise<TimeRange> { return { from: END - this.days * DAY, to: END, step: STEP }; }
  async metrics(_t: MetricTarget, range: TimeRange): Promise<MetricFrame> {
    const rng = new Rng(this.seed);
    const n = Math.floor((range.to - range.from) / range.step);
    const t = new Float64Array(n);
    const cpu = new Float64Array(n), mem = new Float64Array(n), rps = new Float64Array(n), ready = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      t[i] = range.from + i * range.step;
      const day = Math.sin((2 * Math.PI * (t[i] % DAY)) / DAY);
      cpu[i] = 0.15 + 0.05 * day + 0.01 * rng.normal();
      mem[i] = 300 * 2 ** 20 + 20 * 2 ** 20 * day + 2 ** 20 * rng.normal();
      rps[i] = 50 + 20 * day + rng.normal();
      ready[i] = 3;
    }
    const values: MetricFrame['values'] = { cpu_usage: cpu, memory_working_set: mem, request_rate: rps, ready_replicas: ready };
    for (const k of this.omit) delete (values as Record<string, unknown>)[k];
    return { t, step: range.step, values };
  }
}

const options = (o: Partial<ForecastViewOptions> = {}): ForecastViewOptions => ({ ...DEFAULT_FORECAST_VIEW_OPTIONS, bucket: 1800, horizonHours: 24, shownDays: 3, ...o });

describe('forecast view model', () => {
  it('aggregates to buckets by mean or max, skipping NaN samples and empty buckets', () => {
    const rng = new Rng(11);
    const t: number[] = [], v: number[] = [];
    for (let i = 0; i < 500; i++) {
      if (i >= 100 && i < 160) continue; // a gap of whole buckets
      t.push(1_000_000 + i * 60);
      v.push(rng.next() < 0.1 ? NaN : rng.next() * 10);
    }
    for (const how of ['mean', 'max'] as const) {
      const s = aggregate(t, v, 600, how);
      // Brute force: group by bucket start.
      const groups = new Map<number, number[]>();
      t.forEach((x, i) => {
        const b = Math.floor(x / 600) * 600;
        if (!groups.has(b)) groups.set(b, []);
        if (Number.isFinite(v[i])) groups.get(b)!.push(v[i]);
      });
      const expected = [...groups].filter(([, xs]) => xs.length > 0);
      assert.deepEqual(Array.from(s.t), expected.map(([b]) => b));
      expected.forEach(([, xs], i) => {
        const want = how === 'mean' ? xs.reduce((a, b) => a + b, 0) / xs.length : Math.max(...xs);
        assert.ok(Math.abs(s.v[i] - want) < 1e-9, `${how} bucket ${i}`);
      });
      assert.ok(!s.t.some((b) => b >= 1_000_000 + 6000 + 600 && b < 1_000_000 + 9600 - 600), 'no points inside the gap');
    }
  });

  it('forecasts every panel past the end of the history, with bands around the mean', async () => {
    const { data } = await buildForecastView(new FakeSource(1), workload, 'app', options());
    assert.deepEqual(data.panels.map((p) => p.id), ['cpu', 'memory', 'requests', 'replicas']);
    for (const p of data.panels) {
      const lastHistory = p.history.t[p.history.t.length - 1];
      assert.ok(p.history.t[0] >= END - 3 * DAY - 1800, `${p.id}: only the shown days are drawn`);
      assert.deepEqual(p.forecasts.map((f) => f.model), ['prophet', 'fused']);
      for (const f of p.forecasts) {
        assert.equal(f.t.length, 24 * 2, `${p.id}/${f.model}: 24 h of 30-min steps`);
        assert.ok(f.t[0] > lastHistory, `${p.id}/${f.model} starts after the history`);
        assert.ok(f.mean.every((m, i) => f.lower[i] <= m + 1e-9 && m <= f.upper[i] + 1e-9), `${p.id}/${f.model}: lower ≤ mean ≤ upper`);
        assert.equal(f.intervalWidth, 0.9);
      }
      assert.equal(p.detail.rows.length, 24, 'one table row per forecast hour');
      assert.equal(p.detail.columns.length, 1 + p.forecasts.length);
    }
    // The CPU forecast follows the daily cycle: its peak is near 0.2 cores, its trough near 0.1.
    const cpu = data.panels[0].forecasts[1];
    assert.ok(Math.max(...cpu.mean) > 0.17 && Math.max(...cpu.mean) < 0.24, `cpu peak ${Math.max(...cpu.mean)}`);
    assert.ok(Math.min(...cpu.mean) > 0.06 && Math.min(...cpu.mean) < 0.13, `cpu trough ${Math.min(...cpu.mean)}`);
    assert.deepEqual(data.modelsRun, ['prophet', 'fused']);
    assert.ok(data.notes.some((n) => /LSTM not run/.test(n)), 'the view says which models ran');
    assert.ok(data.notes.some((n) => /engine/.test(n)), 'and where the recommendation comes from');
  });

  it('draws the current and recommended settings, and the headline and YAML say the same', async () => {
    const { data, recommendation } = await buildForecastView(new FakeSource(2), workload, 'app', options());
    const cpu = data.panels.find((p) => p.id === 'cpu')!;
    const current = cpu.lines.find((l) => l.label === 'Current request')!;
    assert.equal(current.value, 0.5);
    assert.ok(recommendation, 'the engine recommended');
    const rec = recommendation.containers[0];
    const recommended = cpu.lines.find((l) => l.label === 'Recommended request')!;
    assert.equal(recommended.value, rec.cpu!.request.value);
    // Usage peaks near 0.2 cores: the recommendation must come close to covering it and be well under the 500m request.
    assert.ok(recommended.value >= 0.18 && recommended.value < 0.4, `cpu recommendation ${recommended.value}`);
    // The risk the values carry where the engine states it (evidence.risk), else the confidence; the evidence lines the same.
    const risky = Boolean(rec.cpu?.evidence.risk || rec.memory?.evidence.risk);
    assert.match(data.headline, risky
      ? /^cpu 500m → \d+m · mem 1Gi → \d+(\.\d+)?Mi · cpu request exceeded [≈<][\d.]+% of the time \(target ≤5%\) · [≈<]1 OOM day in \d+ at limit \d+(\.\d+)?Mi \(target ≤1 in 100\)$/
      : /^cpu 500m → \d+m · mem 1Gi → \d+(\.\d+)?Mi · risk — \(no risk stated for an? [\w-]+ value\)$/);
    assert.equal(data.risk?.length ?? 0, risky ? 2 : 0);
    if (risky) assert.match(data.risk!.join('\n'), /^CPU: request exceeded .*setting mora\.risk\.cpu.*\nMemory: .*OOM day in \d+ at this limit; risk target ≤1 OOM day in 100 \(setting mora\.risk\.memory\)/);
    const yaml = parse(data.yaml) as { resources: { requests: { cpu: string; memory: string }; limits: { memory: string } } };
    assert.equal(parseQuantity(yaml.resources.requests.cpu), rec.cpu!.request.value);
    assert.equal(parseQuantity(yaml.resources.requests.memory), rec.memory!.request.value);
    assert.equal(parseQuantity(yaml.resources.limits.memory), rec.memory!.limit!.value);
    assert.ok(rec.memory!.limit!.value >= 320 * 2 ** 20, `the memory limit covers the observed peak (${rec.memory!.limit!.value / 2 ** 20} Mi)`);
    const replicas = data.panels.find((p) => p.id === 'replicas')!;
    assert.ok(replicas.lines.some((l) => l.label === 'Current replicas' && l.value === 3));
  });

  it('shows recommended memory requests/limits as the headline and YAML write them (whole Mi, never below), usage to the nearest', async () => {
    const source = new FakeSource(2);
    const first = await buildForecastView(source, workload, 'app', options());
    const rec = structuredClone(first.recommendation!);
    const c = rec.containers[0];
    // 1100Mi rounded to the nearest read 1.07Gi (1095.68Mi, below what is written), 1535Mi read 1.5Gi (1536Mi).
    c.memory!.request.value = 1100 * 2 ** 20;
    c.memory!.limit!.value = 1535 * 2 ** 20;
    const { data } = await buildForecastView(source, workload, 'app', options({ recommendation: rec }));
    const memory = data.panels.find((p) => p.id === 'memory')!;
    const row = (label: string) => memory.summary.rows.find((r) => r[0] === label)!;
    assert.deepEqual(row('Recommended request'), ['Recommended request', '1100Mi', '—', '—', '—']);
    assert.deepEqual(row('Recommended limit'), ['Recommended limit', '1535Mi', '—', '—', '—']);
    assert.deepEqual(row('Current request'), ['Current request', '1Gi', '—', '—', '—']);
    assert.match(data.headline, /mem 1Gi → 1100Mi/);
    const yaml = parse(data.yaml) as { resources: { requests: { memory: string }; limits: { memory: string } } };
    assert.deepEqual([yaml.resources.requests.memory, yaml.resources.limits.memory], ['1100Mi', '1535Mi']);
    // Observed usage keeps its nearest-value form (e.g. 312.4Mi), not rounded up to whole Mi.
    assert.match(row('History (observed)')[2], /^\d+(\.\d)?Mi$/);
    assert.equal(row('History (observed)')[2], showMemory(Math.max(...memory.history.v.filter(Number.isFinite))));
  });

  it('fuses an LSTM forecast when one is given, and still shows Prophet when the LSTM fails', async () => {
    // A seasonal-naive "LSTM" (yesterday repeated): its forecast and its score on the holdout it was trained without.
    const lstm = async (history: { t: Float64Array; v: Float64Array }, horizon: number, step: number): Promise<LstmRunResult> => {
      const P = Math.round(86400 / step), n = history.v.length;
      const t = Float64Array.from({ length: horizon }, (_, i) => history.t[n - 1] + (i + 1) * step);
      const mean = Float64Array.from({ length: horizon }, (_, i) => history.v[n - P + (i % P)]);
      const { fitPart, points } = holdoutSplit(history, horizon);
      const actual = Array.from(history.v.subarray(n - points));
      const held = actual.map((_, j) => fitPart.v[fitPart.v.length - P + (j % P)]);
      const holdout = { points, t: [], actual, mean: held, mae: actual.reduce((a, x, j) => a + Math.abs(x - held[j]), 0) / points };
      return { forecast: { t, mean, lower: mean.map((x) => x * 0.9), upper: mean.map((x) => x * 1.1), intervalWidth: 0.9 }, holdout };
    };
    const { data } = await buildForecastView(new FakeSource(3, ['request_rate', 'ready_replicas']), workload, 'app', options({ lstm, lstmPanels: ['cpu'] }));
    assert.deepEqual(data.panels.map((p) => p.id), ['cpu', 'memory'], 'panels without data are left out');
    assert.deepEqual(data.panels[1].forecasts.map((f) => f.model), ['prophet', 'fused'], 'the LSTM runs only for the panels asked');
    assert.ok(data.notes.some((n) => /LSTM run for cpu only/.test(n)));
    const cpu = data.panels[0];
    assert.deepEqual(cpu.forecasts.map((f) => f.model), ['prophet', 'lstm', 'fused']);
    // Fused as the CLI fuses: both models weighed by their holdout error against the seasonal baseline, which takes part.
    const weights = data.notes.find((n) => /^CPU.*: fused = /.test(n));
    assert.ok(weights, `a note gives the fused weights: ${data.notes.join(' | ')}`);
    const parts = [...weights.matchAll(/(prophet|lstm|baseline)(?: \([^)]*\))? (\d+)%/g)];
    assert.deepEqual(parts.map((m) => m[1]), ["prophet", "lstm", "baseline"], data.notes.join(" | "));
    assert.ok(Math.abs(parts.reduce((a, m) => a + Number(m[2]), 0) - 100) <= 2, 'the weights add up to 100%');
    assert.ok(!data.notes.some((n) => /LSTM not run/.test(n)));

    const failing = async (): Promise<LstmRunResult> => { throw new Error('worker crashed'); };
    const r = await buildForecastView(new FakeSource(3), workload, 'app', options({ lstm: failing }));
    assert.deepEqual(r.data.panels[0].forecasts.map((x) => x.model), ['prophet', 'fused']);
    assert.ok(r.data.notes.some((n) => /LSTM failed: worker crashed/.test(n)));
  });

  it('sends the recommendation\'s evidence (observed percentiles, method, replay, completeness) to the view', async () => {
    const { data, recommendation } = await buildForecastView(new FakeSource(2), workload, 'app', options());
    assert.ok(recommendation);
    const text = (data.evidence ?? []).join('\n');
    assert.match(text, /^CPU request \d+m/m);
    assert.match(text, /^Memory request /m);
    assert.match(text, /observed over \d+ days \(\d+ samples\): p50 .*, p95 .*, p99 /);
    assert.match(text, /method [\w-]+: /);
    assert.match(text, /data completeness \d+%/);
    assert.doesNotMatch(text, /\*\*|`/, 'plain text, not Markdown');
  });

  it('says why nothing is charted when no series has two buckets (under 30 min of history)', async () => {
    // 20 minutes of 5-minute samples: one 30-minute bucket per series, every panel dropped.
    const { data } = await buildForecastView(new FakeSource(2, [], 20 / 1440), workload, 'app', options());
    assert.deepEqual(data.panels, []);
    assert.match(data.notes[0], /^Not enough history to chart \(needs 30 min\)\./);
  });

  it('produces plain JSON (the webview state survives serialisation unchanged)', async () => {
    const { data } = await buildForecastView(new FakeSource(4), workload, 'app', options());
    assert.deepEqual(JSON.parse(JSON.stringify(data)), data);
  });
});
