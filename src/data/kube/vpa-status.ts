/**
 * MOrA's recommendation as the status of an `autoscaling.k8s.io/v1` VerticalPodAutoscaler, the shape the VPA recommender
 * writes (k8s.io/autoscaler/vertical-pod-autoscaler, deploy/vpa-v1-crd-gen.yaml): per container `target`, `lowerBound`,
 * `upperBound` and `uncappedTarget` as Kubernetes quantities, and the `RecommendationProvided` condition. So
 * `kubectl describe vpa`, Goldilocks and the VPA updater / admission controller read MOrA's numbers.
 *
 * Only for VPA objects that name MOrA as their recommender (`spec.recommenders: [{name: mora}]`): the default
 * recommender leaves those alone, and MOrA never touches any other. Pure functions: no API calls here (vpa-writer.ts).
 */
import { formatCpu, formatMemory, parseQuantity } from '../../core/quantity';
import { VERDICT_TOLERANCE, type ContainerRecommendation, type Recommendation, type RiskStatement } from '../../core/recommendation';

/** The name a VPA gives in spec.recommenders to be served by MOrA. */
export const MORA_RECOMMENDER = 'mora';
export const VPA_GROUP = 'autoscaling.k8s.io';
export const VPA_VERSION = 'v1';
export const VPA_PLURAL = 'verticalpodautoscalers';
/** The reason of MOrA's RecommendationProvided condition (True). */
export const MORA_REASON = 'MOrARecommendation';
/**
 * MOrA's freshness stamp: a condition whose lastTransitionTime is the time of the run that last wrote or confirmed the
 * recommendation. The VPA status has no "last updated" field (and RecommendationProvided's time marks transitions
 * only); the editor reads this to ignore recommendations older than mora.inCluster.maxAgeHours.
 */
export const CONFIRMED_CONDITION = 'MOrARecommendationConfirmed';
/** A stamp younger than this is kept: a rerun within the hour (a retried shard) writes nothing; a daily run renews it. */
export const CONFIRM_REFRESH_MS = 3600_000;

export type VpaResources = Partial<Record<'cpu' | 'memory', string>>;

export interface VpaContainerPolicy {
  containerName?: string;
  mode?: 'Auto' | 'Off' | string;
  minAllowed?: Record<string, string | number>;
  maxAllowed?: Record<string, string | number>;
  controlledResources?: string[];
}

export interface VpaObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; generation?: number; resourceVersion?: string; uid?: string };
  spec: {
    targetRef?: { apiVersion?: string; kind: string; name: string };
    recommenders?: Array<{ name: string }>;
    resourcePolicy?: { containerPolicies?: VpaContainerPolicy[] };
    updatePolicy?: { updateMode?: string };
  };
  status?: VpaStatus;
}

export interface VpaContainerRecommendation {
  containerName: string;
  target: VpaResources;
  lowerBound: VpaResources;
  upperBound: VpaResources;
  uncappedTarget: VpaResources;
}

export interface VpaCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

export interface VpaStatus {
  recommendation?: { containerRecommendations: VpaContainerRecommendation[] };
  conditions?: VpaCondition[];
}

/**
 * True when MOrA is the VPA's one recommender (`spec.recommenders` is exactly `[{name: mora}]`). A VPA without
 * `spec.recommenders` belongs to the default one; a VPA listing MOrA beside others (`[{name: default}, {name: mora}]`)
 * would get two writers of one status (each recommender writes its own): MOrA leaves it alone (mentionsMora says so).
 */
export function isMoraVpa(vpa: Pick<VpaObject, 'spec'>): boolean {
  const list = vpa.spec?.recommenders;
  return Array.isArray(list) && list.length === 1 && list[0]?.name === MORA_RECOMMENDER;
}

/** True when the VPA lists MOrA among several recommenders: not MOrA's (isMoraVpa), worth a warning. */
export function mentionsMora(vpa: Pick<VpaObject, 'spec'>): boolean {
  const list = vpa.spec?.recommenders;
  return Array.isArray(list) && list.length > 1 && list.some((r) => r?.name === MORA_RECOMMENDER);
}

/** The container policy that applies to a container: its own by name, else the `*` one, else none (vpa-recommendation.ts too). */
export function policyFor(vpa: Pick<VpaObject, 'spec'>, container: string): VpaContainerPolicy | undefined {
  const listed = vpa.spec?.resourcePolicy?.containerPolicies;
  const all = Array.isArray(listed) ? listed : []; // a hand-edited object read back may hold anything
  return all.find((p) => p?.containerName === container) ?? all.find((p) => p?.containerName === '*');
}

