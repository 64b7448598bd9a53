/**
 * Minimal text edits that set container resources and replicas in a Kubernetes YAML text.
 * Works on the original string: only the values concerned change; comments, key order, quoting,
 * indentation, flow style and line endings survive. Missing `resources`/`requests`/`limits` blocks are
 * written in the file's own style (its indentation unit, its line ending, its quoting of quantities).
 * Every edit is checked afterwards by re-reading the result with the `yaml` library.
 */
import { isMap, isScalar, type Document, type Node as YamlNode } from 'yaml';
import { checkReplicas, isQuantity, parseQuantity, parseResourceQuantity, QuantityError } from '../core/quantity';
import { blockCopy, copiesAsBlock, inlineCopy, mergedEntries, mergedValue } from './aliases';
import { workloadRoots, type WorkloadRoot } from './extract';
import { parseWithYaml } from './parse-yaml';
import { scanManifest } from './scan';
import { checkOnlyAsked as checkSemantics, rebase, UnaskedChange } from './semantics';
import { detectEol, lineContentEnd, lineStartOf, LineIndex, splitDocuments } from './text';
import type { Shared, YEntry, YMap, YNode, YScalar, YSeq } from './tree';
import { contentEnd, get } from './tree';
import type { ContainerTarget, ManifestChange, ResourceSettings, ScalarStyle, TextEdit, WorkloadTarget } from './types';
import { KINDS_WITH_REPLICAS, POD_SPEC_PATH, inTargetNamespace, isWorkloadDocument, isWorkloadKind, normaliseKind } from './workloads';

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

interface WorkloadDoc extends WorkloadRoot {
  /** The `yaml` library's document the workload sits in (resolves aliases, renders copies). */
  doc: Document;
  /** The whole document's tree (a `kind: List` holds other workloads), to say which containers use an anchor. */
  top: YNode | null;
}

interface Ctx {
  text: string;
  eol: string;
  lines: LineIndex;
  edits: TextEdit[];
  /**
   * An edit would land in nodes other places use through an alias (innermost first, with the users it changes): it is
   * not made, and the change is refused once every edit of it was looked at (so the refusal names every anchor at once).
   */
  refuse: (shared: Shared[]) => void;
  /** The refusals of the changes planned so far (anchors other places use), thrown together once all were planned. */
  refusals: string[];
  /** 1-based line, in the text as given, of an offset in `text` (which may hold copies written out first). */
  line: (offset: number) => number;
  /** The mapping holding a merge key (`<<: *res`), by the offset of each alias in it. */
  mergeMaps: Map<number, YMap>;
}

/** A node other places use through an alias, and the keys from it down to the mapping being edited. */
interface Holder {
  shared: Shared;
  path: string[];
}

/** How many rounds of copying nested aliases (`resources: *res` whose anchor holds `requests: *req`…) an edit may take. */
const MAX_COPY_ROUNDS = 8;

