/**
 * bench:frontier — the risk–waste frontier per dataset group (issue 12): MOrA over a grid of risk targets against VPA,
 * KRR (simple, simple_limit), Autopilot and MOrA at its default target, on the same series and days; the per-day oracle's
 * frontier; calibration error per target; the confidence table. Nothing is written to the repo.
 * Usage: npm run bench:frontier -- --data ../shared/datasets [--only <group>] [--json | --markdown] [--with-prophet] [--grid 0.01,0.05] [--no-fleet] [--mora <json>] [--fleet-curve predicted[:hl]]
 *   the fleet risk budget (mora-fleet: each grid target = the mean over the group's series) is traced too unless --no-fleet
 *   --markdown: the tables for docs/BENCHMARKS.md (summary, dominance, calibration, confidence, oracle)
 *   --html <dir>: one self-contained HTML chart per group (frontier-<group>.html), as `mora backtest --frontier --html` writes it
 *   --mora '<json>': MoraStrategyOptions for every MOrA rule (curve, default point, fleet), e.g. '{"cpuBaseRiskFactor":2}',
 *     '{"cpuWeekly":true}', '{"cpuBase":"seasonal","seasonalDays":1}' (docs/BENCHMARKS.md § Fleet risk budget, last subsection)
 *   --fleet-curve predicted[:<half-life days>]: the fleet allocation reads each workload's predicted curve, not its track record
 *   --speed: per CPU group, MOrA's replays (the curve's targets with the default one, one target, the fleet budget at 5%)
 *     timed with the monotone chain's shared work and without it (CALIBRATION_INTERNALS, the straightforward path) in this
 *     process, CPU time, with the ratio and whether every value is the same bit for bit
 *   groups: scripts/bench/datasets.ts (the same as bench:backtest)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { frontierHtml } from '../../src/cli/format/frontier-html';
import { writeFileAtomic } from '../../src/cli/format/write';
import type { MoraStrategyOptions } from '../../src/rightsizing/engine/mora-strategy';
import { DEFAULT_RISK } from '../../src/rightsizing/engine/policy';
import { DEFAULT_GRID, DOMINANCE_RATIO, FRONTIER_BASELINES, runFrontier, type FrontierResult } from '../../src/rightsizing/backtest/frontier';
import { runBacktest, type BacktestInput, type BacktestResult } from '../../src/rightsizing/backtest/run';
import { CALIBRATION_INTERNALS } from '../../src/rightsizing/engine/calibration';
import type { StrategySpec } from '../../src/rightsizing/backtest/strategies';
import { oracleWasteAt } from '../../src/rightsizing/backtest/oracle';
import type { StrategyName } from '../../src/rightsizing/backtest/strategies';
import { datasetGroups } from './datasets';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const data = arg('--data') ?? '../shared/datasets';
const only = arg('--only');
const asJson = args.includes('--json');
const asMarkdown = args.includes('--markdown');
const htmlDir = arg('--html');
const gridArg = arg('--grid');
const grid = gridArg ? gridArg.split(',').map(Number) : undefined;
if (grid && grid.some((r) => !(r >= 0.001 && r <= 0.5))) { console.error(`bench:frontier: --grid values must be shares in 0.001..0.5, got ${gridArg}`); process.exit(2); }
if (!existsSync(data)) { console.error(`bench:frontier: ${data} not found; pass --data <datasets dir>`); process.exit(2); }
const groups = datasetGroups(data);
if (only && !groups.some((g) => g.label === only)) { console.error(`bench:frontier: no group ${only}; groups: ${groups.map((g) => g.label).join(', ')}`); process.exit(2); }
const withFleet = !args.includes('--no-fleet');
const baselines: StrategyName[] = [...FRONTIER_BASELINES, ...(args.includes('--with-prophet') ? ['mora-prophet' as const] : [])];
const mora = parseJsonFlag('--mora') as MoraStrategyOptions | undefined;
const fleetCurve = arg('--fleet-curve');
if (fleetCurve !== undefined && !/^predicted(:\d+(\.\d+)?)?$/.test(fleetCurve)) { console.error(`bench:frontier: --fleet-curve takes predicted[:<half-life days>], got ${fleetCurve}`); process.exit(2); }
const fleet = fleetCurve ? { curveSource: 'predicted' as const, halfLifeDays: Number(fleetCurve.split(':')[1] ?? 0) } : undefined;

function parseJsonFlag(name: string): object | undefined {
  const raw = arg(name);
  if (raw === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v;
  } catch { /* reported below */ }
  console.error(`bench:frontier: ${name} takes a JSON object of options, got ${raw}`);
  process.exit(2);
}

