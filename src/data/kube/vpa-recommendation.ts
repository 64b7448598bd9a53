/**
 * MOrA's in-cluster recommendations as MOrA's own `Recommendation`: the mapping from a VerticalPodAutoscaler whose
 * status MOrA's run wrote (vpa-status.ts, vpa-writer.ts). Pure functions, no API calls (vpa-reader.ts lists the VPAs),
 * so the editor's views can use them without loading the Kubernetes client.
 *
 * A VPA counts when it names `mora` in spec.recommenders, carries MOrA's RecommendationProvided condition (True,
 * reason MOrARecommendation) and MOrA's freshness stamp (CONFIRMED_CONDITION) is not older than the caller's limit.
 * Anything else (another recommender's VPA, a stale or malformed status) is skipped with a reason.
 */
import { ageText, originText } from '../../core/origin-text';
import { parseQuantity } from '../../core/quantity';
import { VERDICT_TOLERANCE, type Bounded, type ContainerRecommendation, type Recommendation, type RecommendationOrigin, type ResourceRecommendation, type Verdict } from '../../core/recommendation';
import type { Workload, WorkloadKind } from '../../core/workload';
import { CONFIRMED_CONDITION, MORA_REASON, isMoraVpa, parseIntervalMessage, parseLimitMessage, parseRiskMessage, policyFor, type VpaObject, type VpaResources } from './vpa-status';

/** Default of `mora.inCluster.maxAgeHours`: a daily run plus half a day of slack. */
export const DEFAULT_MAX_AGE_HOURS = 36;


export interface InClusterSkip {
  vpa: string;
  reason: string;
}

export interface InClusterRead {
  recommendations: Recommendation[];
  /** MOrA VPAs not used, with why (stale, malformed, no recommendation yet). */
  skipped: InClusterSkip[];
  /** VPAs of other recommenders (left to them). */
  others: number;
  /** Set when the VPAs could not be read at all: one line, and the caller computes locally. */
  fallback?: string;
  /** List calls sent (pages). */
  pages: number;
}

const KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod', 'Rollout'];

/**
 * What every in-cluster recommendation says it observed (nothing: the VPA status carries no usage), and the current
 * resources of a container the caller gave no workload for. Shared and frozen, not made per container: a listing of
 * 10,000 VPAs otherwise keeps ~100,000 such objects alive in the editor (bench:tree --in-cluster).
 */
const NOT_OBSERVED = Object.freeze({ p50: NaN, p95: NaN, p99: NaN, max: NaN, samples: 0, days: 0 });
const NO_CURRENT = Object.freeze({ requests: Object.freeze({}), limits: Object.freeze({}) });

