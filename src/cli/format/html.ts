/**
 * A self-contained HTML report (no network, no scripts): a summary table and, per workload, CPU and memory usage charts
 * as inline SVG with the current request/limit and the MOrA, VPA and KRR values drawn across them.
 */
import { heldAtLimitNeed, noRiskReason, replicaAdvice, replicaChange, replicaRiskBrief, replicaRiskStatement, replicaRiskTarget, riskCell, riskTargetCell, riskLine, riskStatement, riskTargetsLine, shareText, verdictLabel } from '../../core/advice-text';
import { reportTime } from './generated-at';
import { formatCpu, humanMemory, humanMemoryQuantity } from '../../core/quantity';
import type { Series } from '../../core/series';
import type { ContainerRecommendation } from '../../core/recommendation';
import type { EngineResult } from '../../rightsizing/engine';
import { writeFileAtomic } from './write';

export interface ReportRun extends EngineResult {
  /** CPU and memory of the first container; `containers` by name, each container's own (a sidecar's charts). */
  history: { cpu?: Series; memory?: Series; containers?: Record<string, { cpu?: Series; memory?: Series }> };
}

/**
 * Every container of every run, as the table and the sections show them: a workload with several containers is one
 * entry per container (`web/proxy`), so a sidecar is never left out; its details and history by container name.
 */