const f = (x: number, d = 3): string => (Number.isFinite(x) ? x.toFixed(d) : '—');
const pct = (x: number, d = 2): string => (Number.isFinite(x) ? `${(x * 100).toFixed(d)}%` : '—');
const sgn = (x: number, d = 2): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(d)}` : '—');
const out: Record<string, unknown> = { date: new Date().toISOString(), baselines, groups: {} };
const tAll = performance.now();

function print(label: string, note: string, r: FrontierResult): void {
  const riskName = r.kind === 'cpu' ? 'exceedance' : 'OOM days';
  console.log(`\n== ${label}: ${note} (${r.kind}; ${r.backtest.mean[0]?.series ?? 0} series; replay ${Math.round(r.elapsedMs - r.oracleMs)} ms, oracle ${Math.round(r.oracleMs)} ms)`);
  console.log(`points (risk = ${riskName} share, mean over series; waste = waste ratio):`);
  for (const p of r.points) console.log(`  ${p.strategy.padEnd(26)} risk ${pct(p.risk).padStart(8)}  waste ${f(p.waste).padStart(7)}  oracle at this risk ${f(oracleWasteAt(r.oracle, p.risk)).padStart(7)}`);
  console.log(`dominance (MOrA's waste at ≤ the baseline's risk / the baseline's waste; dominates if ≤ ${DOMINANCE_RATIO}):`);
  for (const d of r.dominance) {
    console.log(`  ${d.baseline.padEnd(12)} risk ${pct(d.baselineRisk).padStart(8)} waste ${f(d.baselineWaste).padStart(7)} | MOrA ${f(d.moraWaste).padStart(7)} (target ${pct(d.moraTarget, 1)}) ratio ${f(d.ratio, 2).padStart(5)} ${d.dominates ? 'DOMINATES' : 'not dominated'} (grid ${pct(d.gridTarget, 1)}: ${f(d.gridRatio, 2)})`
      + ` | oracle ${f(d.oracleWaste).padStart(7)} ratio ${f(d.oracleRatio, 2)}; held per series ${f(d.heldOracleWaste).padStart(7)} ratio ${f(d.heldOracleRatio, 2)}${d.note ? ` (${d.note})` : ''}`);
  }
  console.log('workload by workload (MOrA at each series\' own baseline risk; mean waste over the series compared):');
  for (const d of r.seriesDominance) {
    console.log(`  ${d.baseline.padEnd(12)} ${d.series} series (${d.unreached} below MOrA's lowest risk): baseline ${f(d.baselineWaste).padStart(7)} MOrA ${f(d.moraWaste).padStart(7)} ratio ${f(d.ratio, 2)}; MOrA ≤ ${DOMINANCE_RATIO}× on ${d.wins}, ≥ 1× on ${d.losses}`);
  }
  console.log('calibration (achieved vs target; within = ±25% relative or ±0.5 points under 2%, on the mean over series):');
  for (const c of r.calibration) {
    console.log(`  target ${pct(c.target, 1).padStart(6)}: mean ${pct(c.achievedMean).padStart(8)} (${sgn(c.relativeError * 100, 0)}%, ${sgn(c.pointsError)} pts)`
      + `  pooled ${pct(c.achievedPooled).padStart(8)} (${sgn(c.relativeErrorPooled * 100, 0)}%, ${sgn(c.pointsErrorPooled)} pts)  ${c.within ? 'within' : 'OUT'}; series within ${pct(c.seriesWithin, 0)}`);
  }
  const def = DEFAULT_RISK[r.kind];
  console.log(`confidence (violation = ${r.kind === 'cpu' ? "the day's exceedance share > target" : 'an OOM day'}; goal rate(≥0.8) / rate(<0.5) ≤ 0.5):`);
  for (const t of r.confidence.filter((c) => c.strategy === 'all targets' || c.strategy.endsWith(`=${def}`))) {
    const cells = t.buckets.map((b) => `${b.label}: ${b.days} days, ${pct(b.rate, 1)}${r.kind === 'cpu' ? ` (excess ${f(b.excess * 100, 2)} pts)` : ''}`).join(' | ');
    console.log(`  ${t.strategy.padEnd(26)} ${cells} | unrated ${t.unrated} | ratio ${f(t.ratio, 2)}${r.kind === 'cpu' ? `, excess ratio ${f(t.excessRatio, 2)}` : ''}`);
  }
  if (r.fleet) {
    console.log('fleet risk budget (mora-fleet: the target is the mean over series, each series gets its own): dominance ratio at each baseline\'s point, per-workload mode → fleet');
    r.fleet.dominance.forEach((d, i) => console.log(`  ${d.baseline.padEnd(12)} ${f(r.dominance[i].ratio, 2)} → ${f(d.ratio, 2)}${d.dominates ? ' DOMINATES' : ''} (fleet target ${pct(d.moraTarget, 1)}; held oracle ${f(d.heldOracleRatio, 2)}, free ${f(d.oracleRatio, 2)})`));
    console.log(`  fleet mean achieved vs target: ${r.fleet.calibration.map((c) => `${pct(c.target, 1)} → ${pct(c.achievedMean)}${c.within ? '' : ' OUT'}`).join(', ')}`);
  }
  const pts = [0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5].filter((x) => x >= (r.oracle[0]?.risk ?? 0));
  console.log(`oracle frontier: ${pts.map((x) => `${pct(x, 1)} → ${f(oracleWasteAt(r.oracle, x))}`).join(', ')}`);
  if (r.dayQuantile.length) console.log(`each day at its own percentile (known in advance): ${r.dayQuantile.map((p) => `${pct(p.risk, 1)} → ${f(p.waste)}`).join(', ')}`);
}

