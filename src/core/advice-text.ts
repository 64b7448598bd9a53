/**
 * How replica advice and verdicts read, in one place, so the CLI table, JSON, CSV, the HTML report, the tree, the
 * CodeLenses and the hovers all say the same thing. Plain strings; no view imports this the other way round.
 */
import { formatCpu, humanMemory, humanMemoryQuantity } from './quantity';
import type { ContainerRecommendation, FloorRaise, ReplicaRecommendation, ResourceRecommendation, RiskStatement } from './recommendation';

const pct = (x: number): string => `${Math.round(x * 100)}%`;

/**
 * The replica change in a few characters: `3 → 2`, `2` (unchanged), `HPA 2–6 → 2–12 of 80m` (new HPA bounds, counted in
 * pods of the recommended 80m CPU request) or `HPA 2–6 of 80m` (keep it). An HPA-managed workload is never shown as a
 * fixed count: the HPA decides the count.
 */
export function replicaChange(rep: ReplicaRecommendation, arrow = ' → '): string {
  if (!rep.hpa) {
    const to = Math.round(rep.recommended.value);
    return to === rep.current ? `${to}` : `${rep.current}${arrow}${to}`;
  }
  const { minReplicas: min, maxReplicas: max, current, podRequest } = rep.hpa;
  // The pods the advised bounds count (the recommended request's), where the engine counted them so.
  const pods = podRequest ? ` of ${formatCpu(podRequest)}` : '';
  if (!current) return `HPA ${min}–${max}${pods}`;
  return current.minReplicas === min && current.maxReplicas === max
    ? `HPA ${min}–${max}${pods}`
    : `HPA ${current.minReplicas}–${current.maxReplicas}${arrow}${min}–${max}${pods}`;
}

/**
 * The replica count the load needs and the autoscaler bounds MOrA advises: the engine's HPA advice where it made one
 * (rep.hpa: max 1.5 × the peak and at least that count, min the quietest 5%; src/rightsizing/engine/replicas.ts), else
 * that count itself. Every surface that names a bound takes it from here — the lenses, hovers, tree and CLI (replicaAdvice,
 * hpaEdits) and the note on an autoscaler among the manifests (`recommend --apply-to --replicas`, the editor's lens:
 * src/manifests/autoscalers.ts autoscalerNote) — so they never advise two numbers for one HPA.
 */
export function advisedReplicaBounds(rep: ReplicaRecommendation): { need: number; minReplicas: number; maxReplicas: number } {
  const need = Math.max(0, Math.round(rep.recommended.value));
  return rep.hpa ? { need, minReplicas: rep.hpa.minReplicas, maxReplicas: rep.hpa.maxReplicas } : { need, minReplicas: need, maxReplicas: need };
}

/**
 * The replica advice as a sentence: `replicas 3 → 2`, `keep 2 replicas`, or against the HPA as it runs,
 * `HPA 2–6 → raise maxReplicas to 12 (1.5 × the p99 load needs 12 pods of 80m)` (the advice itself from hpaBoundsAdvice).
 */
export function replicaAdvice(rep: ReplicaRecommendation): string {
  const to = advisedReplicaBounds(rep).need;
  if (!rep.hpa) return to === rep.current ? `keep ${to} replica${to === 1 ? '' : 's'}` : `replicas ${rep.current} → ${to}`;
  const { minReplicas: min, maxReplicas: max, targetCpuUtilization: target, current } = rep.hpa;
  if (!current) return `HPA ${min}–${max}${rep.hpa.podRequest ? ` of ${formatCpu(rep.hpa.podRequest)}` : ''} at ${pct(target)} CPU`;
  return `HPA ${current.minReplicas}–${current.maxReplicas} → ${hpaBoundsAdvice(rep, current)}`;
}

/** An autoscaler's settings as some surface sees them: the cluster's HPA (rep.hpa.current), or one among the manifests. */
export interface AutoscalerBounds {
  minReplicas: number;
  /** null: not set (an invalid HPA). */
  maxReplicas: number | null;
  /** The CPU utilisation it aims at (0..1), where known. */
  targetCpuUtilization?: number;
  /** A KEDA ScaledObject names its bounds minReplicaCount / maxReplicaCount. */
  fields?: { min: string; max: string };
}

