/**
 * Minimal text edits that set container resources and replicas in a Kubernetes YAML text.
 * Works on the original string: only the values concerned change; comments, key order, quoting,
 * indentation, flow style and line endings survive. Missing `resources`/`requests`/`limits` blocks are
 * written in the file's own style (its indentation unit, its line ending, its quoting of quantities).
 * Every edit is checked afterwards by re-reading the result with the `yaml` library.
 */
import { isQuantity, parseQuantity } from '../core/quantity';
import { extractDocument, type DocumentFacts } from './extract';
import { parseWithYaml } from './parse-yaml';
import { scanManifest } from './scan';
import { detectEol, lineContentEnd, lineStartOf, LineIndex } from './text';
import type { YMap, YNode } from './tree';
import { contentEnd, get } from './tree';
import type { ContainerTarget, ManifestChange, ResourceSettings, ScalarStyle, TextEdit, WorkloadTarget } from './types';
import { KINDS_WITH_REPLICAS, POD_SPEC_PATH, isWorkloadKind, normaliseKind } from './workloads';

/** An edit that cannot be made as asked (missing target, ambiguous target, bad value, invalid YAML). */
export class ManifestEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestEditError';
  }
}

/** Desired values below a mapping: a leaf is the new scalar text (unquoted). */
interface Desired {
  [key: string]: string | Desired;
}

interface WorkloadDoc {
  kind: string;
  name: string;
  namespace: string | null;
  root: YMap;
}

interface Ctx {
  text: string;
  eol: string;
  edits: TextEdit[];
}

/** Applies edits (any order, non-overlapping) to a string. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.offset - b.offset);
  let out = '';
  let pos = 0;
  for (const e of sorted) {
    if (e.offset < pos) throw new ManifestEditError(`overlapping edits at offset ${e.offset}`);
    out += text.slice(pos, e.offset) + e.newText;
    pos = e.offset + e.length;
  }
  return out + text.slice(pos);
}

/**
 * Plans the edits for a list of changes. Throws ManifestEditError when a target does not exist, is
 * ambiguous, sits in an invalid or templated document, or a value is not a Kubernetes quantity.
 */
export function planEdits(text: string, changes: readonly ManifestChange[]): TextEdit[] {
  const ctx: Ctx = { text, eol: detectEol(text), edits: [] };
  const docs = workloadDocuments(text, changes);
  // Several changes to one container or workload merge (the later value wins), so edits never overlap.
  const merged = new Map<string, ManifestChange>();
  for (const change of changes) {
    const key = change.type === 'resources'
      ? `r/${normaliseKind(change.target.kind)}/${change.target.namespace ?? '*'}/${change.target.name}/${change.target.container}`
      : `n/${normaliseKind(change.target.kind)}/${change.target.namespace ?? '*'}/${change.target.name}`;
    const before = merged.get(key);
    if (before && before.type === 'resources' && change.type === 'resources') {
      merged.set(key, { ...change, set: mergeSettings(before.set, change.set) });
    } else merged.set(key, change);
  }
  for (const change of merged.values()) {
    const doc = findWorkload(docs, change.target);
    if (change.type === 'replicas') planReplicas(ctx, doc, change.replicas);
    else planResources(ctx, doc, change.target, change.set);
  }
  const sorted = ctx.edits.sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].offset < sorted[i - 1].offset + sorted[i - 1].length) {
      throw new ManifestEditError('two changes touch the same place in the file; give each container once');
    }
  }
  return sorted;
}

/** Plans, applies and verifies: returns the new text (unchanged text when nothing differs). */
export function editManifest(text: string, changes: readonly ManifestChange[]): { text: string; edits: TextEdit[] } {
  const edits = planEdits(text, changes);
  const out = applyEdits(text, edits);
  verify(out, changes);
  return { text: out, edits };
}

function mergeSettings(a: ResourceSettings, b: ResourceSettings): ResourceSettings {
  return {
    requests: { ...a.requests, ...b.requests },
    limits: { ...a.limits, ...b.limits },
  };
}

interface Workloads {
  /** The targeted workload documents, parsed by the yaml library (so validated). */
  docs: WorkloadDoc[];
  /** Every other workload, for a helpful message. */
  others: string[];
  /** Documents that cannot be edited, with a guess at what they hold, for a helpful message. */
  broken: { kind: string | null; name: string | null; why: string }[];
}

/**
 * Finds the documents the changes target: the fast scan says which, and only those are parsed by the yaml
 * library (which validates them), so an Apply in a 5,000-line file does not pay for the whole file.
 */