/** One speed line: a replay's CPU time with the shared work and on the straightforward path, their ratio, and whether every value matched. */
interface SpeedCase { label: string; sharedMs: number; unsharedMs: number; ratio: number; identical: boolean }
const speedLines: string[] = [];
/** Wall time the --speed runs took (left out of the total). */
let speedWallMs = 0;

/** --speed: MOrA's replays of one group with and without the chain's shared work, same process (module comment). */
function speedOf(list: BacktestInput[], kind: 'cpu'): SpeedCase[] {
  const curve = [...(grid ?? DEFAULT_GRID[kind])].sort((a, b) => a - b);
  const cases: Array<{ label: string; specs: Array<StrategySpec | 'mora'> }> = [
    { label: `curve (${curve.length} targets + default)`, specs: ['mora', ...curve.map((risk) => ({ name: 'mora' as const, risk }))] },
    { label: `one target (${pct(DEFAULT_RISK[kind], 0)})`, specs: ['mora'] },
    { label: `fleet budget (${pct(DEFAULT_RISK[kind], 0)})`, specs: [{ name: 'mora-fleet', risk: DEFAULT_RISK[kind] }] },
  ];
  const opts = { keepDays: true, ...(mora ? { mora } : {}), ...(fleet ? { fleet } : {}) };
  const run = (unshared: boolean, inputs: BacktestInput[], specs: Array<StrategySpec | 'mora'>): { ms: number; r: BacktestResult } => {
    CALIBRATION_INTERNALS.unshared = unshared; CALIBRATION_INTERNALS.walk = unshared;
    const c = process.cpuUsage();
    try {
      const r = runBacktest(inputs, kind, specs, opts);
      const u = process.cpuUsage(c);
      return { ms: (u.user + u.system) / 1000, r };
    } finally { CALIBRATION_INTERNALS.unshared = false; CALIBRATION_INTERNALS.walk = false; }
  };
  const same = (a: BacktestResult, b: BacktestResult): boolean => a.rows.length === b.rows.length && a.rows.every((x, i) => Object.is(x.value, b.rows[i].value))
    && JSON.stringify(a.perSeries) === JSON.stringify(b.perSeries) && JSON.stringify(a.fleet) === JSON.stringify(b.fleet);
  return cases.map(({ label, specs }) => {
    // Warm both paths up (JIT) on the first series, then one timed run each.
    run(false, list.slice(0, 1), specs); run(true, list.slice(0, 1), specs);
    const u = run(true, list, specs), sh = run(false, list, specs);
    return { label, sharedMs: sh.ms, unsharedMs: u.ms, ratio: u.ms / sh.ms, identical: same(u.r, sh.r) };
  });
}