/** The edits the advice makes to the HPA as it runs (empty: keep it): `raise maxReplicas to 12`, `target 70% CPU`. */
export function hpaEdits(rep: ReplicaRecommendation, bounds: AutoscalerBounds | undefined = rep.hpa?.current): string[] {
  if (!bounds) return [];
  const fields = bounds.fields ?? { min: 'minReplicas', max: 'maxReplicas' };
  const changes: string[] = [];
  const bound = (name: string, from: number | null, want: number): void => {
    if (from === null) changes.push(`set ${name} to ${want}`);
    else if (want !== from) changes.push(`${want > from ? 'raise' : 'lower'} ${name} to ${want}`);
  };
  const advised = advisedReplicaBounds(rep);
  if (rep.hpa) {
    // The engine's advice on the HPA: both bounds as it advises them, wherever the count lies.
    bound(fields.min, bounds.minReplicas, advised.minReplicas);
    bound(fields.max, bounds.maxReplicas, advised.maxReplicas);
    const target = rep.hpa.targetCpuUtilization;
    if (bounds.targetCpuUtilization !== undefined && Math.round(bounds.targetCpuUtilization * 100) !== Math.round(target * 100)) {
      changes.push(`target ${pct(target)} CPU`);
    }
  } else {
    // Only a count (the cluster has no HPA to advise on): a bound moves only as far as the count lies outside it.
    if (bounds.maxReplicas === null || advised.need > bounds.maxReplicas) bound(fields.max, bounds.maxReplicas, advised.need);
    if (advised.need < bounds.minReplicas) bound(fields.min, bounds.minReplicas, advised.need);
  }
  return changes;
}

/**
 * What to do with an autoscaler's bounds, in one sentence every surface uses — the lens and hover on an HPA-managed
 * `replicas:` (against the cluster's HPA, replicaAdvice) and the note on an autoscaler among the manifests
 * (`recommend --apply-to --replicas`, the editor's note lens; src/manifests/autoscalers.ts autoscalerNote), each in its
 * own framing: `raise maxReplicas to 12 (1.5 × the p99 load needs 12 pods of 80m)`, `lower maxReplicas to 5 (1.5 × the
 * p99 load needs 5 pods of 80m)`, `keep its bounds (the 3 pods of 80m the p95 load needs are within them)`, `keep its
 * bounds (the p95 load needs 1 pod of 80m, below its minReplicas)`. The counts are pods of the recommended request
 * (rep.hpa.podRequest), or replicas of a capacity an experiment measured.
 */
export function hpaBoundsAdvice(rep: ReplicaRecommendation, bounds: AutoscalerBounds): string {
  const edits = hpaEdits(rep, bounds);
  const fields = bounds.fields ?? { min: 'minReplicas', max: 'maxReplicas' };
  const advised = advisedReplicaBounds(rep);
  const n = advised.need;
  // Each number named with the load it carries and the pods it counts: maxReplicas with what max carries (1.5 × the p99
  // load), the count with the load its risk target sizes to (the p95 load at 5%); never one load's count as another's.
  // Only the engine's HPA advice counts pods of a capacity against load quantiles (rep.hpa.maxFor); a count without an
  // HPA is the one its CPU request was sized for (replicas.ts countForRequest), no load quantile, so just `the load`.
  const level = rep.hpa?.maxFor && rep.risk ? `the p${Number(((1 - rep.risk.target) * 100).toFixed(2))} load` : 'the load';
  const max = rep.hpa?.maxFor && bounds.maxReplicas !== null && advised.maxReplicas !== bounds.maxReplicas;
  const why = max ? `${rep.hpa!.maxFor} needs ${podCount(rep, advised.maxReplicas)}`
    : bounds.maxReplicas !== null && n > bounds.maxReplicas ? `${level} needs ${podCount(rep, n)}`
      : n < bounds.minReplicas ? `${level} needs ${podCount(rep, n)}, below its ${fields.min}`
        : `the ${podCount(rep, n)} ${level} needs ${n === 1 ? 'is' : 'are'} within ${edits.length ? 'its bounds' : 'them'}`;
  return `${edits.length ? edits.join(', ') : 'keep its bounds'} (${why})`;
}

/** `7 pods of 80m` where the HPA's counts are of the recommended request's pods (rep.hpa.podRequest), else `7 replicas`. */
function podCount(rep: ReplicaRecommendation, n: number): string {
  const pod = rep.hpa?.podRequest;
  return pod ? `${n} pod${n === 1 ? '' : 's'} of ${formatCpu(pod)}` : `${n} replica${n === 1 ? '' : 's'}`;
}

