/**
 * The engine: a workload's history (and optionally forecasts) → one `Recommendation` with evidence, plus what the
 * VPA and KRR baselines would say on the same history, and the expected savings and risk against the current spec.
 * It reads plain series, not a DataSource, so it runs the same on demo data, a live cluster or experiment CSVs.
 */
import { VERDICT_TOLERANCE, type ContainerRecommendation, type Recommendation, type Verdict } from '../../core/recommendation';
import { roundUpTo } from '../../core/quantity';
import type { Series } from '../../core/series';
import { sizedContainerOf, type HpaSpec, type Workload } from '../../core/workload';
import type { Forecast } from '../../ml/forecast-types';
import { strategyFor } from './policy-strategy';
import type { ResourceKind, SizingStrategy } from '../baselines/strategy';
import { replay } from '../replay/replay';
import { summarize } from '../replay/score';
import { MoraStrategy } from './mora-strategy';
import { checkForecast, type ForecastProvider } from './forecast-choice';
import { resolvePolicy, type Policy } from './policy';
import { cpuAtCount, hpaCpuLine, hpaRoomRequest, idlePerPod, recommendReplicas, type MeasuredLoad } from './replicas';
import { MIN_USAGE_SAMPLES, recommendResource, replayWarmupDays, type ResourceResult } from './resource';

export interface ContainerUsage {
  name: string;
  cpu?: Series;
  memory?: Series;
  throttling?: Series;
  oomKills?: number[];
}

export interface EngineInput {
  workload: Workload;
  containers: ContainerUsage[];
  /** Service-level request rate (req/s) and ready replicas on the same grid as the containers' CPU. */
  requestRate?: Series;
  readyReplicas?: Series;
  /** Per-replica capacity (req/s) measured by an experiment, when there is one. */
  measuredCapacity?: number;
  /** Per-pod CPU against per-pod load measured by load experiments (src/pipeline/experiment-capacity.ts). */
  measuredLoadModel?: MeasuredLoad;
  now: number;
  /** The containers' usage is a metrics.k8s.io snapshot (one sample each): see ResourceInput.snapshot. */
  snapshot?: boolean;
}

/**
 * What one forecast the engine asks for is of: the workload, and a container's CPU or memory, or the workload's request
 * rate ('load', for replicas: no container). A caller may pick a model per series with it (the extension: the LSTM
 * Train Models saved for that container); the engine itself knows nothing of where models come from.
 */
export interface ForecastSubject {
  workload: Workload;
  container?: string;
  resource: ResourceKind | 'load';
}

/** A ForecastProvider that is also told what it forecasts; any ForecastProvider is one (it ignores `subject`). */
export type SubjectForecastProvider = (history: Series, horizon: number, step: number, subject: ForecastSubject) => Promise<Forecast>;

export interface EngineOptions {
  /** A forecaster (e.g. fused Prophet + LSTM); used only where it beats the window on the series' own last day. */
  forecast?: { provider: SubjectForecastProvider; method: string; /** Seconds between forecast points (history is down-sampled to it); default 300. */ step?: number };
}

export interface BaselineValues {
  vpa?: number;
  krr?: number;
}

export interface ContainerDetail {
  container: string;
  cpu?: ResourceResult;
  memory?: ResourceResult;
  /** What VPA (target) and KRR (simple) would recommend from the same history: CPU request and memory limit. */
  baselines: { cpu: BaselineValues; memory: BaselineValues };
  /** This container's share of `Savings` (CPU and memory request, × replicas as there), for views with a row per container. */
  saved?: { cpuRequest: number; memoryRequest: number };
}

