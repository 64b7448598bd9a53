/**
 * Experiment plan files (`*.mora-plan.yaml`, `.yml` or `.json`; JSON is read as the YAML subset it is, so both get
 * line numbers in errors): several services, each with a target URL (or a JMeter `.jmx`), replica counts, load levels,
 * a scenario, duration, warm-up, cool-down and a latency SLO; a rate cap and the hosts that may receive load.
 * schemas/experiment-plan.schema.json describes the same format for editors; this module is what MOrA enforces.
 *
 * A plan expands to cells, one per service × replica count × load level, in that order (so a workload is scaled once
 * per replica count). Everything a cell sends is known before anything is sent: `expandPlan` gives the cells and the
 * total requests for the confirmation a caller shows first.
 *
 * Scenarios shape the asked rate within a cell (`cellSchedule`); the level is always the cell's peak rate:
 * - constant: the level for warm-up + duration;
 * - step: four equal steps over the duration, level/4, level/2, 3·level/4, level (warm-up at level/4);
 * - ramp: a staircase of five steps from level/5 up to the level over the duration (warm-up at level/5);
 * - spike: level/4, with the middle fifth of the duration at the level (warm-up at level/4).
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { WorkloadKind } from '../../core/workload';
import type { LoadStats } from './load';
import { InputError } from '../timeseries-csv';
import { redact } from '../prometheus/errors';
import { JMX_WARMUP_LABEL } from './jmx-template';
import { MIN_ACHIEVED_SHARE } from './thresholds';

export const SCENARIOS = ['constant', 'step', 'ramp', 'spike'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet'];

/** Latency objective a cell must meet for its load to count as sustainable (client-side latency of the driver). */
export interface Slo {
  latencyP95Ms?: number;
  latencyP99Ms?: number;
}

/** Thresholds of the per-cell quality gate (docs/EXPERIMENTS.md § Quality gate). */
export interface QualityThresholds {
  /** Share of the expected samples each required metric must have in the judged window. Default 0.8. */
  minCompleteness: number;
  /** Largest coefficient of variation of a metric in the judged window, over the asked rate's own CV. Default 0.5. */
  maxCv: number;
  /** Achieved ÷ asked rate below which a cell that met its SLO failed to generate its load. Default 0.9. */
  minAchievedShare: number;
  /** Largest share of failed requests (errors, timeouts, non-2xx). Default 0.05. */
  maxErrorShare: number;
}

export const DEFAULT_QUALITY: QualityThresholds = { minCompleteness: 0.8, maxCv: 0.5, minAchievedShare: MIN_ACHIEVED_SHARE, maxErrorShare: 0.05 };

export interface PlanWorkload {
  namespace: string;
  kind: WorkloadKind;
  name: string;
  container?: string;
  /**
   * The kubeconfig context (cluster) the workload is scaled in. Without it, the run's: the CLI's --context, else the
   * kubeconfig's current context — which VS Code's confirmation names before anything is sent.
   */
  context?: string;
}

export interface PlanService {
  name: string;
  /** http(s) URL the load goes to (with `jmx`, passed to JMeter as the properties host, port, protocol and path). */
  target?: string;
  /** JMeter test plan, resolved against the plan file's folder. */
  jmx?: string;
  replicas: number[];
  /** Requests per second (each cell's peak rate). */
  levels: number[];
  scenario: Scenario;
  durationSeconds: number;
  warmupSeconds: number;
  cooldownSeconds: number;
  slo: Slo;
  /** Scaled to each replica count (needs a kubeconfig); its CPU/memory read from cAdvisor unless `resources: process`. */
  workload?: PlanWorkload;
  /** Where CPU and memory come from: cAdvisor (a workload's containers) or the process_* metrics of the target. */
  resources: 'cadvisor' | 'process';
  /** PromQL label matchers of the service's series; default instance="<host:port of target>". */
  selector?: string;
  /** Concurrent connections of the built-in generator (default: rate / 10, at least 1). */
  connections?: number;
}