const fmt = (resource: 'cpu' | 'memory', v: number) => (resource === 'cpu' ? formatCpu(Math.max(0, v)) : formatMemory(Math.max(0, v)));

/** A min/maxAllowed entry in base units, or undefined when absent or unreadable (then it does not cap). */
function allowed(map: Record<string, string | number> | undefined, resource: 'cpu' | 'memory'): number | undefined {
  const raw = map?.[resource];
  if (raw === undefined) return undefined;
  try {
    return parseQuantity(raw);
  } catch {
    return undefined;
  }
}

/** MOrA's own interval of a container (its request's lower / upper, capped as the target is), per resource, in base units. */
export type MoraInterval = Partial<Record<'cpu' | 'memory', [number, number]>>;

/**
 * One container's VPA recommendation, or undefined when the VPA's policy turns it off (mode Off) or MOrA has no CPU or
 * memory value for it. `uncappedTarget` is MOrA's value; `target` and the bounds are kept within the container
 * policy's minAllowed / maxAllowed as the VPA recommender does; lowerBound ≤ target ≤ upperBound always holds.
 *
 * The bounds are not MOrA's own (narrow) interval: they are at least the verdict's band, upperBound ≥
 * VERDICT_TOLERANCE.over × target and, for CPU, lowerBound ≤ VERDICT_TOLERANCE.under × target. Memory's lowerBound is
 * MOrA's own lower bound: below it the editor's verdict (read back from the VPA) says under-provisioned, and memory
 * that short is an OOM risk, so an eviction there is wanted. The VPA updater evicts a pod whose
 * request is outside [lowerBound, upperBound] (skipping its 12 h and 10 % guards) and Goldilocks takes them as request
 * and limit; with MOrA's interval (often ± 8 %) a daily move would evict again under Recreate/Auto. MOrA's interval goes
 * into the condition message instead (`interval <container>: cpu 60m..70m, …`; parseIntervalMessage).
 */
export function vpaContainerRecommendation(vpa: Pick<VpaObject, 'spec'>, c: ContainerRecommendation): VpaContainerRecommendation | undefined {
  return containerBands(vpa, c)?.out;
}

function containerBands(vpa: Pick<VpaObject, 'spec'>, c: ContainerRecommendation): { out: VpaContainerRecommendation; interval: MoraInterval } | undefined {
  const policy = policyFor(vpa, c.container);
  if (policy?.mode === 'Off') return undefined;
  const controlled = policy?.controlledResources ?? ['cpu', 'memory'];
  const out: VpaContainerRecommendation = { containerName: c.container, target: {}, lowerBound: {}, upperBound: {}, uncappedTarget: {} };
  const interval: MoraInterval = {};
  let any = false;
  for (const resource of ['cpu', 'memory'] as const) {
    const r = c[resource];
    if (!r || !controlled.includes(resource) || !Number.isFinite(r.request.value)) continue;
    const min = allowed(policy?.minAllowed, resource);
    const max = allowed(policy?.maxAllowed, resource);
    const cap = (v: number) => Math.min(max ?? Infinity, Math.max(min ?? 0, v));
    const value = r.request.value;
    const target = cap(value);
    const lower = Math.min(target, cap(Number.isFinite(r.request.lower) ? r.request.lower : value));
    const upper = Math.max(target, cap(Number.isFinite(r.request.upper) ? r.request.upper : value));
    interval[resource] = [lower, upper];
    out.target[resource] = fmt(resource, target);
    // Memory: MOrA's own lower bound (the memory base, a recent daily peak), which the editor's verdict read back from
    // the VPA compares with: a request below it is under-provisioned there and risks an OOM kill, so the updater's
    // eviction is warranted. CPU is compressible: the verdict's 0.8 x band, so a small daily move evicts nothing.
    out.lowerBound[resource] = fmt(resource, resource === 'memory' ? lower : Math.min(lower, cap(target * VERDICT_TOLERANCE.under)));
    out.upperBound[resource] = fmt(resource, Math.max(upper, cap(target * VERDICT_TOLERANCE.over)));
    out.uncappedTarget[resource] = fmt(resource, value);
    any = true;
  }
  return any ? { out, interval } : undefined;
}

