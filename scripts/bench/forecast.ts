/**
 * bench:forecast — MASE of prophet, lstm, fused and seasonal-naive on the last day of every series.
 *
 *   npm run bench:forecast -- --data <dir> [--only <regex>] [--limit N] [--epochs N] [--chunk N] [--set lstm.name=value] [--horizon N] [--horizon-days N] [--shift N] [--out results.json] [--dump components.json]
 *   npm run bench:forecast -- --heldout <shared datasets dir> [--group azure-v1,aggregates,nab-1h,short] [--only …] [--limit N] …
 *
 * --heldout: the traces MOrA was not tuned on (forecast-heldout.ts: Azure V1 VMs, datacenter aggregates at 30 s and 300 s,
 * NAB at 1-hour steps, 4-day histories), converted in memory. Every series holds out its last day at its own step
 * (P = one day of steps: 288 at 5 min, 24 at 1 h, 2880 at 30 s) and MASE is scaled by seasonal-naive with period P.
 * Both modes print the geometric means per group and count defects: non-finite values and negative values (in a
 * forecast or a lower band edge) of a series that never went below 0.
 *
 * <dir> holds `timestamp,value` CSVs (or has a timestamp_value/ folder of them). Each series: fit on all but the last 288
 * points (one day at 5 min; with --shift N, of all but the last N points), forecast 288, MASE = MAE / the training part's seasonal-naive (period one day) MAE.
 * Prints one row per series (with the models fused dropped, the baseline anchor's weight and day count), then the geometric
 * mean per method and the ratios fused / each other method. `baseline` is the fused run's anchor alone: the seasonal median
 * over the 1, 3 or 7 days it chose by holdout error (src/ml/seasonal-baseline.ts). Then the 90% band coverage: the share of
 * the H held-out points inside [lower, upper] for prophet, lstm and fused, pooled per dataset group (by file name:
 * bitbrains_*_cpu_* → bitbrains cpu, bitbrains_*_mem_* → bitbrains mem, nab_* → nab) and over all, with the mean band
 * width in MASE units (width / the seasonal-naive MAE scale) and, for fused, the mean of each series' own coverage (pooled
 * points weigh a series by its step: a day at 30 s is 2,880 points, at 300 s 288). --dump (exploration) writes every component's forecasts and
 * bands, the fused run's holdout and the training values for offline fusion and band studies.
 * --horizon-days N (N ≥ 2): hold out the last N days and forecast all of them; MASE and coverage are scored on days 2..N
 * only (day 1 is the default run's), the leads past the day-long holdout's reach (band-calibration.ts § Past the windows'
 * reach). A series under N + 2 days is skipped.
 * Coverage: --data's histories are long enough for a day-long holdout, so the fused forecast never reaches a baselineFrom
 * and its carried level (fusion.ts, "Carried level": capped by the last observations, floored at 0) is not exercised
 * there; --heldout's short group (4-day histories) and test/unit/fusion-ramp + fusion-carry-support are where it is.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readTimeseriesCsv } from '../../src/data/timeseries-csv';
import { clean, medianStep, type Series } from '../../src/core/series';
import { geometricMean } from '../../src/core/stats';
import { runForecasts } from '../../src/ml/forecast';
import type { FusedForecast } from '../../src/ml/fusion';
import { Prophet } from '../../src/ml/prophet';
import { seasonalMedianForecast, weeklyDays } from '../../src/ml/seasonal-baseline';
import { heldoutSeries, HELDOUT_GROUPS, type HeldoutSeries } from './forecast-heldout';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * The dataset group a series belongs to, by its file name: `bitbrains_<vm>_cpu_mhz` → bitbrains cpu,
 * `bitbrains_<vm>_mem_bytes` → bitbrains mem, `nab_*` → nab (NAB's AWS CloudWatch and other real traces), else other.
 */
function groupOf(file: string): string {
  if (/^bitbrains_.*_cpu/.test(file)) return 'bitbrains cpu';
  if (/^bitbrains_.*_mem/.test(file)) return 'bitbrains mem';
  const m = /^([a-z0-9]+)_/.exec(file);
  return m ? m[1] : 'other';
}

/** Points of `actual[0..H)` inside [lower, upper], and the summed width of the band over them. */
function coverage(lower: ArrayLike<number>, upper: ArrayLike<number>, actual: ArrayLike<number>, H: number, from = 0): { covered: number; width: number } {
  let covered = 0, width = 0;
  for (let i = from; i < H; i++) {
    if (actual[i] >= lower[i] && actual[i] <= upper[i]) covered++;
    width += (upper[i] - lower[i]) / (H - from);
  }
  return { covered, width };
}