export interface EditOptions {
  /**
   * The namespace of a document that sets none, for matching targets (the CLI's `--default-namespace`): then
   * `default/Deployment/web` reaches a `Deployment/web` without metadata.namespace. Without it such a document is
   * reached only by a target without a namespace, or with `namespace: null`.
   */
  defaultNamespace?: string;
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
 * ambiguous, sits in an invalid or templated document, a value is not a Kubernetes quantity, or the edit would
 * change what other containers read through a YAML anchor.
 *
 * A targeted container that reads its resources through an alias (`resources: *res`, `requests: *req`) or a merge
 * key (`<<: *res`) first gets its own copy of them, written in the file's style, so only it changes. The result is
 * then checked as Kubernetes reads it (aliases and merge keys resolved): the edited documents must equal the
 * originals with exactly the asked values changed, else nothing is returned.
 */
export function planEdits(text: string, changes: readonly ManifestChange[], options: EditOptions = {}): TextEdit[] {
  const ns = options.defaultNamespace;
  const merged = sameInFile(text, mergeChanges(changes), ns);
  let current = text;
  const rounds: TextEdit[][] = [];
  for (let round = 0; ; round++) {
    const copies = planCopies(current, merged, ns);
    if (copies.length === 0) break;
    if (round === MAX_COPY_ROUNDS) throw new ManifestEditError('the resources to edit sit behind too many nested YAML aliases; write them out by hand');
    current = applyEdits(current, copies);
    rounds.push(copies);
  }
  const lines = new LineIndex(text);
  const edits = planValues(current, merged, ns, (offset) => lines.lineOf(originalOffset(offset, rounds)) + 1);
  const result = current === text ? edits : rebase(text, applyEdits(current, edits));
  if (result.length > 0) {
    const after = applyEdits(text, result);
    checkOnlyAsked(text, after, merged, ns);
    checkRequestsWithinLimits(text, after, merged, ns);
  }
  return result;
}

/**
 * Kubernetes rejects a container whose request is above its limit (422 on apply, a pod that never starts from
 * GitOps): a change that sets a request or a limit must not leave that. The result is read as the scan reads it
 * (aliases resolved), so a limit the change leaves alone counts, and raising both in one change is fine. Only the
 * documents the edit changed are read again (an Apply in a 5,000-line file stays cheap).
 */
function checkRequestsWithinLimits(before: string, after: string, changes: readonly ManifestChange[], defaultNamespace?: string): void {
  const a = splitDocuments(before);
  const containers = splitDocuments(after).flatMap((d, i) => {
    const doc = after.slice(d.start, d.end);
    return a[i] && before.slice(a[i].start, a[i].end) === doc ? [] : scanManifest(doc).containers;
  });
  for (const change of changes) {
    if (change.type !== 'resources') continue;
    const t = change.target;
    const kind = normaliseKind(t.kind);
    const found = containers.filter((c) => c.kind === kind && c.name === t.name && c.container === t.container
      && inTargetNamespace(c.namespace, t.namespace, defaultNamespace));
    for (const c of found) {
      for (const r of ['cpu', 'memory'] as const) {
        if (change.set.requests?.[r] === undefined && change.set.limits?.[r] === undefined) continue;
        const request = c.requests[r]?.value;
        const limit = c.limits[r]?.value;
        if (request === undefined || limit === undefined || !isQuantity(request) || !isQuantity(limit)) continue;
        if (parseQuantity(request) <= parseQuantity(limit)) continue;
        const key = r === 'cpu' ? 'cpu' : 'memory';
        const how = change.set.requests?.[r] !== undefined
          ? `raise the limit in the same change (${key}=${request},limits.${r}=${request})`
          : `lower the request in the same change (${key}=${limit},limits.${r}=${limit}) or give a higher limit`;
        throw new ManifestEditError(`${kind}/${t.name} container "${t.container}": requests.${r} ${request} would be above limits.${r} ${limit}, `
          + `which Kubernetes rejects; nothing was changed: ${how}`);
      }
    }
  }
}

function checkOnlyAsked(before: string, after: string, changes: readonly ManifestChange[], defaultNamespace?: string): void {
  try {
    checkSemantics(before, after, changes, defaultNamespace);
  } catch (e) {
    if (e instanceof UnaskedChange) {
      throw new ManifestEditError(`refused: ${e.message}, which was not asked (a YAML construct MOrA does not edit through, such as an inline merge key); nothing was changed, edit it by hand`);
    }
    throw e;
  }
}

/** Plans, applies and verifies: returns the new text (unchanged text when nothing differs). */
export function editManifest(text: string, changes: readonly ManifestChange[], options: EditOptions = {}): { text: string; edits: TextEdit[] } {
  const edits = planEdits(text, changes, options);
  const out = applyEdits(text, edits);
  verify(out, changes, options.defaultNamespace);
  return { text: out, edits };
}

/** Where an offset of the text after the copy rounds was in the text before them (a copy's own text: its start). */
function originalOffset(offset: number, rounds: readonly TextEdit[][]): number {
  let o = offset;
  for (let r = rounds.length - 1; r >= 0; r--) {
    let shift = 0;
    let found: number | undefined;
    for (const e of [...rounds[r]].sort((a, b) => a.offset - b.offset)) {
      const start = e.offset + shift;
      if (o < start) break;
      if (o < start + e.newText.length) {
        found = e.offset;
        break;
      }
      shift += e.newText.length - e.length;
    }
    o = found ?? o - shift;
  }
  return o;
}

/** How a change names its target, as given: `[<namespace>/]<Kind>/<name>[/<container>]`. */
export function targetLabel(change: ManifestChange): string {
  const t = change.target;
  const ns = t.namespace ? `${t.namespace}/` : '';
  return `${ns}${normaliseKind(t.kind)}/${t.name}${change.type === 'resources' ? `/${change.target.container}` : ''}`;
}

/**
 * Two changes to one container (or one workload's replicas) as one: each value given once is kept; a value given by
 * both must be the same amount however spelt (`5m`, `0.005`; the later spelling is written), else they conflict and
 * nothing is guessed: ManifestEditError `<label>: cpu given twice (5m, 7m): give one value`.
 */
export function mergeTwo(a: ManifestChange, b: ManifestChange, label: string): ManifestChange {
  if (a.type === 'replicas' || b.type === 'replicas') {
    if (a.type !== 'replicas' || b.type !== 'replicas') throw new Error('mergeTwo: a replicas change and a resources change');
    if (a.replicas !== b.replicas) throw new ManifestEditError(`${label}: replicas given twice (${a.replicas}, ${b.replicas}): give one value`);
    return b;
  }
  for (const g of ['requests', 'limits'] as const) {
    for (const r of ['cpu', 'memory'] as const) {
      const x = a.set[g]?.[r];
      const y = b.set[g]?.[r];
      if (x === undefined || y === undefined || sameAmount(x, y)) continue;
      throw new ManifestEditError(`${label}: ${g === 'requests' ? r : `limits.${r}`} given twice (${x}, ${y}): give one value`);
    }
  }
  return { ...b, set: mergeSettings(a.set, b.set) };
}

/** Two quantities given for one value: the same amount, however spelt. */
export function sameAmount(a: string, b: string): boolean {
  if (a === b) return true;
  return isQuantity(a) && isQuantity(b) && parseQuantity(a) === parseQuantity(b);
}

/** Several changes to one container or workload, its target spelt the same, merge (mergeTwo), so edits never overlap. */
function mergeChanges(changes: readonly ManifestChange[]): ManifestChange[] {
  const merged = new Map<string, ManifestChange>();
  for (const change of changes) {
    const key = change.type === 'resources'
      ? `r/${normaliseKind(change.target.kind)}/${change.target.namespace ?? '*'}/${change.target.name}/${change.target.container}`
      : `n/${normaliseKind(change.target.kind)}/${change.target.namespace ?? '*'}/${change.target.name}`;
    const before = merged.get(key);
    merged.set(key, before ? mergeTwo(before, change, targetLabel(change)) : change);
  }
  return [...merged.values()];
}

/**
 * Changes whose targets are spelt differently but reach the same container or workload in this text
 * (`Deployment/web/app` and `default/Deployment/web/app` where web sets no namespace): merged as mergeTwo merges,
 * refused when they disagree. Without this, two edits of one value (or two insertions of one missing key) were made
 * and failed the checks after the edit with words that did not say why. Only targets sharing a kind and name are
 * looked up, so a long list of distinct targets costs nothing here.
 */
function sameInFile(text: string, changes: readonly ManifestChange[], defaultNamespace?: string): ManifestChange[] {
  const names = changes.map((c) => `${c.type}/${normaliseKind(c.target.kind)}/${c.target.name}${c.type === 'resources' ? `/${c.target.container}` : ''}`);
  if (new Set(names).size === names.length) return [...changes];
  const docs = workloadDocuments(text, changes);
  const byPlace = new Map<string, { change: ManifestChange; label: string }>();
  for (const change of changes) {
    const at = docs.docs.indexOf(findWorkload(docs, change.target, defaultNamespace));
    const key = change.type === 'resources' ? `r/${at}/${change.target.container}` : `n/${at}`;
    const before = byPlace.get(key);
    if (!before) {
      byPlace.set(key, { change, label: targetLabel(change) });
      continue;
    }
    const what = change.type === 'resources' ? 'container' : 'workload';
    const label = `${before.label} and ${targetLabel(change)} are the same ${what} in this file`;
    byPlace.set(key, { change: mergeTwo(before.change, change, label), label: before.label });
  }
  return [...byPlace.values()].map((x) => x.change);
}

/**
 * One round of copies: each targeted container whose `resources`, `requests` or `limits` (those the change sets) is an
 * alias, or comes from a merge key, gets that value written out as its own: `resources: *res` becomes the block
 * `*res` stands for, `resources: {<<: *res}` the keys the merge gave (the `<<` goes), a container merging a whole
 * container (`- <<: *base`) an explicit `resources:` holding what the merge gave. Values stay the same;
 * the next round (or the value edits) then change only this container's copy.
 */
function planCopies(text: string, changes: readonly ManifestChange[], defaultNamespace?: string): TextEdit[] {
  if (!text.includes('*')) return []; // no alias anywhere
  const edits: TextEdit[] = [];
  const eol = detectEol(text);
  const docs = workloadDocuments(text, changes);
  for (const change of changes) {
    if (change.type !== 'resources') continue;
    const groups = (['requests', 'limits'] as const).filter((g) => Object.values(change.set[g] ?? {}).some((v) => v !== undefined));
    if (groups.length === 0) continue;
    const doc = findWorkload(docs, change.target, defaultNamespace);
    const { container } = findContainer(doc, change.target);
    const unit = indentUnit(text, container) ?? indentUnit(text, doc.root) ?? 2;
    // A mapping that merges (`<<: *res`, `requests: {<<: *req}`) is written out whole: the `<<` goes, so the anchor's
    // owner no longer has this container as a user once every user is applied.
    const unmerge = (map: YMap): boolean => {
      const edit = unmergeEdit(text, eol, unit, doc, map);
      if (edit) edits.push(edit);
      return edit !== undefined;
    };
    const copy = (map: YMap, key: string, next: (child: YMap) => void): void => {
      const e = map.entries.find((x) => x.key === key);
      if (!e) {
        const merged = mergedValue(doc.doc, map, key);
        if (merged && isMap(merged)) edits.push(insertCopy(text, eol, unit, doc.doc, map, key, merged));
        return;
      }
      const v = e.value;
      if (v && v.t === 'opaque' && v.alias?.source) edits.push(...replaceAlias(text, eol, unit, doc.doc, map, e, v.alias.source, v));
      else if (v && v.t === 'map') next(v);
    };
    // A value set that is itself an alias (`cpu: *c`) becomes a literal copy of what it stands for: the anchor's other
    // users then no longer count this container among them, so an owner edited in the same run is free in the next round
    // (the value edit then writes the new amount over the copy, or leaves it when it is the amount asked).
    const leaves = (map: YMap, g: 'requests' | 'limits'): void => {
      for (const r of ['cpu', 'memory'] as const) {
        if (change.set[g]?.[r] === undefined) continue;
        const v = get(map, r);
        if (v && v.t === 'opaque' && v.alias?.source && isScalar(v.alias.source)) {
          edits.push({ offset: v.start, length: v.end - v.start, newText: inlineCopy(doc.doc, v.alias.source) });
        }
      }
    };
    const before = edits.length;
    copy(container, 'resources', (resources) => {
      if (!unmerge(resources)) groups.forEach((g) => copy(resources, g, (m) => { if (!unmerge(m)) leaves(m, g); }));
    });
    // Once its own aliases are copied (this round or an earlier one), the anchors only this container uses.
    if (edits.length === before) edits.push(...ownUsersCopies(text, eol, unit, doc, container, change.set));
  }
  return edits;
}

/**
 * The edit writes into a node with an anchor (`requests: &r {cpu: 250m}`) whose every user the edit would change is an
 * alias in this same container (`limits: *r`): nothing else reads what changes, so the edit is made, and each of those
 * aliases first becomes a literal copy of what it stood for (a merge `<<: *r` is written out), so they keep their values
 * and only what was asked changes. A merge user that sets the edited keys itself is not changed and stays. Users in
 * other containers edited in the same run are copied by their own edit first (an earlier round), after which this one is
 * free. An anchor still used outside the container is left for the refusal, which names where. Empty when there is
 * nothing to copy.
 */
function ownUsersCopies(text: string, eol: string, unit: number, doc: WorkloadDoc, container: YMap, set: ResourceSettings): TextEdit[] {
  // The nodes the edit writes into or below: the container, its resources, the groups set and their values set, each
  // with the keys of it the edit writes below (none for a value: it is written itself).
  const groups = (['requests', 'limits'] as const).filter((g) => set[g] && Object.values(set[g]!).some((v) => v !== undefined));
  const edited: Array<{ node: YNode; keys: string[] | null }> = [{ node: container, keys: ['resources'] }];
  const resources = get(container, 'resources');
  if (resources && resources.t === 'map') {
    edited.push({ node: resources, keys: groups });
    for (const g of groups) {
      const values = set[g]!;
      const m = get(resources, g);
      if (!m || m.t !== 'map') continue;
      const keys = (['cpu', 'memory'] as const).filter((r) => values[r] !== undefined);
      edited.push({ node: m, keys });
      for (const r of keys) {
        const leaf = get(m, r);
        if (leaf) edited.push({ node: leaf, keys: null });
      }
    }
  }
  // A merge user (`<<: *r`, anywhere in the document) that sets every key the edit writes below the anchor itself is not
  // changed by it (its own keys win over the merge): it neither blocks the edit nor needs a copy.
  const merges = mergeMapsOf(doc.top);
  const changed = (users: readonly number[], keys: string[] | null): number[] => users.filter((u) => {
    const map = merges.get(u);
    return !map || keys === null || !keys.every((k) => map.entries.some((e) => e.key === k));
  });
  // Every alias in the container, by offset, with what holds it.
  const aliases = new Map<number, { alias: YNode; holder: YMap | YSeq; entry?: YEntry; merge?: YMap }>();
  const walk = (n: YNode | null | undefined, merge?: YMap): void => {
    if (!n) return;
    if (n.t === 'map') {
      for (const e of n.entries) {
        if (e.value && e.value.t === 'opaque' && e.value.alias) aliases.set(e.value.start, { alias: e.value, holder: n, entry: e, merge: e.key === '<<' ? n : undefined });
        else if (e.key === '<<' && e.value && e.value.t === 'seq') walk(e.value, n);
        else walk(e.value);
      }
    } else if (n.t === 'seq') {
      for (const item of n.items) {
        if (item && item.t === 'opaque' && item.alias) aliases.set(item.start, { alias: item, holder: n, merge });
        else walk(item);
      }
    }
  };
  walk(container);
  const edits: TextEdit[] = [];
  const unmerged = new Set<YMap>();
  for (const { node: n, keys } of edited) {
    if (n.t === 'opaque' || !n.shared) continue;
    const users = changed(n.shared.users, keys);
    if (!users.every((u) => aliases.has(u))) continue;
    for (const u of users) {
      const { alias, holder, entry: e, merge } = aliases.get(u)!;
      const source = alias.t === 'opaque' ? alias.alias?.source : undefined;
      if (merge) {
        if (unmerged.has(merge)) continue;
        const edit = unmergeEdit(text, eol, unit, doc, merge);
        if (!edit) return []; // a merge not written out: the refusal says so
        unmerged.add(merge);
        edits.push(edit);
      } else if (source && holder.t === 'map' && e) edits.push(...replaceAlias(text, eol, unit, doc.doc, holder, e, source, alias));
      else if (source) edits.push({ offset: alias.start, length: alias.end - alias.start, newText: inlineCopy(doc.doc, source) });
    }
  }
  return edits;
}

/**
 * `<<: *res` (or `<<: [*a, *b]`) in `map` → the keys the merge gives the map, written out in the map's style where the
 * `<<` was (values unchanged: explicit keys win over the merge, so the map's own keys stay). Undefined when the map has
 * no merge key, or one not written out (an inline `<<: {…}`; a `<<` sharing its line with a `- `).
 */
function unmergeEdit(text: string, eol: string, unit: number, doc: WorkloadDoc, map: YMap): TextEdit | undefined {
  const e = map.entries.find((x) => x.key === '<<');
  if (!e || !e.value) return undefined;
  const entries = mergedEntries(doc.doc, map);
  if (!entries) return undefined;
  const valueEnd = contentEnd(e.value);
  if (map.flow) {
    const body = entries.map(([k, v]) => `${k}:${v ? ` ${inlineCopy(doc.doc, v)}` : ''}`).join(', ');
    if (body) return { offset: e.keyStart, length: valueEnd - e.keyStart, newText: body };
    // Nothing left to give: the entry goes with one comma.
    let after = valueEnd;
    while (text[after] === ' ') after++;
    if (text[after] === ',') {
      after++;
      while (text[after] === ' ') after++;
      return { offset: e.keyStart, length: after - e.keyStart, newText: '' };
    }
    let before = e.keyStart;
    while (before > 0 && text[before - 1] === ' ') before--;
    if (text[before - 1] === ',') before--;
    return { offset: before, length: valueEnd - before, newText: '' };
  }
  if (!onlySpacesBefore(text, e.keyStart)) return undefined;
  const col = column(text, e.keyStart);
  const start = lineStartOf(text, e.keyStart);
  const end = lineContentEnd(text, valueEnd);
  const lines = entries.map(([k, v]) => `${' '.repeat(col)}${k}:${!v ? '' : copiesAsBlock(v) ? eol + blockCopy(doc.doc, v, col + unit, unit, eol) : ` ${inlineCopy(doc.doc, v)}`}`);
  if (lines.length) return { offset: start, length: end - start, newText: lines.join(eol) };
  const next = text.startsWith(eol, end) ? end + eol.length : end;
  return { offset: start, length: next - start, newText: '' };
}

/** `key: *alias` → `key:` and the aliased value written out below it (or in its place, on one line). */
function replaceAlias(text: string, eol: string, unit: number, yaml: Document, map: YMap, e: YEntry, source: YamlNode, alias: YNode): TextEdit[] {
  if (map.flow || !copiesAsBlock(source)) return [{ offset: alias.start, length: alias.end - alias.start, newText: inlineCopy(yaml, source) }];
  const colon = text.indexOf(':', e.keyEnd);
  const block = eol + blockCopy(yaml, source, column(text, e.keyStart) + unit, unit, eol);
  if (lineStartOf(text, alias.start) !== lineStartOf(text, colon)) return [{ offset: colon + 1, length: alias.end - (colon + 1), newText: block }];
  // `resources: *res   # note`: the comment stays on the key's line
  return [
    { offset: colon + 1, length: alias.end - (colon + 1), newText: '' },
    { offset: lineContentEnd(text, alias.end), length: 0, newText: block },
  ];
}

/** A mapping that gets `key` from a merge key gains `key:` with that value written out (explicit keys win over `<<`). */
function insertCopy(text: string, eol: string, unit: number, yaml: Document, map: YMap, key: string, source: YamlNode): TextEdit {
  if (map.flow) {
    const last = map.entries[map.entries.length - 1];
    const at = last ? (last.value ? contentEnd(last.value) : last.keyEnd) : map.start + 1;
    return { offset: at, length: 0, newText: `${last ? ', ' : ''}${key}: ${inlineCopy(yaml, source)}` };
  }
  const col = column(text, map.entries[0]?.keyStart ?? map.start);
  const value = copiesAsBlock(source) ? eol + blockCopy(yaml, source, col + unit, unit, eol) : ` ${inlineCopy(yaml, source)}`;
  return { offset: afterContent(text, contentEnd(map)), length: 0, newText: `${eol}${' '.repeat(col)}${key}:${value}` };
}

/** The mapping holding each merge key (`<<: *res`, `<<: [*a, *b]`) below `root`, by the offset of each alias in it. */
function mergeMapsOf(root: YNode | null | undefined): Map<number, YMap> {
  const out = new Map<number, YMap>();
  const walk = (n: YNode | null | undefined): void => {
    if (!n) return;
    if (n.t === 'seq') n.items.forEach(walk);
    if (n.t !== 'map') return;
    for (const e of n.entries) {
      if (e.key === '<<' && e.value) {
        for (const a of e.value.t === 'seq' ? e.value.items : [e.value]) if (a && a.t === 'opaque' && a.alias) out.set(a.start, n);
      } else walk(e.value);
    }
  };
  walk(root);
  return out;
}

/** The value edits on a text where no targeted value sits behind an alias any more. */
function planValues(text: string, changes: readonly ManifestChange[], defaultNamespace: string | undefined, line: (offset: number) => number): TextEdit[] {
  const docs = workloadDocuments(text, changes);
  const mergeMaps = new Map<number, YMap>();
  for (const d of docs.docs) for (const [at, map] of mergeMapsOf(d.root)) mergeMaps.set(at, map);
  const ctx: Ctx = {
    text, eol: detectEol(text), lines: new LineIndex(text), edits: [], refuse: () => { throw new ManifestEditError('shared'); }, refusals: [], line, mergeMaps,
  };
  for (const change of changes) {
    const doc = findWorkload(docs, change.target, defaultNamespace);
    if (change.type === 'replicas') planReplicas(ctx, doc, change.replicas);
    else planResources(ctx, doc, change.target, change.set);
  }
  // Every change refused for an anchor, in one message: the --set each suggests, given together, is then the whole fix.
  if (ctx.refusals.length) throw new ManifestEditError(ctx.refusals.join('; and '));
  const sorted = ctx.edits.sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].offset < sorted[i - 1].offset + sorted[i - 1].length) {
      throw new ManifestEditError('two changes touch the same place in the file; give each container once');
    }
  }
  return sorted;
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
  broken: { kind: string | null; name: string | null; line: number; why: string }[];
}