/** Seconds of an RFC 3339 time, or undefined when absent or unreadable. */
function seconds(time: string | undefined): number | undefined {
  if (typeof time !== 'string') return undefined;
  const ms = Date.parse(time);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

/** A VPA quantity in base units, or undefined when absent; throws on a malformed one (the caller skips the VPA). */
function amount(r: VpaResources | undefined, resource: 'cpu' | 'memory'): number | undefined {
  const raw = r?.[resource];
  if (raw === undefined || raw === null) return undefined;
  const v = parseQuantity(raw);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${resource} "${String(raw)}" is not a quantity`);
  return v;
}

/** The confidence MOrA's condition message states (`confidence 0.87`), else undefined. */
function statedConfidence(message: string | undefined): number | undefined {
  const m = /confidence (\d+(?:\.\d+)?)/.exec(message ?? '');
  const x = m ? Number(m[1]) : NaN;
  return Number.isFinite(x) && x >= 0 && x <= 1 ? x : undefined;
}

/** The method(s) MOrA's condition message names (`(moving-window; confidence …)`), else 'in-cluster'. */
function statedMethod(message: string | undefined): string {
  const m = /\(([^;()]+);\s*confidence/.exec(message ?? '');
  return m ? m[1].trim() : 'in-cluster';
}

/**
 * The verdict from the VPA's numbers against the workload's current requests: below the lower bound (or CPU below
 * 0.8 × target, as the engine says) is under-provisioned, above 1.5 × target over-provisioned. The run's OOM and
 * throttling signals are not in the VPA status, so 'at-risk' is never inferred here.
 */
function verdictOf(requests: { cpu?: number; memory?: number } | undefined, cpu?: Bounded, memory?: Bounded): Verdict {
  if (!cpu && !memory) return 'no-data';
  // As the engine says: a status with one resource only vouches for that one (unsized says why the other is absent).
  const sized: Verdict = cpu && memory ? 'ok' : 'partial';
  if (!requests) return sized;
  if ((cpu && requests.cpu !== undefined && (requests.cpu < cpu.lower || requests.cpu < cpu.value * VERDICT_TOLERANCE.under))
    || (memory && requests.memory !== undefined && requests.memory < memory.lower)) return 'under-provisioned';
  const over = (cur: number | undefined, b: Bounded | undefined) => cur !== undefined && b !== undefined && cur > b.value * VERDICT_TOLERANCE.over;
  if (over(requests.cpu, cpu) || over(requests.memory, memory)) return 'over-provisioned';
  return sized;
}

const RESOURCE_TEXT = { cpu: 'CPU', memory: 'memory' } as const;

/**
 * Why a resource of a listed container is absent from the VPA status. MOrA's writer (vpa-status.ts) leaves it out
 * when the container policy's controlledResources excludes it, or when MOrA's run had no value for it.
 */
function resourceMissingWhy(vpa: VpaObject, id: string, container: string, resource: 'cpu' | 'memory'): string {
  const controlled = policyFor(vpa, container)?.controlledResources;
  if (Array.isArray(controlled) && !controlled.includes(resource)) {
    return `not in VPA ${id}'s status: its container policy limits controlledResources to [${controlled.join(', ')}], so MOrA writes no ${RESOURCE_TEXT[resource]} value (add ${resource} there to get one)`;
  }
  return `not in VPA ${id}'s status: MOrA's last run had no ${RESOURCE_TEXT[resource]} value for this container (too few usage samples yet, or no ${RESOURCE_TEXT[resource]} series for it); \`mora recommend\` says which`;
}

/** The container policy modes when one is Off (RecommendationOrigin.containerModes), else undefined. */
function containerModes(vpa: VpaObject): Record<string, string> | undefined {
  const listed = vpa.spec?.resourcePolicy?.containerPolicies;
  const policies = Array.isArray(listed) ? listed.filter((p) => typeof p?.containerName === 'string' && typeof p.mode === 'string') : [];
  return policies.some((p) => p.mode === 'Off') ? Object.fromEntries(policies.map((p) => [p.containerName!, p.mode!])) : undefined;
}

/**
 * A container the workload runs that the VPA status does not list: named, without values, saying why (never dropped
 * silently — a sidecar missing from the status would otherwise look like a workload fully sized).
 */
function missingContainer(origin: RecommendationOrigin | undefined, name: string, current: ContainerRecommendation['current']): ContainerRecommendation {
  const mode = origin?.containerModes?.[name] ?? origin?.containerModes?.['*'];
  const vpa = origin?.vpa ?? '(unnamed)';
  const why = mode === 'Off'
    ? `not in VPA ${vpa}'s status: its container policy has mode Off, so MOrA writes no recommendation for this container`
    : `not in VPA ${vpa}'s status.recommendation.containerRecommendations: MOrA's last run had no CPU or memory value for this container (too few usage samples yet — added since that run, or not seen by Prometheus); \`mora recommend\` says which`;
  return { container: name, current, verdict: 'no-data', confidence: 0, unsized: [{ resource: 'cpu', reason: why }, { resource: 'memory', reason: why }] };
}

const currentOf = (spec: Workload['containers'][number]): ContainerRecommendation['current'] => ({ requests: { ...spec.resources.requests }, limits: { ...spec.resources.limits } });

/** Whether any container has a CPU or memory value: a recommendation without one is no recommendation. */
export const hasValue = (containers: readonly ContainerRecommendation[]) => containers.some((c) => c.cpu || c.memory);

export interface MapOptions {
  /** The kubeconfig context the VPA was read in. */
  context: string;
  /** Unix seconds. */
  now: number;
  /** Older than this is stale (skipped). */
  maxAgeHours: number;
  /** The target workload as the cluster has it now: its requests give the verdict and `current`. */
  workload?: Workload;
}

/**
 * One VPA as MOrA's Recommendation (target → the recommended request, lowerBound / upperBound → its bounds, per
 * container), or why it is not used. Pure: the unit tests feed it objects.
 */
