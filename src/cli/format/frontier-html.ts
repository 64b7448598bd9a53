/**
 * The risk–waste frontier as a self-contained HTML report (no network, no scripts): one inline SVG chart — waste vs
 * exceedance share for CPU, waste vs OOM-free days for memory — with each strategy's point, MOrA's curve over its risk
 * targets and the per-day oracle's frontier, then the dominance, calibration and confidence tables.
 */
import type { Calibration, FrontierResult } from '../../rightsizing/backtest/frontier';
import { reportTime } from './generated-at';
import { CALIBRATION_UNJUDGED, DOMINANCE_RATIO, fewerDaysText } from '../../rightsizing/backtest/frontier';
import { oracleWasteAt } from '../../rightsizing/backtest/oracle';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const pct = (x: number, d = 1): string => (Number.isFinite(x) ? `${(x * 100).toFixed(d)}%` : '—');
const num = (x: number, d = 3): string => (Number.isFinite(x) ? x.toFixed(d) : '—');
/** A relative error as a whole percentage (`-12%`); '—' without one (no series with usage: `NaN%` before). */
const relPct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : '—');
const FLEET_COLOR = '#17becf';
const COLORS: Readonly<Record<string, string>> = { vpa: '#d62728', krr: '#ff7f0e', 'krr-limit': '#8c564b', autopilot: '#2ca02c', mora: '#9467bd', 'mora-prophet': '#e377c2' };

/** Nice tick steps (1, 2, 5 × 10^k) covering [lo, hi] with about `n` ticks. */
function ticks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || 1;
  const raw = span / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let x = Math.ceil(lo / step) * step; x <= hi + step * 1e-9; x += step) out.push(Number(x.toPrecision(12)));
  return out;
}