export interface Savings {
  /**
   * Positive = freed. Per workload: the current request × the current replicas minus MOrA's × the advised replicas (see
   * `replicas`; the current ones when there is no count advice or an HPA sets the count). CPU in cores, memory in bytes.
   */
  cpuRequest: number;
  memoryRequest: number;
  /** Set when MOrA advises another replica count (no HPA): the savings count MOrA's requests at `advised` replicas. */
  replicas?: { current: number; advised: number };
  /** Share of days in the replay whose memory peak exceeded the recommended limit; share of CPU samples above the request. */
  oomDayShare: number;
  cpuExceedance: number;
}

export interface EngineResult {
  recommendation: Recommendation;
  details: ContainerDetail[];
  savings: Savings;
}

export async function recommendWorkload(input: EngineInput, policyIn: Partial<Policy> = {}, options: EngineOptions = {}): Promise<EngineResult> {
  const policy = resolvePolicy(policyIn);
  const w = input.workload;
  const containers: ContainerRecommendation[] = [];
  const details: ContainerDetail[] = [];
  const savings: Savings = { cpuRequest: 0, memoryRequest: 0, oomDayShare: 0, cpuExceedance: 0 };
  // The caller's forecaster, told which series each forecast is of.
  const forecastOf = (provider: SubjectForecastProvider, subject: ForecastSubject): ForecastProvider =>
    (history, horizon, step) => provider(history, horizon, step, subject);
  // The container the replica / HPA advice is sized by (c0): the first that is not a mesh or native sidecar
  // (sizedContainerOf; istio-proxy may come first), the one toWorkload read the HPA's ContainerResource target for.
  // Without an HPA its CPU request is sized for the count the workload runs at now (the count the replica
  // advice keeps): where part of the history ran at more ready replicas (cut from 4 to 2 last night), each such sample's
  // CPU is rescaled from the replicas ready then to the current count (docs/ENGINE.md § Replicas).
  const c0 = sizedContainerOf(input.containers, w.containers);
  const cpuAtCurrent = !w.hpa && c0?.cpu && input.requestRate && input.readyReplicas && w.replicas >= 1 ? currentCountCpu(c0.cpu, input.requestRate, input.readyReplicas, w.replicas) : undefined;
  for (const c of input.containers) {
    const spec = w.containers.find((s) => s.name === c.name);
    const cur = spec?.resources ?? { requests: {}, limits: {} };
    const unsized: NonNullable<ContainerRecommendation['unsized']> = [];
    const one = async (kind: ResourceKind, usage: Series | undefined): Promise<ResourceResult | undefined> => {
      const r = await sized(kind, usage);
      if (!r) unsized.push({ resource: kind, reason: whyUnsized(usage, input.now, policy.historyDays, input.snapshot) });
      return r;
    };
    const sized = async (kind: ResourceKind, asRan: Series | undefined): Promise<ResourceResult | undefined> => {
      if (!asRan || asRan.t.length === 0) return undefined;
      const usage = kind === 'cpu' && c === c0 && cpuAtCurrent ? cpuAtCurrent : asRan;
      // A fleet budget's allotment replaces the target for this container (MOrA only: the baselines have no target).
      const allotted = policy.strategy === 'mora' ? policy.riskAllotment?.(w, c.name, kind) : undefined;
      const pol = allotted ? { ...policy, ...(kind === 'cpu' ? { cpuRisk: allotted.target } : { memoryRisk: allotted.target }) } : policy;
      const forecast = options.forecast && policy.strategy === 'mora'
        ? await checkForecast(kind, usage, input.now, forecastOf(options.forecast.provider, { workload: w, container: c.name, resource: kind }), options.forecast.method, options.forecast.step, kind === 'cpu' ? pol.cpuRisk : pol.memoryRisk)
        : undefined;
      const r = recommendResource({
        kind, usage, now: input.now, forecast,
        throttling: kind === 'cpu' ? c.throttling : undefined,
        oomKills: kind === 'memory' ? c.oomKills : undefined,
        currentRequest: cur.requests[kind], currentLimit: cur.limits[kind], snapshot: input.snapshot,
      }, pol);
      if (r?.evidence.risk && allotted) r.evidence.risk.fleet = { ...allotted.fleet };
      if (r && usage !== asRan) r.evidence.notes.push(`sized for the current ${w.replicas} replica${w.replicas === 1 ? '' : 's'}: each sample's CPU rescaled from the replicas ready then`);
      return r;
    };
    const cpu = await one('cpu', c.cpu);
    // With an HPA, the sized container's (c0's) request is what the HPA scales against: raised where it leaves a pod less room
    // for load than the pod idles (docs/ENGINE.md § Replicas), before the verdict, the savings and the replica advice read it.
    // Only an HPA that scales on CPU utilisation scales against the request; MOrA's rule only (a baseline keeps its value).
    if (c === c0 && cpu && w.hpa && !input.measuredCapacity && input.requestRate && input.readyReplicas) {
      raiseForHpa(cpu, hpaCpuLine({
        measuredLoadModel: input.measuredLoadModel, requestRate: input.requestRate.v, readyReplicas: input.readyReplicas.v,
        cpuPerPod: alignTo(input.requestRate, c.cpu),
      }), w.hpa, policy, cur.limits.cpu, input.now);
    }
    const memory = await one('memory', c.memory);
    const verdict = verdictOf(cur.requests.cpu, cpu, cur.requests.memory, cur.limits.memory, memory, (c.oomKills ?? []).some((t) => t > input.now - policy.historyDays * 86400 && t <= input.now));
    const confs = [cpu?.confidence, memory?.confidence].filter((x): x is number => x !== undefined);
    const raisedToFloor = (['cpu', 'memory'] as const).flatMap((kind) => {
      const f = (kind === 'cpu' ? cpu : memory)?.raisedToFloor;
      return f ? [{ resource: kind, ...f }] : [];
    });
    containers.push({
      container: c.name, current: { requests: { ...cur.requests }, limits: { ...cur.limits } },
      cpu: strip(cpu), memory: strip(memory), verdict, ...(raisedToFloor.length ? { raisedToFloor } : {}), confidence: confs.length ? Math.min(...confs) : 0,
      ...(unsized.length ? { unsized } : {}),
    });
    details.push({
      container: c.name, cpu, memory,
      baselines: { cpu: baselineValues('cpu', cpu, input.now), memory: baselineValues('memory', memory, input.now) },
    });
    const mr = memory?.evidence.replay;
    if (mr) savings.oomDayShare = Math.max(savings.oomDayShare, (mr.oomDays ?? 0) / Math.max(1, mr.days));
    const cr = cpu?.evidence.replay;
    if (cr) savings.cpuExceedance = Math.max(savings.cpuExceedance, cr.exceedanceShare);
  }

  const main = details.find((d) => d.container === c0?.name) ?? details[0];
  // Load forecast for replicas: its next-day peak counts only where it beat the window's peak on the last day.
  let forecastPeakLoad: number | undefined;
  let loadNote = '';
  if (options.forecast && input.requestRate && input.requestRate.t.length > 0) {
    const lf = await checkForecast('memory', input.requestRate, input.now, forecastOf(options.forecast.provider, { workload: w, resource: 'load' }), options.forecast.method, options.forecast.step);
    if (lf?.trusted) forecastPeakLoad = lf.need;
    else if (lf) loadNote = `; load forecast not used: ${lf.reason.replace(/\(.*\)/, '').trim()}`;
  }
  const replicas = input.requestRate && input.readyReplicas && main?.cpu
    ? recommendReplicas({
      current: w.replicas, hpa: w.hpa, requestRate: input.requestRate.v, readyReplicas: input.readyReplicas.v,
      cpuPerPod: alignTo(input.requestRate, c0?.cpu), cpuRequest: main.cpu.request.value,
      // Without an HPA the count is checked against the request's need, not "load ÷ capacity at the recommended request"
      // (the request was sized at the risk target for the current count: docs/ENGINE.md § Replicas).
      // Rounded up to the request's step, as the CPU note states the need ('needs 195m, above the CPU limit').
      cpuNeed: roundUpTo(main.cpu.need, policy.cpu.step), cpuNeedRescaled: cpuAtCurrent !== undefined,
      cpuRequestExpected: main.cpu.evidence.risk?.expected ?? main.cpu.evidence.replay?.exceedanceShare,
      measuredCapacity: input.measuredCapacity, measuredLoadModel: input.measuredLoadModel, forecastPeakLoad,
      // With an HPA, pods run at its target utilisation; without one, the request is already sized to the per-pod peak.
      targetCpuUtilization: w.hpa ? (w.hpa.targetCpuUtilization ?? policy.targetCpuUtilization) : 1,
      // The container's own CPU target: its fleet allotment under --risk-scope fleet, as its request was sized to.
      cpuRisk: main.cpu.evidence.risk?.target ?? policy.cpuRisk,
    })
    : undefined;
  if (replicas && loadNote) replicas.reason += loadNote;
  if (replicas?.hpa && w.hpa) replicas.hpa.current = currentHpa(w.hpa);
  // An HPA-managed workload always gets HPA advice, even when its load never varied enough to measure a replica's capacity.
  const finalReplicas = replicas ?? (w.hpa ? hpaKeepAdvice(w.replicas, w.hpa, policy.targetCpuUtilization) : undefined);
  // Savings: the current requests × the current replicas against MOrA's × the replicas it advises (what --apply-to
  // --replicas writes: 50m→100m at 2→3 replicas needs 200m more, not 100m); an HPA's count is left to the HPA, so current.
  const advised = finalReplicas && !finalReplicas.hpa ? Math.round(finalReplicas.recommended.value) : w.replicas;
  if (advised !== w.replicas) savings.replicas = { current: w.replicas, advised };
  for (const d of details) {
    const cur = containers.find((c) => c.container === d.container)?.current ?? { requests: {}, limits: {} };
    const saved = {
      cpuRequest: d.cpu && cur.requests.cpu !== undefined ? cur.requests.cpu * w.replicas - d.cpu.request.value * advised : 0,
      memoryRequest: d.memory && cur.requests.memory !== undefined ? cur.requests.memory * w.replicas - d.memory.request.value * advised : 0,
    };
    d.saved = saved;
    savings.cpuRequest += saved.cpuRequest;
    savings.memoryRequest += saved.memoryRequest;
  }
  const confs = containers.map((c) => c.confidence).filter((x) => x > 0);
  const recommendation: Recommendation = {
    workload: { context: w.context, namespace: w.namespace, kind: w.kind, name: w.name },
    containers,
    replicas: finalReplicas,
    qos: policy.qos,
    confidence: confs.length ? Math.min(...confs) : 0,
    generatedAt: input.now,
  };
  return { recommendation, details, savings };
}

