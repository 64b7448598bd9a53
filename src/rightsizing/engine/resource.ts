/**
 * One container resource (CPU or memory): history → value, bounds, confidence and evidence.
 *
 *  1. Usage over the policy's history window; CPU samples taken while the container was throttled are censored at
 *     its limit, so they are raised by the throttled share (usage × (1 + θ)) before sizing.
 *  2. The chosen strategy (MOrA's window rule with its margin calibrated to the policy's risk target by default) gives the
 *     value and bounds; MOrA's also gives the risk it carries (evidence.risk) and its confidence.
 *  3. A forecast, when one is supplied and has beaten the window rule on the series' own last day, may replace the base.
 *  4. Signals: OOM kills raise memory to at least VPA's OOM rule, max(used + 100 MiB, used × 1.2).
 *  5. A leak (daily peaks that keep rising) never lowers the memory limit below the current one, and its risk is the
 *     time until the limit is reached (evidence.risk.leak), not the calibrated OOM-day rate.
 *  6. The same strategy is replayed over the window (rolling daily backtest) so the evidence says how it would have done.
 */
import { peakGrowth } from './growth';
import type { Bounded, Evidence, ResourceRecommendation, RiskStatement } from '../../core/recommendation';
import { oomDaysText, shareText, targetOomDaysText, targetShareText } from '../../core/advice-text';
import { applyQuantityPolicy, roundUpTo, type QuantityPolicy } from '../../core/quantity';
import { clean, medianStep, series as makeSeries, slice, type Series } from '../../core/series';
import { finiteSorted, max, quantileSorted } from '../../core/stats';
import type { ResourceKind, SizingStrategy } from '../baselines/strategy';
import { replay, type StrategyReplay } from '../replay/replay';
import { summarize } from '../replay/score';
import { FORECAST_MAX_RAISE, type ForecastUse } from './forecast-choice';
import { strategyFor } from './policy-strategy';
import { CALIBRATION_INTERNALS } from './calibration';
import { MoraStrategy } from './mora-strategy';
import type { Policy } from './policy';

const DAY = 86400;
const MiB = 2 ** 20;

export interface ResourceInput {
  kind: ResourceKind;
  usage: Series;
  /** CPU throttling ratio (share of CFS periods throttled), aligned with usage by timestamp. */
  throttling?: Series;
  /** Timestamps of OOM kills in the window. */
  oomKills?: number[];
  /** Current request and limit (base units). */
  currentRequest?: number;
  currentLimit?: number;
  forecast?: ForecastUse;
  now: number;
  /**
   * The usage is a snapshot (metrics.k8s.io: current usage, one sample per container): the value is that usage times
   * SNAPSHOT_MARGIN, with no window, no forecast, no replay, and a low fixed confidence.
   */
  snapshot?: boolean;
}

/** Margin on a snapshot's current usage: no history to learn one from, so a fixed, generous one. */
export const SNAPSHOT_MARGIN: Record<ResourceKind, number> = { cpu: 1.5, memory: 1.3 };
/** Confidence of a snapshot recommendation (low: one sample). */
export const SNAPSHOT_RESOURCE_CONFIDENCE = 0.1;

export interface ResourceResult extends ResourceRecommendation {
  /** The window the value was computed from (after throttling correction), for charts. */
  window: Series;
  /** The value before floors, caps and rounding: what the workload itself needs (verdicts compare against this). */
  need: number;
  /** Memory whose daily peaks keep rising: days until the recommended limit is reached at that rate. */
  daysToLimit?: number;
  /** Set when the floor raised the value to more than twice the observed peak (the verdict must say so). */
  raisedToFloor?: { floor: number; observedMax: number };
}

/** A floor that lifts a value above this multiple of the observed peak is called out next to the verdict. */
export const FLOOR_NOTE_RATIO = 2;

