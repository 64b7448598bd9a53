/**
 * An experiment plan's results as a self-contained HTML report (no network, no scripts): per service the capacity per
 * replica with its interval, then the same three charts as the forecast view (asked vs achieved rate, latency p95/p99
 * with the SLO, CPU per pod, each against the load level, one series per replica count; cells that failed their
 * quality gate drawn as red crosses) as inline SVG, and the cell table. Built from the view's own data
 * (src/views/experiment-model.ts), so the report and the editor show the same numbers.
 */
import type { ExperimentChart, ExperimentViewData, TableData } from '../../protocol/forecast';
import { reportTime } from './generated-at';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const COLORS = ['#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const FAILED = '#d62728';

function ticks(hi: number, n = 5): number[] {
  const raw = (hi || 1) / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let x = 0; x <= hi + step * 1e-9; x += step) out.push(Number(x.toPrecision(12)));
  return out;
}

function fmt(unit: ExperimentChart['unit'], x: number): string {
  if (unit === 'cores') return x >= 1 ? `${+x.toFixed(2)}` : `${Math.round(x * 1000)}m`;
  return `${+x.toFixed(unit === 'ms' ? 0 : 1)}`;
}

export function experimentChartSvg(ch: ExperimentChart, width = 480, height = 300): string {
  const m = { l: 56, r: 12, t: 28, b: 40 };
  const w = width - m.l - m.r, h = height - m.t - m.b;
  const pts = ch.series.flatMap((s) => s.points);
  const xMax = Math.max(1e-9, ...pts.map((p) => p.x)) * 1.05;
  const yMax = Math.max(1e-9, ...pts.map((p) => p.y).filter(Number.isFinite)) * 1.1;
  const X = (x: number) => (m.l + (x / xMax) * w).toFixed(1);
  const Y = (y: number) => (m.t + h - (Math.min(y, yMax) / yMax) * h).toFixed(1);
  const replicaCounts = [...new Set(ch.series.map((s) => s.replicas).filter((r): r is number => r !== undefined))].sort((a, b) => a - b);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(ch.title)} per load level">`);
  parts.push(`<text x="${m.l}" y="16" class="title">${esc(ch.title)}</text>`);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${w}" height="${h}" fill="#fff" stroke="#ccc"/>`);
  for (const x of ticks(xMax)) parts.push(`<line x1="${X(x)}" x2="${X(x)}" y1="${m.t}" y2="${m.t + h}" stroke="#eee"/><text x="${X(x)}" y="${m.t + h + 14}" text-anchor="middle" class="tick">${x}</text>`);
  for (const y of ticks(yMax)) parts.push(`<line x1="${m.l}" x2="${m.l + w}" y1="${Y(y)}" y2="${Y(y)}" stroke="#eee"/><text x="${m.l - 4}" y="${Y(y)}" text-anchor="end" dominant-baseline="middle" class="tick">${esc(fmt(ch.unit, y))}</text>`);
  parts.push(`<text x="${m.l + w / 2}" y="${height - 6}" text-anchor="middle">load level (req/s asked)</text>`);
  parts.push(`<text transform="translate(12 ${m.t + h / 2}) rotate(-90)" text-anchor="middle">${esc(ch.unit)}</text>`);
  let legendY = m.t + 12;
  for (const s of ch.series) {
    const color = s.role === 'asked' ? '#555' : s.role === 'slo' ? FAILED : s.role === 'capacity' ? '#2ca02c' : COLORS[replicaCounts.indexOf(s.replicas ?? 0) % COLORS.length];
    const dash = s.role === 'asked' ? '5 3' : s.role === 'slo' ? '2 4' : s.role === 'capacity' ? '8 4' : s.role === 'p99' ? '4 2' : '';
    if (s.points.length > 1) {
      parts.push(`<polyline points="${s.points.map((p) => `${X(p.x)},${Y(p.y)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="1.5"${dash ? ` stroke-dasharray="${dash}"` : ''}><title>${esc(s.label)}</title></polyline>`);
    }
    if (s.role !== 'asked' && s.role !== 'slo' && s.role !== 'capacity') {
      for (const p of s.points) {
        const tip = `<title>${esc(`${s.label}: ${fmt(ch.unit, p.y)} (${p.cell}${p.failed ? ', failed its quality gate' : ''})`)}</title>`;
        if (p.failed) {
          const cx = Number(X(p.x)), cy = Number(Y(p.y));
          parts.push(`<path class="failed" d="M${cx - 6},${cy - 6}L${cx + 6},${cy + 6}M${cx - 6},${cy + 6}L${cx + 6},${cy - 6}" stroke="${FAILED}" stroke-width="3">${tip}</path>`);
        } else {
          parts.push(`<circle cx="${X(p.x)}" cy="${Y(p.y)}" r="3" fill="${color}">${tip}</circle>`);
        }
      }
    }
    parts.push(`<text x="${m.l + 8}" y="${legendY}" class="legend" fill="${color}">${esc(s.label)}</text>`);
    legendY += 13;
  }
  parts.push('</svg>');
  return parts.join('');
}

function table(t: TableData): string {
  return `<table><caption>${esc(t.caption)}</caption><thead><tr>${t.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${
    t.rows.map((r) => `<tr${/^FAILED/.test(r[r.length - 1] ?? '') ? ' class="failed"' : ''}>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export function experimentHtml(view: ExperimentViewData, opts: { generatedAt?: Date } = {}): string {
  const when = (opts.generatedAt ?? reportTime()).toISOString();
  const services = view.services.map((s) => `<section>
<h2>${esc(s.service)}</h2>
<p class="capacity">Capacity: ${esc(s.capacityText)}</p>
<div class="charts">${s.charts.map((c) => experimentChartSvg(c)).join('\n')}</div>
${table(s.cells)}
</section>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(view.title)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#222;max-width:1500px}
table{border-collapse:collapse;margin:8px 0 20px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}td:first-child,td:last-child,th:first-child,th:last-child{text-align:left}
th{background:#f5f5f5}caption{text-align:left;font-weight:600}tr.failed td{color:${FAILED}}
svg text{font-size:12px;fill:#333}svg .tick{font-size:11px;fill:#666}svg .title{font-weight:600}svg .legend{font-size:11px}
.charts{display:flex;flex-wrap:wrap;gap:12px}.capacity{font-family:ui-monospace,monospace}.note{color:#555}
</style></head><body>
<h1>${esc(view.title)}</h1>
<p>${esc(view.headline)}</p>
<p class="note">Each cell is one service × replica count × load level. Cells that failed their quality gate (completeness, stability,
achieved vs asked rate, error share) are red crosses and left out of the capacity; the capacity per replica is the rate one
replica sustains within the SLO, with its 95% interval. Record written ${esc(new Date(view.generatedAt * 1000).toISOString())}; report generated ${esc(when)}.</p>
${services}
<h2>Notes</h2>
<ul class="note">${view.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>
</body></html>
`;
}
