/**
 * A fleet of demo-style workloads for benches and the warm-start pool: the demo shop's profiles cycled over N workloads,
 * 14 days at 5 min, each with its own seed (`seed + stride · (i + 1)`) and load ×e^N(0, 0.8), so no two are alike.
 */
import { Rng } from '../../src/core/random';
import { DEFAULT_DEMO_OPTIONS, demoWorkload } from '../../src/data/demo';
import { generateService, timeGrid, trafficShape } from '../../src/data/demo/generator';
import { DEMO_SERVICES, FRONTEND_BASE_RPS } from '../../src/data/demo/services';

export interface DemoFleetWorkload {
  /** The demo service whose profile this workload scales. */
  service: string;
  t: Float64Array;
  values: ReturnType<typeof generateService>['values'];
}

export function demoFleetWorkloads(N: number, seed: number, stride: number): DemoFleetWorkload[] {
  const opts = { ...DEFAULT_DEMO_OPTIONS, step: 300, seed };
  const grid = timeGrid(opts);
  const out: DemoFleetWorkload[] = [];
  for (let i = 0; i < N; i++) {
    const rng = new Rng(opts.seed + stride * (i + 1));
    const base = DEMO_SERVICES[i % DEMO_SERVICES.length];
    const profile = { ...base, fanout: base.fanout * Math.exp(0.8 * rng.normal()) };
    const r = demoWorkload(base).containers[0].resources;
    const traffic = trafficShape(grid, rng, opts.step);
    const m = generateService(profile, { requestCpu: r.requests.cpu, limitCpu: r.limits.cpu, requestMemory: r.requests.memory, limitMemory: r.limits.memory }, grid, traffic, FRONTEND_BASE_RPS, rng, opts.step);
    out.push({ service: base.name, t: grid, values: m.values });
  }
  return out;
}
