/**
 * The command-line spelling of changes:
 *   --set [<namespace>/]<Kind>/<name>/<container>=cpu=<q>,memory=<q>,limits.cpu=<q>,limits.memory=<q>[,replicas=<n>]
 *   --replicas [<namespace>/]<Kind>/<name>=<n>
 * (`requests.cpu` is accepted for `cpu`, and so on.)
 */
import { checkReplicas, parseInputQuantity, QuantityError } from '../core/quantity';
import { ManifestEditError, mergeTwo, sameAmount, targetLabel } from './edit';
import type { ManifestChange, ResourceSettings } from './types';
import { normaliseKind } from './workloads';

export interface ChangeSpecs {
  set?: readonly string[];
  replicas?: readonly string[];
}

/**
 * The changes asked for, one per target as spelt (kind aliases such as `deploy` count as their kind): a target given in
 * several --set merges them (cpu in one, memory in another); a value given twice must be the same amount both times
 * (`5m` twice, or `5m` and `0.005`, collapse into one) — different amounts are a ManifestEditError naming both, since
 * either could be the one meant.
 */
export function parseChangeSpecs(specs: ChangeSpecs): ManifestChange[] {
  const changes = new Map<string, { change: ManifestChange; flag: string }>();
  const add = (change: ManifestChange, flag: string): void => {
    const key = JSON.stringify([change.type, change.target.namespace ?? null, targetLabel(change)]);
    const before = changes.get(key);
    changes.set(key, before ? { change: mergeTwo(before.change, change, `${before.flag} ${targetLabel(before.change)}`), flag: before.flag } : { change, flag });
  };
  for (const spec of specs.set ?? []) for (const change of parseSet(spec)) add(change, '--set');
  for (const spec of specs.replicas ?? []) add(parseReplicas(spec), '--replicas');
  return [...changes.values()].map((x) => x.change);
}

/** `/Deployment/web`: an empty namespace matches nothing; a manifest without one is in the default namespace. */
const EMPTY_NAMESPACE = 'the namespace before the first "/" is empty; a manifest without a namespace is in the default namespace: '
  + 'write default/ (or the --default-namespace given)';

const SET_USAGE = 'expected <Kind>/<name>/<container>=cpu=<q>,memory=<q>,limits.cpu=<q>,limits.memory=<q>,replicas=<n>';

/** One --set: its container's resources, and its workload's replicas when `replicas=<n>` is among the assignments. */
function parseSet(spec: string): ManifestChange[] {
  const eq = spec.indexOf('=');
  if (eq === -1) throw new ManifestEditError(`--set "${spec}": ${SET_USAGE}`);
  const parts = spec.slice(0, eq).split('/');
  if (parts.length !== 3 && parts.length !== 4) throw new ManifestEditError(`--set "${spec}": ${SET_USAGE}`);
  const [namespace, kind, name, container] = parts.length === 4 ? parts : [undefined, ...parts];
  if (namespace !== undefined && namespace.trim() === '') throw new ManifestEditError(`--set "${spec}": ${EMPTY_NAMESPACE}`);
  if (!kind || !name || !container) throw new ManifestEditError(`--set "${spec}": ${SET_USAGE}`);
  const set: ResourceSettings = {};
  const out: ManifestChange[] = [];
  for (const assignment of spec.slice(eq + 1).split(',')) {
    const r = /^\s*replicas\s*=\s*(.*?)\s*$/.exec(assignment);
    if (r) {
      // The same as --replicas <Kind>/<name>=<n> (the workload's, whichever container names it).
      const workload = `${namespace === undefined ? '' : `${namespace}/`}${kind}/${name}`;
      if (out.length > 0) throw new ManifestEditError(`--set "${spec}": replicas given twice: give one value`);
      if (!/^\d+$/.test(r[1])) throw new ManifestEditError(`--set "${spec}": replicas "${r[1]}" is not a whole number`);
      try {
        out.push(parseReplicas(`${workload}=${r[1]}`));
      } catch (e) {
        if (e instanceof ManifestEditError) throw new ManifestEditError(`--set "${spec}": ${e.message.replace(/^--replicas "[^"]*": /, '')}`);
        throw e;
      }
      continue;
    }
    const m = /^\s*(?:(requests|limits)\.)?(cpu|memory)\s*=\s*(.+?)\s*$/.exec(assignment);
    if (!m) throw new ManifestEditError(`--set "${spec}": cannot read "${assignment}"; ${SET_USAGE}`);
    const group = (m[1] ?? 'requests') as 'requests' | 'limits';
    const value = m[3].replace(/^(["'])(.*)\1$/, '$2');
    const resource = m[2] as 'cpu' | 'memory';
    try {
      parseInputQuantity(resource, value, `${group}.${resource}`); // a quantity, 0 or more, within Kubernetes' range, in the resource's units
    } catch (e) {
      if (!(e instanceof QuantityError)) throw e;
      const why = /is not a Kubernetes quantity/.test(e.message)
        ? `${group}.${resource} "${value}" is not a Kubernetes quantity (e.g. 250m, 0.5, 512Mi, 1Gi)` : e.message;
      throw new ManifestEditError(`--set "${spec}": ${why}`);
    }
    const given = set[group]?.[resource];
    if (given !== undefined && !sameAmount(given, value)) {
      const label = [namespace, normaliseKind(kind), name, container].filter((x) => x !== undefined).join('/');
      throw new ManifestEditError(`--set ${label}: ${group === 'requests' ? resource : `limits.${resource}`} given twice (${given}, ${value}): give one value`);
    }
    (set[group] ??= {})[resource] = value;
  }
  if (set.requests || set.limits || out.length === 0) out.unshift({ type: 'resources', target: { kind: normaliseKind(kind), name, container, namespace }, set });
  return out;
}

function parseReplicas(spec: string): ManifestChange {
  if (/^\s*\/[^/=]+\/[^/=]+=/.test(spec)) throw new ManifestEditError(`--replicas "${spec}": ${EMPTY_NAMESPACE}`);
  const m = /^(?:([^/=]+)\/)?([^/=]+)\/([^/=]+)=(\d+)$/.exec(spec.trim());
  if (!m) throw new ManifestEditError(`--replicas "${spec}": expected <Kind>/<name>=<whole number>`);
  let replicas: number;
  try {
    replicas = checkReplicas(m[4]);
  } catch (e) {
    if (e instanceof QuantityError) throw new ManifestEditError(`--replicas "${spec}": ${e.message}`);
    throw e;
  }
  return { type: 'replicas', target: { kind: normaliseKind(m[2]), name: m[3], namespace: m[1] }, replicas };
}