function floorText(f: FloorRaise): string {
  // The floor is a value set (rounded up, as written); the peak is usage (to the nearest).
  const [show, showUsage] = f.resource === 'cpu' ? [formatCpu, formatCpu] : [humanMemoryQuantity, humanMemory];
  const times = f.observedMax > 0 ? `${(f.floor / f.observedMax).toFixed(1)}× the observed peak ${showUsage(f.observedMax)}` : 'no usage observed';
  return `${f.resource === 'cpu' ? 'CPU' : 'memory'} raised to the ${show(f.floor)} floor (${times})`;
}

/**
 * What a floor did, in words, or undefined: `memory raised to the 250Mi floor (5.8× the observed peak 43.3Mi)`.
 * A value a floor lifted far above usage is the policy's, not the workload's, and must never read as plain "ok".
 */
export function floorNote(c: ContainerRecommendation): string | undefined {
  return c.raisedToFloor?.length ? c.raisedToFloor.map(floorText).join('; ') : undefined;
}

/** Why CPU or memory has no value, or undefined: `no CPU value: 5 usage samples in the last 14 days, at least 12 needed`. */
export function unsizedNote(c: ContainerRecommendation): string | undefined {
  return c.unsized?.length ? c.unsized.map((u) => `no ${u.resource === 'cpu' ? 'CPU' : 'memory'} value: ${u.reason}`).join('; ') : undefined;
}

/**
 * The verdict with its floor note: `ok`, `ok (raised to floor)`; `long` spells the note out, and says why a value is
 * missing (`partial (no CPU value: …)`) where the hover, the tree and the report's sections have the room.
 */
export function verdictLabel(c: ContainerRecommendation, long = false, verdictText: (v: ContainerRecommendation['verdict']) => string = (v) => v): string {
  const floor = floorNote(c);
  const notes = [floor && (long ? floor : 'raised to floor'), long ? unsizedNote(c) : undefined].filter((x): x is string => Boolean(x));
  return notes.length ? `${verdictText(c.verdict)} (${notes.join('; ')})` : verdictText(c.verdict);
}

// ---- risk: confidence as what it means ------------------------------------------------------------------------------

/**
 * The evidence note on a value read from a Prometheus answer that warned its data may be incomplete (a partial response,
 * a limit hit: src/pipeline/recommend.ts markPartialData): the risk stated for it rests on data that may miss series.
 */
export const PARTIAL_DATA_NOTE = 'risk estimate less certain: Prometheus answered with warnings, the data may be incomplete';

/** Whether a container's CPU or memory value carries PARTIAL_DATA_NOTE: its compact risk texts are marked `⚠`. */
export function partialData(c: ContainerRecommendation): boolean {
  return [c.cpu, c.memory].some((r) => r?.evidence.notes.includes(PARTIAL_DATA_NOTE));
}

/**
 * A share as people read it: `5%`, `0.5%`, `0.15%`, `<0.1%` (an estimate: two significant digits below 1%, so 0.15% does
 * not read 0.1% next to a ≤0.15% target; one decimal below 10%, whole percents above).
 */
export function shareText(x: number): string {
  if (!(x > 0)) return '0%';
  if (x < 0.001) return '<0.1%';
  if (x < 0.00995) return `${Number((x * 100).toPrecision(2))}%`;
  if (x < 0.0995) return `${Number((x * 100).toFixed(1))}%`;
  return `${Math.round(x * 100)}%`;
}

/**
 * A target share as the user set it, to 3 significant digits, never rounded to another target: `5%`, `0.15%` (not `0.1%`
 * for --cpu-risk 0.0015), `6.5%`, `12.5%`.
 */
export function targetShareText(x: number): string {
  return x > 0 ? `${Number((x * 100).toPrecision(3))}%` : '0%';
}

/** A share of the day as a duration: 0.05 → `1 h 12 min`, 0.005 → `7 min`, 0.0001 → `<1 min`. */
export function dayShareText(x: number): string {
  const minutes = Math.round(Math.max(0, x) * 1440);
  if (minutes < 1) return '<1 min';
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60), m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** `≈` before an estimate, unless it already says `<`. */
const approx = (text: string): string => (text.startsWith('<') ? text : `≈${text}`);