export interface ExperimentPlan {
  /** Names the experiment's files (`<name>.csv`, `<name>.json`); default the plan file's name without `.mora-plan.*`. */
  name: string;
  prometheusUrl: string;
  scrapeIntervalSeconds: number;
  /** No cell may ask for more requests per second than this. */
  rateCap: number;
  /** Hosts (name or IP, lower case) besides loopback that may receive load. */
  allowedHosts: string[];
  /** Folder of the experiment's CSV and JSON, resolved against the plan file's folder. */
  outDir: string;
  quality: QualityThresholds;
  services: PlanService[];
  /** The file the plan came from, when it came from one. */
  file?: string;
}

/** One stretch of a cell's load at a constant asked rate. */
export interface RateSegment {
  rate: number;
  seconds: number;
  /** Part of the warm-up: sent, not measured. */
  warmup: boolean;
}

/** One service at one replica count at one load level. */
export interface PlanCell {
  /** Stable across runs of the same plan: `<service>/r<replicas>/l<level>`. */
  id: string;
  index: number;
  service: string;
  replicas: number;
  level: number;
  scenario: Scenario;
  durationSeconds: number;
  warmupSeconds: number;
  cooldownSeconds: number;
  target?: string;
  jmx?: string;
  slo: Slo;
  workload?: PlanWorkload;
  resources: 'cadvisor' | 'process';
  selector?: string;
  connections?: number;
  /** The asked rate over time: warm-up segments first, then the measured duration. */
  schedule: RateSegment[];
  /** Requests the schedule asks for (warm-up included). */
  requests: number;
}

export interface PlanExpansion {
  cells: PlanCell[];
  totalRequests: number;
  /** Load time (with the start allowance of a hand-written .jmx's cells) plus cool-downs, without scaling and Prometheus reads. */
  totalSeconds: number;
}

/**
 * What a load driver reports for one cell: the measured window only, after the warm-up (the built-in driver counts
 * the answers that arrive in it, so a saturated service's achieved rate is its throughput; JMeter the requests that
 * start in it — the same at a steady rate).
 */
export interface CellLoadResult extends LoadStats {
  /** Requests answered per second over the measured window (durationSeconds is that window's length). */
  achievedRate: number;
  latencyP95Ms: number;
  /** Which generator, e.g. "autocannon 8.0.0" or "jmeter 5.6.3" (recorded in the experiment JSON). */
  driver: string;
  /**
   * Unix seconds when the cell's clock started (its warm-up, then its measured time), from a driver whose load starts
   * well after it is called (JMeter: its JVM takes seconds; the first request, or for a .jmx without MOrA's warm-up
   * request the time its start allowance ended, jmeter.ts); the runner aligns the cell's Prometheus rows and warm-up to
   * it. Absent: the call.
   */
  loadStartedAt?: number;
}

export interface CellLoadRequest {
  cell: PlanCell;
  /** The cell's target URL (credentials included: use, never store). */
  url?: string;
  /** Absolute path of the cell's .jmx. */
  jmx?: string;
  signal?: AbortSignal;
  /** A folder the driver may write scratch files to (e.g. JMeter's JTL); it belongs to this cell's run. */
  workDir?: string;
}

/**
 * Drives one cell's load: follows `cell.schedule` (the asked rate over time), counts only the measured window after
 * the warm-up segments, and stops early on `signal` (then `aborted: true`). The built-in driver is autocannon
 * (cell-load.ts); a JMeter driver runs `.jmx` cells.
 */
export type CellLoadDriver = (req: CellLoadRequest) => Promise<CellLoadResult>;

/** An error in a plan file, with the file, line and field it is about. */
export class PlanError extends InputError {
  constructor(message: string, readonly file?: string, readonly line?: number, readonly field?: string) {
    super(message);
    this.name = 'PlanError';
  }
}

/** "20s", "2m", "1m30s", "500ms" or a number of seconds → seconds; undefined when it is neither. */
export function durationSeconds(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) && raw >= 0 ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const s = raw.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0, consumed = 0, m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * ({ ms: 0.001, s: 1, m: 60, h: 3600 } as const)[m[2] as 'ms' | 's' | 'm' | 'h'];
    consumed = re.lastIndex;
  }
  return s && consumed === s.length ? total : undefined;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

type Path = Array<string | number>;

function fieldName(path: Path): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '');
}

