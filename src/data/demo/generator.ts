/**
 * Deterministic generator of the demo shop's 12 metrics per service (docs/DEMO.md).
 * Traffic: daily and weekly seasonality, a growth trend, autocorrelated noise and short bursts; each service
 * turns its share of the traffic into CPU, memory, network, errors and latency through its profile.
 * Per-pod metrics (CPU, memory, network, throttling, latency) are pod averages; request/error rates and ready
 * replicas are per service.
 */
import { METRIC_NAMES, type MetricName } from '../../core/metrics';
import { Rng } from '../../core/random';
import type { ServiceProfile } from './services';

export interface DemoOptions {
  seed: number;
  /** Last timestamp of the history (exclusive), Unix seconds. */
  end: number;
  days: number;
  /** Seconds between samples. */
  step: number;
}

export interface ServiceMetrics {
  readonly t: Float64Array;
  readonly values: Readonly<Record<MetricName, Float64Array>>;
}

const DAY = 86400;

/** Frontend load multiplier for each sample: seasonality × trend × noise × bursts. Shared by all services. */
export function trafficShape(t: Float64Array, rng: Rng, step: number): Float64Array {
  const out = new Float64Array(t.length);
  const t0 = t[0];
  // AR(1) in log space: strongly autocorrelated minute to minute, ~8% stationary deviation.
  const phi = Math.pow(0.97, step / 60);
  const sigma = 0.08 * Math.sqrt(1 - phi * phi);
  let noise = 0;
  let burst = 0;
  const burstsPerStep = (1.6 / DAY) * step;
  const burstDecay = Math.pow(0.85, step / 60);
  for (let i = 0; i < t.length; i++) {
    const hour = ((t[i] % DAY) + DAY) % DAY / 3600;
    // Peak at 14:00 UTC, trough around 03:00, with a second harmonic for a sharper evening shoulder.
    const daily = 1 + 0.55 * Math.cos((2 * Math.PI * (hour - 14)) / 24) + 0.1 * Math.cos((4 * Math.PI * (hour - 19)) / 24);
    // 1970-01-01 was a Thursday: days since a Monday = (days + 3) mod 7. Busiest mid-week, quietest on Sunday.
    const dow = ((((t[i] / DAY) + 3) % 7) + 7) % 7;
    const weekly = 1 + 0.14 * Math.cos((2 * Math.PI * (dow - 2.5)) / 7);
    const trend = 1 + 0.012 * ((t[i] - t0) / DAY);
    noise = phi * noise + sigma * rng.normal();
    if (rng.next() < burstsPerStep) burst += 0.5 + rng.next();
    burst *= burstDecay;
    out[i] = Math.max(0.02, daily * weekly * trend * Math.exp(noise) * (1 + burst));
  }
  return out;
}

export interface ResolvedResources {
  requestCpu?: number;
  limitCpu?: number;
  requestMemory?: number;
  limitMemory?: number;
}