/** Usage samples in the history window below which no value is given (12 minutes at 60 s steps). */
/** The days the evidence's replay of a window of `days` whole days lets the rule warm up on before scoring: half, 2–7. */
export const replayWarmupDays = (days: number): number => Math.min(7, Math.max(2, Math.floor(Math.floor(days) / 2)));

export const MIN_USAGE_SAMPLES = 12;

export function recommendResource(input: ResourceInput, policy: Policy): ResourceResult | undefined {
  const { kind, now } = input;
  const raw = clean(slice(input.usage, now - policy.historyDays * DAY, now)).series;
  if (raw.t.length < (input.snapshot ? 1 : MIN_USAGE_SAMPLES)) return undefined;
  const notes: string[] = [];
  const usage = kind === 'cpu' && input.throttling ? correctThrottled(raw, input.throttling, notes) : raw;

  const risk = kind === 'cpu' ? policy.cpuRisk : policy.memoryRisk;
  const strategy = strategyFor(policy.strategy, kind, { risk });
  const extra = 1 + (kind === 'cpu' ? policy.cpuMargin : policy.memoryMargin);
  // Floors and caps per container (defaults 10m / 32Mi, no cap: src/core/quantity.ts).
  const qp: QuantityPolicy = kind === 'cpu' ? policy.cpu : policy.memory;
  const finish = (x: number): number => applyQuantityPolicy(x, qp);
  const days = (usage.t[usage.t.length - 1] - usage.t[0]) / DAY;
  // The evidence: the same rule replayed over the window, day by day, each day scored against the value it applied to
  // it (with the policy's margin, floor, cap and rounding), set before the day was seen.
  const replayDays = Math.floor(days);
  const replayWith = (inner: SizingStrategy): StrategyReplay => {
    const applied: SizingStrategy = {
      name: inner.name, kind,
      observe: (t, v) => inner.observe(t, v),
      recommend: (at) => {
        const x = inner.recommend(at);
        return x && { value: finish(x.value * extra), lower: x.lower, upper: x.upper };
      },
    };
    return replay(usage, [applied], { warmupDays: replayWarmupDays(replayDays) })[0];
  };
  let replayed: StrategyReplay | undefined;
  if (!input.snapshot) {
    // MOrA's rule (with its monotone chain) is that replay's rule: fed every sample of the window, one day at a time, it
    // ends where observing them at once leaves it (a recommend closes a finished day as the next day's first sample
    // would, and reads only caches otherwise), so the one replay serves the recommendation too. `unshared` replays twice.
    if (replayDays >= 3 && strategy instanceof MoraStrategy && !CALIBRATION_INTERNALS.unshared) replayed = replayWith(strategy);
    else strategy.observe(usage.t, usage.v);
  }
  const current = input.snapshot ? max(usage.v) : 0;
  const rec = input.snapshot ? { value: current * SNAPSHOT_MARGIN[kind], lower: current, upper: current * SNAPSHOT_MARGIN[kind] * 1.5 } : strategy.recommend(now);
  if (!rec) return undefined;
  let method = input.snapshot ? 'snapshot' : policy.strategy === 'mora' ? 'moving-window' : policy.strategy;
  let base = rec.lower;
  let k = rec.lower > 0 ? rec.value / rec.lower : 1;
  let reason = '';
  if (input.snapshot) {
    k = SNAPSHOT_MARGIN[kind];
    reason = `current usage ${fmt(kind, current)} (metrics.k8s.io, one sample) × ${k.toFixed(2)}: no history to learn a margin or daily peaks from`;
  } else if (strategy instanceof MoraStrategy) {
    const e = strategy.explain(now)!;
    base = e.base; k = e.margin;
    const cal = e.calibrationDays > 0 ? `calibrated on ${e.calibrationDays} days of its own history` : 'prior margin: no day to calibrate on yet';
    // When the cap bound the margin (highest usage seen × the prior margin), the target is not what k buys: say the cap
    // and the risk it leaves instead of "for ≤1% OOM days".
    const capped = e.capped && e.expected > risk;
    // The target and the expected risk in the words every other surface uses (src/core/advice-text.ts): `≤0.15% of the
    // time above the request`, `≤1 OOM day in 667`, never a target rounded to another (`≤0.1%` for 0.0015).
    const what = kind === 'memory' ? '' : ' of the time above the request';
    const expected = kind === 'memory' ? oomDaysText(e.expected) : shareText(e.expected);
    const margin = capped
      ? `× ${k.toFixed(2)}, capped at the highest ${kind === 'memory' ? 'peak' : 'usage'} seen × the prior margin: ${expected.startsWith('<') ? '' : '≈'}${expected}${what} expected, above the ≤${targetText(kind, risk)} target`
      : `× ${k.toFixed(2)} for ≤${targetText(kind, risk)}${what}`;
    reason = kind === 'memory'
      ? `median daily peak of the last ${e.windowDays} days (at least yesterday's) ${margin} (${cal})`
      : `p${quantileText(risk)} of the last ${e.windowDays} days, recent hours weighted most (24 h half-life), ${margin} (${cal})`;
  } else {
    reason = `${policy.strategy} baseline`;
  }
  const forecastUsed = input.forecast?.trusted === true && policy.strategy === 'mora';
  // A stricter target never gives less: the rule at a less strict target gave more on this history (docs/ENGINE.md §
  // Risk). Said only when the raise changes the value as applied (after the extra margin, floor and rounding).
  const lifted = strategy instanceof MoraStrategy && !input.snapshot ? strategy.explain(now)?.lifted : undefined;
  if (lifted && !forecastUsed && finish(base * k * extra) > finish(lifted.from * extra)) {
    notes.push(`raised from ${fmt(kind, finish(lifted.from * extra))} to the value at the ${targetText(kind, lifted.target)} target: a stricter target never gives a lower value`);
  }
  // With a forecast, the need this target's own rule reads it at (held to its own window value): the stated risk is
  // this target's calibration at the applied value over that need, raised or not.
  let ownForecastBase: number | undefined;
  if (input.forecast) {
    if (forecastUsed) {
      // The forecast's need stands in for the base and is multiplied by a margin; each target's value is held to
      // FORECAST_MAX_RAISE × its window value. With `monotone` the value is the highest of the chain's (this target's and
      // those above it, each its own margin and window value) on the same need: non-increasing in the target, as the
      // window's values are (a need read at a stricter target's quantile is no lower, so that order holds too).
      const need = input.forecast.need;
      const chain = strategy instanceof MoraStrategy ? strategy.chainAt(now) : [];
      const own = chain[0] ?? { risk, margin: k, value: base * k };
      const at = (c: { margin: number; value: number }) => {
        const b = Math.min(need, (FORECAST_MAX_RAISE * c.value) / c.margin);
        return { b, v: b * c.margin };
      };
      let pick = own, best = at(own);
      for (const c of chain.slice(1)) { const x = at(c); if (x.v > best.v) { pick = c; best = x; } }
      const windowValue = pick.value;
      k = pick.margin; base = best.b;
      method = input.forecast.method;
      reason = `${input.forecast.method} forecast need ${fmt(kind, base)} × ${k.toFixed(2)}; ${input.forecast.reason}`;
      ownForecastBase = at(own).b;
      // The number named is this run's: the forecast need × that target's margin. That target's own run may give less
      // (it reads the need at its own quantile, or does not trust the forecast), so the note does not call it its value.
      if (pick !== own && finish(best.v * extra) > finish(at(own).v * extra)) {
        notes.push(`raised from ${fmt(kind, finish(at(own).v * extra))} (the forecast need × this target's ${own.margin.toFixed(2)}) to ${fmt(kind, finish(best.v * extra))} with the ${targetText(kind, pick.risk)} target's margin on the same need (× ${k.toFixed(2)}${base < need ? `, held to ${FORECAST_MAX_RAISE}× its window value` : ''}): a stricter target never gives a lower value`);
      }
      if (base < need) notes.push(`forecast need ${fmt(kind, need)} held to ${FORECAST_MAX_RAISE}× the moving window's value ${fmt(kind, windowValue)}${pick !== own ? ` at the ${targetText(kind, pick.risk)} target` : ''}: a jump that large needs a person's look`);
    } else {
      notes.push(`forecast not used: ${input.forecast.reason}`);
    }
  }
  let value = base * k * extra;

  const peak = max(usage.v);
  // Only kills within the history window count (an OOM months ago says nothing of today's sizing).
  const kills = kind === 'memory' ? (input.oomKills ?? []).filter((t) => t > now - policy.historyDays * DAY && t <= now) : [];
  if (kills.length > 0) {
    const used = Math.max(input.currentLimit ?? input.currentRequest ?? 0, peak);
    const needed = Math.max(used + 100 * MiB, used * 1.2);
    if (needed > value) {
      value = needed;
      notes.push(`${kills.length} OOM kill(s): raised to VPA's OOM rule max(used + 100Mi, used × 1.2) = ${fmt(kind, needed)}`);
    }
  }

  let raisedToFloor: ResourceResult['raisedToFloor'];
  if (value < qp.min) {
    // Far above what the container uses: the number is the policy's, not the workload's, and the verdict says so.
    if (qp.min > FLOOR_NOTE_RATIO * peak) raisedToFloor = { floor: qp.min, observedMax: peak };
    notes.push(`raised to the floor ${fmt(kind, qp.min)}${raisedToFloor ? ` (${peak > 0 ? `${(qp.min / peak).toFixed(1)}×` : 'far above'} the observed peak ${fmt(kind, peak)})` : ''}`);
  }
  if (value > qp.max) notes.push(`capped at ${fmt(kind, qp.max)}`);

  // The window's quantiles, off one sort (quantile() sorts on each call).
  const sortedUsage = finiteSorted(usage.v);
  const q = (p: number): number => (sortedUsage.length === 0 ? NaN : quantileSorted(sortedUsage, p));
  const step = medianStep(usage);
  const expected = Number.isFinite(step) && step > 0 ? Math.max(1, Math.round((usage.t[usage.t.length - 1] - usage.t[0]) / step) + 1) : usage.t.length;
  const completeness = Math.min(1, usage.t.length / expected);

  // Replay the same rule over the window: what the last weeks would have looked like.
  let replayEv: Evidence['replay'];
  if (replayDays >= 3) {
    const r = replayed ?? replayWith(strategyFor(policy.strategy, kind, { risk }));
    const s = summarize(r.days);
    if (s.days > 0) {
      // A day whose peak went above the value: an OOM kill for a memory limit, only an exceeded request for CPU.
      const above = Math.round((1 - s.oomFreeShare) * s.days);
      // An idle window's waste ratio is undefined (NaN, replay/score.ts); the evidence keeps the 0 it always showed.
      const wasteRatio = Number.isFinite(s.wasteRatio) ? s.wasteRatio : 0;
      replayEv = kind === 'memory'
        ? { days: s.days, exceedanceShare: s.exceedanceShare, oomDays: above, wasteRatio }
        : { days: s.days, exceedanceShare: s.exceedanceShare, daysAbove: above, wasteRatio };
    }
  }

  let request: Bounded;
  let limit: Bounded | undefined;
  const bounds = (v: number, lo: number, hi: number): Bounded => ({ value: finish(v), lower: Math.min(finish(v), finish(lo)), upper: Math.max(finish(v), finish(hi)) });
  if (kind === 'cpu') {
    // Upper: the window's p99 (what a cautious user would pick), so the band is informative even with a fixed margin.
    request = bounds(value, base, Math.max(rec.upper, q(0.99)) * extra);
    if (policy.cpuLimits) {
      // Guaranteed: limit = request. Burstable: room for the observed peak over the request.
      limit = policy.qos === 'Guaranteed' ? { ...request } : bounds(Math.max(value, peak * 1.15), value, Math.max(value, peak * 1.5));
    } else if (input.currentLimit !== undefined && input.currentLimit > 0 && request.value > input.currentLimit) {
      // The container's own CPU limit is kept (MOrA sets CPU limits only when asked), and Kubernetes rejects a request
      // above its limit: applying the need would fail (422) in a cluster and leave an invalid manifest in a file. The
      // limit already throttles the container there, so the request is held at it and the note says what to change.
      notes.push(`needs ${fmt(kind, request.value)}, above the CPU limit ${fmt(kind, input.currentLimit)} that is kept (CPU limits are set only with `
        + `--cpu-limits / mora.cpuLimits): the request is held at the limit, since Kubernetes rejects a request above its limit; the limit throttles `
        + 'the container there — raise it to give the container what it uses');
      request = { value: input.currentLimit, lower: Math.min(request.lower, input.currentLimit), upper: request.upper };
    }
  } else {
    limit = bounds(value, base, rec.upper * extra);
    if (policy.qos === 'Guaranteed') request = { ...limit };
    else {
      // Burstable memory: request what the pod typically holds (p95), limit at the learned peak.
      const req = Math.min(limit.value, roundUpTo(q(0.95) * extra, qp.step || 1));
      request = bounds(req, q(0.5), limit.value);
      request.value = Math.min(request.value, limit.value);
    }
  }

  const historyScore = Math.min(1, days / 7);
  const agreement = input.forecast?.agreement;
  // MOrA: the strategy's own confidence (calibration days, stability of its recent ratios, misses against the target:
  // calibration.ts) times the data's completeness and length. Baselines: how their replay over the window went.
  const replayScore = replayEv ? (kind === 'memory' ? 1 - (replayEv.oomDays ?? 0) / replayEv.days : 1 - Math.min(1, replayEv.exceedanceShare * 10)) : 0.5;
  const strategyScore = strategy instanceof MoraStrategy ? rec.confidence ?? 0.2 : Math.pow(Math.max(0.05, replayScore), 0.4);
  const confidence = input.snapshot ? SNAPSHOT_RESOURCE_CONFIDENCE : clamp01(Math.pow(completeness, 0.3) * Math.pow(historyScore, 0.3) * strategyScore * (agreement === undefined ? 1 : Math.pow(agreement, 0.2)));

  // A leak: daily peaks keep rising, so any limit is reached in time and the OOM kill only moves; the fix is the leak's.
  // The limit is never lowered below the current one then (a lower limit brings the kill sooner), and the risk is
  // stated as the time to the limit rather than a target-level OOM-day rate that the growth makes meaningless.
  let daysToLimit: number | undefined;
  let growth: ReturnType<typeof peakGrowth>;
  if (kind === 'memory' && limit && !input.snapshot) {
    growth = peakGrowth(usage);
    if (growth) {
      const cur = input.currentLimit;
      const keep = cur !== undefined && cur > 0 && cur > limit.value;
      if (keep) {
        notes.push(`limit kept at the current ${fmt(kind, cur)} rather than lowered to ${fmt(kind, limit.value)}: the daily peaks grow (a leak?), so a lower limit only brings the OOM kill sooner`);
        limit = { value: cur, lower: Math.min(limit.lower, cur), upper: Math.max(limit.upper, cur) };
        if (policy.qos === 'Guaranteed') request = { ...limit };
      }
      daysToLimit = Math.max(0, (limit.value - peak) / growth.perDay);
      notes.push(`daily peaks grow ~${fmt(kind, growth.perDay)}/day over ${growth.days} days (${Math.round(growth.agreement * 100)}% of day pairs rising): a leak? `
        + `At this rate the limit ${fmt(kind, limit.value)} is reached in ~${daysText(daysToLimit)}; the leak must be fixed — a limit only delays the OOM kill`);
    }
  }

  // The risk the applied value carries, by the calibration on the workload's own history: the final value (after the
  // policy's extra margin, the OOM rule, floors, caps and rounding) seen in the frame of the window's base. Floors and
  // rounding only raise the value, so they lower the expected risk; a cap can raise it.
  let riskEv: RiskStatement | undefined;
  if (!input.snapshot && strategy instanceof MoraStrategy) {
    const e = strategy.explain(now)!;
    const applied = kind === 'cpu' ? request.value : limit!.value;
    // This target's own calibration at the applied value (docs/ENGINE.md § Risk), raised or not; with a forecast the
    // margin over the need this target's own rule read (a raise keeps the need and moves the value up, so this is no
    // more than the unraised value's risk).
    const over = ownForecastBase ?? base;
    const inWindowFrame = over > 0 ? applied * (e.base / over) : applied;
    const expected = strategy.expectedAt(now, inWindowFrame);
    riskEv = { measure: kind === 'cpu' ? 'exceedance' : 'oom-days', target: risk, expected, calibrationDays: e.calibrationDays };
    if (growth && daysToLimit !== undefined) {
      // One OOM kill each time the leak refills the limit: about one OOM day per daysToLimit days (at least one a day).
      riskEv.expected = Math.max(riskEv.expected, 1 / Math.max(1, daysToLimit));
      riskEv.leak = { perDay: growth.perDay, daysToLimit };
    }
  }

  const evidence: Evidence = {
    observed: { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: peak, samples: usage.t.length, days },
    forecastPeak: input.forecast?.need,
    margin: k * extra - 1,
    method,
    reason,
    agreement,
    completeness,
    replay: replayEv,
    ...(riskEv ? { risk: riskEv } : {}),
    notes,
  };
  return { request, limit, confidence, evidence, window: usage, need: value, daysToLimit, raisedToFloor };
}