/** `interval server: cpu 60m..70m, memory 126Mi..166Mi` per container, `; ` between (the condition message's part). */
function intervalMessage(intervals: ReadonlyArray<{ container: string; interval: MoraInterval }>): string {
  return intervals.map(({ container, interval }) => {
    const parts = (['cpu', 'memory'] as const).filter((r) => interval[r]).map((r) => `${r} ${fmt(r, interval[r]![0])}..${fmt(r, interval[r]![1])}`);
    return parts.length ? `interval ${container}: ${parts.join(', ')}` : '';
  }).filter(Boolean).join('; ');
}

/**
 * MOrA's own interval per container as its condition message states it (intervalMessage), in base units, or an empty
 * map (a message written before MOrA stated it: the bounds are then MOrA's interval themselves).
 */
export function parseIntervalMessage(message: string | undefined): Map<string, MoraInterval> {
  const out = new Map<string, MoraInterval>();
  for (const m of (message ?? '').matchAll(/interval ([a-z0-9][a-z0-9.-]*): ([^;)]*)/g)) {
    const stated: MoraInterval = {};
    for (const r of m[2].matchAll(/(cpu|memory) (\S+)\.\.(\S+?)(?:,|$)/g)) {
      try {
        const lo = parseQuantity(r[2]), hi = parseQuantity(r[3]);
        if (Number.isFinite(lo) && Number.isFinite(hi) && lo >= 0 && lo <= hi) stated[r[1] as 'cpu' | 'memory'] = [lo, hi];
      } catch { /* not a quantity: not read */ }
    }
    if (stated.cpu || stated.memory) out.set(m[1], stated);
  }
  return out;
}

/** MOrA's limit per container and resource, in base units (the VPA status has no field for a limit). */
export type MoraLimits = Partial<Record<'cpu' | 'memory', number>>;

/**
 * `limit server: cpu 500m, memory 48Mi` per container whose written values come with a limit, `; ` between (the
 * condition message's part). The memory risk is about the limit (OOM days at it), so without it the editor would say
 * the risk is at the request; parseLimitMessage reads it back.
 */
function limitMessage(limits: ReadonlyArray<{ container: string; limits: MoraLimits }>): string {
  return limits.map(({ container, limits: l }) => {
    const parts = (['cpu', 'memory'] as const).filter((r) => l[r] !== undefined).map((r) => `${r} ${fmt(r, l[r]!)}`);
    return parts.length ? `limit ${container}: ${parts.join(', ')}` : '';
  }).filter(Boolean).join('; ');
}

/** MOrA's limits per container as its condition message states them (limitMessage), in base units; empty when none is stated. */
export function parseLimitMessage(message: string | undefined): Map<string, MoraLimits> {
  const out = new Map<string, MoraLimits>();
  for (const m of (message ?? '').matchAll(/(?:^|; )limit ([a-z0-9][a-z0-9.-]*): ([^;)]*)/g)) {
    const stated: MoraLimits = {};
    for (const r of m[2].matchAll(/(cpu|memory) ([^\s,]+)/g)) {
      try {
        const v = parseQuantity(r[2]);
        if (Number.isFinite(v) && v > 0) stated[r[1] as 'cpu' | 'memory'] = v;
      } catch { /* not a quantity: not read */ }
    }
    if (stated.cpu !== undefined || stated.memory !== undefined) out.set(m[1], stated);
  }
  return out;
}

/** RFC 3339 at whole seconds, as the API server stores metav1.Time. */
export function apiTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * The condition to write, keeping the previous lastTransitionTime when the status did not change (the Kubernetes
 * convention: it marks transitions, not writes), so a rerun of the same recommendation writes the same status.
 */
export function condition(previous: VpaStatus | undefined, type: string, status: VpaCondition['status'], reason: string, message: string, nowMs: number): VpaCondition {
  const old = previous?.conditions?.find((c) => c.type === type);
  const lastTransitionTime = old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : apiTime(nowMs);
  return { type, status, lastTransitionTime, reason, message };
}

/**
 * A number in the message as JavaScript writes it, which reads back as the same number (`0.00933`, `0.05`,
 * `0.007518796992481203`): the views round the risk for display themselves (`≈2.3%`, `1 OOM day in 107`), so a message
 * rounded to three digits first could read as `≈2.4%` or `1 in 106` where the computed value says otherwise.
 */
const share = (x: number): string => String(x);

/** Whether two risk targets are the same setting, as far as a message rounded to three significant digits can say. */
export function sameRiskTarget(a: number, b: number): boolean {
  return Number(a.toPrecision(3)) === Number(b.toPrecision(3));
}