const TOP_KEYS = ['name', 'prometheus', 'scrapeInterval', 'rateCap', 'allowedHosts', 'out', 'quality', 'services'];
const SERVICE_KEYS = ['name', 'target', 'jmx', 'replicas', 'levels', 'scenario', 'duration', 'warmup', 'cooldown', 'slo', 'workload', 'resources', 'selector', 'connections'];
const QUALITY_KEYS = ['minCompleteness', 'maxCv', 'minAchievedShare', 'maxErrorShare'];

/**
 * Parses and validates a plan (YAML or JSON text). Relative `out` and `jmx` paths resolve against the file's folder.
 * Throws PlanError naming the file, line and field of the first problem.
 */
export function parsePlan(text: string, file = 'plan.mora-plan.yaml'): ExperimentPlan {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? (e.pos ? lineCounter.linePos(e.pos[0]).line : undefined);
    throw new PlanError(`${file}${line ? `:${line}` : ''}: not valid YAML/JSON: ${e.message.split('\n')[0]}`, file, line);
  }
  const raw = doc.toJS() as unknown;
  const lineOf = (path: Path): number | undefined => {
    for (let p = path; ; p = p.slice(0, -1)) {
      const node = p.length ? doc.getIn(p, true) : doc.contents;
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      if (!p.length) return undefined;
    }
  };
  const fail = (path: Path, msg: string): never => {
    const line = lineOf(path);
    const field = fieldName(path);
    throw new PlanError(`${file}${line ? `:${line}` : ''}: ${field ? `${field}: ` : ''}${msg}`, file, line, field || undefined);
  };
  const base = dirname(resolve(file));
  const obj = (v: unknown, path: Path): Record<string, unknown> => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'expected a mapping (key: value)');
    return v as Record<string, unknown>;
  };
  const known = (o: Record<string, unknown>, keys: string[], path: Path) => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) fail([...path, k], `unknown field; expected one of ${keys.join(', ')}`);
  };
  const str = (v: unknown, path: Path): string => {
    if (typeof v !== 'string' || !v.trim()) fail(path, 'expected a non-empty string');
    return (v as string).trim();
  };
  const posNum = (v: unknown, path: Path, what: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(path, `expected ${what} (a positive number), got ${JSON.stringify(v)}`);
    return v as number;
  };
  const share = (v: unknown, path: Path): number => {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) fail(path, `expected a share between 0 and 1, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const dur = (v: unknown, path: Path, min: number): number => {
    const s = durationSeconds(v);
    if (s === undefined || s < min) fail(path, `expected a duration${min > 0 ? ` of at least ${min} s` : ''} such as 20s, 2m or 1m30s, got ${JSON.stringify(v)}`);
    return s as number;
  };
  const list = (v: unknown, path: Path): unknown[] => {
    if (!Array.isArray(v) || !v.length) fail(path, 'expected a non-empty list');
    return v as unknown[];
  };
  const url = (v: unknown, path: Path): URL => {
    const s = str(v, path);
    let u: URL | undefined;
    try { u = new URL(s); } catch { /* below */ }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) fail(path, 'expected an http(s) URL such as http://127.0.0.1:8080/');
    return u as URL;
  };

  const top = obj(raw, []);
  known(top, TOP_KEYS, []);
  for (const k of ['prometheus', 'rateCap', 'services']) if (top[k] === undefined) fail([], `missing required field "${k}"`);
  const prometheusUrl = url(top.prometheus, ['prometheus']).toString().replace(/\/$/, '');
  const rateCap = posNum(top.rateCap, ['rateCap'], 'the largest request rate any cell may ask for');
  const allowedHosts = top.allowedHosts === undefined ? [] : (() => {
    if (!Array.isArray(top.allowedHosts)) fail(['allowedHosts'], 'expected a list of host names or IPs');
    return (top.allowedHosts as unknown[]).map((h, i) => str(h, ['allowedHosts', i]).toLowerCase());
  })();
  const scrapeIntervalSeconds = top.scrapeInterval === undefined ? 15 : dur(top.scrapeInterval, ['scrapeInterval'], 0.001);
  const fileBase = file.replace(/^.*[\\/]/, '').replace(/\.mora-plan\.(ya?ml|json)$/i, '').replace(/\.(ya?ml|json)$/i, '');
  const name = top.name === undefined ? fileBase : str(top.name, ['name']);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) fail(top.name === undefined ? [] : ['name'], `plan name "${name}" must be letters, digits, ".", "_" or "-" (it names the experiment's files)`);
  const outRaw = top.out === undefined ? `experiments/${name}` : str(top.out, ['out']);
  const outDir = isAbsolute(outRaw) ? outRaw : resolve(base, outRaw);
  const quality: QualityThresholds = { ...DEFAULT_QUALITY };
  if (top.quality !== undefined) {
    const q = obj(top.quality, ['quality']);
    known(q, QUALITY_KEYS, ['quality']);
    if (q.minCompleteness !== undefined) quality.minCompleteness = share(q.minCompleteness, ['quality', 'minCompleteness']);
    if (q.maxCv !== undefined) quality.maxCv = posNum(q.maxCv, ['quality', 'maxCv'], 'a coefficient of variation');
    if (q.minAchievedShare !== undefined) quality.minAchievedShare = share(q.minAchievedShare, ['quality', 'minAchievedShare']);
    if (q.maxErrorShare !== undefined) quality.maxErrorShare = share(q.maxErrorShare, ['quality', 'maxErrorShare']);
  }

  const names = new Set<string>();
  const services = list(top.services, ['services']).map((sv, i): PlanService => {
    const p: Path = ['services', i];
    const s = obj(sv, p);
    known(s, SERVICE_KEYS, p);
    for (const k of ['name', 'replicas', 'levels', 'duration', 'slo']) if (s[k] === undefined) fail(p, `missing required field "${k}"`);
    const sname = str(s.name, [...p, 'name']);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(sname)) fail([...p, 'name'], `service name "${sname}" must be letters, digits, ".", "_" or "-"`);
    if (names.has(sname)) fail([...p, 'name'], `service "${sname}" is listed twice`);
    names.add(sname);
    if (s.target === undefined && s.jmx === undefined) fail(p, 'needs "target" (an http(s) URL) or "jmx" (a JMeter test plan)');
    let target: string | undefined;
    if (s.target !== undefined) {
      const u = url(s.target, [...p, 'target']);
      const host = u.hostname.toLowerCase().replace(/^\[|\]$/g, '');
      if (!isLoopbackHost(host) && !allowedHosts.includes(host)) {
        fail([...p, 'target'], `host "${host}" may not receive load: only loopback does unless it is listed under allowedHosts (add "${host}" there if this load is intended)`);
      }
      target = str(s.target, [...p, 'target']);
    }
    const jmx = s.jmx === undefined ? undefined : (() => {
      const j = str(s.jmx, [...p, 'jmx']);
      if (!/\.jmx$/i.test(j)) fail([...p, 'jmx'], `"${j}" is not a .jmx file`);
      return isAbsolute(j) ? j : resolve(base, j);
    })();
    const replicas = list(s.replicas, [...p, 'replicas']).map((r, k) => {
      if (!Number.isInteger(r) || (r as number) < 1) fail([...p, 'replicas', k], `expected a whole number ≥ 1, got ${JSON.stringify(r)}`);
      return r as number;
    });
    if (new Set(replicas).size !== replicas.length) fail([...p, 'replicas'], 'a replica count is listed twice');
    const levels = list(s.levels, [...p, 'levels']).map((l, k) => {
      const v = posNum(l, [...p, 'levels', k], 'a request rate in requests/s');
      if (v > rateCap) fail([...p, 'levels', k], `${v} req/s exceeds rateCap ${rateCap} req/s (raise rateCap if this load is intended)`);
      return v;
    });
    if (new Set(levels).size !== levels.length) fail([...p, 'levels'], 'a load level is listed twice');
    const scenario = s.scenario === undefined ? 'constant' : s.scenario;
    if (!SCENARIOS.includes(scenario as Scenario)) fail([...p, 'scenario'], `expected one of ${SCENARIOS.join(', ')}, got ${JSON.stringify(scenario)}`);
    const sloRaw = obj(s.slo, [...p, 'slo']);
    known(sloRaw, ['latencyP95Ms', 'latencyP99Ms'], [...p, 'slo']);
    const slo: Slo = {};
    if (sloRaw.latencyP95Ms !== undefined) slo.latencyP95Ms = posNum(sloRaw.latencyP95Ms, [...p, 'slo', 'latencyP95Ms'], 'milliseconds');
    if (sloRaw.latencyP99Ms !== undefined) slo.latencyP99Ms = posNum(sloRaw.latencyP99Ms, [...p, 'slo', 'latencyP99Ms'], 'milliseconds');
    if (slo.latencyP95Ms === undefined && slo.latencyP99Ms === undefined) fail([...p, 'slo'], 'needs latencyP95Ms or latencyP99Ms');
    let workload: PlanWorkload | undefined;
    if (s.workload !== undefined) {
      const w = obj(s.workload, [...p, 'workload']);
      known(w, ['namespace', 'kind', 'name', 'container', 'context'], [...p, 'workload']);
      const kind = w.kind === undefined ? 'Deployment' : str(w.kind, [...p, 'workload', 'kind']);
      const k = WORKLOAD_KINDS.find((x) => x.toLowerCase() === kind.toLowerCase());
      if (!k) fail([...p, 'workload', 'kind'], `expected ${WORKLOAD_KINDS.join(' or ')} (a kind MOrA can scale), got "${kind}"`);
      workload = {
        namespace: w.namespace === undefined ? 'default' : str(w.namespace, [...p, 'workload', 'namespace']),
        kind: k as WorkloadKind,
        name: str(w.name, [...p, 'workload', 'name']),
        ...(w.container !== undefined ? { container: str(w.container, [...p, 'workload', 'container']) } : {}),
        ...(w.context !== undefined ? { context: str(w.context, [...p, 'workload', 'context']) } : {}),
      };
    }
    if (replicas.length > 1 && !workload) fail([...p, 'replicas'], 'several replica counts need "workload" (namespace, kind, name) so MOrA can scale it between cells');
    const resources = s.resources === undefined ? (workload ? 'cadvisor' : 'process') : s.resources;
    if (resources !== 'cadvisor' && resources !== 'process') fail([...p, 'resources'], `expected cadvisor or process, got ${JSON.stringify(resources)}`);
    if (resources === 'cadvisor' && !workload) fail([...p, 'resources'], 'cadvisor needs "workload" (whose containers to read)');
    const connections = s.connections === undefined ? undefined : (() => {
      if (!Number.isInteger(s.connections) || (s.connections as number) < 1) fail([...p, 'connections'], `expected a whole number ≥ 1, got ${JSON.stringify(s.connections)}`);
      return s.connections as number;
    })();
    return {
      name: sname, target, jmx, replicas, levels, scenario: scenario as Scenario,
      durationSeconds: dur(s.duration, [...p, 'duration'], 1),
      warmupSeconds: s.warmup === undefined ? 0 : dur(s.warmup, [...p, 'warmup'], 0),
      cooldownSeconds: s.cooldown === undefined ? 0 : dur(s.cooldown, [...p, 'cooldown'], 0),
      slo, workload, resources: resources as 'cadvisor' | 'process',
      ...(s.selector !== undefined ? { selector: str(s.selector, [...p, 'selector']) } : {}),
      ...(connections !== undefined ? { connections } : {}),
    };
  });
  return { name, prometheusUrl, scrapeIntervalSeconds, rateCap, allowedHosts, outDir, quality, services, file: resolve(file) };
}

