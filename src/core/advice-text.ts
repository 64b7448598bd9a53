/**
 * How replica advice and verdicts read, in one place, so the CLI table, JSON, CSV, the HTML report, the tree, the
 * CodeLenses and the hovers all say the same thing. Plain strings; no view imports this the other way round.
 */
import { formatCpu, humanMemory } from './quantity';
import type { ContainerRecommendation, FloorRaise, ReplicaRecommendation } from './recommendation';

const pct = (x: number): string => `${Math.round(x * 100)}%`;

/**
 * The replica change in a few characters: `3 → 2`, `2` (unchanged), `HPA 2–6 → 2–12` (new HPA bounds) or `HPA 2–6`
 * (keep it). An HPA-managed workload is never shown as a fixed count: the HPA decides the count.
 */
export function replicaChange(rep: ReplicaRecommendation, arrow = ' → '): string {
  if (!rep.hpa) {
    const to = Math.round(rep.recommended.value);
    return to === rep.current ? `${to}` : `${rep.current}${arrow}${to}`;
  }
  const { minReplicas: min, maxReplicas: max, current } = rep.hpa;
  if (!current) return `HPA ${min}–${max}`;
  return current.minReplicas === min && current.maxReplicas === max
    ? `HPA ${min}–${max}`
    : `HPA ${current.minReplicas}–${current.maxReplicas}${arrow}${min}–${max}`;
}

/**
 * The replica advice as a sentence: `replicas 3 → 2`, `keep 2 replicas`, or against the HPA as it runs,
 * `HPA 2–6 → raise maxReplicas to 12 (the peak load needs 8 replicas)`.
 */
export function replicaAdvice(rep: ReplicaRecommendation): string {
  const to = Math.round(rep.recommended.value);
  if (!rep.hpa) return to === rep.current ? `keep ${to} replica${to === 1 ? '' : 's'}` : `replicas ${rep.current} → ${to}`;
  const { minReplicas: min, maxReplicas: max, targetCpuUtilization: target, current } = rep.hpa;
  if (!current) return `HPA ${min}–${max} at ${pct(target)} CPU`;
  const changes = hpaEdits(rep);
  const head = `HPA ${current.minReplicas}–${current.maxReplicas} → ${changes.length ? changes.join(', ') : 'keep its bounds'}`;
  // The count the load needs, where it lies outside what the HPA may scale to today.
  const outside = to > current.maxReplicas || to < current.minReplicas;
  return outside ? `${head} (the peak load needs ${to} replica${to === 1 ? '' : 's'})` : head;
}

/** The edits the advice makes to the HPA as it runs (empty: keep it): `raise maxReplicas to 12`, `target 70% CPU`. */
export function hpaEdits(rep: ReplicaRecommendation): string[] {
  const current = rep.hpa?.current;
  if (!rep.hpa || !current) return [];
  const changes: string[] = [];
  const bound = (name: string, from: number, want: number): void => {
    if (want !== from) changes.push(`${want > from ? 'raise' : 'lower'} ${name} to ${want}`);
  };
  bound('minReplicas', current.minReplicas, rep.hpa.minReplicas);
  bound('maxReplicas', current.maxReplicas, rep.hpa.maxReplicas);
  const target = rep.hpa.targetCpuUtilization;
  if (current.targetCpuUtilization !== undefined && Math.round(current.targetCpuUtilization * 100) !== Math.round(target * 100)) {
    changes.push(`target ${pct(target)} CPU`);
  }
  return changes;
}

function floorText(f: FloorRaise): string {
  const show = f.resource === 'cpu' ? formatCpu : humanMemory;
  const times = f.observedMax > 0 ? `${(f.floor / f.observedMax).toFixed(1)}× the observed peak ${show(f.observedMax)}` : 'no usage observed';
  return `${f.resource === 'cpu' ? 'CPU' : 'memory'} raised to the ${show(f.floor)} floor (${times})`;
}

/**
 * What a floor did, in words, or undefined: `memory raised to the 250Mi floor (5.8× the observed peak 43.3Mi)`.
 * A value a floor lifted far above usage is the policy's, not the workload's, and must never read as plain "ok".
 */
export function floorNote(c: ContainerRecommendation): string | undefined {
  return c.raisedToFloor?.length ? c.raisedToFloor.map(floorText).join('; ') : undefined;
}

/** The verdict with its floor note: `ok`, `ok (raised to floor)`; `long` spells the note out. */
export function verdictLabel(c: ContainerRecommendation, long = false, verdictText: (v: ContainerRecommendation['verdict']) => string = (v) => v): string {
  const note = floorNote(c);
  if (!note) return verdictText(c.verdict);
  return `${verdictText(c.verdict)} (${long ? note : 'raised to floor'})`;
}