/**
 * With an HPA that scales on CPU utilisation (a Utilization target: it adds a pod when a pod's CPU reaches that share of
 * the request): the CPU request raised to the smallest at which a pod carries as much load as it idles (hpaRoomRequest:
 * idle / (HPA_IDLE_SHARE × the HPA's target), rounded up to the request's step). A request the risk target sizes near the
 * idle CPU ÷ that target leaves a pod next to no load before the next one is added, and the HPA's bounds grow without
 * bound (idle 50m at 70% of 75m: 1.1 req/s a pod, 225 pods where 22 of 100m ran). The same floor at every risk target.
 * Not above a CPU limit that is kept (Kubernetes rejects a request above its limit; the replica advice then says the HPA
 * keeps its bounds and why), nor the policy's cap; a limit MOrA sets follows the request.
 * - MOrA's rule only: a baseline (--strategy vpa|krr|autopilot) keeps the value its rule gives, with a note when that
 *   leaves the HPA's pods less room than they idle.
 * - An HPA on memory or custom/external metrics only: its pods' CPU request does not decide when it scales: nothing.
 * - A CPU AverageValue target: the CPU at which it adds a pod is absolute, whatever the request, so the room condition is
 *   target value ≥ 2 × idle; the request is not raised, and where that fails the note says so.
 * Everything stated next to a raised request is at that request: the replay (the raised value on the same history's
 * scored days), the calibrated risk, the need the verdict reads (at least the unrounded floor); the note says the raise
 * lowers the risk below the target.
 */
