/**
 * The embedded demo as a DataSource: the "demo" context with one namespace of eleven services and 14 days of
 * 1-minute metrics. Deterministic for a given seed; metrics are generated on first use and cached.
 */
import { parseQuantity } from '../../core/quantity';
import { Rng } from '../../core/random';
import type { Workload } from '../../core/workload';
import type { DataSource, MetricFrame, MetricTarget, SourceHealth, TimeRange } from '../datasource';
import { generateService, timeGrid, trafficShape, type DemoOptions, type ServiceMetrics } from './generator';
import { DEMO_CONTEXT, DEMO_NAMESPACE, DEMO_SERVICES, FRONTEND_BASE_RPS, type ServiceProfile } from './services';

export { DEMO_CONTEXT, DEMO_NAMESPACE, DEMO_SERVICES } from './services';
export { demoManifests } from './manifests';

/** A fixed end (2026-11-23 00:00 UTC, a Monday) keeps demo output identical from run to run and machine to machine. */
export const DEMO_END = Date.UTC(2026, 10, 23) / 1000;

export const DEFAULT_DEMO_OPTIONS: DemoOptions = { seed: 20260, end: DEMO_END, days: 14, step: 60 };

function hashName(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function demoWorkload(p: ServiceProfile): Workload {
  const q = (s: string | undefined, what: string) => (s === undefined ? undefined : parseQuantity(s, what));
  return {
    context: DEMO_CONTEXT,
    namespace: DEMO_NAMESPACE,
    kind: p.kind,
    name: p.name,
    replicas: p.replicas,
    labels: { app: p.name },
    containers: [{
      name: 'server',
      image: p.image,
      resources: {
        requests: { cpu: q(p.requests.cpu, 'cpu'), memory: q(p.requests.memory, 'memory') },
        limits: { cpu: q(p.limits.cpu, 'cpu'), memory: q(p.limits.memory, 'memory') },
      },
    }],
    hpa: p.hpa ? { ...p.hpa } : undefined,
  };
}

export class DemoDataSource implements DataSource {
  readonly kind = 'demo' as const;
  private readonly grid: Float64Array;
  private traffic: Float64Array | undefined;
  private readonly cache = new Map<string, ServiceMetrics>();

  constructor(private readonly options: DemoOptions = DEFAULT_DEMO_OPTIONS) {
    this.grid = timeGrid(options);
  }

  async contexts(): Promise<string[]> {
    return [DEMO_CONTEXT];
  }

  async namespaces(context: string): Promise<string[]> {
    return context === DEMO_CONTEXT ? [DEMO_NAMESPACE] : [];
  }

  async workloads(context: string, namespace: string): Promise<Workload[]> {
    if (context !== DEMO_CONTEXT || namespace !== DEMO_NAMESPACE) return [];
    return DEMO_SERVICES.map(demoWorkload);
  }

  async historyRange(_target?: MetricTarget): Promise<TimeRange> {
    return { from: this.grid[0], to: this.grid[this.grid.length - 1] + this.options.step, step: this.options.step };
  }

  async health(): Promise<SourceHealth> {
    return { ok: true, message: 'Embedded demo data (no cluster needed)' };
  }

  /** All 12 metrics of a service over the whole history (synchronous; used by the CLI and tests). */
  serviceMetrics(name: string): ServiceMetrics {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const profile = DEMO_SERVICES.find((p) => p.name === name);
    if (!profile) throw new Error(`demo: no service named "${name}"`);
    this.traffic ??= trafficShape(this.grid, new Rng(this.options.seed), this.options.step);
    const w = demoWorkload(profile);
    const r = w.containers[0].resources;
    const m = generateService(
      profile,
      { requestCpu: r.requests.cpu, limitCpu: r.limits.cpu, requestMemory: r.requests.memory, limitMemory: r.limits.memory },
      this.grid, this.traffic, FRONTEND_BASE_RPS, new Rng(this.options.seed ^ hashName(name)), this.options.step,
    );
    this.cache.set(name, m);
    return m;
  }

  async metrics(target: MetricTarget, range: TimeRange): Promise<MetricFrame> {
    const m = this.serviceMetrics(target.workload.name);
    // Resample by taking the last sample at or before each grid point: the demo grid is regular, so this is exact when steps align.
    const step = Math.max(range.step, this.options.step);
    const n = Math.max(0, Math.floor((range.to - range.from) / step));
    const t = new Float64Array(n);
    const values: MetricFrame['values'] = {};
    // At the grid's own step and on a grid point (the whole history, as the forecast view and the engine read it) the
    // resampling is a copy: one memcpy per metric instead of a division per sample (12 × 20,160 of them took ~10 ms on
    // the extension host's thread per read).
    const offset = (range.from - this.grid[0]) / this.options.step;
    const aligned = step === this.options.step && Number.isInteger(offset);
    for (const [name, src] of Object.entries(m.values)) {
      const out = new Float64Array(n);
      if (aligned) {
        const from = Math.max(0, -offset);
        const to = Math.min(n, src.length - offset);
        if (from > 0) out.fill(NaN, 0, from);
        if (to > from) out.set(src.subarray(offset + from, offset + to), from);
        if (to < n) out.fill(NaN, Math.max(from, to));
      } else {
        for (let i = 0; i < n; i++) {
          const ts = range.from + i * step;
          const j = Math.floor((ts - this.grid[0]) / this.options.step);
          out[i] = j >= 0 && j < src.length ? src[j] : NaN;
        }
      }
      values[name as keyof MetricFrame['values']] = out;
    }
    for (let i = 0; i < n; i++) t[i] = range.from + i * step;
    return { t, step, values };
  }
}
