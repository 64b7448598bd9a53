/**
 * bench:backtest — MOrA against faithful VPA, KRR and Autopilot baselines on real traces, rolling daily replay
 * (docs/ENGINE.md § Backtest). Usage: npm run bench:backtest -- --data <datasets dir> [--only <group>] [--json] [--with-prophet]
 *   groups: bitbrains-mem, aggregate-mem (memory), bitbrains-cpu, azure-cpu, nab-cpu, aggregate-cpu (cpu)
 * Dataset groups: scripts/bench/datasets.ts (shared with bench:frontier). Nothing is written to the repo.
 * Also prints an "oracle" that knows each scored day in advance (memory: the day's peak; CPU: the day's p95), a bound
 * on what any one-value-per-day rule can reach, and the time of a full replay of the longest series, all strategies.
 */
import { existsSync } from 'node:fs';
import { dayColumn } from '../../src/cli/commands/backtest';
import type { Series } from '../../src/core/series';
import { quantile } from '../../src/core/stats';
import { replay } from '../../src/rightsizing/replay/replay';
import { runBacktest } from '../../src/rightsizing/backtest/run';
import { meanSummary, summarize, type Summary } from '../../src/rightsizing/replay/score';
import type { ResourceKind, SizingStrategy } from '../../src/rightsizing/baselines/strategy';
import type { StrategyName } from '../../src/rightsizing/backtest/strategies';
import { datasetGroups, type Named } from './datasets';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const data = arg('--data') ?? '../shared/datasets';
const only = arg('--only');
const asJson = args.includes('--json');
if (!existsSync(data)) { console.error(`bench:backtest: ${data} not found; pass --data <datasets dir>`); process.exit(2); }

const groups = datasetGroups(data);

function oracle(s: Series, kind: ResourceKind): SizingStrategy {
  return {
    name: 'oracle', kind, observe() {},
    recommend(now) {
      const xs: number[] = [];
      for (let i = 0; i < s.t.length; i++) if (s.t[i] >= now && s.t[i] < now + 86400) xs.push(s.v[i]);
      const v = quantile(xs, kind === 'memory' ? 1 : 0.95);
      return { value: v, lower: v, upper: v };
    },
  };
}

// --with-prophet adds MOrA guarded by a daily Prophet refit (slow: ~1.5 min more on the 101 series).
const names: StrategyName[] = ['mora', 'vpa', 'krr', 'krr-limit', 'autopilot', ...(args.includes('--with-prophet') ? ['mora-prophet' as const] : [])];
const out: Record<string, unknown> = { date: new Date().toISOString(), groups: {} };
const f = (x: number, d = 3): string => (Number.isFinite(x) ? x.toFixed(d) : '—');
let longest: Named | undefined;
for (const g of groups) {
  if (only && g.label !== only) continue;
  const list = g.load();
  for (const s of list) if (!longest || s.series.t.length > longest.series.t.length) longest = s;
  const res = runBacktest(list, g.kind, names);
  const orc: Summary[] = list.map((s) => summarize(replay(s.series, [oracle(s.series, g.kind)])[0].days));
  const rows = [...res.mean.map((m) => ({ strategy: m.strategy, ...m.summary })), { strategy: g.kind === 'memory' ? 'oracle(day peak)' : 'oracle(day p95)', ...meanSummary(orc) }];
  const vpa = res.mean.find((m) => m.strategy === 'vpa')!.summary;
  (out.groups as Record<string, unknown>)[g.label] = { kind: g.kind, series: list.length, note: g.note, rows, ms: Math.round(res.elapsedMs) };
  if (asJson) continue;
  console.log(`\n== ${g.label}: ${g.note} (${g.kind}; ${list.length} series, ${Math.round(res.elapsedMs)} ms)`);
  // The last column: days with no sample above the value (the CLI's own header: OOM-free days for memory, days never above the request for CPU).
  const dayHead = dayColumn(g.kind);
  console.log(`strategy          rel.slack   waste  ×VPA  shortfall  ×VPA  exceed  ×VPA  ${dayHead}`);
  for (const r of rows) {
    console.log(`${r.strategy.padEnd(17)} ${f(r.relativeSlack).padStart(9)} ${f(r.wasteRatio).padStart(7)} ${f(r.wasteRatio / vpa.wasteRatio, 2).padStart(5)} `
      + `${f(r.shortfallRatio, 4).padStart(10)} ${f(r.shortfallRatio / vpa.shortfallRatio, 2).padStart(5)} ${f(r.exceedanceShare, 4).padStart(7)} `
      + `${f(r.exceedanceShare / vpa.exceedanceShare, 2).padStart(5)} ${f(r.oomFreeShare * 100, 1).padStart(dayHead.length)}%`);
  }
  const m = res.mean.find((x) => x.strategy === 'mora')!.summary;
  const goal = g.kind === 'memory'
    ? `goal OOM-free ≥ 99% (${f(m.oomFreeShare * 100, 1)}%) and waste ≤ 0.6 × VPA (${f(m.wasteRatio / vpa.wasteRatio, 2)}×)`
    : `goal shortfall ≤ VPA (${f(m.shortfallRatio / vpa.shortfallRatio, 2)}×), exceedance ≤ VPA (${f(m.exceedanceShare / vpa.exceedanceShare, 2)}×), waste ≤ 0.8 × VPA (${f(m.wasteRatio / vpa.wasteRatio, 2)}×)`;
  const met = g.kind === 'memory' ? m.oomFreeShare >= 0.99 && m.wasteRatio <= 0.6 * vpa.wasteRatio
    : m.shortfallRatio <= vpa.shortfallRatio && m.exceedanceShare <= vpa.exceedanceShare && m.wasteRatio <= 0.8 * vpa.wasteRatio;
  console.log(`${goal}: ${met ? 'MET' : 'NOT MET'}`);
}

// Speed: one full replay of the longest series with every strategy (the budget is 30 s), next to VPA alone in the same process.
if (longest) {
  const time = (ns: StrategyName[], kind: ResourceKind): number => { const t0 = performance.now(); runBacktest([longest!], kind, ns); return performance.now() - t0; };
  const speed: Record<string, unknown> = {};
  for (const kind of ['cpu', 'memory'] as const) {
    time(names, kind); // warm-up (JIT)
    const all = time(names, kind), vpaOnly = time(['vpa'], kind);
    speed[kind] = { allStrategiesMs: all, vpaOnlyMs: vpaOnly };
    const days = (longest.series.t[longest.series.t.length - 1] - longest.series.t[0]) / 86400;
    if (!asJson) console.log(`speed (${kind}): ${longest.name} (${longest.series.t.length} points, ${days.toFixed(1)} days): all ${names.length} strategies ${all.toFixed(0)} ms, VPA alone ${vpaOnly.toFixed(0)} ms; budget 30000 ms`);
  }
  out.speed = { series: longest.name, points: longest.series.t.length, ...speed };
}
if (asJson) console.log(JSON.stringify(out, null, 2));