/** Points held out at the end of every tuning series (one day at 5 min); `--horizon` scores only the first N of them. */
const HOLD = 288;

/** Negative or non-finite values among `a`, as "n neg" / "n nan" (empty when none). */
function defects(name: string, a: ArrayLike<number>, nonNegative: boolean): string[] {
  let neg = 0, bad = 0;
  for (let i = 0; i < a.length; i++) { if (!Number.isFinite(a[i])) bad++; else if (nonNegative && a[i] < 0) neg++; }
  return [...(bad ? [`${name} ${bad} non-finite`] : []), ...(neg ? [`${name} ${neg} negative`] : [])];
}

async function main(): Promise<void> {
  const data = arg('data') ?? arg('heldout');
  const heldout = arg('heldout') !== undefined;
  if (!data || !existsSync(data)) {
    console.error('usage: npm run bench:forecast -- --data <dir of timestamp,value CSVs> | --heldout <shared datasets dir> [--group g1,g2] [--only regex] [--limit N] [--epochs N] [--chunk N]');
    process.exit(2);
  }
  const dir = existsSync(join(data, 'timestamp_value')) && statSync(join(data, 'timestamp_value')).isDirectory() ? join(data, 'timestamp_value') : data;
  const only = arg('only') ? new RegExp(arg('only')!) : undefined;
  // Every series as { name, group, series }: the tuning CSVs of `dir`, or the held-out groups converted in memory.
  let items: Array<HeldoutSeries | { name: string; group: string; file: string }> = heldout
    ? heldoutSeries(data, arg('group') ? arg('group')!.split(',') : HELDOUT_GROUPS).filter((x) => !only || only.test(x.name))
    : readdirSync(dir).filter((f) => f.endsWith('.csv') && (!only || only.test(f))).sort().map((f) => ({ name: basename(f, '.csv'), group: groupOf(f), file: f }));
  if (arg('limit')) items = items.slice(0, Number(arg('limit')));
  const lstm: Record<string, string> = { ...(arg('epochs') ? { epochs: arg('epochs')! } : {}), ...(arg('chunk') ? { chunk: arg('chunk')! } : {}) };
  // --set lstm.loss=mae (repeatable), as the CLI spells model options.
  process.argv.forEach((a, i) => {
    const m = a === '--set' ? /^lstm\.(\w+)=(.+)$/.exec(process.argv[i + 1] ?? '') : null;
    if (m) lstm[m[1]] = m[2];
  });
  const days = Number(arg('horizon-days') ?? 1);
  if (!(Number.isInteger(days) && days >= 1) || (days > 1 && heldout)) { console.error('--horizon-days must be a whole number >= 1 (not with --heldout)'); process.exit(2); }
  const H = Number(arg('horizon') ?? HOLD * days);
  const shift = Number(arg('shift') ?? 0);
  if (!(Number.isInteger(shift) && shift >= 0)) { console.error('--shift must be a whole number >= 0'); process.exit(2); }
  if (!(Number.isInteger(H) && H >= 1 && (heldout || H <= HOLD * days))) { console.error(`--horizon must be a whole number in 1..${HOLD * days}`); process.exit(2); }
  // Shorter horizons also print persistence (the last value held), the natural yardstick there.
  const methods = (H < HOLD * days ? ['naive', 'seasonal_naive', 'baseline', 'prophet', 'lstm', 'fused'] : ['seasonal_naive', 'baseline', 'prophet', 'lstm', 'fused']) as readonly string[];
  const scores: Record<string, number[]> = Object.fromEntries(methods.map((m) => [m, []]));
  const rows: Array<Record<string, unknown>> = [];
  console.log(`bench:forecast — ${items.length} series from ${heldout ? `${data} (held out: ${[...new Set(items.map((x) => x.group))].join(', ')})` : dir}${shift ? `, the last ${shift} points dropped` : ''}; `
    + `last ${heldout ? 'day (its own step)' : `${HOLD * days} points`} held out, the first ${heldout && !arg('horizon') ? 'day' : H} forecast${days > 1 ? `, days 2..${days} scored` : ''}; MASE (lower is better)`);
  console.log(['series', ...methods, 'dropped', 'anchor', 'conf', 'cover', 'sec', 'defects'].join('\t'));
  const byGroup: Record<string, Record<string, number[]>> = {};
  const allDefects: string[] = [];
  const t00 = performance.now();
  const dumps: unknown[] = [];
  // share: the summed per-series coverage, for the mean over series (a 30 s series holds 10× the points of a 300 s one).
  const cover: Record<string, Record<string, { covered: number; points: number; width: number; series: number; share: number }>> = {};
  for (const item of items) {
    const f = item.name, g = item.group;
    const whole = clean('file' in item ? readTimeseriesCsv(join(dir, item.file)).series : item.series).series;
    // --shift N: forecast from N points earlier (the last N points dropped), for a second sample of origins.
    const s: Series = shift ? { t: whole.t.subarray(0, Math.max(0, whole.t.length - shift)), v: whole.v.subarray(0, Math.max(0, whole.v.length - shift)) } : whole;
    const n = s.t.length;
    // One day of the series' own steps held out (288 at 5 min: the tuning series all are).
    const P = Math.round(86400 / medianStep(s));
    const HOLD = P * days, H = Math.min(Number(arg('horizon') ?? HOLD), HOLD);
    // --horizon-days: day 1 is not scored (the leads past the holdout's reach are).
    const skip = days > 1 ? Math.min(P, H - 1) : 0;
    if (n < HOLD + 2 * P) { console.log(`${f}\tskipped: ${n} points`); continue; }
    const train: Series = { t: s.t.subarray(0, n - HOLD), v: s.v.subarray(0, n - HOLD) };
    const actual = s.v.subarray(n - HOLD);
    const step = medianStep(train);
    let scale = 0;
    for (let i = P; i < train.v.length; i++) scale += Math.abs(train.v[i] - train.v[i - P]);
    scale /= train.v.length - P;
    const mase = (pred: ArrayLike<number>): number => {
      let e = 0;
      for (let i = skip; i < H; i++) e += Math.abs(pred[i] - actual[i]);
      return e / (H - skip) / scale;
    };
    const sn = new Float64Array(HOLD);
    for (let i = 0; i < HOLD; i++) sn[i] = train.v[train.v.length - P + (i % P)];
    const t0 = performance.now();
    const runs = await runForecasts(train, ['prophet', 'lstm', 'fused'], { horizon: H, options: { lstm } });
    const sec = (performance.now() - t0) / 1000;
    const [p, l, fu] = runs;
    const fused = fu.forecast as FusedForecast;
    const r = { fused };
    // The anchor on its own: the seasonal median over the day count the fused run chose (1 = seasonal-naive).
    const chosen = fu.fitted as { baselineDays?: number; baselineWeeks?: number };
    const baselineDays = chosen.baselineWeeks ? weeklyDays(chosen.baselineWeeks) : chosen.baselineDays ?? 1;
    const baseline = seasonalMedianForecast(train.v, HOLD, P, baselineDays, new Float64Array(HOLD)).mean;
    const row: Record<string, number> = { naive: mase(new Float64Array(HOLD).fill(train.v[train.v.length - 1])), seasonal_naive: mase(sn), baseline: mase(baseline), prophet: mase(p.forecast.mean), lstm: mase(l.forecast.mean), fused: mase(fused.mean) };
    for (const m of methods) { scores[m].push(row[m]); ((byGroup[g] ??= {})[m] ??= []).push(row[m]); }
    const nonNegative = train.v.every((x) => x >= 0);
    const found = [...defects('prophet', p.forecast.mean, nonNegative), ...defects('lstm', l.forecast.mean, nonNegative),
      ...defects('fused', fused.mean, nonNegative), ...defects('fused_lower', fused.lower, nonNegative), ...defects('fused_upper', fused.upper, false)];
    if (found.length) allDefects.push(`${f}: ${found.join(', ')}`);
    // Band coverage: the share of the H held-out points inside each model's [lower, upper], pooled per group.
    const bands: Record<string, { covered: number; points: number; width: number }> = {};
    for (const [m, fc] of [['prophet', p.forecast], ['lstm', l.forecast], ['fused', fused]] as const) {
      const c = coverage(fc.lower, fc.upper, actual, H, skip);
      bands[m] = { covered: c.covered, points: H - skip, width: c.width / scale };
      const acc = ((cover[g] ??= {})[m] ??= { covered: 0, points: 0, width: 0, series: 0, share: 0 });
      acc.covered += c.covered; acc.points += H - skip; acc.width += c.width / scale; acc.series++; acc.share += c.covered / (H - skip);
    }
    if (arg('dump')) {
      // Exploration only: every component's forecasts and Prophet holdout fits on the last 3 training days, for offline fusion studies.
      const ph: number[][] = [];
      for (let d = 1; d <= 3; d++) {
        const m = train.v.length - d * P;
        if (m < 2 * P) break;
        ph.push(Array.from(new Prophet().fit({ t: train.t.subarray(0, m), v: train.v.subarray(0, m) }).predict({ horizon: P, step }).mean));
      }
      dumps.push({ series: basename(f, '.csv'), P, scale, trainTail: Array.from(train.v.subarray(Math.max(0, train.v.length - 5 * P))), actual: Array.from(actual),
        prophet: Array.from(p.forecast.mean), lstm: Array.from(l.forecast.mean), fused: Array.from(fused.mean), prophetHoldouts: ph,
        lstmHoldout: (l.fitted as { holdout: unknown }).holdout, train: Array.from(train.v), horizon: H, baselineDays, weights: fused.weights,
        fusedHoldout: (fu.fitted as { holdout: unknown }).holdout, bands: Object.fromEntries([['prophet', p.forecast], ['lstm', l.forecast], ['fused', fused]].map(([m, fc]) => [m as string, { lower: Array.from((fc as FusedForecast).lower), upper: Array.from((fc as FusedForecast).upper) }])) });
    }
    rows.push({ series: f, group: g, ...row, bands, dropped: r.fused.dropped, anchor: r.fused.anchor, weights: r.fused.weights, confidence: r.fused.confidence, seconds: sec, defects: found });
    console.log([f, ...methods.map((m) => row[m].toFixed(3)), r.fused.dropped.map((d) => d.name).join('+') || '-', r.fused.anchor ? `${r.fused.anchor.weight.toFixed(2)}/${baselineDays}d` : '-', r.fused.confidence.toFixed(2),
      (bands.fused.covered / (H - skip)).toFixed(2), sec.toFixed(1), found.join('; ') || '-'].join('\t'));
  }
  // A method exact on a flat series scores 0, which a geometric mean cannot take: every score counts as at least 0.001.
  const gm = Object.fromEntries(methods.map((m) => [m, geometricMean(scores[m].map((x) => Math.max(x, 1e-3)))]));
  console.log(`\ngeometric mean MASE over ${scores.fused.length} series (${((performance.now() - t00) / 1000).toFixed(0)} s):`);
  for (const m of methods) console.log(`  ${m.padEnd(15)} ${gm[m].toFixed(3)}   fused/${m} = ${(gm.fused / gm[m]).toFixed(3)}`);
  const wins = (m: string): number => scores.fused.filter((v, i) => v < scores[m][i]).length;
  console.log(`  fused better than: ${methods.filter((m) => m !== 'fused').map((m) => `${m} on ${wins(m)}`).join(', ')} of ${scores.fused.length} series`);
  console.log('\ngeometric mean MASE per group:');
  console.log(['group', 'series', ...methods, 'fused/seasonal_naive'].join('\t'));
  for (const grp of Object.keys(byGroup).sort()) {
    const gg = Object.fromEntries(methods.map((m) => [m, geometricMean(byGroup[grp][m].map((x) => Math.max(x, 1e-3)))]));
    console.log([grp, byGroup[grp].fused.length, ...methods.map((m) => gg[m].toFixed(3)), (gg.fused / gg.seasonal_naive).toFixed(3)].join('\t'));
  }
  console.log(`\ndefects (non-finite values; negative forecasts or lower edges of a series that never went below 0): ${allDefects.length ? '' : 'none'}`);
  for (const d of allDefects) console.log(`  ${d}`);
  console.log(`\n90% band coverage of the ${heldout && !arg('horizon') ? 'day of' : H} held-out points (share inside [lower, upper], pooled per group; goal for fused 0.88–0.92) and mean width in MASE units;`
    + ' fused series-mean: the mean of each series\' own coverage (pooled points weigh a 30 s series 10× a 300 s one):');
  const bandMethods = ['prophet', 'lstm', 'fused'];
  console.log(['group', 'series', ...bandMethods.map((m) => `${m} cover`), ...bandMethods.map((m) => `${m} width`), 'fused series-mean'].join('\t'));
  const all: Record<string, { covered: number; points: number; width: number; series: number; share: number }> = {};
  for (const g of [...Object.keys(cover).sort(), 'all']) {
    const c = g === 'all' ? all : cover[g];
    if (g !== 'all') {
      for (const m of bandMethods) {
        const a = (all[m] ??= { covered: 0, points: 0, width: 0, series: 0, share: 0 });
        a.covered += c[m].covered; a.points += c[m].points; a.width += c[m].width; a.series += c[m].series; a.share += c[m].share;
      }
    }
    if (!c.fused) continue;
    console.log([g, c.fused.series, ...bandMethods.map((m) => (c[m].covered / c[m].points).toFixed(3)), ...bandMethods.map((m) => (c[m].width / c[m].series).toFixed(2)), (c.fused.share / c.fused.series).toFixed(3)].join('\t'));
  }
  if (arg('dump')) writeFileSync(arg('dump')!, JSON.stringify(dumps));
  const out = arg('out');
  if (out) writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), horizon: H, geometricMean: gm, coverage: cover, rows }, null, 1));
}

main().catch((e) => { console.error(e); process.exit(1); });