export function generateService(
  profile: ServiceProfile,
  resources: ResolvedResources,
  t: Float64Array,
  traffic: Float64Array,
  frontendBaseRps: number,
  rng: Rng,
  step: number,
): ServiceMetrics {
  const n = t.length;
  const v = Object.fromEntries(METRIC_NAMES.map((m) => [m, new Float64Array(n)])) as Record<MetricName, Float64Array>;
  const cpuCap = resources.limitCpu ?? Infinity;
  let replicas = profile.replicas;
  let lastScaleUp = -Infinity;
  const stepsPerMinute = 60 / step;
  // A rolling restart once in the history takes one replica out for a few minutes (multi-replica services only).
  const rolloutAt = profile.replicas > 1 ? Math.floor(n * (0.3 + 0.4 * rng.next())) : -1;
  const rolloutLen = Math.round(6 * stepsPerMinute);
  for (let i = 0; i < n; i++) {
    const rps = Math.max(0, frontendBaseRps * profile.fanout * traffic[i] * (1 + 0.04 * rng.normal()));
    if (profile.hpa) {
      // HPA semantics: desired = ceil(current × utilisation / target), 10% tolerance, 5-minute scale-down stabilisation.
      const perPodDemand = profile.cpuIdle + (profile.cpuPerRequest * rps) / replicas;
      const util = perPodDemand / (resources.requestCpu ?? perPodDemand);
      const ratio = util / profile.hpa.targetCpuUtilization;
      if (Math.abs(ratio - 1) > 0.1) {
        const desired = Math.min(profile.hpa.maxReplicas, Math.max(profile.hpa.minReplicas, Math.ceil(replicas * ratio)));
        if (desired > replicas) { replicas = desired; lastScaleUp = i; }
        else if (desired < replicas && i - lastScaleUp > 5 * stepsPerMinute) replicas = desired;
      }
    }
    const ready = rolloutAt >= 0 && i >= rolloutAt && i < rolloutAt + rolloutLen ? replicas - 1 : replicas;
    const perPodRps = rps / ready;
    const demand = (profile.cpuIdle + profile.cpuPerRequest * perPodRps) * (1 + 0.06 * rng.normal());
    const cpu = Math.max(0.0005, Math.min(demand, cpuCap * (0.98 + 0.02 * rng.next())));
    const throttling = Number.isFinite(cpuCap) ? clamp01((demand / cpuCap - 0.7) / 0.5) : 0;
    const hours = (t[i] - t[0]) / 3600;
    let mem = profile.memoryBase + profile.memoryPerRps * perPodRps;
    if (profile.gc) {
      const phase = ((t[i] / 60) % profile.gc.periodMinutes) / profile.gc.periodMinutes;
      mem += profile.gc.amplitude * phase;
    }
    if (profile.leakPerHour) mem += profile.leakPerHour * hours;
    mem *= 1 + 0.01 * rng.normal();
    // Saturation: errors and latency climb as the CPU demand approaches what the pod may use.
    const capacity = Number.isFinite(cpuCap) ? cpuCap : (resources.requestCpu ?? 1) * 2;
    const rho = Math.min(0.97, demand / capacity);
    const saturation = clamp01((demand / capacity - 0.85) / 0.3);
    const queueing = 1 + (0.35 * rho) / (1 - rho);
    const p50 = profile.latencyBase * queueing * (1 + 0.05 * rng.normal());
    v.cpu_usage[i] = cpu;
    v.cpu_throttling_ratio[i] = Math.min(1, throttling * (0.9 + 0.2 * rng.next()));
    v.memory_working_set[i] = mem;
    v.memory_rss[i] = mem * 1.07 + 4 * 1024 * 1024;
    v.network_rx[i] = perPodRps * profile.bytesIn * (1 + 0.05 * rng.normal());
    v.network_tx[i] = perPodRps * profile.bytesOut * (1 + 0.05 * rng.normal());
    v.request_rate[i] = rps;
    v.error_rate[i] = rps * (0.0008 + 0.06 * saturation ** 2) * (0.5 + rng.next());
    v.latency_p50[i] = Math.max(profile.latencyBase * 0.5, p50);
    v.latency_p95[i] = v.latency_p50[i] * (2.1 + 0.3 * rng.next()) * (1 + throttling);
    v.latency_p99[i] = v.latency_p95[i] * (1.5 + 0.3 * rng.next()) * (1 + throttling);
    v.ready_replicas[i] = ready;
  }
  for (const m of METRIC_NAMES) for (let i = 0; i < n; i++) if (v[m][i] < 0) v[m][i] = 0;
  return { t, values: v };
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

export function timeGrid(options: DemoOptions): Float64Array {
  const n = Math.round((options.days * DAY) / options.step);
  const t = new Float64Array(n);
  const start = options.end - n * options.step;
  for (let i = 0; i < n; i++) t[i] = start + i * options.step;
  return t;
}