function containerEntries(runs: readonly ReportRun[]) {
  return runs.flatMap((r) => r.recommendation.containers.map((c, i) => ({
    r, c,
    d: r.details.find((x) => x.container === c.container),
    name: r.recommendation.containers.length > 1 ? `${r.recommendation.workload.name}/${c.container}` : r.recommendation.workload.name,
    history: r.history.containers?.[c.container] ?? (i === 0 ? r.history : {}),
  })));
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

interface Line { label: string; value: number | undefined; color: string; dash?: string }

/** Hourly max envelope and mean, so two weeks of minutes stay a few hundred points. */
function envelope(s: Series, bucket = 3600): { t: number[]; hi: number[]; mean: number[] } {
  const t: number[] = [], hi: number[] = [], mean: number[] = [];
  let b = NaN, m = -Infinity, sum = 0, n = 0;
  const flush = (): void => { if (n) { t.push(b); hi.push(m); mean.push(sum / n); } };
  for (let i = 0; i < s.t.length; i++) {
    const k = Math.floor(s.t[i] / bucket) * bucket;
    if (k !== b) { flush(); b = k; m = -Infinity; sum = 0; n = 0; }
    if (Number.isFinite(s.v[i])) { m = Math.max(m, s.v[i]); sum += s.v[i]; n++; }
  }
  flush();
  return { t, hi, mean };
}

/** `fmt` labels the axis (usage, to the nearest); `valueFmt` the lines' values (requests and limits), `fmt` by default. */
export function svgChart(s: Series, lines: Line[], fmt: (x: number) => string, valueFmt: (x: number) => string = fmt, width = 640, height = 200): string {
  const e = envelope(s);
  if (e.t.length < 2) return '<p>no data</p>';
  const pad = { l: 60, r: 110, t: 10, b: 24 };
  const vals = [...e.hi, ...lines.map((l) => l.value ?? 0)].filter(Number.isFinite);
  const yMax = Math.max(...vals) * 1.08 || 1;
  const x = (t: number): number => pad.l + ((t - e.t[0]) / (e.t[e.t.length - 1] - e.t[0])) * (width - pad.l - pad.r);
  const y = (v: number): number => pad.t + (1 - v / yMax) * (height - pad.t - pad.b);
  const path = (ys: number[]): string => ys.map((v, i) => `${i ? 'L' : 'M'}${x(e.t[i]).toFixed(1)},${y(v).toFixed(1)}`).join('');
  const parts = [`<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">`];
  for (let k = 0; k <= 4; k++) {
    const v = (yMax * k) / 4;
    parts.push(`<line x1="${pad.l}" x2="${width - pad.r}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${pad.l - 4}" y="${y(v) + 4}" text-anchor="end" font-size="10">${esc(fmt(v))}</text>`);
  }
  const days = Math.round((e.t[e.t.length - 1] - e.t[0]) / 86400);
  parts.push(`<text x="${pad.l}" y="${height - 6}" font-size="10">${esc(new Date(e.t[0] * 1000).toISOString().slice(0, 10))}</text>`);
  parts.push(`<text x="${width - pad.r}" y="${height - 6}" font-size="10" text-anchor="end">${days} days, hourly max (light) and mean</text>`);
  parts.push(`<path d="${path(e.hi)}" fill="none" stroke="#9ecae1" stroke-width="1"/>`);
  parts.push(`<path d="${path(e.mean)}" fill="none" stroke="#3182bd" stroke-width="1.2"/>`);
  let ly = pad.t + 10;
  for (const l of lines) {
    if (l.value === undefined || !Number.isFinite(l.value)) continue;
    parts.push(`<line x1="${pad.l}" x2="${width - pad.r}" y1="${y(l.value)}" y2="${y(l.value)}" stroke="${l.color}" stroke-width="1.5"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/>`);
    parts.push(`<text x="${width - pad.r + 6}" y="${ly}" font-size="10" fill="${l.color}">${esc(`${l.label} ${valueFmt(l.value)}`)}</text>`);
    ly += 13;
  }
  parts.push('</svg>');
  return parts.join('');
}

export function renderHtmlReport(runs: readonly ReportRun[], opts: { title: string; generatedAt?: Date } = { title: 'MOrA report' }): string {
  const cpu = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '–' : formatCpu(x));
  // Requests and limits (current, MOrA's, VPA's, KRR's) as the CSV and the manifest write them, rounded up to whole Mi
  // (humanMemoryQuantity): never less than what is written. The freed total and the chart's axis: to the nearest.
  const mem = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '–' : humanMemoryQuantity(x));
  let totalCpu = 0, totalMem = 0;
  // The risk targets the values were sized to, in the header; each value's expected risk in the table and its evidence.
  const targets = riskTargetsLine(runs.map((r) => r.recommendation));
  // As the CLI table: the container's expected risk, or `—` and why; never a bare confidence (a baseline's, a snapshot's
  // values state no risk: `—`, `no risk stated for a vpa value`).
  const riskTd = (c: ContainerRecommendation): string => {
    const cell = riskCell(c);
    return cell ? `${esc(cell)}<br><small>${esc(riskTargetCell(c)!)}</small>` : `—<br><small>${esc(noRiskReason(c))}</small>`;
  };
  for (const r of runs) { totalCpu += r.savings.cpuRequest; totalMem += r.savings.memoryRequest; }
  const entries = containerEntries(runs);
  const rows = entries.map(({ r, c, d, name }) => {
    const risk = d?.memory?.evidence.replay;
    const rep = r.recommendation.replicas;
    return `<tr><td>${esc(name)}</td><td>${cpu(c.current.requests.cpu)}</td><td><b>${cpu(c.cpu?.request.value)}</b></td>`
      + `<td>${cpu(d?.baselines.cpu.vpa)}</td><td>${cpu(d?.baselines.cpu.krr)}</td><td>${mem(c.current.limits.memory)}</td><td><b>${mem(c.memory?.limit?.value)}</b></td>`
      + `<td>${mem(d?.baselines.memory.vpa)}</td><td>${mem(d?.baselines.memory.krr)}</td><td>${risk ? `${risk.oomDays ?? 0}/${risk.days}` : '–'}</td>`
      + `<td>${rep ? esc(replicaChange(rep) + (targets && replicaRiskBrief(rep) ? ` ${replicaRiskBrief(rep)}` : ''))
        + (targets && replicaRiskTarget(rep) ? `<br><small>${esc(replicaRiskTarget(rep)!)}</small>` : '') : '–'}</td>`
      + `<td>${esc(verdictLabel(c))}</td><td>${riskTd(c)}</td></tr>`;
  }).join('\n');
  const sections = entries.map(({ r, c, d, name, history }) => {
    if (!d) return '';
    const replay = (x: NonNullable<typeof c.cpu>): string => {
      const r = x.evidence.replay;
      const above = r && (r.oomDays !== undefined ? `${r.oomDays} OOM day(s)` : `${r.daysAbove ?? 0} day(s) with usage above it`);
      const risk = x.evidence.risk ? ` Risk: ${riskLine(x)}.` : '';
      const need = heldAtLimitNeed(x);
      const what = need ? ` of the value the rule needs (${need}; the request is held at the CPU limit)` : '';
      return (r ? ` Replayed over the last ${r.days} days${what}: ${shareText(r.exceedanceShare)} of samples above, ${above}, waste ${(100 * r.wasteRatio).toFixed(0)}% of usage${risk ? '.' : `; ${riskStatement(x)}.`}` : '') + risk;
    };
    const ev = (x: typeof c.cpu): string => (x ? `<p class="ev">${esc(x.evidence.method)}: ${esc(x.evidence.reason)}${x.evidence.notes.length ? ` — ${esc(x.evidence.notes.join('; '))}` : ''}.${esc(replay(x))}</p>` : '');
    const rep = r.recommendation.replicas;
    const charts = [
      history.cpu ? `<h3>CPU</h3>${svgChart(history.cpu, [
        { label: 'current req', value: c.current.requests.cpu, color: '#888', dash: '4 3' },
        { label: 'MOrA', value: c.cpu?.request.value, color: '#d62728' },
        { label: 'VPA', value: d.baselines.cpu.vpa, color: '#2ca02c', dash: '6 2' },
        { label: 'KRR', value: d.baselines.cpu.krr, color: '#9467bd', dash: '2 2' },
      ], cpu)}${ev(c.cpu)}` : '',
      history.memory ? `<h3>Memory</h3>${svgChart(history.memory, [
        { label: 'current lim', value: c.current.limits.memory, color: '#888', dash: '4 3' },
        { label: 'MOrA lim', value: c.memory?.limit?.value, color: '#d62728' },
        { label: 'MOrA req', value: c.memory?.request.value, color: '#ff9896' },
        { label: 'VPA', value: d.baselines.memory.vpa, color: '#2ca02c', dash: '6 2' },
        { label: 'KRR', value: d.baselines.memory.krr, color: '#9467bd', dash: '2 2' },
      ], humanMemory, mem)}${ev(c.memory)}` : '',
    ].join('');
    const repText = rep
      ? `<p class="ev">Replicas: ${esc(replicaAdvice(rep))}${rep.hpa ? '' : ` (range ${rep.recommended.lower}–${rep.recommended.upper})`}${replicaRiskStatement(rep) ? `, ${esc(`${replicaRiskStatement(rep)!} (${replicaRiskTarget(rep)!})`)}` : ''}; ${esc(rep.reason)}${rep.hpa ? `<br>${esc(rep.hpa.reason)}` : ''}</p>`
      : '';
    return `<section><h2>${esc(name)} <small>${esc(verdictLabel(c, true))}</small></h2>${charts}${repText}</section>`;
  }).join('\n');
  const when = (opts.generatedAt ?? reportTime()).toISOString();
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(opts.title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;max-width:1000px}table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left}section{margin:28px 0;border-top:2px solid #eee}.ev{color:#444;font-size:12px;max-width:860px}small{color:#888;font-weight:normal}</style></head>
<body><h1>${esc(opts.title)}</h1><p>Generated ${esc(when)}. CPU = request per pod; memory = limit per pod. VPA = target (P90 × 1.15, decaying histograms), KRR = <code>simple</code> (p95 CPU, max × 1.15 memory), both computed from the same history. "oom" = days in the replay of the last weeks on which MOrA's limit would have been exceeded.</p>
<p>Requests freed across the shown workloads (× replicas: MOrA's at the count it advises, where it advises one): CPU ${totalCpu >= 0 ? '' : '+'}${cpu(Math.abs(totalCpu))}, memory ${totalMem >= 0 ? '' : '+'}${humanMemory(Math.abs(totalMem))}${totalCpu < 0 || totalMem < 0 ? ' (a "+" means more is needed)' : ''}.</p>
${targets ? `<p>MOrA sizes to your ${esc(targets)} (<code>--cpu-risk</code>, <code>--memory-risk</code>; settings <code>mora.risk.cpu</code>, <code>mora.risk.memory</code>). "risk" = what each workload's own history expects at MOrA's values: share of time above the CPU request · OOM days at the memory limit (1/100 = 1 day in 100; leak 5d = memory leaks: an OOM kill in ≈5 days at the limit), each cell's targets under it (≤5%·≤1/100); next to the replicas, the share of time the load per replica exceeds its capacity at that count.</p>\n` : ''}<table><tr><th>workload</th><th>cpu now</th><th>MOrA</th><th>VPA</th><th>KRR</th><th>mem lim now</th><th>MOrA</th><th>VPA</th><th>KRR</th><th>oom days</th><th>replicas</th><th>verdict</th><th>risk</th></tr>
${rows}</table>
${sections}
</body></html>
`;
}

export function writeHtmlReport(path: string, runs: readonly ReportRun[], opts: { title: string }): void {
  writeFileAtomic(path, renderHtmlReport(runs, opts));
}
