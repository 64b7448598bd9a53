// The forecast webview's DOM-free decisions (src/webview/view-logic.ts): axis labels, gaps, clock, live region.
import * as assert from 'node:assert/strict';
import type { PanelUnit, ReferenceLine } from '../../src/protocol/forecast';
import { announcement, formatValue, spanGapsMs, stepDecimals, suggestedMax, tickLabel, tooltipLabel, utcWall } from '../../src/webview/view-logic';

/** Chart.js-like ticks: 0..max in `n` equal steps. */
const ticks = (max: number, n: number) => Array.from({ length: n + 1 }, (_, i) => (max * i) / n);
const labels = (unit: PanelUnit, max: number, n: number) => ticks(max, n).map((x) => tickLabel(unit, x, max / n));

describe('forecast webview logic', () => {
  it('labels every axis tick distinctly, with the unit and decimals the tick step needs', () => {
    // 0.4m of CPU (the review saw "1m, 1m, 0m…"), all-zero memory on its 1Mi floor ("0Mi" × 11), 0.02 req/s ("0" × 9).
    assert.deepEqual(labels('cores', 0.0004, 4), ['0.0m', '0.1m', '0.2m', '0.3m', '0.4m']);
    assert.deepEqual(labels('bytes', suggestedMax('bytes'), 10), ['0.0Mi', '0.1Mi', '0.2Mi', '0.3Mi', '0.4Mi', '0.5Mi', '0.6Mi', '0.7Mi', '0.8Mi', '0.9Mi', '1.0Mi']);
    assert.deepEqual(labels('req/s', 0.02, 4), ['0.000', '0.005', '0.010', '0.015', '0.020']);
    for (const [unit, max, n] of [['cores', 0.0004, 8], ['cores', 2.4, 12], ['cores', 0.25, 5], ['bytes', 1.5 * 2 ** 30, 6], ['bytes', 600 * 2 ** 20, 6],
      ['req/s', 0.02, 8], ['count', 3, 6], ['bytes', 3000, 6]] as const) {
      const l = labels(unit, max, n);
      assert.equal(new Set(l).size, l.length, `${unit} 0..${max} in ${n}: ${l.join(', ')}`);
    }
    assert.deepEqual(labels('cores', 1.2, 6), ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0', '1.2']);
    assert.deepEqual(labels('bytes', 2 * 2 ** 30, 4), ['0.0Gi', '0.5Gi', '1.0Gi', '1.5Gi', '2.0Gi']);
    assert.deepEqual(labels('cores', 0.2, 4), ['0m', '50m', '100m', '150m', '200m']);
    assert.deepEqual([stepDecimals(10), stepDecimals(0.2), stepDecimals(0.05), stepDecimals(0.0025)], [0, 1, 2, 4]);
  });

  it('tooltips keep three significant digits', () => {
    assert.deepEqual([formatValue('cores', 0.00042), formatValue('cores', 1.234), formatValue('bytes', 300.5 * 2 ** 20), formatValue('req/s', 0.0213)],
      ['0.42m', '1.23', '301Mi', '0.0213']);
  });

  it('tooltips of the request/limit lines read as the headline, summary and YAML (whole Mi, never below); usage keeps 3 digits', () => {
    const MI = 2 ** 20;
    const lines: ReferenceLine[] = [
      { label: 'Current request', value: 1024 * MI, role: 'current' },
      { label: 'Recommended request', value: 1100 * MI, role: 'recommended' },
      { label: 'Recommended limit', value: 1535 * MI, role: 'recommended' },
    ];
    // Before: 'Recommended request: 1.07Gi' (1095.68Mi, below the 1100Mi written) and 'Recommended limit: 1.5Gi' (1536Mi).
    assert.deepEqual(lines.map((l) => tooltipLabel('bytes', lines, l.label, l.value)),
      ['Current request: 1Gi', 'Recommended request: 1100Mi', 'Recommended limit: 1535Mi']);
    // Usage and forecast series at the same values: unchanged, three significant digits.
    assert.deepEqual(['History', 'Fused', 'Fused 90% band'].map((label) => tooltipLabel('bytes', lines, label, 1100 * MI)),
      ['History: 1.07Gi', 'Fused: 1.07Gi', 'Fused 90% band: 1.07Gi']);
    assert.equal(tooltipLabel('bytes', lines, 'History', 300.5 * MI), 'History: 301Mi');
    assert.equal(tooltipLabel('cores', [], 'History', 1.234), 'History: 1.23');
    // A CPU line as the summary and YAML write it (whole millicores), not 1.23 cores.
    assert.equal(tooltipLabel('cores', [{ label: 'Recommended request', value: 1.234, role: 'recommended' }], 'Recommended request', 1.234), 'Recommended request: 1234m');
  });

  it('bridges a missing bucket or two, not a longer gap', () => {
    const t = [0, 1800, 3600, 5400, 20 * 1800, 21 * 1800];
    assert.equal(spanGapsMs(t), 2 * 1800 * 1000);
    assert.equal(spanGapsMs([5]), undefined);
  });

  it('draws in UTC whatever the browser\'s zone', () => {
    const tz = process.env.TZ;
    try {
      for (const zone of ['America/New_York', 'Asia/Kolkata', 'UTC']) {
        process.env.TZ = zone;
        const t = Date.UTC(2026, 10, 23, 14, 30) / 1000;
        const d = new Date(utcWall(t));
        // What a local-time formatter (the chart's date adapter) prints is the UTC wall clock.
        assert.deepEqual([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes()], [2026, 10, 23, 14, 30], zone);
      }
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('announces a forecast once when it arrives, and no LSTM epoch', () => {
    assert.equal(announcement({ type: 'show' }), 'Forecast updated');
    assert.equal(announcement({ type: 'loading', message: 'LSTM training in a worker thread: epoch 3/60 (1 of 2)…' }), undefined);
    assert.equal(announcement({ type: 'loading', message: 'Forecasting cartservice/server…' }), 'Forecasting cartservice/server…');
    assert.equal(announcement({ type: 'error', message: 'MOrA could not forecast x' }), 'MOrA could not forecast x');
  });
});