function raiseForHpa(r: ResourceResult, line: { a: number; b: number } | undefined, hpa: HpaSpec, policy: Policy, keptLimit: number | undefined, now: number): void {
  if (!line || !(line.a > 0)) return;
  const m = (x: number): string => `${Math.round(x * 1000)}m`;
  const perPod = (cpu: number): string => `${Math.max(0, (cpu - line.a) / line.b).toFixed(1)} req/s`;
  const idles = `a pod idles at ${m(line.a)} (cpu ≈ ${line.a.toFixed(3)} + ${line.b.toFixed(5)}·rps)`;
  const target = hpa.targetCpuUtilization;
  if (target === undefined) {
    const v = hpa.targetCpuAverageValue;
    if (v !== undefined && v > 0 && v < 2 * line.a) {
      r.evidence.notes.push(`the HPA adds a pod when a pod's CPU averages ${m(v)} (an AverageValue target: whatever the request) and ${idles}: `
        + `a pod carries ${perPod(v)} before the HPA adds another, less than the ${(line.a / line.b).toFixed(1)} req/s it idles; the request does not change that, `
        + `so it is not raised: a target of at least ${m(Math.ceil(2 * line.a * 1000 - 1e-6) / 1000)} would leave a pod room for as much load as it idles`);
    }
    return;
  }
  if (!(target > 0)) return;
  const room = roundUpTo(hpaRoomRequest(line.a, target), policy.cpu.step);
  const from = r.request.value;
  const pct = Math.round(target * 100);
  if (!(room > from + 1e-9)) return;
  if (policy.strategy !== 'mora') {
    r.evidence.notes.push(`the HPA adds a pod at ${pct}% CPU of the request and ${idles}: at ${m(from)} a pod carries ${perPod(target * from)} before it adds another, `
      + `less than the ${(line.a / line.b).toFixed(1)} req/s it idles; MOrA's rule would raise the request to ${m(room)} for the HPA, the ${policy.strategy} baseline's is left as its rule gives it`);
    return;
  }
  const held = !policy.cpuLimits && keptLimit !== undefined && keptLimit > 0 ? keptLimit : Infinity;
  const to = Math.min(room, held, policy.cpu.max);
  if (!(to > from + 1e-9)) return;
  r.request = { value: to, lower: Math.min(r.request.lower, to), upper: Math.max(r.request.upper, to) };
  if (r.limit) {
    r.limit = policy.qos === 'Guaranteed' ? { ...r.request }
      : r.limit.value < to ? { value: to, lower: Math.min(r.limit.lower, to), upper: Math.max(r.limit.upper, to) } : r.limit;
  }
  // What the workload needs under this HPA: the verdict reads it (a current request below the floor is under-provisioned).
  r.need = Math.max(r.need, hpaRoomRequest(line.a, target));
  const shareText = (x: number): string => `${+(x * 100).toFixed(x < 0.01 ? 2 : 1)}%`;
  // The risk and the replay at the raised request: the calibrated share of time above it (the same rule's calibration on
  // the same window), and the raised value replayed on the replay's scored days.
  const risk = r.evidence.risk;
  const before = risk?.expected;
  let recomputed = false;
  // The rule's window frame is the request's own only without a trusted forecast (resource.ts: base = the window's).
  if (risk && r.evidence.method === 'moving-window') {
    const s = strategyFor('mora', 'cpu', { risk: risk.target });
    s.observe(r.window.t, r.window.v);
    if (s instanceof MoraStrategy) { risk.expected = Math.min(risk.expected, s.expectedAt(now, to)); recomputed = true; }
  }
  const rp = r.evidence.replay;
  const replayedFrom = rp?.exceedanceShare;
  if (rp) {
    const warm = replayWarmupDays(r.evidence.observed.days);
    const fixed: SizingStrategy = { name: 'raised', kind: 'cpu', observe: () => undefined, recommend: () => ({ value: to, lower: to, upper: to }) };
    const sum = summarize(replay(r.window, [fixed], { warmupDays: warm })[0].days);
    if (sum.days > 0) {
      r.evidence.replay = { days: sum.days, exceedanceShare: sum.exceedanceShare, daysAbove: Math.round((1 - sum.oomFreeShare) * sum.days), wasteRatio: Number.isFinite(sum.wasteRatio) ? sum.wasteRatio : 0 };
    }
  }
  const riskText = !risk || before === undefined ? ''
    : !recomputed ? `; the CPU risk stated is that of the ${m(from)} the target gave, an upper bound (the larger request is exceeded no more often)`
      : `; at ${m(to)} the CPU is above the request ≈${shareText(risk.expected)} of the time (${shareText(before)} at ${m(from)})${risk.expected <= risk.target ? `, below the ≤${shareText(risk.target)} target` : `, the target ≤${shareText(risk.target)}`}: the raise ${risk.expected < before ? 'lowers the risk' : 'does not raise the risk'}`;
  const replayText = rp && replayedFrom !== undefined && r.evidence.replay !== rp
    ? `; replayed on the same ${r.evidence.replay!.days} days, ${m(to)} is exceeded ${shareText(r.evidence.replay!.exceedanceShare)} of the samples (the rule's ${m(from)}: ${shareText(replayedFrom)})`
    : '';
  r.evidence.notes.push(`raised from ${m(from)} to ${m(to)} for the HPA: it adds a pod at ${pct}% CPU of the request and ${idles}; `
    + `below ${m(room)} idling takes more than half of that, so a pod carries less load than it idles `
    + `(${perPod(target * from)} at ${m(from)}, ${perPod(target * to)} at ${m(to)})${to < room ? `; held at ${to === held ? `the CPU limit ${m(held)} that is kept` : `the cap ${m(to)}`}` : ''}`
    + `${riskText}${replayText}`);
}

