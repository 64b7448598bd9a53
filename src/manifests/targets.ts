/**
 * The command-line spelling of changes:
 *   --set [<namespace>/]<Kind>/<name>/<container>=cpu=<q>,memory=<q>,limits.cpu=<q>,limits.memory=<q>
 *   --replicas [<namespace>/]<Kind>/<name>=<n>
 * (`requests.cpu` is accepted for `cpu`, and so on.)
 */
import { isQuantity } from '../core/quantity';
import { ManifestEditError } from './edit';
import type { ManifestChange, ResourceSettings } from './types';
import { normaliseKind } from './workloads';

export interface ChangeSpecs {
  set?: readonly string[];
  replicas?: readonly string[];
}

export function parseChangeSpecs(specs: ChangeSpecs): ManifestChange[] {
  const changes: ManifestChange[] = [];
  for (const spec of specs.set ?? []) changes.push(parseSet(spec));
  for (const spec of specs.replicas ?? []) changes.push(parseReplicas(spec));
  return changes;
}

const SET_USAGE = 'expected <Kind>/<name>/<container>=cpu=<q>,memory=<q>,limits.cpu=<q>,limits.memory=<q>';

function parseSet(spec: string): ManifestChange {
  const eq = spec.indexOf('=');
  if (eq === -1) throw new ManifestEditError(`--set "${spec}": ${SET_USAGE}`);
  const parts = spec.slice(0, eq).split('/');
  if (parts.length !== 3 && parts.length !== 4) throw new ManifestEditError(`--set "${spec}": ${SET_USAGE}`);
  const [namespace, kind, name, container] = parts.length === 4 ? parts : [undefined, ...parts];
  if (!kind || !name || !container) throw new ManifestEditError(`--set "${spec}": ${SET_USAGE}`);
  const set: ResourceSettings = {};
  for (const assignment of spec.slice(eq + 1).split(',')) {
    const m = /^\s*(?:(requests|limits)\.)?(cpu|memory)\s*=\s*(.+?)\s*$/.exec(assignment);
    if (!m) throw new ManifestEditError(`--set "${spec}": cannot read "${assignment}"; ${SET_USAGE}`);
    const group = (m[1] ?? 'requests') as 'requests' | 'limits';
    const value = m[3].replace(/^(["'])(.*)\1$/, '$2');
    if (!isQuantity(value)) {
      throw new ManifestEditError(`--set "${spec}": ${group}.${m[2]} "${value}" is not a Kubernetes quantity (e.g. 250m, 0.5, 512Mi, 1Gi)`);
    }
    (set[group] ??= {})[m[2] as 'cpu' | 'memory'] = value;
  }
  return { type: 'resources', target: { kind: normaliseKind(kind), name, container, namespace }, set };
}

function parseReplicas(spec: string): ManifestChange {
  const m = /^(?:([^/=]+)\/)?([^/=]+)\/([^/=]+)=(\d+)$/.exec(spec.trim());
  if (!m) throw new ManifestEditError(`--replicas "${spec}": expected <Kind>/<name>=<whole number>`);
  return { type: 'replicas', target: { kind: normaliseKind(m[2]), name: m[3], namespace: m[1] }, replicas: Number(m[4]) };
}
