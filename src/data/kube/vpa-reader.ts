/**
 * Reads MOrA's in-cluster recommendations back: lists the VerticalPodAutoscalers of every namespace (paged) and maps
 * those whose status MOrA's run wrote to MOrA's own `Recommendation` (vpa-recommendation.ts), so the editor shows them
 * instead of computing them — instant at any scale.
 *
 * When the VPAs cannot be read at all — RBAC denies listing them (403), the CRD is not installed (404) — the read
 * resolves with `fallback`: one line saying why, and the caller computes locally. It never throws for those.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Workload } from '../../core/workload';
import { connectKube, type ConnectionOptions, type KubeConnection } from './connection';
import { KubeError } from './errors';
import { DEFAULT_MAX_AGE_HOURS, InClusterCollector, type InClusterRead } from './vpa-recommendation';
import { VPA_GROUP, VPA_PLURAL, VPA_VERSION, type VpaObject } from './vpa-status';

export { DEFAULT_MAX_AGE_HOURS, InClusterCollector, recommendationFromVpa, recommendationsFromVpas, type InClusterRead, type InClusterSkip } from './vpa-recommendation';

export interface VpaReaderOptions extends ConnectionOptions {
  /** Objects per list page (`limit`). Default 250: a page parses in a few ms, so the editor's event loop keeps turning. */
  pageSize?: number;
}

/** Lists VPAs in every namespace, page by page (`limit` / `continue`), as the editor's service account or user. */
export class VpaReader {
  readonly context: string;
  private readonly api: k8s.CustomObjectsApi;
  private readonly call: KubeConnection['call'];
  private readonly pageSize: number;

  constructor(options: VpaReaderOptions = {}) {
    const conn = connectKube(options);
    this.context = conn.context;
    this.api = conn.kc.makeApiClient(conn.k.CustomObjectsApi);
    this.call = conn.call;
    this.pageSize = Math.max(1, options.pageSize ?? 250);
  }

  /** Every VPA of the cluster, and how many list calls that took; `onPage` sees each page as it arrives. */
  async listAll(onPage?: (items: VpaObject[]) => void | Promise<void>): Promise<{ items: VpaObject[]; pages: number }> {
    const items: VpaObject[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const page = await this.call(
        this.api.listClusterCustomObject({ group: VPA_GROUP, version: VPA_VERSION, plural: VPA_PLURAL, limit: this.pageSize, _continue: next }),
        { verb: 'list', resource: VPA_PLURAL, group: VPA_GROUP },
      ) as { items?: VpaObject[]; metadata?: { _continue?: string; continue?: string } };
      pages++;
      const got = page.items ?? [];
      if (onPage) await onPage(got);
      else items.push(...got);
      next = page.metadata?._continue || page.metadata?.continue || undefined;
    } while (next);
    return { items, pages };
  }

  /**
   * MOrA's recommendations in this context, not older than `maxAgeHours`. RBAC denial or a missing CRD (and an
   * unreachable API) resolve with `fallback`, one line, and no recommendations.
   */
  async read(o: { now?: number; maxAgeHours?: number; workloads?: (namespace: string, kind: string, name: string) => Workload | undefined } = {}): Promise<InClusterRead> {
    // Each page is mapped as it arrives: the editor's event loop never maps the whole cluster in one turn.
    const collector = new InClusterCollector({
      context: this.context, now: o.now ?? Date.now() / 1000, maxAgeHours: o.maxAgeHours ?? DEFAULT_MAX_AGE_HOURS, workloads: o.workloads,
    });
    let pages: number;
    try {
      ({ pages } = await this.listAll((items) => collector.addYielding(items)));
    } catch (e) {
      return { recommendations: [], skipped: [], others: 0, pages: 0, fallback: fallbackReason(e, this.context) };
    }
    return { ...collector.result(), pages };
  }
}

/** One line: why the in-cluster recommendations cannot be used, so local computation runs instead. */
export function fallbackReason(e: unknown, context: string): string {
  const k = e instanceof KubeError ? e : undefined;
  const where = `context "${context}"`;
  if (k?.kind === 'forbidden' || k?.status === 403) return `in-cluster recommendations not readable in ${where} (RBAC: no "list" on verticalpodautoscalers.autoscaling.k8s.io); computing locally`;
  if (k?.kind === 'not-found' || k?.status === 404) return `no VerticalPodAutoscaler API in ${where} (the VPA CRD is not installed); computing locally`;
  const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  return `in-cluster recommendations unavailable in ${where} (${first}); computing locally`;
}