function correctThrottled(u: Series, th: Series, notes: string[]): Series {
  const v = Float64Array.from(u.v);
  let j = 0, n = 0;
  for (let i = 0; i < u.t.length; i++) {
    while (j < th.t.length - 1 && th.t[j] < u.t[i]) j++;
    const theta = th.t[j] === u.t[i] ? th.v[j] : 0;
    if (theta > 0.05) { v[i] *= 1 + Math.min(1, theta); n++; }
  }
  if (n > 0) notes.push(`CPU throttled in ${((100 * n) / u.t.length).toFixed(1)}% of samples: usage there is censored at the limit, raised by the throttled share`);
  return makeSeries(u.t, v);
}

function fmt(kind: ResourceKind, x: number): string {
  // Up to the next unit, but not by float noise: a rounded 2.035 cores is 2035m, not the 2036m of ceil(2035.0000000000002).
  return kind === 'cpu' ? `${Math.ceil(x * 1000 - 1e-6)}m` : `${Math.ceil(x / MiB - 1e-6)}Mi`;
}

function daysText(d: number): string {
  return d < 1 ? 'less than a day' : `${Math.round(d)} day${Math.round(d) === 1 ? '' : 's'}`;
}

/** A risk target as the other surfaces say it: CPU `0.15%` (targetShareText), memory `1 OOM day in 667` (targetOomDaysText). */
function targetText(kind: ResourceKind, x: number): string {
  return kind === 'memory' ? targetOomDaysText(x) : targetShareText(x);
}

/**
 * The quantile a CPU target reads, to as many digits as its target says (targetShareText): 0.05 → `95`, 0.0015 → `99.85`
 * (not `99.9`, a 0.1% target's), 0.00015 → `99.985`.
 */
function quantileText(risk: number): string {
  return `${Number((100 - Number((100 * risk).toPrecision(3))).toFixed(10))}`;
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : Number.isFinite(x) ? x : 0;
}