export function frontierChart(f: FrontierResult, width = 760, height = 440): string {
  const cpu = f.kind === 'cpu';
  const m = { l: 64, r: 160, t: 20, b: 48 };
  const w = width - m.l - m.r, h = height - m.t - m.b;
  const risks = f.points.map((p) => p.risk).filter(Number.isFinite);
  const maxRisk = Math.max(0.01, ...risks) * 1.1;
  // y: up to twice the highest baseline waste, so MOrA's safest (costliest) targets do not flatten the rest; those above are clipped.
  const baseWaste = f.points.filter((p) => p.target === undefined).map((p) => p.waste).filter(Number.isFinite);
  const yMax = Math.max(1e-9, ...(baseWaste.length ? baseWaste.map((x) => x * 2) : f.points.map((p) => p.waste).filter(Number.isFinite))) * 1.05;
  // x: CPU exceedance share left to right; memory OOM-free days (1 − risk), 100% on the right.
  const xOf = (risk: number): number => m.l + (cpu ? risk / maxRisk : 1 - risk / maxRisk) * w;
  const yOf = (waste: number): number => m.t + h - (Math.min(waste, yMax) / yMax) * h;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="frontier" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="waste vs ${cpu ? 'exceedance' : 'OOM-free days'}">`);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${w}" height="${h}" fill="#fff" stroke="#ccc"/>`);
  for (const x of ticks(0, maxRisk)) {
    const px = xOf(x).toFixed(1);
    parts.push(`<line x1="${px}" x2="${px}" y1="${m.t}" y2="${m.t + h}" stroke="#eee"/><text x="${px}" y="${m.t + h + 16}" text-anchor="middle" class="tick">${esc(pct(cpu ? x : 1 - x, x < 0.1 ? 1 : 0))}</text>`);
  }
  for (const y of ticks(0, yMax)) {
    const py = yOf(y).toFixed(1);
    parts.push(`<line x1="${m.l}" x2="${m.l + w}" y1="${py}" y2="${py}" stroke="#eee"/><text x="${m.l - 6}" y="${py}" text-anchor="end" dominant-baseline="middle" class="tick">${esc(String(y))}</text>`);
  }
  parts.push(`<text x="${m.l + w / 2}" y="${height - 8}" text-anchor="middle">${cpu ? 'exceedance: share of samples above the CPU request (mean over series)' : 'OOM-free days (mean over series)'}</text>`);
  parts.push(`<text transform="translate(16 ${m.t + h / 2}) rotate(-90)" text-anchor="middle">waste ratio (Σ waste / Σ usage)</text>`);
  // The oracle: its frontier over the chart's risk range.
  const n = 120;
  const oracle: string[] = [];
  for (let i = 0; i <= n; i++) {
    const r = (maxRisk * i) / n;
    const wv = oracleWasteAt(f.oracle, r);
    if (Number.isFinite(wv)) oracle.push(`${xOf(r).toFixed(1)},${yOf(wv).toFixed(1)}`);
  }
  if (oracle.length) parts.push(`<polyline class="oracle" points="${oracle.join(' ')}" fill="none" stroke="#555" stroke-dasharray="5 4" stroke-width="1.5"><title>per-day oracle frontier</title></polyline>`);
  // CPU: every day at its own percentile, known in advance (not the limit: it spends the risk evenly over days).
  const dq = f.dayQuantile.filter((p) => Number.isFinite(p.risk) && Number.isFinite(p.waste) && p.risk <= maxRisk);
  if (dq.length) parts.push(`<polyline class="day-quantile" points="${dq.map((p) => `${xOf(p.risk).toFixed(1)},${yOf(p.waste).toFixed(1)}`).join(' ')}" fill="none" stroke="#999" stroke-dasharray="1 3" stroke-width="2"><title>each day at its own percentile, known in advance</title></polyline>`);
  // MOrA's curve, target ascending.
  const curve = f.curve.filter((p) => Number.isFinite(p.risk) && Number.isFinite(p.waste));
  if (curve.length) parts.push(`<polyline class="mora-curve" points="${curve.map((p) => `${xOf(p.risk).toFixed(1)},${yOf(p.waste).toFixed(1)}`).join(' ')}" fill="none" stroke="#1f77b4" stroke-width="2"/>`);
  // With a fleet risk budget: its curve (each budget = the mean over series), teal, its budgets as small points.
  const fleet = (f.fleet?.curve ?? []).filter((p) => Number.isFinite(p.risk) && Number.isFinite(p.waste));
  if (fleet.length) {
    parts.push(`<polyline class="fleet-curve" points="${fleet.map((p) => `${xOf(p.risk).toFixed(1)},${yOf(p.waste).toFixed(1)}`).join(' ')}" fill="none" stroke="${FLEET_COLOR}" stroke-width="2"><title>MOrA with a fleet risk budget</title></polyline>`);
    for (const p of fleet) parts.push(`<circle class="point fleet" data-strategy="${esc(p.strategy)}" cx="${xOf(p.risk).toFixed(1)}" cy="${yOf(p.waste).toFixed(1)}" r="3" fill="${FLEET_COLOR}"><title>${esc(`${p.strategy}: ${cpu ? 'exceedance' : 'OOM days'} ${pct(p.risk, 2)}, waste ${num(p.waste)}`)}</title></circle>`);
  }
  for (const p of f.points) {
    if (!Number.isFinite(p.risk) || !Number.isFinite(p.waste)) continue;
    const onCurve = p.target !== undefined;
    const color = onCurve ? '#1f77b4' : COLORS[p.strategy] ?? '#333';
    const clipped = p.waste > yMax;
    const x = xOf(p.risk).toFixed(1), y = yOf(p.waste).toFixed(1);
    const tip = `${p.strategy}: ${cpu ? 'exceedance' : 'OOM days'} ${pct(p.risk, 2)}, waste ${num(p.waste)}${clipped ? ' (above the chart)' : ''}`;
    parts.push(`<circle class="point${onCurve ? ' mora' : ' baseline'}" data-strategy="${esc(p.strategy)}" data-risk="${p.risk}" data-waste="${p.waste}" cx="${x}" cy="${y}" r="${onCurve ? 3.5 : 5.5}" fill="${color}"${clipped ? ' stroke="#000" stroke-dasharray="2 2"' : ''}><title>${esc(tip)}</title></circle>`);
    const label = onCurve ? `${pct(p.target!, p.target! < 0.01 ? 1 : 0)}${clipped ? ` ↑${num(p.waste, 1)}` : ''}` : `${p.strategy}${clipped ? ` ↑${num(p.waste, 1)}` : ''}`;
    parts.push(`<text x="${(Number(x) + 7).toFixed(1)}" y="${(Number(y) - 6).toFixed(1)}" class="${onCurve ? 'target' : 'name'}">${esc(label)}</text>`);
  }
  const lx = m.l + w + 14;
  parts.push(`<g class="legend"><line x1="${lx}" x2="${lx + 24}" y1="${m.t + 10}" y2="${m.t + 10}" stroke="#1f77b4" stroke-width="2"/><text x="${lx + 30}" y="${m.t + 14}">MOrA, by target</text>`
    + `<line x1="${lx}" x2="${lx + 24}" y1="${m.t + 30}" y2="${m.t + 30}" stroke="#555" stroke-dasharray="5 4"/><text x="${lx + 30}" y="${m.t + 34}">per-day oracle</text>`
    + (dq.length ? `<line x1="${lx}" x2="${lx + 24}" y1="${m.t + 50}" y2="${m.t + 50}" stroke="#999" stroke-dasharray="1 3" stroke-width="2"/><text x="${lx + 30}" y="${m.t + 54}">day's own pct</text>` : '')
    + (fleet.length ? `<line x1="${lx}" x2="${lx + 24}" y1="${m.t + 70}" y2="${m.t + 70}" stroke="${FLEET_COLOR}" stroke-width="2"/><text x="${lx + 30}" y="${m.t + 74}">MOrA, fleet budget</text>` : '')
    + f.points.filter((p) => p.target === undefined).map((p, i) => `<circle cx="${lx + 12}" cy="${m.t + 90 + 18 * i}" r="5" fill="${COLORS[p.strategy] ?? '#333'}"/><text x="${lx + 30}" y="${m.t + 94 + 18 * i}">${esc(p.strategy)}</text>`).join('')
    + '</g>');
  parts.push('</svg>');
  return parts.join('\n');
}

