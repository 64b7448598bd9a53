/**
 * How a recommendation reads, in one place, so the CodeLens, the hover, the webview and "Copy YAML" say the same thing.
 * Editor-free: plain strings (the hover's Markdown included).
 */
import { settingsFromRecommendation } from '../manifests/from-recommendation';
import { replayText, replicaAdvice, riskBrief, riskLine, riskStatement, riskTargetNote, verdictLabel } from '../core/advice-text';
import { formatCpu, humanMemory, humanMemoryQuantity } from '../core/quantity';
import type { ContainerRecommendation, Recommendation, ResourceRecommendation } from '../core/recommendation';
import type { ResourceSettings } from '../manifests/types';
import { riskSettingLabels } from './recommend-settings';

const pct = (x: number) => `${Math.round(Math.max(0, Math.min(1, x)) * 100)}%`;

/** CPU for people: `180m`, `1.5` cores shown as `1500m`. */
export function showCpu(cores: number | undefined): string {
  return cores === undefined || !Number.isFinite(cores) ? 'unset' : formatCpu(cores);
}

/** Memory used or forecast (p95, peaks, a chart's values), to the nearest: `43.3Mi`, `1.5Gi`. */
export function showMemory(bytes: number | undefined): string {
  return bytes === undefined || !Number.isFinite(bytes) ? 'unset' : humanMemory(bytes);
}

/**
 * A memory request or limit (the current one, MOrA's), as `mora recommend` and the manifest write it: rounded up to
 * whole Mi (`1100Mi`, never `1.07Gi`), so the number read is the number Copy YAML and apply write, never less.
 */
export function showMemoryQuantity(bytes: number | undefined): string {
  return bytes === undefined || !Number.isFinite(bytes) ? 'unset' : humanMemoryQuantity(bytes);
}

/**
 * The quantities a recommendation writes into a manifest (Kubernetes quantity strings), only for values it sets; with
 * the manifest's own limits, a limit that would end below the new request is raised to it. The rule lives in
 * src/manifests (from-recommendation), so `recommend --apply-to` writes the same values as the editor.
 */
export const resourceSettings: (c: ContainerRecommendation, existingLimits?: { cpu?: number; memory?: number }) => ResourceSettings = settingsFromRecommendation;

/**
 * `cpu 500m → 180m · mem 1Gi → 420Mi · cpu request exceeded ≈5% of the time (target ≤5%) · ≈1 OOM day in 100 at limit 420Mi (target ≤1 in
 * 100)` (the webview headline); without risk statements (a baseline, a snapshot) the confidence: `… · 87% confident`.
 */
export function containerHeadline(c: ContainerRecommendation): string {
  const parts: string[] = [];
  if (c.cpu) parts.push(`cpu ${showCpu(c.current.requests.cpu)} → ${showCpu(c.cpu.request.value)}`);
  if (c.memory) parts.push(`mem ${showMemoryQuantity(c.current.requests.memory)} → ${showMemoryQuantity(c.memory.request.value)}`);
  if (parts.length === 0) parts.push(c.verdict === 'no-data' ? 'no usage data yet' : 'no change needed');
  parts.push(riskBrief(c));
  return parts.join(' · ');
}

/**
 * The risk each of the container's values carries, next to its target and the setting that sets it, one line per
 * resource (the tree's tooltip, the forecast view's evidence): `CPU: request exceeded ≈5% of the time (≈1 h 12 min a day);
 * risk target ≤5% of the time (setting mora.risk.cpu), calibrated on 14 days of its own history`. Empty when no value
 * carries a risk statement (baselines, snapshots): the views then show the confidence as before.
 */
export function riskLines(c: ContainerRecommendation, origin?: Recommendation['origin']): string[] {
  if (!c.cpu?.evidence.risk && !c.memory?.evidence.risk) return [];
  const setting = riskSettingNames(origin);
  const lines: string[] = [];
  if (c.cpu) lines.push(`CPU: ${riskLine(c.cpu, setting.cpu)}`);
  if (c.memory) lines.push(`Memory: ${riskLine(c.memory, setting.memory)}`);
  return lines;
}

/** What set the risk targets, said after them: the editor's settings, or for a recommendation read from the cluster its run. */
export const IN_CLUSTER_RISK_SETTING = 'set by MOrA\'s in-cluster run';

export function riskSettingNames(origin?: Recommendation['origin']): { cpu: string; memory: string } {
  return origin ? { cpu: IN_CLUSTER_RISK_SETTING, memory: IN_CLUSTER_RISK_SETTING } : riskSettingLabels();
}

/** `replicas 3 → 2`, or for an HPA-managed workload advice on the HPA: `HPA 2–6 → raise maxReplicas to 12 (…)`. */
export function replicasHeadline(r: Recommendation): string | undefined {
  return r.replicas ? replicaAdvice(r.replicas) : undefined;
}