/**
 * The plan with its Prometheus URL's credential put back: a plan file holds a URL whose credentials were left out
 * (`user:password@` dropped, `?token=***`, as the VS Code wizard writes the mora.prometheus.url setting) and the full
 * URL is the one of `fullUrls` (the settings, MORA_PROMETHEUS_URL) that, redacted, is the plan's URL. Otherwise the
 * plan is returned as it is — unless its URL still holds a `***` no candidate fills: an error before anything is sent.
 */
export function withPrometheusCredentials(plan: ExperimentPlan, fullUrls: ReadonlyArray<string | undefined>): ExperimentPlan {
  const normal = (u: string) => {
    try { return new URL(u.trim()).toString().replace(/\/$/, ''); } catch { return undefined; }
  };
  for (const u of fullUrls) {
    const n = u ? normal(u) : undefined;
    if (n && n !== plan.prometheusUrl && redact(n, []) === plan.prometheusUrl) return { ...plan, prometheusUrl: n };
  }
  if (!/[?&][^=&#]*=\*\*\*(?=&|#|$)/.test(plan.prometheusUrl)) return plan;
  throw new PlanError(`${plan.file ?? 'the plan'}: the Prometheus URL's credential was left out of the plan file (${plan.prometheusUrl}); set the full URL in mora.prometheus.url (VS Code) or MORA_PROMETHEUS_URL (mora experiment run), or write it into "prometheus:"`, plan.file, undefined, 'prometheus');
}

/** The asked rate over a cell's warm-up and duration (see the module comment). */
export function cellSchedule(scenario: Scenario, level: number, durationSeconds: number, warmupSeconds: number): RateSegment[] {
  const d = durationSeconds;
  let measured: Array<[number, number]>;
  switch (scenario) {
    case 'constant': measured = [[level, d]]; break;
    case 'step': measured = [1, 2, 3, 4].map((k) => [level * k / 4, d / 4]); break;
    case 'ramp': measured = [1, 2, 3, 4, 5].map((k) => [level * k / 5, d / 5]); break;
    case 'spike': measured = [[level / 4, d * 0.4], [level, d * 0.2], [level / 4, d * 0.4]]; break;
  }
  const out: RateSegment[] = [];
  if (warmupSeconds > 0) out.push({ rate: measured[0][0], seconds: warmupSeconds, warmup: true });
  for (const [rate, seconds] of measured) out.push({ rate, seconds, warmup: false });
  return out;
}

export function cellId(service: string, replicas: number, level: number): string {
  return `${service}/r${replicas}/l${level}`;
}

/**
 * Seconds of load a .jmx without MOrA's warm-up request is asked for before the cell's warm-up (jmeter.ts), so that its
 * first request coming late (0.3-0.7 s beside 4 busy loops on 2 cores, 2.8 s under heavier load: thread start to first
 * sample) takes nothing off the warm-up or the measured time. Not counted; part of the time a plan takes (expandPlan).
 */
export const JMETER_START_ALLOWANCE_SECONDS = 3;

/** The start allowance of a .jmx: JMETER_START_ALLOWANCE_SECONDS without MOrA's warm-up request (hand-written), else 0. */
export function jmxStartAllowanceSeconds(jmxText: string): number {
  return jmxText.includes(JMX_WARMUP_LABEL) ? 0 : JMETER_START_ALLOWANCE_SECONDS;
}

/** The same for a .jmx file; one that cannot be read counts as hand-written, so the plan's time is not under-said. */
function jmxFileStartAllowanceSeconds(file: string): number {
  let text = '';
  try { text = readFileSync(file, 'utf8'); } catch { /* counted as hand-written */ }
  return jmxStartAllowanceSeconds(text);
}

/**
 * Cells in run order (service, then replica count, then level) and the load they ask for in total. The total time
 * includes each cell's cool-down and, for a hand-written .jmx, its start allowance (the .jmx is read for that); the
 * requests include that allowance's at the cell's first rate.
 */
export function expandPlan(plan: ExperimentPlan): PlanExpansion {
  const cells: PlanCell[] = [];
  let totalRequests = 0, totalSeconds = 0;
  for (const s of plan.services) {
    const allowance = s.jmx ? jmxFileStartAllowanceSeconds(s.jmx) : 0;
    for (const replicas of s.replicas) {
      for (const level of s.levels) {
        const schedule = cellSchedule(s.scenario, level, s.durationSeconds, s.warmupSeconds);
        // A hand-written .jmx is asked for its start allowance more at the first rate (jmeter.ts): load it may send.
        const requests = Math.round(schedule.reduce((n, g) => n + g.rate * g.seconds, 0) + allowance * (schedule[0]?.rate ?? 0));
        cells.push({
          id: cellId(s.name, replicas, level), index: cells.length, service: s.name, replicas, level, scenario: s.scenario,
          durationSeconds: s.durationSeconds, warmupSeconds: s.warmupSeconds, cooldownSeconds: s.cooldownSeconds,
          target: s.target, jmx: s.jmx, slo: s.slo, workload: s.workload, resources: s.resources, selector: s.selector,
          connections: s.connections, schedule, requests,
        });
        totalRequests += requests;
        totalSeconds += allowance + s.warmupSeconds + s.durationSeconds + s.cooldownSeconds;
      }
    }
  }
  return { cells, totalRequests, totalSeconds };
}
