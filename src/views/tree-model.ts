/**
 * The cluster tree as plain data (context → namespace → workload → container), so its content, order and wording are
 * tested in plain Node; src/extension/tree.ts only maps these nodes to VS Code TreeItems.
 */
import { floorNote, noRiskReason, PARTIAL_DATA_NOTE, partialData, oomDaysText, replicaAdvice, replicaChange, replicaRiskBrief, replicaRiskStatement, replicaRiskTarget, riskBrief, riskCell, riskTargetCell, riskTargetsLine, shareText, verdictLabel } from '../core/advice-text';
import { originBrief, originText } from '../core/origin-text';
import { formatCpu, humanMemory, humanMemoryQuantity } from '../core/quantity';
import type { ContainerRecommendation, Recommendation, Verdict } from '../core/recommendation';
import type { Workload, WorkloadRef } from '../core/workload';
import { workloadKey } from '../core/workload';
import type { DataSource } from '../data/datasource';
import { workloadFrames } from '../data/namespace-frames';
import { IN_CLUSTER_RISK_SETTING, riskLines } from './recommendation-text';
import { riskSettingLabels } from './recommend-settings';
import type { SourceWarnings } from './source-warnings';
import { summariseUsage, type UsageSummary } from './usage';

export type NodeKind = 'context' | 'namespace' | 'workload' | 'container' | 'message';

export interface TreeNode {
  readonly id: string;
  readonly kind: NodeKind;
  readonly label: string;
  readonly description?: string;
  /** Markdown. */
  readonly tooltip?: string;
  /** A codicon id, with an optional theme color id. */
  readonly icon: { id: string; color?: string };
  /** For `when` clauses in menus: `mora.<kind>[.<verdict>]`. */
  readonly contextValue: string;
  readonly collapsible: boolean;
  readonly parentId?: string;
  readonly context: string;
  readonly namespace?: string;
  readonly workload?: WorkloadRef;
  readonly container?: string;
  readonly verdict?: Verdict;
  /** Estimated monthly waste in core-equivalents, for sorting by "most wasteful". */
  readonly waste?: number;
}

/**
 * Where the tree reads recommendations: the same store the CodeLenses and the webview read, so every view shows
 * the same numbers. `ensure` computes a namespace of a context (once); `get` is a synchronous lookup.
 */
export interface RecommendationSource {
  ensure(context: string, namespace: string): Promise<unknown>;
  get(ref: WorkloadRef): Recommendation | undefined;
}

export type SortOrder = 'name' | 'waste';

/** How long expanding a namespace waits for its recommendations before showing usage alone. */
export const RECOMMENDATION_WAIT_MS = 2000;

/** Workloads whose usage loads at once. */
const USAGE_BATCH = 8;

export interface TreeFilter {
  namespace?: string;
  /** Case-insensitive substring of workload or container names. */
  search?: string;
  sort: SortOrder;
}

/**
 * A workload with its usage, and its recommendation read from the store at each render (a getter, so a recomputed
 * recommendation shows on the next render without reloading usage). A class: the getter lives once on the prototype,
 * not as a closure per workload — a namespace of thousands keeps one of these per workload.
 */
class WorkloadEntry {
  constructor(
    readonly workload: Workload,
    readonly usage: Map<string, UsageSummary>,
    /** Why usage could not be read (one line), when it could not. */
    readonly usageError: UsageError | undefined,
    private readonly recs: RecommendationSource | undefined,
  ) {}

  get recommendation(): Recommendation | undefined {
    return this.recs?.get(this.workload);
  }
}

const VERDICT_ICON: Record<Verdict, { id: string; color?: string }> = {
  'over-provisioned': { id: 'arrow-down', color: 'charts.blue' },
  'under-provisioned': { id: 'arrow-up', color: 'charts.orange' },
  'at-risk': { id: 'warning', color: 'charts.red' },
  ok: { id: 'pass', color: 'charts.green' },
  partial: { id: 'question', color: 'charts.yellow' },
  'no-data': { id: 'circle-slash' },
};

const VERDICT_TEXT: Record<Verdict, string> = {
  'over-provisioned': 'over-provisioned',
  'under-provisioned': 'under-provisioned',
  'at-risk': 'at risk (OOM or throttling)',
  ok: 'about right',
  partial: 'partly sized (CPU or memory has no value)',
  'no-data': 'no usage data',
};