function workloadDocuments(text: string, changes: readonly ManifestChange[]): Workloads {
  const wanted = new Set(changes.map((c) => `${normaliseKind(c.target.kind)}/${c.target.name}`));
  const out: Workloads = { docs: [], others: [], broken: [] };
  const lines = new LineIndex(text);
  for (const d of scanManifest(text).documents) {
    const end = d.offset + d.length;
    if (d.status === 'template' || d.status === 'invalid') {
      const head = text.slice(d.offset, end);
      const kind = /^kind:\s*["']?([A-Za-z]+)/m.exec(head)?.[1] ?? null;
      const name = /^\s+name:\s*["']?([^\s"'#]+)/m.exec(head)?.[1] ?? null;
      out.broken.push({ kind, name, why: d.status === 'template'
        ? 'is a Helm template source ({{ }}); render it first' : `is not valid YAML (${d.error})` });
      continue;
    }
    if (d.status !== 'ok' || !isWorkloadKind(d.kind) || d.name === null) continue;
    if (!wanted.has(`${d.kind}/${d.name}`)) {
      out.others.push(`${d.kind}/${d.name}`);
      continue;
    }
    const parsed = parseWithYaml(text, d.offset, end);
    if (parsed.error !== null) {
      out.broken.push({ kind: d.kind, name: d.name, why: `is not valid YAML (${parsed.error})` });
      continue;
    }
    const facts = extractDocument(parsed.root, lines);
    if (parsed.root && parsed.root.t === 'map' && isWorkloadKind(facts.kind) && facts.name !== null) {
      out.docs.push({ kind: facts.kind, name: facts.name, namespace: facts.namespace, root: parsed.root });
    }
  }
  return out;
}

function findWorkload(all: Workloads, target: WorkloadTarget): WorkloadDoc {
  const kind = normaliseKind(target.kind);
  const found = all.docs.filter((d) => d.kind === kind && d.name === target.name
    && (target.namespace === undefined || d.namespace === target.namespace));
  const label = `${kind}/${target.name}${target.namespace ? ` in namespace ${target.namespace}` : ''}`;
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    const namespaces = [...new Set(found.map((d) => d.namespace ?? '(none)'))];
    if (namespaces.length === 1) throw new ManifestEditError(`${label} is ambiguous: it is defined ${found.length} times in this file`);
    throw new ManifestEditError(`${label} is ambiguous: it appears in namespaces ${namespaces.join(', ')}; prefix the target with <namespace>/`);
  }
  const bad = all.broken.find((b) => b.kind === kind && b.name === target.name);
  if (bad) throw new ManifestEditError(`${label} cannot be edited: its document ${bad.why}`);
  const known = [...all.docs.map((d) => `${d.kind}/${d.name}`), ...all.others];
  throw new ManifestEditError(`no ${label} in this file${known.length ? ` (workloads found: ${known.join(', ')})` : ' (no workloads found)'}`);
}

function podSpecOf(doc: WorkloadDoc): YMap | null {
  let node: YNode | null | undefined = doc.root;
  for (const key of POD_SPEC_PATH[doc.kind as keyof typeof POD_SPEC_PATH]) node = get(node, key);
  return node && node.t === 'map' ? node : null;
}

function planResources(ctx: Ctx, doc: WorkloadDoc, target: ContainerTarget, set: ResourceSettings): void {
  const podSpec = podSpecOf(doc);
  let container: YMap | null = null;
  const names: string[] = [];
  for (const list of ['containers', 'initContainers']) {
    const seq = get(podSpec, list);
    if (!seq || seq.t !== 'seq') continue;
    for (const item of seq.items) {
      const name = item && item.t === 'map' ? get(item, 'name') : null;
      if (!name || name.t !== 'scalar' || name.value === null) continue;
      names.push(name.value);
      if (name.value === target.container && container === null) container = item as YMap;
    }
  }
  if (!container) {
    throw new ManifestEditError(`${doc.kind}/${doc.name} has no container named "${target.container}"`
      + (names.length ? ` (containers: ${names.join(', ')})` : ''));
  }
  const desired: Desired = {};
  for (const group of ['requests', 'limits'] as const) {
    const values = set[group];
    if (!values) continue;
    const leaves: Desired = {};
    for (const resource of ['cpu', 'memory'] as const) {
      const v = values[resource];
      if (v === undefined) continue;
      if (!isQuantity(v) || v.trim() !== v) {
        throw new ManifestEditError(`${group}.${resource} "${v}" is not a Kubernetes quantity (e.g. 250m, 0.5, 512Mi, 1Gi)`);
      }
      leaves[resource] = v;
    }
    if (Object.keys(leaves).length > 0) desired[group] = leaves;
  }
  if (Object.keys(desired).length === 0) return;
  const style = quantityStyle(container);
  const unit = indentUnit(ctx.text, container) ?? indentUnit(ctx.text, doc.root) ?? 2;
  setInMap(ctx, container, { resources: desired }, { style, unit });
}

function planReplicas(ctx: Ctx, doc: WorkloadDoc, replicas: number): void {
  if (!KINDS_WITH_REPLICAS.has(doc.kind)) throw new ManifestEditError(`${doc.kind}/${doc.name}: a ${doc.kind} has no replicas`);
  if (!Number.isInteger(replicas) || replicas < 0) throw new ManifestEditError(`replicas must be a whole number ≥ 0, got ${replicas}`);
  const spec = get(doc.root, 'spec');
  if (!spec || spec.t !== 'map') throw new ManifestEditError(`${doc.kind}/${doc.name} has no spec mapping`);
  const current = get(spec, 'replicas');
  const style: ScalarStyle = current && current.t === 'scalar' && current.style !== 'block' ? current.style : 'plain';
  const first = spec.entries[0];
  // Conventionally replicas is the first key of spec: add it there, in the spec's own indentation.
  const before = !current && !spec.flow && first && onlySpacesBefore(ctx.text, first.keyStart) ? first : undefined;
  setInMap(ctx, spec, { replicas: String(replicas) }, { style, unit: 2, insertBefore: before?.key });
}

interface Style {
  style: ScalarStyle;
  unit: number;
  /** Insert new keys before this existing key of the top mapping (else at its end). */
  insertBefore?: string;
}

/** Keys that read better before another existing key (cpu before memory, requests before limits). */
const ORDER_BEFORE: Readonly<Record<string, string>> = { cpu: 'memory', requests: 'limits' };

function setInMap(ctx: Ctx, map: YMap, desired: Desired, style: Style): void {
  const missing: Desired = {};
  for (const [key, want] of Object.entries(desired)) {
    const e = map.entries.find((x) => x.key === key);
    if (!e) {
      missing[key] = want;
      continue;
    }
    const v = e.value;
    if (typeof want === 'string') {
      if (v === null || (v.t === 'scalar' && v.value === null && v.style === 'plain')) {
        // `cpu:` or `cpu: ~`: write the value after the colon
        const colon = ctx.text.indexOf(':', e.keyEnd);
        ctx.edits.push({ offset: colon + 1, length: (v ? v.end : colon + 1) - (colon + 1), newText: ` ${quote(want, style.style)}` });
      } else if (v.t === 'scalar' && v.style !== 'block') {
        // `0.5` already says `500m`: keep the user's spelling when the amount is the same
        if (!sameQuantity(v.value, want)) ctx.edits.push({ offset: v.start, length: v.end - v.start, newText: quote(want, v.style as ScalarStyle) });
      } else throw new ManifestEditError(`"${key}" holds a ${v.t === 'scalar' ? 'block scalar' : 'collection'}, not a quantity`);
      continue;
    }
    if (v && v.t === 'map') {
      setInMap(ctx, v, want, { style: style.style, unit: indentUnit(ctx.text, v) ?? style.unit });
    } else if (v === null || (v.t === 'scalar' && v.value === null && v.style === 'plain')) {
      // `resources:` (or `resources: ~`) with nothing: write the block below the key
      const colon = ctx.text.indexOf(':', e.keyEnd);
      if (v) ctx.edits.push({ offset: colon + 1, length: v.end - (colon + 1), newText: '' });
      const col = column(ctx.text, e.keyStart) + style.unit;
      ctx.edits.push({ offset: lineContentEnd(ctx.text, colon), length: 0, newText: ctx.eol + renderBlock(want, col, style, ctx.eol) });
    } else throw new ManifestEditError(`"${key}" is not a mapping; fix it by hand`);
  }
  const keys = Object.keys(missing);
  if (keys.length === 0) return;
  if (map.flow) {
    const body = keys.map((k) => `${k}: ${renderFlow(missing[k], style.style)}`).join(', ');
    const last = map.entries[map.entries.length - 1];
    if (last) {
      const lastEnd = last.value ? contentEnd(last.value) : last.keyEnd;
      ctx.edits.push({ offset: lastEnd, length: 0, newText: `, ${body}` });
    } else ctx.edits.push({ offset: map.start + 1, length: 0, newText: body });
    return;
  }
  const col = column(ctx.text, map.entries[0]?.keyStart ?? map.start);
  const atEnd: Desired = {};
  for (const k of keys) {
    const anchorKey = style.insertBefore ?? ORDER_BEFORE[k];
    const anchor = anchorKey ? map.entries.find((x) => x.key === anchorKey) : undefined;
    if (anchor && onlySpacesBefore(ctx.text, anchor.keyStart)) {
      const at = lineStartOf(ctx.text, anchor.keyStart);
      ctx.edits.push({ offset: at, length: 0, newText: renderBlock({ [k]: missing[k] }, col, style, ctx.eol) + ctx.eol });
    } else atEnd[k] = missing[k];
  }
  if (Object.keys(atEnd).length === 0) return;
  const end = afterContent(ctx.text, contentEnd(map));
  ctx.edits.push({ offset: end, length: 0, newText: ctx.eol + renderBlock(atEnd, col, style, ctx.eol) });
}

/** End of the line holding the last content character before `offset` (block scalars end after their newline). */
function afterContent(text: string, offset: number): number {
  let p = offset;
  while (p > 0 && (text[p - 1] === '\n' || text[p - 1] === '\r' || text[p - 1] === ' ')) p--;
  return lineContentEnd(text, Math.max(p - 1, 0));
}

function renderBlock(desired: Desired, col: number, style: Style, eol: string): string {
  const pad = ' '.repeat(col);
  const lines: string[] = [];
  for (const [k, v] of Object.entries(desired)) {
    if (typeof v === 'string') lines.push(`${pad}${k}: ${quote(v, style.style)}`);
    else lines.push(`${pad}${k}:`, renderBlock(v, col + style.unit, style, eol));
  }
  return lines.join(eol);
}

function renderFlow(v: string | Desired, style: ScalarStyle): string {
  if (typeof v === 'string') return quote(v, style);
  return `{${Object.entries(v).map(([k, x]) => `${k}: ${renderFlow(x, style)}`).join(', ')}}`;
}

function sameQuantity(current: string | null, wanted: string): boolean {
  if (current === null) return false;
  if (current === wanted) return true;
  return isQuantity(current) && parseQuantity(current) === parseQuantity(wanted);
}

function quote(v: string, style: ScalarStyle): string {
  if (style === 'double') return `"${v}"`;
  if (style === 'single') return `'${v}'`;
  return v;
}

function column(text: string, offset: number): number {
  const start = lineStartOf(text, offset);
  return offset - start - (text.charCodeAt(start) === 0xfeff ? 1 : 0); // a byte order mark takes no column
}

function onlySpacesBefore(text: string, offset: number): boolean {
  for (let i = lineStartOf(text, offset); i < offset; i++) if (text[i] !== ' ') return false;
  return true;
}

/** The file's indentation step, read from the first nested block mapping under `map`. */
function indentUnit(text: string, map: YMap): number | null {
  if (map.flow || map.entries.length === 0) return null;
  const col = column(text, map.entries[0].keyStart);
  for (const e of map.entries) {
    const v = e.value;
    if (v && v.t === 'map' && !v.flow && v.entries.length > 0) {
      const child = column(text, v.entries[0].keyStart);
      if (child > col && onlySpacesBefore(text, v.entries[0].keyStart)) return child - col;
    }
  }
  for (const e of map.entries) {
    const v = e.value;
    if (v && v.t === 'map') {
      const u = indentUnit(text, v);
      if (u !== null) return u;
    }
  }
  return null;
}

/** How this container already quotes its quantities (the first one found), plain by default. */
function quantityStyle(container: YMap): ScalarStyle {
  const resources = get(container, 'resources');
  for (const group of ['requests', 'limits']) {
    const m = get(resources, group);
    for (const r of ['cpu', 'memory']) {
      const v = get(m, r);
      if (v && v.t === 'scalar' && v.style !== 'block' && v.value !== null) return v.style as ScalarStyle;
    }
  }
  return 'plain';
}

/** Re-reads the result: every targeted document must still parse and hold exactly the values asked for. */
function verify(out: string, changes: readonly ManifestChange[]): void {
  const lines = new LineIndex(out);
  const scan = scanManifest(out);
  for (const change of changes) {
    const kind = normaliseKind(change.target.kind);
    const match: DocumentFacts['containers'] = [];
    for (const d of scan.documents) {
      if (d.kind !== kind || d.name !== change.target.name) continue;
      if (change.target.namespace !== undefined && d.namespace !== change.target.namespace) continue;
      const parsed = parseWithYaml(out, d.offset, d.offset + d.length);
      if (parsed.error !== null) throw new ManifestEditError(`internal error: the edit broke ${kind}/${change.target.name} (${parsed.error}); nothing was written`);
      match.push(...extractDocument(parsed.root, lines).containers);
    }
    const ok = change.type === 'replicas'
      ? match.length > 0 && match.every((c) => c.replicas !== null && Number(c.replicas.value) === change.replicas)
      : match.some((c) => c.container === change.target.container
        && (['requests', 'limits'] as const).every((g) => (['cpu', 'memory'] as const)
          .every((r) => change.set[g]?.[r] === undefined || sameQuantity(c[g][r]?.value ?? null, change.set[g]?.[r] as string))));
    if (!ok) throw new ManifestEditError(`internal error: the edited text did not read back as asked for ${kind}/${change.target.name}; nothing was written`);
  }
}