/** Why a resource got no value: no samples, or fewer in the history window than the engine needs. */
function whyUnsized(usage: Series | undefined, now: number, historyDays: number, snapshot?: boolean): string {
  if (!usage || usage.t.length === 0) return 'no usage samples';
  let n = 0;
  for (let i = 0; i < usage.t.length; i++) if (Number.isFinite(usage.v[i]) && usage.t[i] >= now - historyDays * 86400 && usage.t[i] < now) n++;
  const need = snapshot ? 1 : MIN_USAGE_SAMPLES;
  return n < need ? `${n} usage sample${n === 1 ? '' : 's'} in the last ${historyDays} days, at least ${need} needed` : `no value from ${n} usage samples`;
}

function strip(r: ResourceResult | undefined): ContainerRecommendation['cpu'] {
  if (!r) return undefined;
  const { window: _w, need: _n, raisedToFloor: _f, ...rest } = r;
  return rest;
}

function baselineValues(kind: ResourceKind, r: ResourceResult | undefined, now: number): BaselineValues {
  if (!r) return {};
  const out: BaselineValues = {};
  for (const name of ['vpa', 'krr'] as const) {
    const s = strategyFor(name, kind);
    s.observe(r.window.t, r.window.v);
    out[name] = s.recommend(now)?.value;
  }
  return out;
}