/**
 * A share of days as k OOM days in n: `1 in n` while that says the share to within 5.5% (as close as rounding to 1 in n
 * gets for n of 10 or more, where it is always used), else per 10 or per 100 so nearby shares stay apart: 0.01 → 1 in
 * 100, 0.2 and 0.19 → 1 in 5, 0.3 → 3 in 10, 0.4 → 4 in 10, 0.45 → 45 in 100, 0.7 → 7 in 10, 1 → 10 in 10. Undefined
 * below 0.001.
 */
function oomDays(x: number): { k: number; n: number } | undefined {
  if (!(x >= 0.001)) return undefined;
  const n = Math.max(1, Math.round(1 / x));
  if (n >= 10 || (n > 1 && Math.abs(1 / n - x) <= 0.055 * x)) return { k: 1, n };
  const per100 = Math.min(100, Math.round(x * 100));
  return per100 % 10 === 0 ? { k: per100 / 10, n: 10 } : { k: per100, n: 100 };
}

/**
 * A share of days as OOM days: 0.01 → `1 OOM day in 100`, 0.013 → `1 OOM day in 77`, 0.3 → `3 OOM days in 10`, below
 * 0.001 → `<1 OOM day in 1000`; `short` drops the words: `1 in 100`, `3 in 10`, `<1 in 1000`.
 */
export function oomDaysText(x: number, short = false): string {
  const d = oomDays(x);
  if (!d) return short ? '<1 in 1000' : '<1 OOM day in 1000';
  return short ? `${d.k} in ${d.n}` : `${d.k} OOM day${d.k === 1 ? '' : 's'} in ${d.n}`;
}

/**
 * A target share of days as the user set it, never rounded to another: `1 in n` only where that is within 0.5% of it
 * (0.01 → 1 in 100, 0.0015 → 1 in 667, 0.2 → 1 in 5), else exact per 10 or per 100 (0.3 → 3 in 10, 0.15 → 15 in 100,
 * 0.14 → 14 in 100, 0.35 → 35 in 100: not the `1 in 7` or `1 in 3` an estimate rounds to), else as a share of days
 * (0.155 → 15.5% of days).
 */
function targetOomDays(x: number): { k: number; n: number } | undefined {
  if (!(x > 0)) return undefined;
  const n = Math.max(1, Math.round(1 / x));
  if (Math.abs(1 / n - x) <= 0.005 * x) return { k: 1, n };
  for (const per of [10, 100]) {
    const k = Math.round(x * per);
    if (Math.abs(k - x * per) < 1e-9 * per) return { k, n: per };
  }
  return undefined;
}

/** A target as OOM days (targetOomDays): `1 OOM day in 100`, `15 OOM days in 100`, `15.5% of days`; `short`: `15 in 100`. */
export function targetOomDaysText(x: number, short = false): string {
  const d = targetOomDays(x);
  if (!d) return `${targetShareText(x)} of days`;
  return short ? `${d.k} in ${d.n}` : `${d.k} OOM day${d.k === 1 ? '' : 's'} in ${d.n}`;
}

/** A target in a table cell: `1/100`, `15/100`, `15.5% of days`. */
export function targetOomDaysCell(x: number): string {
  const d = targetOomDays(x);
  return d ? `${d.k}/${d.n}` : `${targetShareText(x)} of days`;
}

/** OOM days in a table cell: `1/100`, `3/10`, `<1/1000`. */
export function oomDaysCell(x: number): string {
  const d = oomDays(x);
  return d ? `${d.k}/${d.n}` : '<1/1000';
}

/** A leak's time to the limit in a few characters: `5d`, `<1d`. */
function leakDays(days: number): string {
  return days < 1 ? '<1d' : `${Math.round(days)}d`;
}

/** The user's target in words: `CPU request exceeded ≤5% of the time`, `memory limit ≤1 OOM day in 100`. */
export function riskTargetText(measure: RiskStatement['measure'], target: number): string {
  return measure === 'exceedance' ? `CPU request exceeded ≤${targetShareText(target)} of the time` : `memory limit ≤${targetOomDaysText(target)}`;
}

/** Both targets in one line (the demo, the report header, the tree's workload tooltip). */
export function riskSettingText(risk: { cpu: number; memory: number }): string {
  return `${riskTargetText('exceedance', risk.cpu)}, ${riskTargetText('oom-days', risk.memory)}`;
}