/** 'yes', 'no', or '—' when calibration cannot be judged (no series with usage). */
const within = (w: boolean | null): string => (w === null ? '—' : w ? 'yes' : 'no');
/** The note under a calibration table with a target that cannot be judged, else nothing. */
const unjudged = (c: readonly Calibration[]): string =>
  (c.some((x) => x.within === null) ? `\n<p class="note">Calibration ${esc(CALIBRATION_UNJUDGED)}.</p>` : '');

export function frontierHtml(f: FrontierResult, opts: { title: string; generatedAt?: Date }): string {
  const cpu = f.kind === 'cpu';
  const riskHead = cpu ? 'exceedance' : 'OOM days';
  const table = (head: string[], rows: string[][]): string =>
    `<table><thead><tr>${head.map((x) => `<th>${esc(x)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const dom = table(['baseline', riskHead, 'waste', 'MOrA waste at ≤ that risk', 'at target', 'ratio', 'verdict', 'oracle waste', 'oracle ratio', 'held oracle ratio'],
    f.dominance.map((d) => [d.baseline, pct(d.baselineRisk, 2), num(d.baselineWaste), num(d.moraWaste), pct(d.moraTarget, 1), num(d.ratio, 2),
      d.dominates ? 'dominates' : Number.isFinite(d.ratio) ? 'not dominated' : (d.note ?? 'no MOrA point'), num(d.oracleWaste), num(d.oracleRatio, 2), num(d.heldOracleRatio, 2)]));
  const perSeries = table(['baseline', 'series compared (not reached)', 'baseline waste', 'MOrA waste at its risk', 'ratio', `MOrA ≤ ${DOMINANCE_RATIO}×`, 'MOrA ≥ 1×'],
    f.seriesDominance.map((d) => [d.baseline, `${d.series} (${d.unreached})`, num(d.baselineWaste), num(d.moraWaste), num(d.ratio, 2), String(d.wins), String(d.losses)]));
  const cal = table(['target', 'achieved (mean over series)', 'relative error', 'points', 'pooled', 'within bounds', 'series within'],
    f.calibration.map((c) => [pct(c.target, 1), pct(c.achievedMean, 2), relPct(c.relativeError), num(c.pointsError, 2), pct(c.achievedPooled, 2), within(c.within), pct(c.seriesWithin, 0)]));
  const conf = table(['strategy', ...f.confidence[0].buckets.map((b) => `confidence ${b.label}: days / violated${cpu ? ' / mean excess' : ''}`), 'unrated days', 'ratio high / low', ...(cpu ? ['excess ratio'] : [])],
    f.confidence.map((t) => [t.strategy, ...t.buckets.map((b) => `${b.days} / ${pct(b.rate, 1)}${cpu ? ` / ${pct(b.excess, 2)}` : ''}`), String(t.unrated), num(t.ratio, 2), ...(cpu ? [num(t.excessRatio, 2)] : [])]));
  const fleet = f.fleet ? `<h2>Fleet risk budget</h2>
<p class="note">MOrA with the risk target as a budget for the mean over the series: each series gets its own target from its waste–risk curve on its own past days (the least total waste, none above 4× the budget or 30%). At each baseline's point, its waste against the baseline's, next to MOrA per workload; the limit for this mode is the free oracle.</p>
${table(['baseline', riskHead, 'waste', 'per-workload ratio', 'fleet waste', 'fleet budget', 'fleet ratio', 'verdict', 'free oracle ratio'],
    f.fleet.dominance.map((d, i) => [d.baseline, pct(d.baselineRisk, 2), num(d.baselineWaste), num(f.dominance[i].ratio, 2), num(d.moraWaste), pct(d.moraTarget, 1), num(d.ratio, 2),
      d.dominates ? 'dominates' : Number.isFinite(d.ratio) ? 'not dominated' : (d.note?.replace(/^MOrA's/, "the fleet's").replace(/^no MOrA point/, 'no fleet point') ?? 'no fleet point'), num(d.oracleRatio, 2)]))}
${table(['budget', 'achieved (mean over series)', 'relative error', 'within bounds', 'waste'],
    f.fleet.calibration.map((c, i) => [pct(c.target, 1), pct(c.achievedMean, 2), relPct(c.relativeError), within(c.within), num(f.fleet!.curve[i]?.waste ?? NaN)]))}${unjudged(f.fleet.calibration)}
` : '';
  const when = (opts.generatedAt ?? reportTime()).toISOString();
  const idle = f.backtest.idle.length
    ? `\n<p class="note idle">${f.backtest.idle.length} idle series (no usage on any scored day: no waste ratio) left out of the means, the oracle, calibration and confidence: ${esc(f.backtest.idle.map((x) => x.series).join(', '))}.</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(opts.title)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#222;max-width:1000px}
table{border-collapse:collapse;margin:8px 0 20px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}th:first-child,td:first-child{text-align:left}
th{background:#f5f5f5}svg text{font-size:12px;fill:#333}svg .tick{font-size:11px;fill:#666}svg .target{font-size:10px;fill:#1f77b4}
.note{color:#555}
</style></head><body>
<h1>${esc(opts.title)}</h1>
<p class="note">Rolling daily replay: each strategy sets one ${cpu ? 'CPU request' : 'memory limit'} per day from the days before it; the day scores it.
Risk = ${cpu ? 'share of samples above the request' : 'share of days with a sample above the limit (OOM days)'}, waste = Σ waste / Σ usage, both the mean over series.
The oracle knows each day in advance: the least waste any one-value-per-day rule can reach at that risk. Generated ${esc(when)}.</p>${idle}
${frontierChart(f)}${fewerDaysText(f) ? `\n<p class="note">${esc(fewerDaysText(f))}.</p>` : ''}
<h2>Dominance</h2>
<p class="note">MOrA at the risk target whose achieved risk is ≤ the baseline's (along its curve, made monotone) against the baseline's waste; it dominates at a ratio ≤ ${DOMINANCE_RATIO}.
The held oracle keeps every series at the baseline's risk (it cannot spend one workload's risk on another): the limit of a rule calibrated per workload, as MOrA's target is.</p>
${dom}
<h3>Workload by workload</h3>
<p class="note">On each series, MOrA at the target whose achieved risk there equals the baseline's there, against the baseline's waste there (series whose baseline risk is below MOrA's lowest are not compared).</p>
${perSeries}
${fleet}<h2>Calibration</h2>
<p class="note">Achieved vs target: within ±25% relative, or ±0.5 points for targets under 2%.</p>
${cal}${unjudged(f.calibration)}
<h2>Confidence</h2>
<p class="note">Days by the confidence MOrA gave its value, and the share that violated the target (${cpu ? "the day's exceedance share above it" : 'an OOM day'}). Goal: days ≥ 0.8 at most half the violation rate of days &lt; 0.5.</p>
${conf}
</body></html>
`;
}