const cpu = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : formatCpu(x));
/** Memory used (p50, p95, max), to the nearest. */
const mem = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : humanMemory(x));
/** A memory request or limit (the workload's, MOrA's), rounded up to whole Mi as `mora recommend` and the manifest write it. */
const memQ = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : humanMemoryQuantity(x));

/** A verdict from usage alone, for when no recommendation exists yet. */
export function usageVerdict(requests: { cpu?: number; memory?: number }, limits: { cpu?: number; memory?: number }, u: UsageSummary | undefined): Verdict {
  if (!u) return 'no-data';
  if ((limits.memory !== undefined && u.memory.max > 0.9 * limits.memory) || u.throttledShare > 0.01) return 'at-risk';
  if ((requests.cpu !== undefined && u.cpu.p95 > requests.cpu * 1.1) || (requests.memory !== undefined && u.memory.p95 > requests.memory * 1.1)) return 'under-provisioned';
  if ((requests.cpu !== undefined && u.cpu.p95 < requests.cpu * 0.5) || (requests.memory !== undefined && u.memory.p95 < requests.memory * 0.5)) return 'over-provisioned';
  return 'ok';
}

interface UsageError {
  message: string;
  /** A workload without samples ('empty') is that workload's matter; anything else is Prometheus failing. */
  kind?: string;
}

/** One line of an error, for a message node. */
function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0].trim() || 'unknown error';
}

export class ClusterTreeModel {
  private readonly entries = new Map<string, Promise<WorkloadEntry[]>>();
  private readonly nodes = new Map<string, TreeNode>();
  /** Watches of expanded namespaces (sources with watchWorkloads), by namespace node id. */
  private readonly watches = new Map<string, { dispose(): void }>();
  filter: TreeFilter = { sort: 'name' };
  /**
   * Warnings about the usage read (a stopped cAdvisor target, a Prometheus read split after a timeout: SourceWarnings),
   * said on the row of the context they concern: in short in its description, in full in its tooltip.
   */
  warnings?: Pick<SourceWarnings, 'forContext'>;
  /** Called when a watched namespace changed in the source (its cached workloads are already dropped). */
  onDidChange?: (node: TreeNode) => void;

  constructor(readonly source: DataSource, readonly recommendations?: RecommendationSource) {}

  /** Forget cached workloads and usage, and stop the watches; the next expand reloads from the source (and watches again). */
  invalidate(): void {
    this.entries.clear();
    this.nodes.clear();
    this.stopWatches();
  }

  /** A namespace collapsed: stop watching it (it is read afresh when expanded again). */
  collapsed(node: TreeNode): void {
    if (node.kind !== 'namespace') return;
    this.watches.get(node.id)?.dispose();
    this.watches.delete(node.id);
    this.entries.delete(`${node.context}/${node.namespace}`);
  }

  dispose(): void {
    this.stopWatches();
    this.onDidChange = undefined;
  }

  private stopWatches(): void {
    for (const w of this.watches.values()) w.dispose();
    this.watches.clear();
  }

  private watch(node: TreeNode): void {
    if (!this.source.watchWorkloads || !node.namespace || this.watches.has(node.id)) return;
    const key = `${node.context}/${node.namespace}`;
    try {
      this.watches.set(node.id, this.source.watchWorkloads(node.context, node.namespace, () => {
        this.entries.delete(key);
        const known = this.nodes.get(node.id);
        if (known) this.onDidChange?.(known);
      }));
    } catch {
      // A source that cannot watch (e.g. no such context) is still read on expand and refresh.
    }
  }

  getNode(id: string): TreeNode | undefined {
    return this.nodes.get(id);
  }

  parent(node: TreeNode): TreeNode | undefined {
    return node.parentId ? this.nodes.get(node.parentId) : undefined;
  }