/**
 * What a value's risk means, from the calibration on the workload's own history (evidence.risk):
 * CPU `request exceeded ≈5% of the time (≈1 h 12 min a day)`, memory `≈1 OOM day in 100 at this limit`.
 * Without a risk statement (a baseline's value, a metrics.k8s.io snapshot, an in-cluster status without one) never a bare
 * confidence, as the CLI's risk column: `risk — (no risk stated for a snapshot value)`.
 */
export function riskStatement(r: ResourceRecommendation): string {
  const risk = r.evidence.risk;
  if (!risk) return `risk — (${methodNoRisk([r])})`;
  if (risk.measure === 'exceedance') return `request exceeded ${approx(shareText(risk.expected))} of the time (${approx(dayShareText(risk.expected))} a day)`;
  if (risk.leak) {
    return `OOM kill ${leakWhen(risk.leak.daysToLimit)} at this ${r.limit ? 'limit' : 'value'}: peaks grow ≈${Math.ceil(risk.leak.perDay / 2 ** 20)}Mi/day (a leak; a limit only delays it)`;
  }
  return `${approx(oomDaysText(risk.expected))} at this ${r.limit ? 'limit' : 'value'}`;
}

/** When a leak reaches the limit: `in ≈5 days`, `in less than a day`. */
function leakWhen(d: number): string {
  return d < 1 ? 'in less than a day' : `in ≈${Math.round(d)} day${Math.round(d) === 1 ? '' : 's'}`;
}

/**
 * The target and the calibration behind a statement: `risk target ≤5% of the time, calibrated on 14 days of its own history`;
 * `setting` names where the target is set (`mora.risk.cpu`), after it.
 */
export function riskTargetNote(risk: RiskStatement, setting?: string): string {
  const how = risk.calibrationDays > 0
    ? `calibrated on ${risk.calibrationDays} day${risk.calibrationDays === 1 ? '' : 's'} of its own history`
    : 'no history to calibrate on yet (the margin is a prior)';
  if (risk.fleet) {
    // A fleet budget: the target is this workload's allotment, the setting is the fleet's mean.
    const mine = risk.measure === 'exceedance' ? `≈${targetShareText(risk.target)} of the time above the request` : `≈${targetOomDaysText(risk.target)}`;
    const fleet = risk.measure === 'exceedance' ? targetShareText(risk.fleet.target) : targetOomDaysText(risk.fleet.target);
    return `this workload: ${mine}, within the fleet's ${fleet} budget (mean over ${risk.fleet.workloads} workloads${setting ? `, ${setting}` : ''}), ${how}`;
  }
  const target = (risk.measure === 'exceedance' ? `≤${targetShareText(risk.target)} of the time` : `≤${targetOomDaysText(risk.target)}`) + (setting ? ` (${setting})` : '');
  return `risk target ${target}, ${how}`;
}

/** One resource's risk line: `request exceeded ≈5% of the time (≈1 h 12 min a day); risk target ≤5% of the time, calibrated on …`. */
export function riskLine(r: ResourceRecommendation, setting?: string): string {
  return r.evidence.risk ? `${riskStatement(r)}; ${riskTargetNote(r.evidence.risk, setting)}` : riskStatement(r);
}

/**
 * The value a CPU request needs where the engine held it at the container's own CPU limit (its note `needs 195m, above
 * the CPU limit 100m that is kept …`), else undefined: `195m`. The replay replays the rule, so its numbers are about this
 * value, not the held request the risk statement is about.
 */
export function heldAtLimitNeed(r: ResourceRecommendation): string | undefined {
  const note = r.evidence.notes.find((n) => n.includes('above the CPU limit'));
  return note ? (/^needs (\S+), above the CPU limit/.exec(note)?.[1] ?? 'more') : undefined;
}

/**
 * The replay in words, as the hover, the forecast view and the HTML report say it: `replay of 14 days: above the value
 * 2.2% of the time, 3 day(s) with usage above it, waste 40%`; for a CPU request held at its limit the value replayed is
 * named: `replay of 14 days of the value the rule needs (195m; the request is held at the CPU limit): above it 2.2% of …`.
 */
export function replayText(r: ResourceRecommendation): string | undefined {
  const e = r.evidence.replay;
  if (!e) return undefined;
  // For memory a day above the limit is an OOM kill; for CPU it only means the request was exceeded (throttling risk at most).
  const daysAbove = e.oomDays !== undefined ? `${e.oomDays} OOM day(s)` : `${e.daysAbove ?? 0} day(s) with usage above it`;
  const need = heldAtLimitNeed(r);
  const what = need ? ` of the value the rule needs (${need}; the request is held at the CPU limit): above it` : ': above the value';
  return `replay of ${e.days} days${what} ${shareText(e.exceedanceShare)} of the time, ${daysAbove}, waste ${Math.round(Math.max(0, e.wasteRatio) * 100)}%`;
}