const summary: string[] = [];
const results: Array<{ label: string; r: FrontierResult; series: number }> = [];
/** One markdown row per group: the ratios side by side (dominance at each baseline, oracle ratio in brackets), calibration, confidence. */
function summaryRow(label: string, r: FrontierResult): string {
  const dom = r.dominance.map((d) => `${f(d.ratio, 2)}${d.dominates ? ' ✓' : ''} (${f(d.oracleRatio, 2)}; ${f(d.heldOracleRatio, 2)})`);
  const within = r.calibration.filter((c) => c.within).length;
  const worst = r.calibration.reduce((a, c) => (Math.abs(c.relativeError) > Math.abs(a.relativeError) ? c : a), r.calibration[0]);
  const def = r.confidence.find((c) => c.strategy.endsWith(`=${DEFAULT_RISK[r.kind]}`));
  const allT = r.confidence.find((c) => c.strategy === 'all targets');
  const ex = r.kind === 'cpu' ? ` (excess ${f(def?.excessRatio ?? NaN, 2)} / ${f(allT?.excessRatio ?? NaN, 2)})` : '';
  const row = `| ${label} | ${dom.join(' | ')} | ${within}/${r.calibration.length} (worst ${pct(worst.target, 1)}: ${sgn(worst.relativeError * 100, 0)}%) | ${f(def?.ratio ?? NaN, 2)} / ${f(allT?.ratio ?? NaN, 2)}${ex} |`;
  if (!r.fleet) return row;
  // The fleet mode's row: its ratios (the oracles are the same as above), the fleet mean's calibration; no confidence goal.
  const fl = r.fleet;
  const fWorst = fl.calibration.reduce((a, c) => (Math.abs(c.relativeError) > Math.abs(a.relativeError) ? c : a), fl.calibration[0]);
  return `${row}\n| ${label} · fleet | ${fl.dominance.map((d) => `${f(d.ratio, 2)}${d.dominates ? ' ✓' : ''}`).join(' | ')} | ${fl.calibration.filter((c) => c.within).length}/${fl.calibration.length} fleet mean (worst ${pct(fWorst.target, 1)}: ${sgn(fWorst.relativeError * 100, 0)}%) | — |`;
}

for (const g of groups) {
  if (only && g.label !== only) continue;
  const list = g.load();
  const r = runFrontier(list, g.kind, { grid, baselines, withFleet, ...(mora ? { mora } : {}), ...(fleet ? { fleet } : {}) });
  summary.push(summaryRow(g.label, r));
  results.push({ label: g.label, r, series: list.length });
  if (htmlDir) writeFileAtomic(join(htmlDir, `frontier-${g.label}.html`), frontierHtml(r, { title: `MOrA risk–waste frontier: ${g.label} (${g.note})` }));
  const { backtest: _b, ...rest } = r;
  (out.groups as Record<string, unknown>)[g.label] = {
    note: g.note, series: list.length, ...rest,
    oracle: r.oracle.length > 200 ? r.oracle.filter((_p, i) => i % Math.ceil(r.oracle.length / 200) === 0 || i === r.oracle.length - 1) : r.oracle,
    elapsedMs: Math.round(r.elapsedMs), oracleMs: Math.round(r.oracleMs),
  };
  if (!asJson && !asMarkdown) print(g.label, g.note, r);
  if (args.includes('--speed') && g.kind === 'cpu') {
    const ts = performance.now();
    const sp = speedOf(list, g.kind);
    speedWallMs += performance.now() - ts;
    (out.groups as Record<string, Record<string, unknown>>)[g.label].speed = sp;
    const line = `${g.label}: ${sp.map((c) => `${c.label} ${(c.sharedMs / 1000).toFixed(2)} s vs ${(c.unsharedMs / 1000).toFixed(2)} s (×${c.ratio.toFixed(2)}), ${c.identical ? 'identical' : 'VALUES DIFFER'}`).join('; ')}`;
    speedLines.push(line);
    if (!asJson && !asMarkdown) console.log(`speed (CPU time, MOrA's chain shared vs unshared, same process): ${line}`);
  }
}
out.totalMs = Math.round(performance.now() - tAll - speedWallMs);
if (speedWallMs > 0) out.speedMs = Math.round(speedWallMs);
if (asJson) console.log(JSON.stringify(out, null, 2));
else if (asMarkdown) markdown();
else {
  console.log(`\nsummary: dominance ratio at each baseline's point (✓ ≤ ${DOMINANCE_RATIO}; in brackets the oracle's ratio, free and held to the risk per series), calibration targets within bounds, confidence ratio high/low (default target / all targets)`);
  console.log(`| group | ${baselines.map((b) => `× ${b}`).join(' | ')} | calibration within | confidence |`);
  console.log(`|---|${baselines.map(() => '---').join('|')}|---|---|`);
  for (const row of summary) console.log(row);
  console.log(`\ntotal ${(Number(out.totalMs) / 1000).toFixed(1)} s${speedWallMs > 0 ? ` (and ${(speedWallMs / 1000).toFixed(1)} s of --speed runs)` : ''}`);
}