export function recommendationFromVpa(vpa: VpaObject, o: MapOptions): { recommendation: Recommendation } | { skip: InClusterSkip } {
  const id = `${vpa?.metadata?.namespace ?? '?'}/${vpa?.metadata?.name ?? '?'}`;
  const skip = (reason: string) => ({ skip: { vpa: id, reason } });
  if (!vpa?.metadata?.namespace || !vpa.metadata.name) return skip('no name or namespace');
  if (!isMoraVpa(vpa)) return skip('not MOrA\'s (spec.recommenders does not name mora)');
  const t = vpa.spec?.targetRef;
  if (!t?.kind || !t.name) return skip('no spec.targetRef');
  if (!KINDS.includes(t.kind as WorkloadKind)) return skip(`target kind ${t.kind} is not one MOrA recommends`);
  const conditions = Array.isArray(vpa.status?.conditions) ? vpa.status!.conditions : [];
  const provided = conditions.find((c) => c?.type === 'RecommendationProvided');
  if (!provided || provided.status !== 'True' || provided.reason !== MORA_REASON) return skip('no recommendation written by MOrA (RecommendationProvided is not True with reason MOrARecommendation)');
  // The stamp of MOrA's last run; a status written before the stamp existed ages from its last transition (older: safe side).
  const confirmed = conditions.find((c) => c?.type === CONFIRMED_CONDITION && c.status === 'True');
  const writtenAt = seconds(confirmed?.lastTransitionTime) ?? seconds(provided.lastTransitionTime);
  if (writtenAt === undefined) return skip('no time on MOrA\'s condition');
  const ageH = (o.now - writtenAt) / 3600;
  if (ageH > o.maxAgeHours) return skip(`stale: written ${ageText(writtenAt, o.now)}, older than ${o.maxAgeHours} h (mora.inCluster.maxAgeHours)`);
  const list = vpa.status?.recommendation?.containerRecommendations;
  if (!Array.isArray(list) || list.length === 0) return skip('no containerRecommendations');
  // As stated, or NaN: none is made up (the views then say so); the risks stated say more than it (parseRiskMessage).
  const confidence = statedConfidence(provided.message) ?? NaN;
  const risks = parseRiskMessage(provided.message);
  // MOrA's own interval, where the message states it: the bounds are then the wider band published for the VPA updater.
  const intervals = parseIntervalMessage(provided.message);
  // MOrA's limits, where the message states them: the memory risk (OOM days, a leak's time) is about the limit.
  const limits = parseLimitMessage(provided.message);
  const method = statedMethod(provided.message);
  const modes = containerModes(vpa);
  const origin: RecommendationOrigin = { kind: 'in-cluster', vpa: id, writtenAt, ...(modes ? { containerModes: modes } : {}) };
  const reason = `${originText(origin, o.now)}: ${vpa.kind ?? 'VerticalPodAutoscaler'} ${id}, ${method}`;
  const containers: ContainerRecommendation[] = [];
  for (const c of list) {
    if (!c || typeof c.containerName !== 'string' || !c.containerName) return skip('a container recommendation without containerName');
    const spec = o.workload?.containers.find((x) => x.name === c.containerName);
    const current = spec ? currentOf(spec) : NO_CURRENT;
    const resource = (r: 'cpu' | 'memory'): ResourceRecommendation | undefined => {
      const value = amount(c.target, r);
      if (value === undefined) return undefined;
      const stated = intervals.get(c.containerName)?.[r];
      const lower = Math.min(value, stated?.[0] ?? amount(c.lowerBound, r) ?? value);
      const upper = Math.max(value, stated?.[1] ?? amount(c.upperBound, r) ?? value);
      const risk = risks.get(c.containerName)?.[r];
      // A limit below the target (a minAllowed raised the target above MOrA's limit) is no limit Kubernetes takes: not read.
      const limit = limits.get(c.containerName)?.[r];
      return {
        request: { value, lower, upper },
        ...(limit !== undefined && limit >= value ? { limit: { value: limit, lower: limit, upper: limit } } : {}),
        confidence,
        evidence: {
          observed: NOT_OBSERVED,
          margin: 0, method: 'in-cluster', reason, completeness: 1,
          notes: [`uncappedTarget ${c.uncappedTarget?.[r] ?? '—'} (MOrA's value before the VPA's container policy)`],
          ...(risk ? { risk } : {}),
        },
      };
    };
    let cpu: ResourceRecommendation | undefined;
    let memory: ResourceRecommendation | undefined;
    try {
      cpu = resource('cpu');
      memory = resource('memory');
    } catch (e) {
      return skip(`malformed container ${c.containerName}: ${(e as Error).message}`);
    }
    const unsized = (['cpu', 'memory'] as const).filter((r) => !(r === 'cpu' ? cpu : memory)).map((r) => ({ resource: r, reason: resourceMissingWhy(vpa, id, c.containerName, r) }));
    containers.push({
      container: c.containerName, current, ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}),
      verdict: verdictOf(spec?.resources.requests, cpu?.request, memory?.request), confidence: cpu || memory ? confidence : 0,
      ...(unsized.length ? { unsized } : {}),
    });
  }
  if (!hasValue(containers)) return skip('no container with a cpu or memory target');
  for (const spec of o.workload?.containers ?? []) {
    if (!containers.some((c) => c.container === spec.name)) containers.push(missingContainer(origin, spec.name, currentOf(spec)));
  }
  const recommendation: Recommendation = {
    workload: { context: o.context, namespace: vpa.metadata.namespace, kind: t.kind as WorkloadKind, name: t.name },
    containers, qos: 'Burstable', confidence, generatedAt: writtenAt, origin,
  };
  return { recommendation };
}