/**
 * One resource's evidence. `currentLimit`: the container's own limit, which apply keeps where MOrA sets none (a CPU
 * limit without mora.cpuLimits): said as kept, never as "no limit". `show` writes the request, its range and the limit;
 * `showUsage` what was observed or forecast (memory: to the nearest, where a request is rounded up).
 */
function resourceEvidence(label: string, show: (x: number) => string, r: ResourceRecommendation, setting: string, currentLimit?: number,
  showUsage: (x: number) => string = show): string[] {
  const e = r.evidence;
  const limit = r.limit ? `, limit ${show(r.limit.value)}`
    : currentLimit !== undefined && Number.isFinite(currentLimit) && currentLimit > 0 ? `, limit ${show(currentLimit)} kept` : ', no limit';
  const lines = [
    `**${label}** request ${show(r.request.value)} (range ${show(r.request.lower)}–${show(r.request.upper)})${limit} · ${riskStatement(r)}`,
    `- observed over ${e.observed.days.toFixed(0)} days (${e.observed.samples} samples): p50 ${showUsage(e.observed.p50)}, p95 ${showUsage(e.observed.p95)}, p99 ${showUsage(e.observed.p99)}, max ${showUsage(e.observed.max)}`,
  ];
  if (e.risk) lines.push(`- ${riskTargetNote(e.risk, setting)}`);
  if (e.forecastPeak !== undefined) lines.push(`- forecast peak ${showUsage(e.forecastPeak)}`);
  lines.push(`- method ${e.method}: ${e.reason} (margin +${Math.round(e.margin * 100)}%)`);
  if (e.agreement !== undefined) lines.push(`- model agreement ${pct(e.agreement)}`);
  lines.push(`- data completeness ${pct(e.completeness)}`);
  const replay = replayText(r);
  if (replay) lines.push(`- ${replay}`);
  for (const n of e.notes) lines.push(`- ${n}`);
  return lines;
}

/**
 * The same evidence as plain lines (the forecast view's Evidence list): per resource its value, then the observed
 * p50/p95/p99, risk, method, replay and data completeness; the replicas' advice.
 */
export function evidenceLines(r: Recommendation, c: ContainerRecommendation): string[] {
  const setting = riskSettingNames(r.origin);
  const lines: string[] = [];
  if (c.cpu) lines.push(...resourceEvidence('CPU', (x) => showCpu(x), c.cpu, setting.cpu, c.current.limits.cpu));
  if (c.memory) lines.push(...resourceEvidence('Memory', (x) => showMemoryQuantity(x), c.memory, setting.memory, c.current.limits.memory, (x) => showMemory(x)));
  if (r.replicas) lines.push(`Replicas ${replicaAdvice(r.replicas)}: ${r.replicas.reason}.${r.replicas.hpa ? ` ${r.replicas.hpa.reason}` : ''}`);
  // Markdown marks (bold labels, list dashes) do not belong in an HTML list.
  return lines.map((l) => l.replace(/\*\*/g, '').replace(/^- /, '  ').replace(/`/g, ''));
}

/** The evidence behind a container's recommendation, as Markdown (hover). */
export function evidenceMarkdown(r: Recommendation, c: ContainerRecommendation): string {
  const lines = [`**MOrA** — ${r.workload.kind} ${r.workload.namespace}/${r.workload.name}, container \`${c.container}\` (${verdictLabel(c, true)})`, ''];
  const setting = riskSettingNames(r.origin);
  if (c.cpu) lines.push(...resourceEvidence('CPU', (x) => showCpu(x), c.cpu, setting.cpu, c.current.limits.cpu), '');
  if (c.memory) lines.push(...resourceEvidence('Memory', (x) => showMemoryQuantity(x), c.memory, setting.memory, c.current.limits.memory, (x) => showMemory(x)), '');
  if (r.replicas) {
    const hpa = r.replicas.hpa ? ` ${r.replicas.hpa.reason}` : '';
    lines.push(`**Replicas** ${replicaAdvice(r.replicas)}: ${r.replicas.reason}.${hpa}`, '');
  }
  lines.push(`QoS ${r.qos} · generated ${new Date(r.generatedAt * 1000).toISOString().replace('T', ' ').slice(0, 16)} UTC`);
  return lines.join('\n');
}

/** The container's recommended `resources:` block as YAML (for "Copy YAML"), two-space indented. */
export function resourcesYaml(c: ContainerRecommendation): string {
  const s = resourceSettings(c);
  const lines = ['resources:'];
  for (const where of ['requests', 'limits'] as const) {
    const block = s[where];
    if (!block) continue;
    lines.push(`  ${where}:`);
    if (block.cpu) lines.push(`    cpu: ${block.cpu}`);
    if (block.memory) lines.push(`    memory: ${block.memory}`);
  }
  return `${lines.join('\n')}\n`;
}
