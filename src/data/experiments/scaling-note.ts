/**
 * Which workload a plan's scaling note is about. A note with `restored: false` is a debt owed to the workload it
 * names — not to whatever workload the plan names for that service today — so a rerun restores from the note
 * itself; a note with `restored: true` is history and says nothing about the workload's count now. So is a note with
 * `restoreSkipped`: the count had been changed by someone else, and MOrA leaves it (it never overwrites that change).
 */
import { WORKLOAD_KINDS, type PlanWorkload } from './plan-file';
import type { ScalingNote } from './runner';

/** `Kind/name` as the note's `workload` field spells it. */
export function workloadLabel(w: Pick<PlanWorkload, 'kind' | 'name'>): string {
  return `${w.kind}/${w.name}`;
}

/**
 * The workload a note names — in the note's kube context, where it was scaled — or undefined when its `workload` field
 * is not `Deployment/<name>` or `StatefulSet/<name>`.
 */
export function noteWorkload(note: ScalingNote): PlanWorkload | undefined {
  const m = /^([A-Za-z]+)\/([^/\s]+)$/.exec(note.workload);
  const kind = m && WORKLOAD_KINDS.find((k) => k === m[1]);
  if (!m || !kind || !note.namespace) return undefined;
  return { namespace: note.namespace, kind, name: m[2], ...(note.context ? { context: note.context } : {}) };
}

/** One key per workload (namespace, kind, name) within a kube context. */
export function workloadKey(w: Pick<PlanWorkload, 'namespace' | 'kind' | 'name'>, context?: string): string {
  return JSON.stringify([context ?? '', w.namespace, w.kind, w.name]);
}

/** The key of the workload a note names (undefined when the note does not say which). */
export function noteKey(note: ScalingNote): string | undefined {
  const w = noteWorkload(note);
  return w && workloadKey(w, note.context);
}

/** Restored, or left on purpose because someone changed the count: nothing is owed to the workload any more. */
export function settled(note: ScalingNote): boolean {
  return note.restored || note.restoreSkipped !== undefined;
}