  async children(node?: TreeNode): Promise<TreeNode[]> {
    // The same id gives back the same object, updated in place: VS Code finds tree elements by identity, so a re-render
    // (a recommendation arrived) must not replace the element a caller holds — `reveal` and the selection would lose it.
    return (await this.childrenOf(node)).map((fresh) => {
      const known = this.nodes.get(fresh.id);
      if (!known) {
        this.nodes.set(fresh.id, fresh);
        return fresh;
      }
      for (const k of Object.keys(known) as (keyof TreeNode)[]) if (!(k in fresh)) delete (known as Partial<TreeNode>)[k];
      // Own fields only: a workload node's tooltip is a getter on its class over those fields (see WorkloadNode).
      return Object.assign(known, fresh);
    });
  }

  /** The recommendation shown for a workload (loads it if needed). */
  async recommendation(ref: WorkloadRef): Promise<Recommendation | undefined> {
    const list = await this.load(ref.context, ref.namespace);
    return list.find((e) => workloadKey(e.workload) === workloadKey(ref))?.recommendation;
  }

  async workload(ref: WorkloadRef): Promise<{ workload: Workload; usage: Map<string, UsageSummary>; recommendation?: Recommendation } | undefined> {
    return this.entry(ref);
  }

  private async entry(ref: WorkloadRef): Promise<WorkloadEntry | undefined> {
    const list = await this.load(ref.context, ref.namespace);
    return list.find((e) => workloadKey(e.workload) === workloadKey(ref));
  }

  private async childrenOf(node?: TreeNode): Promise<TreeNode[]> {
    if (!node) {
      const contexts = await this.source.contexts();
      if (contexts.length === 0) return [message('none', 'No contexts found', 'Check your kubeconfig or switch to the demo data source.')];
      // The warnings naming no context are the current context's (the one health checks, the one Prometheus URL serves).
      const current = this.warnings ? await this.source.currentContext?.().catch(() => undefined) ?? contexts[0] : undefined;
      return contexts.map((c) => {
        const warned = this.warnings?.forContext(c, c === current);
        return {
          id: `ctx:${c}`, kind: 'context', label: c, description: this.source.kind === 'demo' ? 'embedded demo' : warned?.description,
          ...(warned ? { tooltip: warned.tooltip } : {}),
          icon: warned ? WARNING_ICON : { id: 'server-environment' }, contextValue: 'mora.context', collapsible: true, context: c,
        };
      });
    }
    if (node.kind === 'context') {
      let namespaces: string[];
      try {
        namespaces = await this.source.namespaces(node.context);
      } catch (e) {
        return [message(`${node.id}:error`, oneLine(e), 'Listing the namespaces failed. Refresh the view to try again.', node.id, node.context, ERROR_ICON)];
      }
      if (this.filter.namespace) namespaces = namespaces.filter((n) => n === this.filter.namespace);
      return namespaces.map((ns) => ({
        id: `ns:${node.context}/${ns}`, kind: 'namespace', label: ns, icon: { id: 'symbol-namespace' },
        contextValue: 'mora.namespace', collapsible: true, parentId: node.id, context: node.context, namespace: ns,
      }));
    }
    if (node.kind === 'namespace' && node.namespace) {
      this.watch(node);
      let list: WorkloadEntry[];
      try {
        list = await this.load(node.context, node.namespace);
      } catch (e) {
        // This namespace only: the others, and the rest of the tree, keep working.
        return [message(`${node.id}:error`, oneLine(e), 'Reading this namespace failed. Refresh the view to try again.', node.id, node.context, ERROR_ICON)];
      }
      const q = this.filter.search?.toLowerCase();
      if (q) list = list.filter((e) => e.workload.name.toLowerCase().includes(q) || e.workload.containers.some((c) => c.name.toLowerCase().includes(q)));
      const nodes = list.map((e) => workloadNode(e, node.id));
      if (this.filter.sort === 'waste') nodes.sort((a, b) => (b.waste ?? 0) - (a.waste ?? 0) || a.label.localeCompare(b.label));
      else nodes.sort((a, b) => a.label.localeCompare(b.label));
      // Prometheus failing (down, slow, refusing the credentials) for the namespace: the workloads still show, with one line saying why usage is missing.
      const failed = list.find((e) => e.usageError && e.usageError.kind !== 'empty')?.usageError;
      // Kinds the listing could not read (RBAC, a 5xx or timeout on that kind): the namespace is shown, but not as complete.
      const notListed = this.source.workloadWarnings?.(node.context, node.namespace) ?? [];
      notListed.forEach((w, i) => nodes.unshift(message(`${node.id}:not-listed:${i}`, `Not listed: ${w}`, 'The other kinds of this namespace are listed; this one could not be read. Refresh the view to try again.', node.id, node.context, WARNING_ICON)));
      if (failed) nodes.unshift(message(`${node.id}:usage`, `Usage unavailable: ${failed.message}`, 'The workloads are listed from the Kubernetes API; their usage could not be read from Prometheus. Refresh the view to try again.', node.id, node.context, WARNING_ICON));
      return nodes.length ? nodes : [message(`${node.id}:empty`, q ? `No workload matches "${this.filter.search}"` : 'No workloads', undefined, node.id, node.context)];
    }
    if (node.kind === 'workload' && node.workload) {
      const entry = await this.entry(node.workload);
      if (!entry) return [];
      return entry.workload.containers.map((c) => containerNode(entry, c.name, node.id));
    }
    return [];
  }