/**
 * Per-pod CPU as it would have been at `count` ready replicas (cpuAtCount, idle per pod from the CPU-vs-load line), on
 * `cpu`'s own grid, for the samples taken at more ready replicas than `count` (a count cut since): samples at fewer are
 * kept as they ran, since fewer ready pods than the spec (a rollout, a restart, a failing probe) happen again, and a count
 * raised since is then sized as it ran (on the safe side). Undefined when no sample ran at more than `count`.
 */
function currentCountCpu(cpu: Series, requestRate: Series, readyReplicas: Series, count: number): Series | undefined {
  const ready = alignTo(cpu, readyReplicas)!.map((r) => (r < count ? count : r));
  const idle = idlePerPod(requestRate.v, readyReplicas.v, alignTo(requestRate, cpu)!);
  const scaled = cpuAtCount(cpu.v, ready, count, idle);
  return scaled ? { t: cpu.t, v: scaled } : undefined;
}

/** CPU per pod sampled at the request-rate timestamps (same grid in the demo and in Prometheus range queries). */
function alignTo(ref: Series, s: Series | undefined): Float64Array | undefined {
  if (!s) return undefined;
  const out = new Float64Array(ref.t.length).fill(NaN);
  let j = 0;
  for (let i = 0; i < ref.t.length; i++) {
    while (j < s.t.length && s.t[j] < ref.t[i]) j++;
    if (j < s.t.length && s.t[j] === ref.t[i]) out[i] = s.v[j];
  }
  return out;
}

