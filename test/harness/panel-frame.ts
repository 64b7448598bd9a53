// A forecast-view frame of generated metrics (a daily cycle plus noise) for the tests of the view's panel models.
import { Rng } from '../../src/core/random';
import type { PanelFrame } from '../../src/views/forecast-panels';

const DAY = 86400;
const STEP = 300;

/** `days` of 5-minute samples of the four metrics the panels draw, starting at a UTC midnight. */
export function panelFrame(seed: number, days = 8): PanelFrame & { values: Record<string, Float64Array> } {
  const rng = new Rng(seed);
  const n = (days * DAY) / STEP;
  const t = Float64Array.from({ length: n }, (_, i) => 1_790_000_000 - (1_790_000_000 % DAY) + i * STEP);
  const day = (i: number) => Math.sin((2 * Math.PI * (t[i] % DAY)) / DAY);
  return {
    t,
    values: {
      cpu_usage: Float64Array.from({ length: n }, (_, i) => 0.15 + 0.05 * day(i) + 0.01 * rng.normal()),
      memory_working_set: Float64Array.from({ length: n }, (_, i) => 3e8 + 2e7 * day(i) + 1e6 * rng.normal()),
      request_rate: Float64Array.from({ length: n }, (_, i) => 50 + 20 * day(i) + rng.normal()),
      ready_replicas: new Float64Array(n).fill(3),
    },
  };
}