  private load(context: string, namespace: string): Promise<WorkloadEntry[]> {
    const key = `${context}/${namespace}`;
    let p = this.entries.get(key);
    if (!p) {
      p = this.fetch(context, namespace);
      this.entries.set(key, p);
      p.catch(() => this.entries.delete(key));
    }
    return p;
  }

  private async fetch(context: string, namespace: string): Promise<WorkloadEntry[]> {
    const started = Date.now();
    const workloads = await this.source.workloads(context, namespace);
    const recs = this.recommendations;
    // Recommendations compute in the background while usage loads; a failure never hides the workloads.
    const ready = recs?.ensure(context, namespace).catch(() => undefined);
    const usageOf = async (workload: Workload): Promise<WorkloadEntry> => {
      const usage = new Map<string, UsageSummary>();
      let usageError: UsageError | undefined;
      for (const c of workload.containers) {
        try {
          const target = { workload, container: c.name };
          const range = await this.source.historyRange(target);
          const frame = await this.source.metrics(target, { ...range, step: Math.max(range.step, 300) });
          const u = summariseUsage(frame);
          if (u) usage.set(c.name, u);
        } catch (e) {
          usageError ??= { message: oneLine(e), kind: (e as { kind?: string }).kind };
        }
      }
      return new WorkloadEntry(workload, usage, usageError, recs);
    };
    // A few workloads at a time: a live source answers several Prometheus queries at once, and between batches the
    // extension host's event loop gets a turn, so a namespace of a thousand workloads never freezes the editor.
    const entries: WorkloadEntry[] = [];
    if (this.source.metricsForNamespace) {
      // A live cluster reads the whole namespace with a few Prometheus queries per metric and hands the workloads over
      // one by one as their pod batch comes in.
      for await (const { workload, frame } of workloadFrames(this.source, workloads, (r) => ({ ...r, step: Math.max(r.step, 300) }))) {
        const usage = new Map<string, UsageSummary>();
        let usageError: UsageError | undefined;
        for (const c of workload.containers) {
          try {
            const u = summariseUsage(await frame(c.name));
            if (u) usage.set(c.name, u);
          } catch (e) {
            usageError ??= { message: oneLine(e), kind: (e as { kind?: string }).kind };
          }
        }
        entries.push(new WorkloadEntry(workload, usage, usageError, recs));
        if (entries.length % USAGE_BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } else {
      for (let i = 0; i < workloads.length; i += USAGE_BATCH) {
        entries.push(...(await Promise.all(workloads.slice(i, i + USAGE_BATCH).map(usageOf))));
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    // A small namespace shows its recommendations at once; a large one renders usage first and the recommendations
    // appear when the store announces them.
    const left = RECOMMENDATION_WAIT_MS - (Date.now() - started);
    if (ready && left > 0) await Promise.race([ready, new Promise((resolve) => setTimeout(resolve, left))]);
    return entries;
  }

}

const ERROR_ICON = { id: 'error', color: 'errorForeground' };
const WARNING_ICON = { id: 'warning', color: 'list.warningForeground' };

/** The settings the targets come from: `settings mora.risk.cpu, mora.risk.memory`, an invalid one's default named as such. */
function settingsText(): string {
  const labels = riskSettingLabels();
  const valid = (l: string): boolean => l.startsWith('setting ');
  return valid(labels.cpu) && valid(labels.memory) ? 'settings mora.risk.cpu, mora.risk.memory' : `${labels.cpu}, ${labels.memory}`;
}

function message(id: string, label: string, tooltip?: string, parentId?: string, context = '', icon: TreeNode['icon'] = { id: 'info' }): TreeNode {
  return { id: `msg:${id}`, kind: 'message', label, tooltip, icon, contextValue: 'mora.message', collapsible: false, parentId, context };
}

/** `recommendation`: the one this render shows, read from the store once per node by the caller. */
function containerVerdict(e: WorkloadEntry, name: string, recommendation: Recommendation | undefined): { verdict: Verdict; rec?: ContainerRecommendation } {
  const rec = recommendation?.containers.find((c) => c.container === name);
  if (rec) return { verdict: rec.verdict, rec };
  const spec = e.workload.containers.find((c) => c.name === name);
  return { verdict: usageVerdict(spec?.resources.requests ?? {}, spec?.resources.limits ?? {}, e.usage.get(name)) };
}

const SEVERITY: Verdict[] = ['at-risk', 'under-provisioned', 'over-provisioned', 'no-data', 'partial', 'ok'];

function workloadNode(e: WorkloadEntry, parentId: string): TreeNode {
  const w = e.workload;
  // The recommendation this render shows (the store may replace it later; the tooltip, written when read, says this one).
  const rendered = e.recommendation;
  const verdicts = w.containers.map((c) => containerVerdict(e, c.name, rendered).verdict);
  const verdict = SEVERITY.find((v) => verdicts.includes(v)) ?? 'no-data';
  const rep = rendered?.replicas;
  // The advised count with the CPU risk it carries and the target it was sized to: `2 → 3 (0.4% ≤5%)`.
  const repRisk = rep ? replicaRiskBrief(rep, true) : undefined;
  const replicas = rep ? `${replicaChange(rep)}${repRisk ? ` ${repRisk}` : ''}` : w.hpa ? `HPA ${w.hpa.minReplicas}–${w.hpa.maxReplicas}` : `${w.replicas}`;
  // Sized to risk targets: the containers say what risk each value carries, the tooltip the targets. Else `risk —` (as
  // the CLI's risk column), never a bare confidence; the tooltip says why.
  const targets = rendered ? riskTargetsLine([rendered]) : undefined;
  const noRisk = rendered && !targets && rendered.containers.length ? [...new Set(rendered.containers.map(noRiskReason))].join('; ') : undefined;
  const conf = noRisk ? ' · risk —' : '';
  // Read from the cluster (MOrA's in-cluster run wrote it to the VPA's status), not computed here: said, with its age.
  const origin = rendered?.origin;
  const now = Date.now() / 1000;
  let waste = 0;
  for (const c of w.containers) {
    const u = e.usage.get(c.name);
    if (u && c.resources.requests.cpu !== undefined) waste += Math.max(0, c.resources.requests.cpu - u.cpu.p95) * w.replicas;
    if (u && c.resources.requests.memory !== undefined) waste += (Math.max(0, c.resources.requests.memory - u.memory.p95) / 2 ** 30) * w.replicas * 0.25;
  }
  const tooltip = () => {
    const floors = w.containers.map((c) => rendered?.containers.find((r) => r.container === c.name)).map((c) => (c ? floorNote(c) : undefined)).filter(Boolean);
    return [
      `**${w.kind} ${w.namespace}/${w.name}**`, '',
      `Replicas: ${w.replicas} running${w.hpa ? ` (HPA ${w.hpa.minReplicas}–${w.hpa.maxReplicas})` : ''}`,
      rep ? `Replica advice: ${replicaAdvice(rep)}${replicaRiskStatement(rep) ? ` (${replicaRiskStatement(rep)}, ${replicaRiskTarget(rep)})` : ''}. ${rep.reason}${rep.hpa ? `. ${rep.hpa.reason}` : ''}` : '',
      `Status: ${VERDICT_TEXT[verdict]}${floors.length ? ` (${floors.join('; ')})` : ''}`,
      targets ? `Sized to the ${targets} (${origin ? IN_CLUSTER_RISK_SETTING : settingsText()})` : '',
      noRisk ? `Risk —: ${noRisk}` : '',
      e.usageError ? `Usage: ${e.usageError.message}` : '',
      origin ? `Recommendation: ${originText(origin, now)} — VPA ${origin.vpa}, written by MOrA's in-cluster run (mora.inCluster.maxAgeHours)` : '',
    ].filter(Boolean).join('\n\n');
  };
  return new WorkloadNode(
    `wl:${workloadKey(w)}`, w.name, `${w.kind} · replicas ${replicas}${conf}${origin ? ` · ${originBrief(origin, now)}` : ''}`,
    verdict, parentId, { context: w.context, namespace: w.namespace, kind: w.kind, name: w.name }, waste, tooltip,
  );
}

/**
 * A workload's node, its tooltip written when read (a getter over what the render saw), not at render: a namespace of
 * thousands renders thousands of nodes, and their Markdown tooltips, kept with the nodes, were much of what the garbage
 * collector copied while the tree expanded (bench:tree --in-cluster); only the hovered ones are read. A class, every
 * field set in its constructor: the nodes keep one compact shape (as object literals they ended up as dictionaries).
 */
class WorkloadNode implements TreeNode {
  readonly kind = 'workload';
  readonly icon: TreeNode['icon'];
  readonly contextValue: string;
  readonly collapsible = true;
  readonly context: string;
  readonly namespace: string;

  constructor(
    readonly id: string,
    readonly label: string,
    readonly description: string,
    readonly verdict: Verdict,
    readonly parentId: string,
    readonly workload: WorkloadRef,
    readonly waste: number,
    private readonly tooltipOf: () => string,
  ) {
    this.icon = VERDICT_ICON[verdict];
    this.contextValue = `mora.workload.${verdict}`;
    this.context = workload.context;
    this.namespace = workload.namespace;
  }

  get tooltip(): string {
    return this.tooltipOf();
  }
}

function containerNode(e: WorkloadEntry, name: string, parentId: string): TreeNode {
  const w = e.workload;
  const spec = w.containers.find((c) => c.name === name)!;
  const u = e.usage.get(name);
  const recommendation = e.recommendation;
  const { verdict, rec } = containerVerdict(e, name, recommendation);
  const req = spec.resources.requests;
  const lim = spec.resources.limits;
  // The row stays short (a sidebar is ~300 px): the values and a compact risk next to its targets, `cpu 500m→120m · mem
  // 512Mi→200Mi lim 512Mi · risk 0.9%·1/133 (≤5%·≤1/100)` (the notation of `mora recommend`'s risk column; the OOM days
  // are at the limit, named); the risk in words is the tooltip's.
  const parts: string[] = [];
  if (rec?.cpu) parts.push(`cpu ${cpu(req.cpu)}→${cpu(rec.cpu.request.value)}`);
  else parts.push(`cpu ${cpu(req.cpu)} (p95 ${cpu(u?.cpu.p95)})`);
  // The OOM days in the compact risk are about the memory limit: named where it is not the request shown.
  const memLimit = rec?.memory?.limit && rec.memory.limit.value !== rec.memory.request.value && rec.memory.evidence.risk ? ` lim ${memQ(rec.memory.limit.value)}` : '';
  if (rec?.memory) parts.push(`mem ${memQ(req.memory)}→${memQ(rec.memory.request.value)}${memLimit}`);
  else parts.push(`mem ${memQ(req.memory)} (max ${mem(u?.memory.max)})`);
  // Without risk statements `risk —` (as the CLI's risk column; the tooltip says why), never a bare confidence.
  if (rec) parts.push(compactRisk(rec) ?? 'risk —');
  // metrics.k8s.io (no Prometheus): one sample of current usage — said next to the numbers, and why in the tooltip.
  const snapshot = [rec?.cpu, rec?.memory].find((r) => r?.evidence.method === 'snapshot')?.evidence.notes[0];
  if (snapshot) parts.push('snapshot');
  const lines = [
    `**${name}** in ${w.kind} ${w.namespace}/${w.name} — ${rec ? verdictLabel(rec, true, (v) => VERDICT_TEXT[v]) : VERDICT_TEXT[verdict]}`, '',
    '| | request | limit | p50 | p95 | max | recommended |', '|---|---|---|---|---|---|---|',
    `| CPU | ${cpu(req.cpu)} | ${cpu(lim.cpu)} | ${cpu(u?.cpu.p50)} | ${cpu(u?.cpu.p95)} | ${cpu(u?.cpu.max)} | ${rec?.cpu ? `${cpu(rec.cpu.request.value)}${rec.cpu.limit ? ` / ${cpu(rec.cpu.limit.value)}` : ''}` : '—'} |`,
    `| Memory | ${memQ(req.memory)} | ${memQ(lim.memory)} | ${mem(u?.memory.p50)} | ${mem(u?.memory.p95)} | ${mem(u?.memory.max)} | ${rec?.memory ? `${memQ(rec.memory.request.value)}${rec.memory.limit ? ` / ${memQ(rec.memory.limit.value)}` : ''}` : '—'} |`,
  ];
  if (u && u.throttledShare > 0) lines.push('', `CPU throttled in ${(u.throttledShare * 100).toFixed(1)}% of samples.`);
  // The risk each value carries, next to the target it was sized to and the setting that sets it; else the confidence.
  const risk = rec ? riskLines(rec, recommendation?.origin) : [];
  // The row's compact risk spelled out: `risk 0.9%·1/133: cpu request exceeded ≈0.9% of the time (target ≤5%) · ≈1 OOM
  // day in 133 at limit 512Mi (target ≤1 in 100)`.
  const compact = rec ? compactRisk(rec) : undefined;
  if (rec && compact) lines.push('', `${compact}: ${riskBrief(rec).replace(/^⚠ /, '')}.`);
  if (rec && compact && partialData(rec)) lines.push('', `⚠ ${PARTIAL_DATA_NOTE}.`);
  for (const l of risk) lines.push('', `${l}.`);
  if (rec && risk.length) {
    if (rec.cpu?.evidence.reason) lines.push('', rec.cpu.evidence.reason);
  } else if (rec) lines.push('', `Risk —: ${noRiskReason(rec)}. ${rec.cpu?.evidence.reason ?? ''}`.trimEnd());
  if (snapshot) lines.push('', `⚠ ${snapshot}`);
  const origin = recommendation?.origin;
  if (rec && origin) lines.push('', `Recommendation: ${originText(origin, Date.now() / 1000)} — VPA ${origin.vpa}.`);
  return {
    id: `ct:${workloadKey(w)}/${name}`, kind: 'container', label: name, description: parts.join(' · '), tooltip: lines.join('\n'),
    icon: VERDICT_ICON[verdict], contextValue: `mora.container.${verdict}`, collapsible: false, parentId,
    context: w.context, namespace: w.namespace, workload: { context: w.context, namespace: w.namespace, kind: w.kind, name: w.name },
    container: name, verdict,
  };
}

/**
 * A container's risk in a few characters for the tree's row, next to its targets: `risk 0.9%·1/133 (≤5%·≤1/100)` (share
 * of time above the CPU request · OOM days at the memory limit, as `mora recommend`'s risk column writes it; the targets
 * in the same order), `⚠ risk 12%·1/20 (≤5%·≤1/100)` when a value carries
 * more risk than its target as the row shows both (a kept limit), `⚠ risk 3.7%·leak 5d` where memory leaks (an OOM kill
 * in ≈5 days), `⚠ risk 0.9%·1/133` where Prometheus warned the data may be incomplete; undefined without risk statements.
 */
export function compactRisk(c: ContainerRecommendation): string | undefined {
  const cell = riskCell(c);
  if (cell === undefined) return undefined;
  const over = (r: { expected: number; target: number } | undefined, text: (x: number) => string): boolean =>
    r !== undefined && r.expected > r.target && text(r.expected) !== text(r.target);
  // …or where the data behind it may be incomplete (Prometheus warned: partialData; the tooltip says so).
  const above = over(c.cpu?.evidence.risk, shareText) || over(c.memory?.evidence.risk, oomDaysText) || c.memory?.evidence.risk?.leak !== undefined
    || partialData(c);
  return `${above ? '⚠ ' : ''}risk ${cell} (${riskTargetCell(c)})`;
}