function verdictOf(cpuReq: number | undefined, cpu: ResourceResult | undefined, memReq: number | undefined, memLim: number | undefined, mem: ResourceResult | undefined, oom: boolean): Verdict {
  if (!cpu && !mem) return 'no-data';
  // Compare with what the workload needs (before floors and rounding), so a policy floor alone never flags a risk.
  if (oom) return 'at-risk';
  if (mem && memLim !== undefined && memLim < mem.need) return 'at-risk';
  // Growing memory that reaches the recommended limit within a week needs a person (a leak), whatever today's numbers say.
  if (mem?.daysToLimit !== undefined && mem.daysToLimit <= 7) return 'at-risk';
  if (cpu && cpuReq !== undefined && cpuReq < cpu.need * VERDICT_TOLERANCE.under) return 'under-provisioned';
  if (mem && memReq !== undefined && memReq < mem.evidence.observed.p95) return 'under-provisioned';
  const over = (cur: number | undefined, rec: number | undefined): boolean => cur !== undefined && rec !== undefined && cur > rec * VERDICT_TOLERANCE.over;
  if (over(cpuReq, cpu?.request.value) || over(memReq, mem?.request.value)) return 'over-provisioned';
  // Nothing wrong with what was sized, but one resource has no value: not "ok" for a number nobody computed.
  return cpu && mem ? 'ok' : 'partial';
}

/** HPA advice without a capacity estimate: keep its bounds, aim its target at the policy's utilisation of the new request. */
function hpaKeepAdvice(current: number, hpa: NonNullable<Workload['hpa']>, target: number): NonNullable<Recommendation['replicas']> {
  const reason = 'per-replica capacity could not be measured (the load did not vary enough, or no request rate); the HPA keeps its bounds';
  return {
    current,
    recommended: { value: current, lower: hpa.minReplicas, upper: hpa.maxReplicas },
    hpa: { minReplicas: hpa.minReplicas, maxReplicas: hpa.maxReplicas, targetCpuUtilization: hpa.targetCpuUtilization ?? target, reason, current: currentHpa(hpa) },
    reason,
  };
}

function currentHpa(hpa: NonNullable<Workload['hpa']>): NonNullable<NonNullable<Recommendation['replicas']>['hpa']>['current'] {
  return { minReplicas: hpa.minReplicas, maxReplicas: hpa.maxReplicas, ...(hpa.targetCpuUtilization !== undefined ? { targetCpuUtilization: hpa.targetCpuUtilization } : {}) };
}