/**
 * The risk each container's values carry, for the condition message: `risk server: cpu expected 0.00933 target 0.05
 * calibrated 14d, memory expected 0.0075 target 0.01 calibrated 14d` per container with a risk statement, `; `
 * between containers (names are DNS labels: no spaces, colons or semicolons). A leaking memory adds its growth and the
 * days to the limit: `memory expected 0.2 target 0.01 calibrated 14d leak 14680064/day 5.1d`. The editor reads it back
 * (parseRiskMessage) to say the risk, not a bare confidence, for a recommendation read from the cluster.
 */
export function riskMessage(containers: readonly ContainerRecommendation[]): string {
  const leak = (r: RiskStatement): string =>
    r.leak && Number.isFinite(r.leak.perDay) && Number.isFinite(r.leak.daysToLimit) ? ` leak ${share(r.leak.perDay)}/day ${share(r.leak.daysToLimit)}d` : '';
  const one = (name: 'cpu' | 'memory', r: RiskStatement | undefined): string =>
    r ? `${name} expected ${share(r.expected)} target ${share(r.target)} calibrated ${Math.max(0, Math.round(r.calibrationDays))}d${leak(r)}` : '';
  return containers.map((c) => {
    const parts = [one('cpu', c.cpu?.evidence.risk), one('memory', c.memory?.evidence.risk)].filter(Boolean);
    return parts.length ? `risk ${c.container}: ${parts.join(', ')}` : '';
  }).filter(Boolean).join('; ');
}

const NUM = String.raw`(\d+(?:\.\d+)?(?:e[-+]?\d+)?)`;
const RISK_RE = new RegExp(String.raw`(cpu|memory) expected ${NUM} target ${NUM} calibrated (\d+)d(?: leak ${NUM}/day ${NUM}d)?`, 'g');

/**
 * The risk statements a condition message states, by container (riskMessage's text), or an empty map (a message
 * written before MOrA stated risks, or another's). A share outside 0..1 is not read.
 */
export function parseRiskMessage(message: string | undefined): Map<string, { cpu?: RiskStatement; memory?: RiskStatement }> {
  const out = new Map<string, { cpu?: RiskStatement; memory?: RiskStatement }>();
  for (const m of (message ?? '').matchAll(/risk ([a-z0-9][a-z0-9.-]*): ([^;)]*)/g)) {
    const stated: { cpu?: RiskStatement; memory?: RiskStatement } = {};
    for (const r of m[2].matchAll(RISK_RE)) {
      const expected = Number(r[2]), target = Number(r[3]), calibrationDays = Number(r[4]);
      if (!(expected >= 0 && expected <= 1 && target > 0 && target <= 1)) continue;
      const perDay = Number(r[5]), daysToLimit = Number(r[6]);
      const leak = r[1] === 'memory' && perDay > 0 && daysToLimit >= 0 ? { leak: { perDay, daysToLimit } } : {};
      stated[r[1] as 'cpu' | 'memory'] = { measure: r[1] === 'cpu' ? 'exceedance' : 'oom-days', target, expected, calibrationDays, ...leak };
    }
    if (stated.cpu || stated.memory) out.set(m[1], stated);
  }
  return out;
}

/**
 * The condition message: what MOrA recommended from, the confidence, the risks it states, MOrA's own interval and the
 * limits the risks are about, without times (a rerun with the same numbers says the same): `MOrA recommended 1
 * container(s) of Deployment api (moving-window; confidence 0.87; risk server: cpu expected 0.05 target 0.05 calibrated
 * 14d, …; interval server: …; limit server: memory 48Mi)`. The VPA v1 status has no field for a limit, a leak or a
 * risk (its containerRecommendations hold resource quantities only), so they live in the message. Readers of the older
 * message (no risk part) read this one too: the method and the confidence keep their places.
 */
function message(rec: Recommendation, containers: number, intervals: ReadonlyArray<{ container: string; interval: MoraInterval }>): string {
  const methods = [...new Set(rec.containers.flatMap((c) => [c.cpu?.evidence.method, c.memory?.evidence.method]).filter((m): m is string => Boolean(m)))];
  const risk = riskMessage(rec.containers);
  const interval = intervalMessage(intervals);
  // The limits of the values written (a resource the policy leaves out has no value there, so no limit either).
  const limits = limitMessage(intervals.map(({ container, interval: written }) => {
    const c = rec.containers.find((x) => x.container === container);
    const l: MoraLimits = {};
    for (const r of ['cpu', 'memory'] as const) {
      const v = c?.[r]?.limit?.value;
      if (written[r] && v !== undefined && Number.isFinite(v) && v > 0) l[r] = v;
    }
    return { container, limits: l };
  }));
  return `MOrA recommended ${containers} container(s) of ${rec.workload.kind} ${rec.workload.name} (${methods.join(', ') || 'no method'}; confidence ${rec.confidence.toFixed(2)}${risk ? `; ${risk}` : ''}${interval ? `; ${interval}` : ''}${limits ? `; ${limits}` : ''})`;
}

