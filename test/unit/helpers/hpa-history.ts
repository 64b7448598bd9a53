/**
 * Load drawn under an HPA on CPU, for the replica tests (replicas-hpa-pod-size, replicas-hpa-idle-room): 14 days ending
 * at HPA_NOW, every 5 min; the count follows the load of the sample before (its lag) at 70% of `request` (2–40 pods);
 * per-pod CPU = idle + perRps × load per pod (± 5%); a daily wave of ±60% around 100 req/s and rare bursts.
 */
import { Rng } from '../../../src/core/random';
import { series, type Series } from '../../../src/core/series';

export const DAY = 86400;
export const HPA_NOW = 30 * DAY;
/** The HPA's CPU target the load was drawn under. */
export const HPA_UTIL = 0.7;

export interface HpaHistory { rps: Series; ready: Series; cpu: Series }

export function hpaHistory(seed: number, request: number, idle: number, perRps: number): HpaHistory {
  const rng = new Rng(seed);
  const t: number[] = [], rps: number[] = [], ready: number[] = [], cpu: number[] = [];
  let prev = 100;
  for (let x = HPA_NOW - 14 * DAY; x < HPA_NOW; x += 300) {
    const burst = rng.next() < 0.01 ? 0.6 * rng.next() : 0;
    const l = Math.max(0, 100 * (1 + 0.6 * Math.sin((2 * Math.PI * x) / DAY) + burst + 0.08 * rng.normal()));
    const r = Math.min(40, Math.max(2, Math.ceil((perRps * prev) / (HPA_UTIL * request - idle))));
    t.push(x); rps.push(l); ready.push(r); cpu.push(Math.max(0, (idle + (perRps * l) / r) * (1 + 0.05 * rng.normal())));
    prev = l;
  }
  return { rps: series(t, rps), ready: series(t, ready), cpu: series(t, cpu) };
}

/** The p-quantile of sorted values (the sample at floor(p·n)). */
export const sortedQuantile = (sorted: Float64Array, p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
