/**
 * Autoscalers among the manifests: a HorizontalPodAutoscaler (or a KEDA ScaledObject, which creates one) that scales a
 * workload owns its `spec.replicas`. Writing a count there fights the autoscaler: every GitOps sync resets the workload
 * to the written count, and the autoscaler scales it back. So a replica recommendation for such a workload is a note
 * about the autoscaler's bounds, never an edit — the editor's lenses, `recommend --apply-to --replicas` and the warning
 * of `manifests apply --replicas` all ask here.
 */
import { parseDocument } from 'yaml';
import type { ManifestScan } from './types';
import { inTargetNamespace } from './workloads';
import { hpaBoundsAdvice } from '../core/advice-text';
import type { ReplicaRecommendation } from '../core/recommendation';

export interface ManifestAutoscaler {
  kind: 'HorizontalPodAutoscaler' | 'ScaledObject';
  name: string;
  namespace: string | null;
  /** The workload it scales (spec.scaleTargetRef). */
  target: { kind: string; name: string };
  /** spec.minReplicas (default 1), or a ScaledObject's minReplicaCount (default 0). */
  minReplicas: number;
  /** spec.maxReplicas, or a ScaledObject's maxReplicaCount (default 100); null when absent (an invalid HPA). */
  maxReplicas: number | null;
  /** An HPA's CPU utilisation target (0..1: v1 targetCPUUtilizationPercentage, v2 a cpu Resource metric's averageUtilization). */
  targetCpuUtilization?: number;
  /** 0-based line of its document (or of its `kind: List` document). */
  line: number;
  /** The file it was found in, when the caller read several. */
  file?: string;
  /**
   * Found in a kustomize overlay that renders the manifest's folder (the editor's search, FolderAutoscalers.overlays):
   * the overlay's folder relative to the manifest's (`../overlays/prod`), and the namespace its kustomization sets, which
   * the workload and the autoscaler then share whatever their own documents say.
   */
  overlay?: { dir: string; namespace?: string };
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const whole = (x: unknown): number | null => (typeof x === 'number' && Number.isInteger(x) && x >= 0 ? x : null);

/** The autoscalers of one manifest text (`scan`: its scanManifest, to find the documents). Never throws. */
export function findAutoscalers(text: string, scan: ManifestScan, file?: string): ManifestAutoscaler[] {
  const out: ManifestAutoscaler[] = [];
  for (const doc of scan.documents) {
    if (doc.status !== 'ok' || doc.kind === null) continue;
    if (doc.kind !== 'HorizontalPodAutoscaler' && doc.kind !== 'ScaledObject' && !/List$/.test(doc.kind)) continue;
    let data: unknown;
    try {
      const parsed = parseDocument(text.slice(doc.offset, doc.offset + doc.length), { merge: true, prettyErrors: false });
      if (parsed.errors.length > 0) continue;
      data = parsed.toJS({ maxAliasCount: 1000 });
    } catch {
      continue;
    }
    const objects = isObject(data) && doc.kind !== 'HorizontalPodAutoscaler' && doc.kind !== 'ScaledObject'
      ? (Array.isArray(data.items) ? data.items : []) : [data];
    for (const o of objects) {
      const a = autoscaler(o, doc.line);
      if (a) out.push(file === undefined ? a : { ...a, file });
    }
  }
  return out;
}

function autoscaler(o: unknown, line: number): ManifestAutoscaler | null {
  if (!isObject(o) || !isObject(o.metadata) || !isObject(o.spec) || !isObject(o.spec.scaleTargetRef)) return null;
  const { metadata, spec } = o;
  const ref = spec.scaleTargetRef as Record<string, unknown>;
  const name = typeof metadata.name === 'string' ? metadata.name : null;
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : null;
  if (name === null || typeof ref.name !== 'string') return null;
  if (o.kind === 'HorizontalPodAutoscaler' && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('autoscaling/')) {
    if (typeof ref.kind !== 'string') return null;
    const target = cpuTarget(spec);
    return { kind: 'HorizontalPodAutoscaler', name, namespace, target: { kind: ref.kind, name: ref.name },
      minReplicas: whole(spec.minReplicas) ?? 1, maxReplicas: whole(spec.maxReplicas), ...(target === undefined ? {} : { targetCpuUtilization: target }), line };
  }
  if (o.kind === 'ScaledObject' && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('keda.sh/')) {
    return { kind: 'ScaledObject', name, namespace, target: { kind: typeof ref.kind === 'string' ? ref.kind : 'Deployment', name: ref.name },
      minReplicas: whole(spec.minReplicaCount) ?? 0, maxReplicas: whole(spec.maxReplicaCount) ?? 100, line };
  }
  return null;
}

/** An HPA spec's CPU utilisation target as a share (0.7), if it has one. */
function cpuTarget(spec: Record<string, unknown>): number | undefined {
  const v1 = whole(spec.targetCPUUtilizationPercentage);
  if (v1 !== null) return v1 / 100;
  for (const m of Array.isArray(spec.metrics) ? spec.metrics : []) {
    if (!isObject(m) || m.type !== 'Resource' || !isObject(m.resource) || m.resource.name !== 'cpu' || !isObject(m.resource.target)) continue;
    const u = whole(m.resource.target.averageUtilization);
    if (m.resource.target.type === 'Utilization' && u !== null) return u / 100;
  }
  return undefined;
}

/**
 * The autoscaler that scales a workload, if one of `autoscalers` does: same kind and name, in the same namespace (a
 * document without one is in `defaultNamespace`, so two without one match each other; an overlay's kustomization that
 * sets a namespace puts both in it).
 */
export function autoscalerFor(workload: { kind: string; name: string; namespace: string | null }, autoscalers: readonly ManifestAutoscaler[],
  defaultNamespace = 'default'): ManifestAutoscaler | undefined {
  return autoscalers.find((a) => a.target.kind === workload.kind && a.target.name === workload.name
    && (a.overlay?.namespace !== undefined || inTargetNamespace(a.namespace, workload.namespace ?? defaultNamespace, defaultNamespace)));
}

/** `HPA currencyservice (2..8)`, `KEDA ScaledObject web (0..100)`. */
export function autoscalerLabel(a: ManifestAutoscaler): string {
  return `${a.kind === 'ScaledObject' ? 'KEDA ScaledObject' : 'HPA'} ${a.name} (${a.minReplicas}..${a.maxReplicas ?? '?'})`;
}

/**
 * The note that replaces a replica edit: `replicas left to the HPA web (2..8): keep its bounds (the 3 replicas the load
 * needs are within them)`, or what to change in the autoscaler (`raise maxReplicas to 12 (1.5 × the p99 load needs
 * 12 pods of 80m)`, `lower maxReplicas to 5 (…)`). Never an edit of it. The advice after the colon is the lens's and hover's
 * (hpaBoundsAdvice in src/core/advice-text.ts), held against this autoscaler's bounds.
 */
export function autoscalerNote(a: ManifestAutoscaler, rep?: ReplicaRecommendation): string {
  const head = `replicas left to the ${autoscalerLabel(a)}`;
  if (rep === undefined) return head;
  const fields = a.kind === 'ScaledObject' ? { min: 'minReplicaCount', max: 'maxReplicaCount' } : undefined;
  return `${head}: ${hpaBoundsAdvice(rep, { minReplicas: a.minReplicas, maxReplicas: a.maxReplicas, targetCpuUtilization: a.targetCpuUtilization, fields })}`;
}
