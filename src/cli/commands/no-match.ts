/**
 * Why `mora recommend -n/-w` found no workload, naming the filter that matched nothing (the text after `no workloads
 * matched …: `). `-w` is read as parseWorkloadSelector reads it: of two parts the first is a kind when it names one
 * (`Deployment`, `deploy`, `sts`, `ds`, any case, as kubectl spells them), else a namespace. So `-w Deployment/frontnd`
 * says `no Deployment "frontnd" in namespace shop (Deployments: …; did you mean frontend?)` and `-w deploy/redis-cart`
 * says `redis-cart is a StatefulSet, not a Deployment`; before, both said namespace "Deployment" did not exist.
 */
import type { DataSource } from '../../data/datasource';
import type { Workload } from '../../core/workload';
import { parseWorkloadSelector, type WorkloadSelector } from '../../pipeline/workload-selector';

/** At most this many names in a list (namespaces, workloads of a kind), then `… (N)`. */
const LIST_MAX = 12;

/**
 * The sentence for a run that matched nothing. The namespaces (and, with a kind in `-w`, the workloads) are asked again
 * only here (a failed run); if that fails, the plain sentence.
 */
export async function noMatchText(source: DataSource, opts: { namespace?: string; workload?: string }): Promise<string> {
  const plain = `no workloads matched${opts.namespace ? ` in namespace "${opts.namespace}"` : ''}${opts.workload ? ` named "${opts.workload}"` : ''}`;
  let selector: WorkloadSelector | undefined;
  try {
    selector = opts.workload === undefined ? undefined : parseWorkloadSelector(opts.workload);
  } catch {
    selector = undefined; // refused before the run; here only the plain sentence
  }
  const ns = opts.namespace ?? selector?.namespace;
  if (ns === undefined && selector?.kind === undefined) return opts.workload ? `${plain}: -w ${opts.workload} matched no workload` : `${plain}: no workload found`;
  try {
    const byContext = new Map<string, string[]>();
    const all = new Set<string>();
    for (const ctx of await source.contexts()) {
      const names = await source.namespaces(ctx);
      byContext.set(ctx, names);
      for (const n of names) all.add(n);
    }
    if (ns !== undefined && !all.has(ns)) {
      return `${plain}: ${opts.namespace !== undefined ? '-n' : '-w'} names namespace "${ns}", which does not exist (namespaces: ${list([...all].sort())})`;
    }
    if (selector?.kind !== undefined) {
      const workloads: Workload[] = [];
      for (const [ctx, names] of byContext) {
        for (const n of names) if (ns === undefined || n === ns) workloads.push(...await source.workloads(ctx, n));
      }
      const scope = ns ?? (all.size === 1 ? [...all][0] : undefined);
      return `${plain}: ${kindText(selector.name, selector.kind, workloads, scope === undefined ? 'in any namespace' : `in namespace ${scope}`)}`;
    }
    return opts.workload ? `${plain}: namespace "${ns}" exists; -w ${opts.workload} matched no workload in it` : `${plain}: namespace "${ns}" has no workload MOrA sizes`;
  } catch {
    return plain;
  }
}

/**
 * `-w Kind/name` matched nothing: the name is there as another kind (`redis-cart is a StatefulSet, not a Deployment`), or
 * there is no such name: the workloads of that kind, and the nearest name when one is close.
 */
function kindText(name: string, kind: string, workloads: readonly Workload[], where: string): string {
  const named = workloads.filter((w) => w.name === name);
  if (named.length) {
    const kinds = [...new Set(named.map((w) => w.kind))].sort();
    const first = named[0];
    return `${name} is ${kinds.map(article).join(' and ')}, not ${article(kind)} (${where}; -w ${first.namespace}/${first.kind}/${name} selects it)`;
  }
  const same = [...new Set(workloads.filter((w) => w.kind === kind).map((w) => w.name))].sort();
  if (same.length === 0) return `no ${kind} "${name}" ${where} (no ${kind} there)`;
  const guess = nearest(name, same);
  return `no ${kind} "${name}" ${where} (${kind}s: ${list(same)}${guess ? `; did you mean ${guess}?` : ''})`;
}

function article(kind: string): string {
  return `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}`;
}

function list(names: readonly string[]): string {
  return `${names.slice(0, LIST_MAX).join(', ')}${names.length > LIST_MAX ? `, … (${names.length})` : ''}`;
}

/**
 * The one name within a third of its length in edits (at least 1: `frontnd` → `frontend`), case ignored; undefined when
 * none is, or two are equally near.
 */
export function nearest(name: string, names: readonly string[]): string | undefined {
  const a = name.toLowerCase();
  const limit = Math.max(1, Math.floor(a.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  let tie = false;
  for (const n of names) {
    const d = editDistance(a, n.toLowerCase());
    if (d < bestDistance) { best = n; bestDistance = d; tie = false; } else if (d === bestDistance) tie = true;
  }
  return best !== undefined && bestDistance <= limit && !tie ? best : undefined;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