/**
 * The container's risk in a few words, each next to its target, for a CodeLens title, the webview headline and the
 * tree's description: `cpu request exceeded ≈5% of the time (target ≤5%) · ≈1 OOM day in 133 at limit 256Mi (target ≤1 in
 * 100)`. The OOM days are about the memory limit, so the limit is named (`at 256Mi` without one: the value itself). A leak
 * reads as the long statement does: `OOM kill in ≈5 days at limit 467Mi (a leak; target ≤1 in 100)`.
 * Without risk statements never a bare confidence: `risk — (no risk stated for a snapshot value)` (noRiskText). `⚠ ` first
 * where the data behind it may be incomplete (partialData).
 */
export function riskBrief(c: ContainerRecommendation): string {
  const parts: string[] = [];
  const cpu = c.cpu?.evidence.risk;
  const memory = c.memory?.evidence.risk;
  if (cpu) parts.push(`cpu request exceeded ${approx(shareText(cpu.expected))} of the time (target ≤${targetShareText(cpu.target)})`);
  if (memory && c.memory) {
    const at = c.memory.limit ? `limit ${humanMemoryQuantity(c.memory.limit.value)}` : humanMemoryQuantity(c.memory.request.value);
    const target = `target ≤${targetOomDaysText(memory.target, true)}`;
    parts.push(memory.leak
      ? `OOM kill ${leakWhen(memory.leak.daysToLimit)} at ${at} (a leak; ${target})`
      : `${approx(oomDaysText(memory.expected))} at ${at} (${target})`);
  }
  // A caveat on the data (Prometheus warned it may be incomplete): marked, as the tree's compact risk; the hover and the
  // tooltips say it in words (the evidence note).
  if (parts.length) return `${partialData(c) ? '⚠ ' : ''}${parts.join(' · ')}`;
  return noRiskText(c);
}

/** A container without risk statements, where a risk would be: `risk — (no risk stated for a snapshot value)`. */
export function noRiskText(c: ContainerRecommendation): string {
  return `risk — (${noRiskReason(c)})`;
}

/**
 * The container's expected risk in a table cell: `5%·1/100` (share of time above the CPU request · OOM days at the memory
 * limit), `3.7%·leak 5d` where memory leaks (an OOM kill in ≈5 days at the limit); undefined without risk statements.
 */
export function riskCell(c: ContainerRecommendation): string | undefined {
  const cpu = c.cpu?.evidence.risk;
  const memory = c.memory?.evidence.risk;
  if (!cpu && !memory) return undefined;
  const mem = !memory ? '-' : memory.leak ? `leak ${leakDays(memory.leak.daysToLimit)}` : oomDaysCell(memory.expected);
  return [cpu ? shareText(cpu.expected) : '-', mem].join('·');
}

/**
 * The targets a container's riskCell is sized to, in the same notation and order: `≤5%·≤1/100` (CPU share of time above
 * the request · OOM days at the memory limit), `-` for a resource without a risk statement; undefined without any.
 */
export function riskTargetCell(c: ContainerRecommendation): string | undefined {
  const cpu = c.cpu?.evidence.risk;
  const memory = c.memory?.evidence.risk;
  if (!cpu && !memory) return undefined;
  return [cpu ? `≤${targetShareText(cpu.target)}` : '-', memory ? `≤${targetOomDaysCell(memory.target)}` : '-'].join('·');
}

/**
 * A risk cell that is never a bare confidence: the container's riskCell, or `—` where its values carry no risk statement
 * (`noRiskReason` says why, next to the table or in the report's cell). The CLI table and the HTML report use it alike.
 */
export function riskCellText(c: ContainerRecommendation): string {
  return riskCell(c) ?? '—';
}

/**
 * Why a container has no risk statement: `no CPU value: 5 usage samples …`, `no risk stated for a snapshot value`,
 * `no usage data yet`.
 */
export function noRiskReason(c: ContainerRecommendation): string {
  const unsized = unsizedNote(c);
  if (unsized) return unsized;
  return methodNoRisk([c.cpu, c.memory]);
}

