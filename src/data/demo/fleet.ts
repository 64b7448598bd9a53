/**
 * The demo shop at fleet scale: N workloads shaped like the demo's eleven services (their profiles cycled), each with its
 * own seed, its own traffic noise and a load ×e^N(0, 0.8) — bench:fleet's generator as a DataSource, so the real
 * recommendation pipeline can run on 1,000 workloads (`npm run bench:fleet -- --recommend 1000`).
 *
 * Metrics are generated on each read and never cached: 1,000 workloads × 12 metrics × 14 days at 5 minutes would be
 * ~390 MB held; regenerating one workload takes a few milliseconds.
 */
import { Rng } from '../../core/random';
import type { Workload } from '../../core/workload';
import type { DataSource, MetricFrame, MetricTarget, SourceHealth, TimeRange } from '../datasource';
import { generateService, timeGrid, trafficShape, type DemoOptions } from './generator';
import { DEMO_SERVICES, FRONTEND_BASE_RPS } from './services';
import { DEFAULT_DEMO_OPTIONS, demoWorkload } from './index';

export interface DemoFleetOptions extends DemoOptions {
  workloads: number;
  /** Workloads per namespace (namespaces `fleet-000`, `fleet-001`, …). */
  perNamespace: number;
  context: string;
}

export const DEFAULT_FLEET_OPTIONS: DemoFleetOptions = { ...DEFAULT_DEMO_OPTIONS, step: 300, workloads: 1000, perNamespace: 100, context: 'demo-fleet' };

export class DemoFleetDataSource implements DataSource {
  readonly kind = 'demo' as const;
  private readonly o: DemoFleetOptions;
  private readonly grid: Float64Array;
  private readonly list: Workload[];

  constructor(options: Partial<DemoFleetOptions> = {}) {
    this.o = { ...DEFAULT_FLEET_OPTIONS, ...options };
    if (!(Number.isInteger(this.o.workloads) && this.o.workloads >= 1)) throw new Error(`demo fleet: workloads must be a whole number ≥ 1, got ${this.o.workloads}`);
    this.grid = timeGrid(this.o);
    this.list = Array.from({ length: this.o.workloads }, (_, i) => {
      const w = demoWorkload(DEMO_SERVICES[i % DEMO_SERVICES.length]);
      return { ...w, context: this.o.context, namespace: this.namespaceOf(i), name: `${w.name}-${String(i).padStart(4, '0')}`, labels: { app: w.name, fleet: String(i) } };
    });
  }

  private namespaceOf(i: number): string {
    return `fleet-${String(Math.floor(i / this.o.perNamespace)).padStart(3, '0')}`;
  }

  async contexts(): Promise<string[]> {
    return [this.o.context];
  }

  async namespaces(context: string): Promise<string[]> {
    if (context !== this.o.context) return [];
    return [...new Set(this.list.map((w) => w.namespace))];
  }

  async workloads(context: string, namespace: string): Promise<Workload[]> {
    return this.list.filter((w) => w.context === context && w.namespace === namespace);
  }

  async historyRange(_target?: MetricTarget): Promise<TimeRange> {
    return { from: this.grid[0], to: this.grid[this.grid.length - 1] + this.o.step, step: this.o.step };
  }

  async health(): Promise<SourceHealth> {
    return { ok: true, message: `Demo fleet: ${this.o.workloads} generated workloads (no cluster needed)` };
  }

  async metrics(target: MetricTarget, range: TimeRange): Promise<MetricFrame> {
    const i = this.list.findIndex((w) => w.namespace === target.workload.namespace && w.name === target.workload.name);
    if (i < 0) throw new Error(`demo fleet: no workload ${target.workload.namespace}/${target.workload.name}`);
    // As bench:fleet: the workload's own seed drives its traffic noise, its load multiplier and its metrics.
    const rng = new Rng(this.o.seed + 7919 * (i + 1));
    const base = DEMO_SERVICES[i % DEMO_SERVICES.length];
    const profile = { ...base, fanout: base.fanout * Math.exp(0.8 * rng.normal()) };
    const r = this.list[i].containers[0].resources;
    const traffic = trafficShape(this.grid, rng, this.o.step);
    const m = generateService(profile, { requestCpu: r.requests.cpu, limitCpu: r.limits.cpu, requestMemory: r.requests.memory, limitMemory: r.limits.memory },
      this.grid, traffic, FRONTEND_BASE_RPS, rng, this.o.step);
    const step = Math.max(range.step, this.o.step);
    const n = Math.max(0, Math.floor((range.to - range.from) / step));
    const t = new Float64Array(n);
    const values: MetricFrame['values'] = {};
    for (const [name, src] of Object.entries(m.values)) {
      const out = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        const j = Math.floor((range.from + k * step - this.grid[0]) / this.o.step);
        out[k] = j >= 0 && j < src.length ? src[j] : NaN;
      }
      values[name as keyof MetricFrame['values']] = out;
    }
    for (let k = 0; k < n; k++) t[k] = range.from + k * step;
    return { t, step, values };
  }
}