/**
 * The VPA status for MOrA's recommendation of the VPA's target: `recommendation.containerRecommendations` (containers
 * in the recommendation's order, those the policy turns off left out) and the RecommendationProvided condition, True
 * with MOrA's reason, or False when no container got a value. Other condition types the object carries are kept.
 */
export function vpaStatusFor(vpa: VpaObject, rec: Recommendation, nowMs: number): VpaStatus {
  const bands = rec.containers.map((c) => ({ container: c.container, ...containerBands(vpa, c) })).filter((x) => x.out !== undefined);
  const containerRecommendations = bands.map((b) => b.out!);
  const intervals = bands.map((b) => ({ container: b.container, interval: b.interval! }));
  const provided = containerRecommendations.length > 0
    ? condition(vpa.status, 'RecommendationProvided', 'True', MORA_REASON, message(rec, containerRecommendations.length, intervals), nowMs)
    : condition(vpa.status, 'RecommendationProvided', 'False', 'NoContainerRecommendation', 'MOrA has no CPU or memory value for any container this VPA controls', nowMs);
  // Nothing to recommend: the condition says so and the previous recommendation is left as it was (the field is not
  // sent, so the merge patch keeps it), as with vpaStatusWithout.
  if (containerRecommendations.length === 0) return { conditions: mergeConditions(vpa.status, [provided]) };
  return {
    recommendation: { containerRecommendations },
    conditions: mergeConditions(vpa.status, [provided]),
  };
}

/** RecommendationProvided False with a reason (no metrics, target not found …); the last recommendation is left as it was. */
export function vpaStatusWithout(vpa: VpaObject, reason: string, why: string, nowMs: number): VpaStatus {
  return { conditions: mergeConditions(vpa.status, [condition(vpa.status, 'RecommendationProvided', 'False', reason, why, nowMs)]) };
}

/**
 * The status with MOrA's freshness stamp when it provides a recommendation (RecommendationProvided True): the previous
 * stamp is kept while it is younger than CONFIRM_REFRESH_MS and the recommendation is the same, else renewed to now.
 * A status without a recommendation (False) keeps whatever stamp the object had, so a recommendation MOrA can no longer
 * confirm ages out in the editor.
 */
export function withConfirmation(previous: VpaStatus | undefined, next: VpaStatus, nowMs: number, same: (a: unknown, b: unknown) => boolean): VpaStatus {
  const provided = next.conditions?.find((c) => c.type === 'RecommendationProvided');
  if (!next.conditions || !next.recommendation || provided?.status !== 'True') return next;
  const old = previous?.conditions?.find((c) => c.type === CONFIRMED_CONDITION);
  const oldMs = old?.status === 'True' ? Date.parse(old.lastTransitionTime) : NaN;
  const keep = old && Number.isFinite(oldMs) && nowMs - oldMs < CONFIRM_REFRESH_MS && nowMs >= oldMs && same(previous?.recommendation, next.recommendation);
  const stamp: VpaCondition = keep ? old : {
    type: CONFIRMED_CONDITION, status: 'True', lastTransitionTime: apiTime(nowMs), reason: 'MOrARun',
    message: 'the time of the MOrA run that last wrote or confirmed this recommendation',
  };
  return { ...next, conditions: mergeConditions({ conditions: next.conditions }, [stamp]) };
}

function mergeConditions(previous: VpaStatus | undefined, mine: VpaCondition[]): VpaCondition[] {
  const types = new Set(mine.map((c) => c.type));
  return [...(previous?.conditions ?? []).filter((c) => !types.has(c.type)), ...mine];
}

/** The VPA's target workload as MOrA names it, or undefined when it has none. */
export function vpaTarget(vpa: VpaObject): { kind: string; name: string } | undefined {
  const t = vpa.spec?.targetRef;
  return t?.kind && t.name ? { kind: t.kind, name: t.name } : undefined;
}