/**
 * Finds the documents the changes target: the fast scan says which, and only those are parsed by the yaml
 * library (which validates them), so an Apply in a 5,000-line file does not pay for the whole file.
 * A `kind: List` document is read item by item.
 */
function workloadDocuments(text: string, changes: readonly ManifestChange[]): Workloads {
  const wanted = new Set(changes.map((c) => `${normaliseKind(c.target.kind)}/${c.target.name}`));
  const out: Workloads = { docs: [], others: [], broken: [] };
  for (const d of scanManifest(text).documents) {
    const end = d.offset + d.length;
    if (d.status === 'template' || d.status === 'invalid') {
      const head = text.slice(d.offset, end);
      const kind = /^kind:\s*["']?([A-Za-z]+)/m.exec(head)?.[1] ?? null;
      const name = /^\s+name:\s*["']?([^\s"'#]+)/m.exec(head)?.[1] ?? null;
      out.broken.push({ kind, name, line: d.line + 1, why: d.status === 'template'
        ? 'is a Helm template source ({{ }}); render it first' : `is not valid YAML (${d.error})` });
      continue;
    }
    const list = d.status === 'ok' && d.kind !== null && !isWorkloadKind(d.kind) && /List$/.test(d.kind);
    if (!list && (d.status !== 'ok' || !isWorkloadDocument(d.apiVersion, d.kind) || d.name === null)) continue;
    if (!list && !wanted.has(`${d.kind}/${d.name}`)) {
      out.others.push(`${d.kind}/${d.name}`);
      continue;
    }
    const parsed = parseWithYaml(text, d.offset, end);
    if (parsed.error !== null || !parsed.doc) {
      out.broken.push({ kind: d.kind, name: d.name, line: d.line + 1, why: `is not valid YAML (${parsed.error})` });
      continue;
    }
    for (const w of workloadRoots(parsed.root)) {
      if (wanted.has(`${w.kind}/${w.name}`)) out.docs.push({ ...w, doc: parsed.doc, top: parsed.root });
      else out.others.push(`${w.kind}/${w.name}`);
    }
  }
  return out;
}

function findWorkload(all: Workloads, target: WorkloadTarget, defaultNamespace?: string): WorkloadDoc {
  const kind = normaliseKind(target.kind);
  const found = all.docs.filter((d) => d.kind === kind && d.name === target.name
    && inTargetNamespace(d.namespace, target.namespace, defaultNamespace));
  const label = `${kind}/${target.name}${target.namespace ? ` in namespace ${target.namespace}` : ''}`;
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    const namespaces = [...new Set(found.map((d) => d.namespace ?? defaultNamespace ?? '(none)'))];
    const none = found.some((d) => d.namespace === null) && defaultNamespace !== undefined
      ? ` (no namespace counts as ${defaultNamespace})` : '';
    if (namespaces.length === 1) throw new ManifestEditError(`${label} is ambiguous: it is defined ${found.length} times in this file${none}`);
    if (defaultNamespace === undefined && namespaces.includes('(none)')) {
      throw new ManifestEditError(`${label} is ambiguous: it appears in namespaces ${namespaces.join(', ')}; prefix the target with <namespace>/`);
    }
    throw new ManifestEditError(`${label} is ambiguous: it appears in namespaces ${namespaces.join(', ')}; `
      + `prefix the target with ${namespaces.map((n) => `${n}/`).join(' or ')}${none}`);
  }
  const bad = all.broken.find((b) => b.kind === kind && b.name === target.name);
  if (bad) throw new ManifestEditError(`${label} cannot be edited: its document ${bad.why}`);
  const known = [...all.docs.map((d) => `${d.kind}/${d.name}`), ...all.others];
  // It may be one of the documents that could not be read (a name written as `{{ }}`): say which, not just "no such".
  const unread = all.broken.length ? `; not read: ${all.broken.map((b) => `the document at line ${b.line} ${b.why}`).join('; ')}` : '';
  throw new ManifestEditError(`no ${label} in this file${known.length ? ` (workloads found: ${known.join(', ')})` : ' (no workloads found)'}${unread}`
    + noNamespaceHint(all.docs.some((d) => d.kind === kind && d.name === target.name && d.namespace === null), `${kind}/${target.name}`, target.namespace, defaultNamespace));
}

/**
 * What to do when the target names a namespace and the file holds the workload without one: it counts as
 * `defaultNamespace` (the CLI's --default-namespace, default `default`), so `--default-namespace <the target's>` finds it.
 * '' otherwise. Shared with `mora manifests apply` on a folder (manifests-apply-many.ts), which says it the same way.
 */
export function noNamespaceHint(foundWithout: boolean, workload: string, targetNamespace: string | null | undefined, defaultNamespace: string | undefined): string {
  if (!foundWithout || !targetNamespace || defaultNamespace === undefined || defaultNamespace === targetNamespace) return '';
  return `; ${workload} sets no namespace, so it counts as ${defaultNamespace}: give --default-namespace ${targetNamespace} if it runs in ${targetNamespace}`;
}

/** The targeted container's mapping, and the nodes above it (root first) for the anchor check. */
function findContainer(doc: WorkloadDoc, target: ContainerTarget): { container: YMap; above: YNode[] } {
  const above: YNode[] = [doc.root];
  let podSpec: YNode | null | undefined = doc.root;
  for (const key of POD_SPEC_PATH[doc.kind]) {
    podSpec = get(podSpec, key);
    if (podSpec) above.push(podSpec);
  }
  const names: string[] = [];
  const found: Array<{ container: YMap; above: YNode[]; list: string }> = [];
  for (const list of ['containers', 'initContainers']) {
    const seq = podSpec && podSpec.t === 'map' ? get(podSpec, list) : undefined;
    if (!seq || seq.t !== 'seq') continue;
    for (const item of seq.items) {
      const name = item && item.t === 'map' ? get(item, 'name') : null;
      if (!name || name.t !== 'scalar' || name.value === null) continue;
      names.push(name.value);
      if (name.value === target.container) found.push({ container: item as YMap, above: [...above, seq], list });
    }
  }
  // Kubernetes refuses a pod whose containers and init containers share a name; editing the first would be a guess.
  if (found.length > 1) {
    const lists = [...new Set(found.map((f) => f.list))];
    throw new ManifestEditError(`${doc.kind}/${doc.name} has ${found.length} containers named "${target.container}"${lists.length > 1 ? ' (in containers and initContainers)' : ''}; `
      + 'Kubernetes requires unique container names: rename one first');
  }
  if (found.length === 1) return { container: found[0].container, above: found[0].above };
  // An ephemeral container (kubectl debug) takes no resources: Kubernetes refuses them there.
  const ephemeral = podSpec && podSpec.t === 'map' ? get(podSpec, 'ephemeralContainers') : undefined;
  const isEphemeral = !!ephemeral && ephemeral.t === 'seq' && ephemeral.items.some((item) => {
    const name = item && item.t === 'map' ? get(item, 'name') : null;
    return !!name && name.t === 'scalar' && name.value === target.container;
  });
  throw new ManifestEditError(`${doc.kind}/${doc.name} has no container named "${target.container}"`
    + (names.length ? ` (containers: ${names.join(', ')})` : '')
    + (isEphemeral ? `; "${target.container}" is an ephemeral container, which Kubernetes gives no resources: leave it out` : ''));
}

/** The resource values to write, checked (a Kubernetes quantity, 0 or more, finite and within Kubernetes' range). */
function desiredResources(set: ResourceSettings): Desired {
  const desired: Desired = {};
  for (const group of ['requests', 'limits'] as const) {
    const values = set[group];
    if (!values) continue;
    const leaves: Desired = {};
    for (const resource of ['cpu', 'memory'] as const) {
      const v = values[resource];
      if (v === undefined) continue;
      if (v.trim() !== v) throw new ManifestEditError(`${group}.${resource} "${v}" is not a Kubernetes quantity (e.g. 250m, 0.5, 512Mi, 1Gi)`);
      try {
        parseResourceQuantity(resource, v, `${group}.${resource}`);
      } catch (e) {
        if (e instanceof QuantityError) throw new ManifestEditError(e.message);
        throw e;
      }
      leaves[resource] = v;
    }
    if (Object.keys(leaves).length > 0) desired[group] = leaves;
  }
  return desired;
}

function planResources(ctx: Ctx, doc: WorkloadDoc, target: ContainerTarget, set: ResourceSettings): void {
  const { container, above } = findContainer(doc, target);
  const desired = desiredResources(set);
  if (Object.keys(desired).length === 0) return;
  const style = quantityStyle(container);
  const unit = indentUnit(ctx.text, container) ?? indentUnit(ctx.text, doc.root) ?? 2;
  // Every anchor an edit of this change would write into, in the order met (each push innermost first), users merged.
  const shared: Shared[] = [];
  const refuse = (named: Shared[]): void => {
    for (const s of named) {
      const known = shared.find((x) => x.anchor === s.anchor);
      if (known) known.users = [...new Set([...known.users, ...s.users])];
      else shared.push({ anchor: s.anchor, users: [...s.users] });
    }
  };
  setInMap({ ...ctx, refuse }, container, { resources: desired }, { style, unit }, holdersOf([...above, container]));
  if (shared.length === 0) return;
  const them = shared.length > 1 ? 'them' : 'it';
  const users = anchorUsers(ctx, doc, shared.flatMap((s) => s.users), set, target.container);
  const named = users.containers.map((u) => u.target);
  // Users that are containers reading the anchor in their resources: applying to them first gives each its own copy
  // (in one `manifests apply` run, a --set for each with the values it reads where it uses the anchor changes nothing
  // else and frees this one). Anything else must be written out by hand.
  const byHand = users.other ? `write ${them} out by hand where ${users.other}` : '';
  const how = named.length === 0 ? `${byHand ? `${byHand}, or ` : ''}write this container's resources out without the anchor`
    : `apply to the container${named.length > 1 ? 's' : ''} that use${named.length > 1 ? '' : 's'} ${them} first, ${named.join(', ')} (each gets its own copy`
      + `; with mora manifests apply, in the same run: ${users.containers.map((u) => `--set ${u.target}=${u.values}`).join(' ')}, values ${named.length > 1 ? 'they read' : 'it reads'} now)`
      + `${byHand ? `, and ${byHand}` : ''}, or write this container's resources out without the anchor`;
  ctx.refusals.push(`${doc.kind}/${doc.name} container "${target.container}": its resources sit in the YAML anchor${shared.length > 1 ? 's' : ''} `
    + `${describeShared(ctx, shared)}; editing ${them} would change those too, so nothing was changed: ${how}`);
}

type Group = 'requests' | 'limits';
type Resource = 'cpu' | 'memory';

/**
 * Where in a container (`item`) the alias at offset `u` sits, as the keys a --set must name for the edit to copy it:
 * `any` for the container's merge key (`- <<: *base`), its `resources` (an alias or a merge key in it); a group for a
 * `requests`/`limits` that is an alias or merges one; a group and resource for a value that is an alias (`cpu: *c`).
 * Undefined for an alias elsewhere in the container (an `env` value), which no --set copies.
 */
function aliasPlace(item: YMap, u: number): 'any' | { group: Group; resource?: Resource } | undefined {
  const holds = (n: YNode | null | undefined): boolean => !!n && n.start <= u && u < contentEnd(n);
  const merges = (m: YMap): boolean => holds(m.entries.find((e) => e.key === '<<')?.value);
  if (merges(item)) return 'any';
  const resources = get(item, 'resources');
  if (!holds(resources) || !resources) return undefined;
  if (resources.t === 'opaque' || (resources.t === 'map' && merges(resources))) return 'any';
  if (resources.t !== 'map') return undefined;
  for (const group of ['requests', 'limits'] as const) {
    const g = get(resources, group);
    if (!holds(g) || !g) continue;
    if (g.t === 'opaque' || (g.t === 'map' && merges(g))) return { group };
    if (g.t !== 'map') return undefined;
    for (const resource of ['cpu', 'memory'] as const) {
      const v = get(g, resource);
      if (v && v.t === 'opaque' && v.start === u) return { group, resource };
    }
  }
  return undefined;
}

/**
 * The containers other than `self` holding the aliases at `offsets` (in the workload's document) in their resources,
 * each as a --set target with the values it reads now where it uses the anchor (`Deployment/web/b`,
 * `cpu=100m,limits.cpu=1`): the keys `set` names there when it reads them, else one it reads there. That --set copies
 * each of those aliases before the anchor is edited (planCopies), so in one run with it the anchor is free. `other`
 * names the lines of the aliases no --set copies (outside any container, or elsewhere in one: an `env` value), if some.
 */
function anchorUsers(ctx: Ctx, doc: WorkloadDoc, offsets: readonly number[], set: ResourceSettings, self: string):
  { containers: Array<{ target: string; values: string }>; other?: string } {
  const found = new Map<string, { target: string; keys: Set<string> }>();
  const lines = new Set<number>();
  const read = scanManifest(ctx.text).containers;
  for (const u of offsets) {
    let hit: { kind: string; name: string; namespace: string | null; container: string; item: YMap } | undefined;
    for (const w of workloadRoots(doc.top)) {
      let podSpec: YNode | null | undefined = w.root;
      for (const key of POD_SPEC_PATH[w.kind]) podSpec = get(podSpec, key);
      for (const list of ['initContainers', 'containers']) {
        const seq = get(podSpec, list);
        for (const item of seq && seq.t === 'seq' ? seq.items : []) {
          const name = item && item.t === 'map' ? get(item, 'name') : undefined;
          if (!item || item.t !== 'map' || !name || name.t !== 'scalar' || name.value === null || u < item.start || u >= contentEnd(item)) continue;
          hit = { kind: w.kind, name: w.name, namespace: w.namespace, container: name.value, item };
        }
      }
    }
    // The targeted container's own aliases are copied by the edit itself once no other place uses the anchor.
    if (hit && hit.kind === doc.kind && hit.name === doc.name && hit.namespace === doc.namespace && hit.container === self) continue;
    const place = hit && aliasPlace(hit.item, u);
    const h = hit;
    const c = h && read.find((x) => x.kind === h.kind && x.name === h.name && x.namespace === h.namespace && x.container === h.container);
    // The `<group>.<resource>` keys it reads now (a value a --set takes) among those the place covers.
    const reads = (group?: Group, resource?: Resource): string[] => (['requests', 'limits'] as const).flatMap((g) => (['cpu', 'memory'] as const).flatMap((r) => {
      const v = c?.[g][r]?.value;
      if ((group && g !== group) || (resource && r !== resource) || v === undefined || !validQuantity(r, v)) return [];
      return [`${g}.${r}`];
    }));
    let keys: string[] = [];
    if (place) {
      const there = place === 'any' ? reads() : reads(place.group, place.resource);
      const asked = there.filter((k) => { const [g, r] = k.split('.') as [Group, Resource]; return set[g]?.[r] !== undefined; });
      keys = asked.length ? asked : there.slice(0, 1);
    }
    if (!h || !c || keys.length === 0) {
      lines.add(ctx.line(u));
      continue;
    }
    const target = `${h.namespace ? `${h.namespace}/` : ''}${h.kind}/${h.name}/${h.container}`;
    const entry = found.get(target) ?? { target, keys: new Set<string>() };
    keys.forEach((k) => entry.keys.add(k));
    found.set(target, entry);
  }
  const containers = [...found.values()].map(({ target, keys }) => {
    const c = read.find((x) => `${x.namespace ? `${x.namespace}/` : ''}${x.kind}/${x.name}/${x.container}` === target);
    const values = (['requests', 'limits'] as const).flatMap((g) => (['cpu', 'memory'] as const).flatMap((r) =>
      keys.has(`${g}.${r}`) ? [`${g === 'limits' ? 'limits.' : ''}${r}=${c?.[g][r]?.value}`] : []));
    return { target, values: values.join(',') };
  });
  const other = [...lines].sort((a, b) => a - b);
  return { containers, ...(other.length ? { other: `line${other.length > 1 ? 's' : ''} ${other.join(', ')} use${other.length > 1 ? '' : 's'} ${other.length > 1 ? 'them' : 'it'}` } : {}) };
}

/** A value a --set takes as it is (no spaces around it, a quantity in Kubernetes' range). */
function validQuantity(resource: Resource, v: string): boolean {
  if (v.trim() !== v || v.includes(',') || v.includes(' ')) return false;
  try {
    parseResourceQuantity(resource, v, resource);
    return true;
  } catch {
    return false;
  }
}

/** `&res, which lines 20, 24 also use (*res)`, for each anchor, joined with `and`. */
function describeShared(ctx: Ctx, shared: readonly Shared[]): string {
  return shared.map((s) => {
    const users = [...new Set(s.users.map(ctx.line))].sort((a, b) => a - b);
    return `&${s.anchor}, which line${users.length > 1 ? 's' : ''} ${users.join(', ')} also use${users.length > 1 ? '' : 's'} (*${s.anchor})`;
  }).join(', and ');
}

function planReplicas(ctx: Ctx, doc: WorkloadDoc, replicas: number): void {
  if (!KINDS_WITH_REPLICAS.has(doc.kind)) throw new ManifestEditError(`${doc.kind}/${doc.name}: a ${doc.kind} has no replicas`);
  try {
    checkReplicas(replicas);
  } catch (e) {
    if (e instanceof QuantityError) throw new ManifestEditError(e.message);
    throw e;
  }
  const spec = get(doc.root, 'spec');
  if (!spec || spec.t !== 'map') throw new ManifestEditError(`${doc.kind}/${doc.name} has no spec mapping`);
  const current = get(spec, 'replicas');
  const style: ScalarStyle = current && current.t === 'scalar' && current.style !== 'block' ? current.style : 'plain';
  const first = spec.entries[0];
  // Conventionally replicas is the first key of spec: add it there, in the spec's own indentation.
  const before = !current && !spec.flow && first && onlySpacesBefore(ctx.text, first.keyStart) ? first : undefined;
  const refuse = (shared: Shared[]): never => {
    throw new ManifestEditError(`${doc.kind}/${doc.name}: its replicas sit in the YAML anchor${shared.length > 1 ? 's' : ''} ${describeShared(ctx, shared)}; `
      + 'editing it would change those too, so nothing was changed');
  };
  setInMap({ ...ctx, refuse }, spec, { replicas: String(replicas) }, { style, unit: 2, numbers: true, insertBefore: before?.key }, holdersOf([doc.root, spec]));
}

/**
 * The shared nodes among `nodes` (root first, ending at the mapping to edit), each with the keys from it down to that
 * mapping.
 */
function holdersOf(nodes: readonly (YNode | null | undefined)[]): Holder[] {
  const out: Holder[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (n && n.t !== 'opaque' && n.shared) out.push({ shared: n.shared, path: pathBetween(nodes.slice(i)) });
  }
  return out;
}

/** The keys leading from nodes[0] to the last node (through sequences by their mapping items, which have no key). */
function pathBetween(nodes: readonly (YNode | null | undefined)[]): string[] {
  const path: string[] = [];
  for (let i = 1; i < nodes.length; i++) {
    const parent = nodes[i - 1];
    if (parent && parent.t === 'map') {
      const e = parent.entries.find((x) => x.value === nodes[i]);
      if (e) path.push(e.key);
    }
  }
  return path;
}

/**
 * The users of a shared node that an edit at `path` below it would change: an alias always; a merge key (`<<: *res`)
 * only when its mapping does not set the path's first key itself (an explicit key wins over the merge, whole).
 */
function usersChanged(ctx: Ctx, holder: Holder): Shared | undefined {
  const users = holder.shared.users.filter((u) => {
    const map = ctx.mergeMaps.get(u);
    return !map || holder.path.length === 0 || !map.entries.some((e) => e.key === holder.path[0]);
  });
  return users.length ? { anchor: holder.shared.anchor, users } : undefined;
}

interface Style {
  style: ScalarStyle;
  unit: number;
  /** The values are numbers (replicas): never quoted for JSON. */
  numbers?: boolean;
  /** The enclosing flow mapping quotes its keys (JSON): for an empty `{}` below it, which has no key to look at. */
  jsonKeys?: boolean;
  /** How the keys of the mapping being written to are quoted ('' plain), inherited by an empty one below. */
  keyQuote?: string;
  /** Insert new keys before this existing key of the top mapping (else at its end). */
  insertBefore?: string;
}

/** Keys that read better before another existing key (cpu before memory, requests before limits). */
const ORDER_BEFORE: Readonly<Record<string, string>> = { cpu: 'memory', requests: 'limits' };

/**
 * Sets `desired` below `map`. `holders` are the nodes above that aliases elsewhere use, with the keys down to `map`:
 * an edit under one would change those places too (an alias; a merge key whose mapping does not set that key
 * itself), so it is refused (ctx.refuse) instead.
 */
function setInMap(ctx: Ctx, map: YMap, desired: Desired, parentStyle: Style, holders: readonly Holder[] = []): void {
  // New keys are quoted as this mapping's keys are (`"cpu": '2'` gets `"memory": …`, as converters from JSON write).
  const first = map.entries.length > 0 ? ctx.text[map.entries[0].keyStart] : undefined;
  const style: Style = { ...parentStyle, keyQuote: first === '"' || first === "'" ? first : first !== undefined ? '' : parentStyle.keyQuote };
  const owners: Holder[] = map.shared ? [...holders, { shared: map.shared, path: [] }] : [...holders];
  const below = (key: string): Holder[] => owners.map((h) => ({ shared: h.shared, path: [...h.path, key] }));
  /** `keys`: the keys of this mapping the edit sets (one, or the missing ones it adds). */
  const push = (edit: TextEdit, keys: readonly string[], node?: YNode | null): void => {
    const candidates = keys.flatMap(below);
    if (node && node.t !== 'opaque' && node.shared) candidates.push({ shared: node.shared, path: [] });
    const changed = candidates.map((h) => usersChanged(ctx, h)).filter((x): x is Shared => x !== undefined);
    // Innermost first, each anchor once.
    const seen = new Set<string>();
    const named = changed.reverse().filter((x) => !seen.has(x.anchor) && seen.add(x.anchor));
    if (named.length) {
      ctx.refuse(named);
      return;
    }
    ctx.edits.push(edit);
  };
  const missing: Desired = {};
  for (const [key, want] of Object.entries(desired)) {
    const e = map.entries.find((x) => x.key === key);
    if (!e) {
      missing[key] = want;
      continue;
    }
    const v = e.value;
    if (typeof want === 'string') {
      // JSON (a flow mapping with double-quoted keys): `"cpu": 1` may stay a number, `500m` must become a string.
      const jsonString = (s: ScalarStyle): ScalarStyle =>
        s === 'plain' && map.flow && ctx.text[e.keyStart] === '"' && !/^\d+(\.\d+)?$/.test(want) ? 'double' : s;
      if (v === null || (v.t === 'scalar' && v.value === null && v.style === 'plain')) {
        // `cpu:` or `cpu: ~`: write the value after the colon
        const colon = ctx.text.indexOf(':', e.keyEnd);
        push({ offset: colon + 1, length: (v ? v.end : colon + 1) - (colon + 1), newText: ` ${quote(want, jsonString(style.style))}` }, [key], v);
      } else if (v.t === 'scalar' && v.style !== 'block') {
        // `0.5` already says `500m`: keep the user's spelling when the amount is the same
        if (!sameQuantity(v.value, want, v.style)) push({ offset: v.start, length: v.end - v.start, newText: quote(want, jsonString(v.style as ScalarStyle)) }, [key], v);
      } else if (v.t === 'opaque' && v.alias) {
        // `cpu: *c`: this container's value replaces the alias; the anchor stays as it is for the others
        push({ offset: v.start, length: v.end - v.start, newText: quote(want, style.style) }, [key]);
      } else if (v.t === 'scalar' && v.style === 'block') {
        // `cpu: >-` then `250m`: the one content line is rewritten, the block kept as written
        const edit = blockScalarEdit(ctx, key, v, want);
        if (!sameQuantity(v.value, want, 'block')) push(edit, [key], v);
      } else throw new ManifestEditError(`"${key}" at line ${ctx.line(v.start)} holds a collection, not a quantity; nothing was changed: write it as \`${key}: ${want}\``);
      continue;
    }
    if (v && v.t === 'map') {
      const jsonKeys = map.flow && ctx.text[e.keyStart] === '"';
      setInMap(ctx, v, want, { style: style.style, unit: indentUnit(ctx.text, v) ?? style.unit, jsonKeys }, below(key));
    } else if (map.flow && v && v.t === 'scalar' && v.value === null && v.style === 'plain') {
      // `"resources": null` in JSON, `{resources: ~}`: a block cannot go inside a flow mapping, the value is replaced
      const json = ctx.text[e.keyStart] === '"';
      const valueStyle: ScalarStyle = json && style.style === 'plain' ? 'double' : style.style;
      push({ offset: v.start, length: v.end - v.start, newText: renderFlow(want, valueStyle, (k) => (json ? `"${k}"` : k)) }, [key], v);
    } else if (v === null || (v.t === 'scalar' && v.value === null && v.style === 'plain')) {
      // `resources:` (or `resources: ~`) with nothing: write the block below the key
      const colon = ctx.text.indexOf(':', e.keyEnd);
      if (v) push({ offset: colon + 1, length: v.end - (colon + 1), newText: '' }, [key], v);
      const col = column(ctx.text, e.keyStart) + style.unit;
      push({ offset: lineContentEnd(ctx.text, colon), length: 0, newText: ctx.eol + renderBlock(want, col, style, ctx.eol) }, [key]);
    } else throw new ManifestEditError(`"${key}" is not a mapping; fix it by hand`);
  }
  const keys = Object.keys(missing);
  if (keys.length === 0) return;
  if (map.flow) {
    push(flowInsertion(ctx, map, missing, style), keys);
    return;
  }
  const col = column(ctx.text, map.entries[0]?.keyStart ?? map.start);
  const atEnd: Desired = {};
  for (const k of keys) {
    const anchorKey = style.insertBefore ?? ORDER_BEFORE[k];
    const anchor = anchorKey ? map.entries.find((x) => x.key === anchorKey) : undefined;
    if (anchor && onlySpacesBefore(ctx.text, anchor.keyStart)) {
      const at = lineStartOf(ctx.text, anchor.keyStart);
      push({ offset: at, length: 0, newText: renderBlock({ [k]: missing[k] }, col, style, ctx.eol) + ctx.eol }, [k]);
    } else atEnd[k] = missing[k];
  }
  if (Object.keys(atEnd).length === 0) return;
  refuseAfterKeptBlankLines(ctx.text, map, Object.keys(atEnd));
  const end = afterContent(ctx.text, contentEnd(map));
  push({ offset: end, length: 0, newText: ctx.eol + renderBlock(atEnd, col, style, ctx.eol) }, Object.keys(atEnd));
}

/**
 * The edit of a quantity written as a block scalar, in its style: `cpu: >-` (or `|-`) and one content line holding the
 * amount gets the new amount on that line, header, indentation and line ending kept. Refused (ManifestEditError naming
 * the line and why, nothing changed) when the value is not that one line: a block that keeps its final line break
 * (`>`, `|`, `>+`, `|+`) holds `250m` plus a line break, which Kubernetes does not read as a quantity (it decodes the
 * value as a JSON string and trims only spaces around it, not an escaped `\n`), so writing into it would keep a value
 * the API server rejects; several content lines are folded or joined into something else than one amount.
 */
function blockScalarEdit(ctx: Ctx, key: string, v: YScalar, want: string): TextEdit {
  const header = /^[|>][1-9+-]*/.exec(ctx.text.slice(v.start, v.start + 4))?.[0] ?? ctx.text[v.start];
  const line = ctx.line(v.start);
  const refuse = (why: string): never => {
    throw new ManifestEditError(`"${key}" at line ${line} is a block scalar (${header}) ${why}; nothing was changed: write it on the key's line, `
      + `\`${key}: ${want}\``);
  };
  // Each non-blank line after the header, from its first non-space character to its end (its line ending left out).
  const content: Array<{ start: number; end: number }> = [];
  let offset = lineContentEnd(ctx.text, v.start);
  for (const raw of ctx.text.slice(offset, v.end).split('\n')) {
    const lineText = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const lead = lineText.length - lineText.replace(/^ +/, '').length;
    if (lineText.trim() !== '') content.push({ start: offset + lead, end: offset + lineText.length });
    offset += raw.length + 1;
  }
  if (content.length !== 1) refuse(content.length === 0 ? 'with nothing in it' : `over ${content.length} lines, not one amount`);
  if (!header.includes('-')) {
    refuse(`whose value keeps its line break (${JSON.stringify(v.value)}), which Kubernetes does not read as a quantity`);
  }
  const only = content[0];
  if (ctx.text.slice(only.start, only.end) !== v.value) refuse(`whose value is not its one line as written (${JSON.stringify(v.value)})`);
  return { offset: only.start, length: only.end - only.start, newText: want };
}

/**
 * New keys go after the mapping's last content line (afterContent). When the mapping ends in a block scalar that keeps
 * its trailing blank lines (`|+`, `>+`), those lines belong to that value; keys inserted above them would end the
 * scalar early and take the blank lines out of it, which the check after the edit refuses in words that cannot say why.
 * Refused here instead, naming the real cause and what the user can do.
 */
function refuseAfterKeptBlankLines(text: string, map: YMap, keys: readonly string[]): void {
  const last = map.entries[map.entries.length - 1];
  let n: YNode | null = last?.value ?? null;
  while (n && !(n.t === 'map' && n.flow) && !(n.t === 'seq' && n.flow) && (n.t === 'map' || n.t === 'seq')) {
    n = n.t === 'map' ? n.entries[n.entries.length - 1]?.value ?? null : [...n.items].reverse().find((i) => i) ?? null;
  }
  if (!n || n.t !== 'scalar' || n.style !== 'block' || n.value === null) return;
  const header = /^[|>]([1-9]?[+-]?|[+-]?[1-9]?)/.exec(text.slice(n.start))?.[1] ?? '';
  if (!header.includes('+') || !/(\r?\n){2}$/.test(n.value)) return;
  const indicator = text[n.start] + header;
  throw new ManifestEditError(`cannot add ${keys.map((k) => `"${k}"`).join(', ')} below "${last.key}": it ends in a block scalar (${indicator}) `
    + `that keeps its trailing blank lines, and a key added after it would take those lines out of the value; nothing was changed: `
    + `add ${keys.length === 1 ? 'it' : 'them'} by hand above "${last.key}", move "${last.key}" so it is not the last key, `
    + `or use ${text[n.start]}${header.replace('+', '')} if the blank lines are not needed`);
}

/** End of the line holding the last content character before `offset` (block scalars end after their newline). */
function afterContent(text: string, offset: number): number {
  let p = offset;
  while (p > 0 && (text[p - 1] === '\n' || text[p - 1] === '\r' || text[p - 1] === ' ')) p--;
  return lineContentEnd(text, Math.max(p - 1, 0));
}

function renderBlock(desired: Desired, col: number, style: Style, eol: string): string {
  const pad = ' '.repeat(col);
  const q = style.keyQuote ?? '';
  const lines: string[] = [];
  for (const [k, v] of Object.entries(desired)) {
    if (typeof v === 'string') lines.push(`${pad}${q}${k}${q}: ${quote(v, style.style)}`);
    else lines.push(`${pad}${q}${k}${q}:`, renderBlock(v, col + style.unit, style, eol));
  }
  return lines.join(eol);
}

/**
 * New keys for a flow mapping, written as its entries are: `{a: 1}` gets `, b: 2` on the same line; a mapping with
 * double-quoted keys spread over lines — JSON (`kubectl get -o json`, a .json manifest) — gets `"b": "2"` on a line
 * of its own, indented like its siblings, nested mappings spread the same way.
 */
function flowInsertion(ctx: Ctx, map: YMap, missing: Desired, style: Style): TextEdit {
  const last = map.entries[map.entries.length - 1];
  const json = map.entries.length > 0 ? ctx.text[map.entries[0].keyStart] === '"' : style.jsonKeys === true;
  // Quantities are strings in JSON; replicas (its style comes from planReplicas) stay a number.
  const valueStyle: ScalarStyle = json && style.style === 'plain' && !style.numbers ? 'double' : style.style;
  const key = (k: string): string => (json ? `"${k}"` : k);
  const multiLine = last !== undefined && ctx.lines.lineOf(last.keyStart) !== ctx.lines.lineOf(map.start);
  if (!last || !multiLine) {
    const body = Object.entries(missing).map(([k, v]) => `${key(k)}: ${renderFlow(v, valueStyle, key)}`).join(', ');
    if (!last) return { offset: map.start + 1, length: 0, newText: body };
    return { offset: last.value ? contentEnd(last.value) : last.keyEnd, length: 0, newText: `, ${body}` };
  }
  const col = column(ctx.text, last.keyStart);
  const opener = lineStartOf(ctx.text, map.start);
  let outer = opener;
  while (ctx.text[outer] === ' ') outer++;
  const unit = col > outer - opener ? col - (outer - opener) : style.unit;
  const render = (v: string | Desired, at: number): string => {
    if (typeof v === 'string') return quote(v, valueStyle);
    const inner = Object.entries(v).map(([k, x]) => `${' '.repeat(at + unit)}${key(k)}: ${render(x, at + unit)}`);
    return `{${ctx.eol}${inner.join(`,${ctx.eol}`)}${ctx.eol}${' '.repeat(at)}}`;
  };
  const lastEnd = last.value ? contentEnd(last.value) : last.keyEnd;
  const body = Object.entries(missing).map(([k, v]) => `${' '.repeat(col)}${key(k)}: ${render(v, col)}`).join(`,${ctx.eol}`);
  return { offset: lastEnd, length: 0, newText: `,${ctx.eol}${body}` };
}

function renderFlow(v: string | Desired, style: ScalarStyle, key: (k: string) => string = (k) => k): string {
  if (typeof v === 'string') return quote(v, style);
  return `{${Object.entries(v).map(([k, x]) => `${key(k)}: ${renderFlow(x, style, key)}`).join(', ')}}`;
}

/**
 * Whether a value in the file (its text and how it is quoted) already is the amount wanted, as Kubernetes reads it:
 * YAML 1.1, where a plain `010` is the octal 8 (the wanted text is written so that it reads as given: quote()).
 */
function sameQuantity(current: string | null, wanted: string, style: ScalarStyle | 'block' = 'double'): boolean {
  if (current === null) return false;
  if (style === 'plain' && /^0[0-7]+$/.test(current)) return parseInt(current, 8) === parseQuantity(wanted);
  if (current === wanted) return true;
  return isQuantity(current) && parseQuantity(current) === parseQuantity(wanted);
}

function quote(v: string, style: ScalarStyle): string {
  // Kubernetes reads YAML 1.1, where a plain `010` is the octal 8: quoted, it is the quantity 10 that was asked.
  if (style === 'double' || (style === 'plain' && /^0[0-9]+$/.test(v))) return `"${v}"`;
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

/**
 * Replicas of a workload with no containers to scan — a kustomize patch such as `spec: {replicas: 3}` and nothing
 * else — read back from the workload's own document (the container scan has nothing to say about it).
 */
function replicasReadBack(out: string, change: ManifestChange & { type: 'replicas' }, defaultNamespace?: string): boolean {
  const docs = workloadDocuments(out, [change]).docs
    .filter((d) => inTargetNamespace(d.namespace, change.target.namespace, defaultNamespace));
  return docs.length > 0 && docs.every((d) => {
    const r = get(get(d.root, 'spec'), 'replicas');
    return r !== null && r !== undefined && r.t === 'scalar' && r.value !== null && Number(r.value) === change.replicas;
  });
}

/** Re-reads the result with the fast scanner (what the CodeLenses read): each change must read back as asked. */
function verify(out: string, changes: readonly ManifestChange[], defaultNamespace?: string): void {
  const scan = scanManifest(out);
  for (const change of changes) {
    const kind = normaliseKind(change.target.kind);
    const match = scan.containers.filter((c) => c.kind === kind && c.name === change.target.name
      && inTargetNamespace(c.namespace, change.target.namespace, defaultNamespace));
    const ok = change.type === 'replicas'
      ? (match.length > 0 ? match.every((c) => c.replicas !== null && Number(c.replicas.value) === change.replicas) : replicasReadBack(out, change, defaultNamespace))
      : match.some((c) => c.container === change.target.container
        && (['requests', 'limits'] as const).every((g) => (['cpu', 'memory'] as const)
          .every((r) => change.set[g]?.[r] === undefined || sameQuantity(c[g][r]?.value ?? null, change.set[g]?.[r] as string, c[g][r]?.style))));
    if (!ok) throw new ManifestEditError(`internal error: the edited text did not read back as asked for ${kind}/${change.target.name}; nothing was written`);
  }
}
