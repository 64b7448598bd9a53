/**
 * What a user chooses about how MOrA sizes: QoS class, margins, CPU limits on/off, history window, rounding steps,
 * floors and caps, and which strategy computes the values (MOrA by default; the faithful baselines for comparison).
 */
import { DEFAULT_CPU_POLICY, DEFAULT_MEMORY_POLICY, type QuantityPolicy } from '../../core/quantity';
import type { QosClass } from '../../core/recommendation';
import type { RiskAllotment } from './fleet-risk';

export type EngineStrategy = 'mora' | 'vpa' | 'krr' | 'autopilot';

/** Default risk targets: CPU request exceeded 5% of the time; memory limit exceeded on 1 day in 100. */
export const DEFAULT_RISK = { cpu: 0.05, memory: 0.01 } as const;
/** Accepted range of a risk target (a share, not a percentage). */
export const RISK_RANGE = { min: 0.001, max: 0.5 } as const;

export interface Policy {
  /** Guaranteed: requests = limits (CPU limit forced on). Burstable: memory request below its limit, CPU limit optional. */
  qos: QosClass;
  /**
   * The risk the user accepts, which MOrA's rule is calibrated to keep (docs/ENGINE.md § Risk):
   * cpuRisk — share of time usage may exceed the CPU request; memoryRisk — share of days whose peak may exceed the
   * memory limit (an OOM day). Baselines (VPA, KRR, Autopilot) ignore them: their percentiles are fixed.
   */
  cpuRisk: number;
  memoryRisk: number;
  /**
   * A fleet risk budget (`mora recommend --risk-scope fleet`): each container's own targets, allotted so that their mean
   * over the workloads in scope is cpuRisk / memoryRisk (fleet-risk.ts). Undefined: every container at the targets.
   */
  riskAllotment?: RiskAllotment;
  /** Extra multiplicative margin on top of what the strategy learned, e.g. 0.1 = +10%. */
  cpuMargin: number;
  memoryMargin: number;
  /** Set CPU limits (Burstable only; Guaranteed always sets them). Off by default: CPU limits throttle and rarely help. */
  cpuLimits: boolean;
  /** Days of history the recommendation uses. */
  historyDays: number;
  /** Rounding step, floor and cap per pod resource (floors are per pod and split over its containers). */
  cpu: QuantityPolicy;
  memory: QuantityPolicy;
  strategy: EngineStrategy;
  /** HPA target CPU utilisation advised (0..1) when the workload has an HPA or replicas are derived from CPU. */
  targetCpuUtilization: number;
}

export const DEFAULT_POLICY: Policy = {
  qos: 'Burstable',
  cpuRisk: DEFAULT_RISK.cpu,
  memoryRisk: DEFAULT_RISK.memory,
  cpuMargin: 0,
  memoryMargin: 0,
  cpuLimits: false,
  historyDays: 14,
  cpu: DEFAULT_CPU_POLICY,
  memory: DEFAULT_MEMORY_POLICY,
  strategy: 'mora',
  targetCpuUtilization: 0.7,
};

export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

/** Merges and validates; every error names the setting and the accepted range. */
export function resolvePolicy(p: Partial<Policy> = {}): Policy {
  const out: Policy = { ...DEFAULT_POLICY, ...p, cpu: { ...DEFAULT_CPU_POLICY, ...p.cpu }, memory: { ...DEFAULT_MEMORY_POLICY, ...p.memory } };
  if (out.qos !== 'Guaranteed' && out.qos !== 'Burstable') throw new PolicyError(`qos must be Guaranteed or Burstable, got "${out.qos}"`);
  for (const k of ['cpuMargin', 'memoryMargin'] as const) {
    if (!(out[k] >= 0 && out[k] <= 10)) throw new PolicyError(`${k} must be between 0 and 10 (a fraction: 0.1 = +10%), got ${out[k]}`);
  }
  for (const k of ['cpuRisk', 'memoryRisk'] as const) {
    if (!(out[k] >= RISK_RANGE.min && out[k] <= RISK_RANGE.max)) throw new PolicyError(`${k} must be between ${RISK_RANGE.min} and ${RISK_RANGE.max} (a share: 0.05 = 5%), got ${out[k]}`);
  }
  if (!(out.historyDays >= 1 && out.historyDays <= 90)) throw new PolicyError(`historyDays must be between 1 and 90, got ${out.historyDays}`);
  if (!(out.targetCpuUtilization > 0 && out.targetCpuUtilization <= 1)) throw new PolicyError(`targetCpuUtilization must be in (0, 1], got ${out.targetCpuUtilization}`);
  for (const k of ['cpu', 'memory'] as const) {
    const q = out[k];
    if (!(q.step >= 0) || !(q.min >= 0) || !(q.max > 0) || q.min > q.max) throw new PolicyError(`${k} rounding/floor/cap invalid: step ${q.step}, min ${q.min}, max ${q.max}`);
  }
  if (out.qos === 'Guaranteed') out.cpuLimits = true;
  return out;
}