type ListingOptions = Omit<MapOptions, 'workload'> & { workloads?: (namespace: string, kind: string, name: string) => Workload | undefined };

/**
 * Maps a listing page by page (the reader adds each page as it arrives, so 10,000 VPAs never map in one event-loop
 * turn): MOrA's usable recommendations (the newest per target when two VPAs name one), skips and others.
 */
export class InClusterCollector {
  private readonly byTarget = new Map<string, Recommendation>();
  private readonly skipped: InClusterSkip[] = [];
  private others = 0;

  constructor(private readonly o: ListingOptions) {}

  add(vpas: readonly VpaObject[]): void {
    for (const v of vpas) {
      if (!isMoraVpa(v ?? { spec: {} })) {
        this.others++;
        continue;
      }
      const t = v.spec?.targetRef;
      const r = recommendationFromVpa(v, { ...this.o, workload: t ? this.o.workloads?.(v.metadata?.namespace, t.kind, t.name) : undefined });
      if ('skip' in r) {
        this.skipped.push(r.skip);
        continue;
      }
      const w = r.recommendation.workload;
      const key = `${w.namespace}/${w.kind}/${w.name}`;
      const before = this.byTarget.get(key);
      if (!before || before.generatedAt < r.recommendation.generatedAt) this.byTarget.set(key, r.recommendation);
    }
  }

  /**
   * add() in slices of `slice`, each in its own event-loop turn (the first too: the page was just parsed in this one),
   * so a page of 250 maps in a few turns of a few milliseconds.
   */
  async addYielding(vpas: readonly VpaObject[], slice = 50): Promise<void> {
    for (let i = 0; i < vpas.length; i += slice) {
      await new Promise((resolve) => setImmediate(resolve));
      this.add(vpas.slice(i, i + slice));
    }
  }

  result(): Omit<InClusterRead, 'pages' | 'fallback'> {
    return { recommendations: [...this.byTarget.values()], skipped: [...this.skipped], others: this.others };
  }
}

/** Maps a whole listing at once (tests, small clusters); see InClusterCollector. */
export function recommendationsFromVpas(vpas: readonly VpaObject[], o: ListingOptions): Omit<InClusterRead, 'pages' | 'fallback'> {
  const c = new InClusterCollector(o);
  c.add(vpas);
  return c.result();
}

/**
 * The recommendation against the workload as the cluster has it now: each container's current requests/limits and the
 * verdict from them (the VPA holds neither). Containers the workload no longer has are dropped; those it runs that the
 * status does not list are named, without values, saying why (views in workload order).
 */
export function withCurrent(rec: Recommendation, workload: Workload): Recommendation {
  const containers = workload.containers.map((spec): ContainerRecommendation => {
    const c = rec.containers.find((x) => x.container === spec.name);
    if (!c) return missingContainer(rec.origin, spec.name, currentOf(spec));
    return { ...c, current: currentOf(spec), verdict: verdictOf(spec.resources.requests, c.cpu?.request, c.memory?.request) };
  });
  return { ...rec, workload: { context: workload.context, namespace: workload.namespace, kind: workload.kind, name: workload.name }, containers };
}