/** `no risk stated for a snapshot value`, `… for an in-cluster value`, `… for a vpa / krr value`; `no usage data yet` without values. */
function methodNoRisk(values: ReadonlyArray<ResourceRecommendation | undefined>): string {
  const methods = [...new Set(values.filter((r): r is ResourceRecommendation => Boolean(r)).map((r) => r.evidence.method))];
  if (!methods.length) return 'no usage data yet';
  const what = methods.join(' / ');
  return `no risk stated for ${/^[aeiou]/i.test(what) ? 'an' : 'a'} ${what} value`;
}

/**
 * The risk the advised replica count carries, in words (JSON `replicas.risk.statement`, the CSV replica row, the tree's
 * tooltip, the lens, the HTML report): `per-replica load above capacity ≈3.7% of the time`; undefined under an HPA (the
 * HPA sets the count) or where the count was not sized to the risk target. A share of exactly 0 is what the history
 * showed (no sample of it above capacity at that count: replicas.ts counts them), not an estimate near 0, so it reads
 * `per-replica load above capacity at no time in the history`, never `≈0%`.
 */
export function replicaRiskStatement(rep: ReplicaRecommendation): string | undefined {
  if (!rep.risk || rep.hpa) return undefined;
  return loadAboveCapacityText(rep.risk.expected, true);
}

/**
 * `per-replica load above capacity 3.7% of the time` (`≈3.7%` when `approximate`: the statement), and at exactly 0 `per-replica load
 * above capacity at no time in the history` (see replicaRiskStatement). One text for the statement and the reasons of replicas.ts,
 * so a count's reason never says 0% where its statement says none.
 */
export function loadAboveCapacityText(share: number, approximate = false): string {
  if (!(share > 0)) return 'per-replica load above capacity at no time in the history';
  return `per-replica load above capacity ${approximate ? approx(shareText(share)) : shareText(share)} of the time`;
}

/**
 * The target the advised count was sized to, said next to its risk (the lens, the tree's tooltip, the report):
 * `target ≤5%`; undefined where replicaRiskStatement is.
 */
export function replicaRiskTarget(rep: ReplicaRecommendation): string | undefined {
  return rep.risk && !rep.hpa ? `target ≤${targetShareText(rep.risk.target)}` : undefined;
}

/**
 * The same in a few characters, next to the count (the CLI table, the tree's row, the lens): `(3.7%)`, with `withTarget`
 * `(3.7% ≤5%)` where no column or line nearby names the target (the tree's row); undefined as above.
 */
export function replicaRiskBrief(rep: ReplicaRecommendation, withTarget = false): string | undefined {
  if (!rep.risk || rep.hpa) return undefined;
  return `(${shareText(rep.risk.expected)}${withTarget ? ` ≤${targetShareText(rep.risk.target)}` : ''})`;
}

/** The risk targets the recommendations were sized to, read from their evidence (the first of each measure). */
export function riskTargets(recs: Iterable<{ containers: readonly ContainerRecommendation[] }>): { cpu?: number; memory?: number; fleet?: boolean } {
  const out: { cpu?: number; memory?: number; fleet?: boolean } = {};
  for (const r of recs) {
    for (const c of r.containers) {
      // A fleet budget: the setting is the fleet's mean, each container's own target is its allotment.
      out.cpu ??= c.cpu?.evidence.risk?.fleet?.target ?? c.cpu?.evidence.risk?.target;
      out.memory ??= c.memory?.evidence.risk?.fleet?.target ?? c.memory?.evidence.risk?.target;
      if (c.cpu?.evidence.risk?.fleet || c.memory?.evidence.risk?.fleet) out.fleet = true;
    }
  }
  return out;
}

/**
 * The targets in one line, as far as the recommendations carry them: `risk targets: CPU request exceeded ≤5% of the time,
 * memory limit ≤1 OOM day in 100`; undefined when none does (baselines).
 */
export function riskTargetsLine(recs: Iterable<{ containers: readonly ContainerRecommendation[] }>): string | undefined {
  const t = riskTargets(recs);
  const parts = [t.cpu !== undefined ? riskTargetText('exceedance', t.cpu) : '', t.memory !== undefined ? riskTargetText('oom-days', t.memory) : ''].filter(Boolean);
  return parts.length ? `${t.fleet ? 'fleet risk budget (the mean over the workloads; each has its own target)' : 'risk targets'}: ${parts.join(', ')}` : undefined;
}