/** The doc tables: every number the text section cites, in one place. */
function markdown(): void {
  const lines: string[] = [];
  lines.push(`Summary: dominance ratio at each baseline's point (✓ ≤ ${DOMINANCE_RATIO}; in brackets the oracle's ratio at the same risk: free, and with every series held to that risk); calibration targets within bounds; confidence ratio high/low (default target / all targets).`, '');
  lines.push(`| group | ${baselines.map((b) => `× ${b}`).join(' | ')} | calibration within | confidence |`, `|---|${baselines.map(() => '---').join('|')}|---|---|`, ...summary, '');
  lines.push('At each baseline\'s point (risk = CPU exceedance / memory OOM-day share; waste ratio): MOrA\'s waste at ≤ that risk along its curve (interpolated target), the ratio, the ratio at the best grid target without interpolation, the oracle (free: may spend one series\' risk on another; held: every series at that risk).', '');
  lines.push('| group | baseline | risk | waste | MOrA waste | at target | ratio | grid ratio | oracle waste | oracle ratio | held oracle waste | held ratio |', '|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const { label, r } of results) {
    for (const d of r.dominance) {
      lines.push(`| ${label} | ${d.baseline} | ${pct(d.baselineRisk)} | ${f(d.baselineWaste)} | ${f(d.moraWaste)} | ${pct(d.moraTarget, 1)} | ${d.dominates ? '**' : ''}${f(d.ratio, 2)}${d.dominates ? '**' : ''} | ${f(d.gridRatio, 2)} | ${f(d.oracleWaste)} | ${f(d.oracleRatio, 2)} | ${f(d.heldOracleWaste)} | ${f(d.heldOracleRatio, 2)} |`);
    }
  }
  lines.push('', `Workload by workload: on each series MOrA at the target whose achieved risk there equals the baseline's there (its per-series curve, linear between targets); waste is the mean over the series compared (those whose baseline risk is below MOrA's lowest are not); MOrA ≤ ${DOMINANCE_RATIO}× / ≥ 1× = series it dominates / loses on.`, '');
  lines.push('| group | baseline | series (not reached) | baseline waste | MOrA waste | ratio | MOrA ≤ 0.8× | MOrA ≥ 1× |', '|---|---|---|---|---|---|---|---|');
  for (const { label, r } of results) {
    for (const d of r.seriesDominance) lines.push(`| ${label} | ${d.baseline} | ${d.series} (${d.unreached}) | ${f(d.baselineWaste)} | ${f(d.moraWaste)} | ${f(d.ratio, 2)} | ${d.wins} | ${d.losses} |`);
  }
  for (const kind of ['cpu', 'memory'] as const) {
    const rs = results.filter((x) => x.r.kind === kind);
    if (!rs.length) continue;
    const targets = rs[0].r.grid;
    lines.push('', `Calibration, ${kind} (achieved ${kind === 'cpu' ? 'exceedance' : 'OOM-day'} share, mean over series; relative error; ✗ = outside ±25% / ±0.5 points under 2%; pooled in brackets; series within bounds):`, '');
    lines.push(`| group | ${targets.map((t) => pct(t, 1)).join(' | ')} |`, `|---|${targets.map(() => '---').join('|')}|`);
    for (const { label, r } of rs) {
      lines.push(`| ${label} | ${r.calibration.map((c) => `${pct(c.achievedMean)} (${sgn(c.relativeError * 100, 0)}%${c.within ? '' : ' ✗'}; ${pct(c.achievedPooled)}; ${pct(c.seriesWithin, 0)})`).join(' | ')} |`);
    }
  }
  lines.push('', 'Confidence (days by the confidence MOrA gave its value: count · violation rate, CPU also the mean excess above the target in points; violation = CPU: the day\'s exceedance share above the target, memory: an OOM day; goal high/low ≤ 0.5):', '');
  lines.push('| group | days of | ≥ 0.8 | 0.5–0.8 | < 0.5 | high / low | CPU excess high / low |', '|---|---|---|---|---|---|---|');
  for (const { label, r } of results) {
    const cpuKind = r.kind === 'cpu';
    for (const t of r.confidence.filter((c) => c.strategy === 'all targets' || c.strategy.endsWith(`=${DEFAULT_RISK[r.kind]}`))) {
      lines.push(`| ${label} | ${t.strategy} | ${t.buckets.map((b) => `${b.days} · ${pct(b.rate, 1)}${cpuKind ? ` · ${f(b.excess * 100, 2)}` : ''}`).join(' | ')} | ${f(t.ratio, 2)}${t.unrated ? ` (${t.unrated} unrated)` : ''} | ${cpuKind ? f(t.excessRatio, 2) : ''} |`);
    }
  }
  if (results.some((x) => x.r.fleet)) {
    lines.push('', 'Fleet risk budget (mora-fleet): at each baseline\'s point, the ratio of MOrA per workload and with the fleet budget (the fleet target that gives the baseline\'s mean risk, interpolated), and the held / free oracles\' ratios.', '');
    lines.push('| group | baseline | risk | waste | per-workload ratio | fleet waste | fleet target | fleet ratio | held oracle | free oracle |', '|---|---|---|---|---|---|---|---|---|---|');
    for (const { label, r } of results) {
      r.fleet?.dominance.forEach((d, i) => lines.push(`| ${label} | ${d.baseline} | ${pct(d.baselineRisk)} | ${f(d.baselineWaste)} | ${f(r.dominance[i].ratio, 2)} | ${f(d.moraWaste)} | ${pct(d.moraTarget, 1)} | ${d.dominates ? '**' : ''}${f(d.ratio, 2)}${d.dominates ? '**' : ''} | ${f(d.heldOracleRatio, 2)} | ${f(d.oracleRatio, 2)} |`));
    }
    for (const kind of ['cpu', 'memory'] as const) {
      const fr = results.filter((x) => x.r.fleet && x.r.kind === kind);
      if (!fr.length) continue;
      lines.push('', `Fleet mean, ${kind}: achieved ${kind === 'cpu' ? 'exceedance' : 'OOM-day'} share (mean over series) at each fleet target (✗ = outside ±25% / ±0.5 points under 2%): waste ratio; per-workload MOrA at the same target in brackets.`, '');
      lines.push(`| group | ${fr[0].r.grid.map((t) => pct(t, 1)).join(' | ')} |`, `|---|${fr[0].r.grid.map(() => '---').join('|')}|`);
      for (const { label, r } of fr) {
        lines.push(`| ${label} | ${r.fleet!.calibration.map((c, i) => `${pct(c.achievedMean)}${c.within ? '' : ' ✗'}: ${f(r.fleet!.curve[i].waste)} (${pct(r.curve[i].risk)}: ${f(r.curve[i].waste)})`).join(' | ')} |`);
      }
    }
  }
  const at = [0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3];
  lines.push('', 'Per-day oracle frontier: least mean waste ratio at each mean risk.', '');
  lines.push(`| group | ${at.map((x) => pct(x, 1)).join(' | ')} |`, `|---|${at.map(() => '---').join('|')}|`);
  for (const { label, r } of results) lines.push(`| ${label} | ${at.map((x) => f(oracleWasteAt(r.oracle, x))).join(' | ')} |`);
  const cpu = results.filter((x) => x.r.dayQuantile.length);
  if (cpu.length) {
    lines.push('', 'CPU, each day at its own (1 − target) quantile, known in advance (a uniform per-day percentile): achieved exceedance: waste, and MOrA\'s waste at the same target.', '');
    lines.push(`| group | ${cpu[0].r.grid.map((t) => pct(t, 1)).join(' | ')} |`, `|---|${cpu[0].r.grid.map(() => '---').join('|')}|`);
    for (const { label, r } of cpu) lines.push(`| ${label} | ${r.dayQuantile.map((p, i) => `${pct(p.risk, 1)}: ${f(p.waste)} (MOrA ${f(r.curve[i]?.waste ?? NaN)})`).join(' | ')} |`);
  }
  if (speedLines.length) lines.push('', 'Speed (`--speed`; CPU time in this process, the monotone chain\'s shared work vs the unshared path; identical = every value, score and summary the same bit for bit):', '', ...speedLines.map((l) => `- ${l}`));
  lines.push('', `Time: ${results.map(({ label, r, series }) => `${label} ${series} series ${((r.elapsedMs - r.oracleMs) / 1000).toFixed(1)} s + oracle ${Math.round(r.oracleMs)} ms`).join('; ')}; total ${(Number(out.totalMs) / 1000).toFixed(1)} s${speedWallMs > 0 ? ` (and ${(speedWallMs / 1000).toFixed(1)} s of --speed runs)` : ''}.`);
  console.log(lines.join('\n'));
}
