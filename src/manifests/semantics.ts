/**
 * The last guard of every edit: read the documents an edit touches before and after, as Kubernetes reads them
 * (YAML anchors, aliases and `<<` merge keys resolved), and require the result to equal the original with exactly
 * the asked values changed — nothing else in the file, in any container, may change meaning. Also turns a text
 * rewritten in several steps back into small edits of the original, one per touched document.
 */
import { parseDocument } from 'yaml';
import { parseQuantity } from '../core/quantity';
import { splitDocuments } from './text';
import type { ManifestChange, TextEdit } from './types';
import { POD_SPEC_PATH, inTargetNamespace, isWorkloadDocument, isWorkloadKind, normaliseKind } from './workloads';

/** Thrown when the check fails; edit.ts turns it into a ManifestEditError. */
export class UnaskedChange extends Error {}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Throws UnaskedChange naming the first difference that no change asked for. */
export function checkOnlyAsked(before: string, after: string, changes: readonly ManifestChange[], defaultNamespace?: string): void {
  const a = splitDocuments(before);
  const b = splitDocuments(after);
  if (a.length !== b.length) throw new UnaskedChange(`the edit would turn ${a.length} documents into ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    const x = before.slice(a[i].start, a[i].end);
    const y = after.slice(b[i].start, b[i].end);
    if (x === y) continue;
    const expected = read(x, 'original');
    const got = read(y, 'edited');
    for (const change of changes) expect(expected, change, defaultNamespace);
    const where = difference(expected, got, '');
    if (where !== null) throw new UnaskedChange(`the edit would also change ${where || 'the document'}`);
  }
}

function read(text: string, what: string): Json {
  // As Kubernetes reads it (sigs.k8s.io/yaml: YAML 1.1): a plain `010` is the octal 8, not 10, so a copy or value
  // written as `10` is a change; `<<` merges either way.
  const doc = parseDocument(text, { merge: true, prettyErrors: false, version: '1.1' });
  if (doc.errors.length > 0) throw new UnaskedChange(`the ${what} document does not parse (${doc.errors[0].message.split('\n')[0]})`);
  try {
    // Through JSON: a fresh tree, so values an alias shared are separate objects here (an expected change to one
    // container must not show up in another).
    return JSON.parse(JSON.stringify(doc.toJS({ maxAliasCount: -1 }) ?? null)) as Json;
  } catch (e) {
    throw new UnaskedChange(`the ${what} document cannot be read (${(e as Error).message})`);
  }
}

const isObject = (x: Json | undefined): x is { [key: string]: Json } => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Applies one change to a document read as data, the way planEdits means it. */
function expect(doc: Json, change: ManifestChange, defaultNamespace?: string): void {
  const kind = normaliseKind(change.target.kind);
  const roots = isObject(doc) && typeof doc.kind === 'string' && /List$/.test(doc.kind) && !isWorkloadKind(doc.kind) && Array.isArray(doc.items)
    ? doc.items : [doc];
  for (const w of roots) {
    if (!isObject(w) || w.kind !== kind || !isWorkloadDocument(typeof w.apiVersion === 'string' ? w.apiVersion : null, kind)) continue;
    const metadata = isObject(w.metadata) ? w.metadata : {};
    if (String(metadata.name ?? metadata.generateName) !== change.target.name) continue; // as extract.ts names it
    const namespace = metadata.namespace === undefined || metadata.namespace === null ? null : String(metadata.namespace);
    if (!inTargetNamespace(namespace, change.target.namespace, defaultNamespace)) continue;
    if (change.type === 'replicas') {
      if (isObject(w.spec)) w.spec.replicas = change.replicas;
      continue;
    }
    let podSpec: Json | undefined = w;
    for (const key of POD_SPEC_PATH[kind]) podSpec = isObject(podSpec) ? podSpec[key] : undefined;
    if (!isObject(podSpec)) continue;
    const containers = [podSpec.containers, podSpec.initContainers].flatMap((l) => (Array.isArray(l) ? l : []));
    const c = containers.find((x) => isObject(x) && String(x.name) === change.target.container);
    if (!isObject(c)) continue;
    if (!isObject(c.resources)) c.resources = {};
    for (const group of ['requests', 'limits'] as const) {
      for (const r of ['cpu', 'memory'] as const) {
        const want = change.set[group]?.[r];
        if (want === undefined) continue;
        if (!isObject(c.resources[group])) c.resources[group] = {};
        const values = c.resources[group] as { [key: string]: Json };
        const now = values[r];
        if (now === undefined || now === null || !sameAmount(String(now), want)) values[r] = want;
      }
    }
  }
}

function sameAmount(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return parseQuantity(a) === parseQuantity(b);
  } catch {
    return false;
  }
}

/**
 * A resource amount: the value of any key of a `requests` or `limits` mapping under `resources` (`cpu`, `memory`,
 * `ephemeral-storage`, `hugepages-2Mi`, `nvidia.com/gpu`). Judged by the keys themselves, never by a path written with
 * dots: a resource name may hold dots and slashes (`nvidia.com/gpu`), and an annotation named
 * `team.resources.limits.cpu` is a string, not an amount.
 */
function isResourceAmount(keys: readonly string[]): boolean {
  const n = keys.length;
  return n >= 3 && keys[n - 3] === 'resources' && (keys[n - 2] === 'requests' || keys[n - 2] === 'limits');
}

/** A key as the path in a message writes it: `limits.cpu`, `limits["nvidia.com/gpu"]`. */
function step(path: string, key: string): string {
  if (/^[^.[\]"]+$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/**
 * Path of the first difference, null when equal. Scalars compare as text (`1` and "1" are the same), and resource
 * amounts as Kubernetes quantities: `2.0` is read by YAML as the number 2 and `2e9` as 2000000000, yet both are the
 * amounts asked for; `nvidia.com/gpu: 1` and `1000m` are one amount. `keys` are the mapping keys down to here.
 */
function difference(a: Json | undefined, b: Json | undefined, path: string, keys: readonly string[] = []): string | null {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return path;
    for (let i = 0; i < a.length; i++) {
      const item = a[i];
      const label = isObject(item) && typeof item.name === 'string' ? item.name : String(i);
      const d = difference(item, b[i], `${path}[${label}]`, [...keys, `[${i}]`]);
      if (d !== null) return d;
    }
    return null;
  }
  if (isObject(a) || isObject(b)) {
    if (!isObject(a) || !isObject(b)) return path;
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = difference(a[key], b[key], step(path, key), [...keys, key]);
      if (d !== null) return d;
    }
    return null;
  }
  if (a === undefined || b === undefined) return a === b ? null : path;
  if (String(a) === String(b)) return null;
  return isResourceAmount(keys) && a !== null && b !== null && sameAmount(String(a), String(b)) ? null : path;
}

/**
 * Small edits that turn `before` into `after`: one per document that differs (the changed stretch between what the
 * two have in common at its start and end), so an editor moves nothing else.
 */
export function rebase(before: string, after: string): TextEdit[] {
  const a = splitDocuments(before);
  const b = splitDocuments(after);
  const whole = (): TextEdit[] => [stretch(before, 0, before.length, after, 0, after.length)];
  if (a.length !== b.length) return whole();
  const edits: TextEdit[] = [];
  for (let i = 0; i < a.length; i++) {
    if (before.slice(a[i].start, a[i].end) !== after.slice(b[i].start, b[i].end)) {
      edits.push(stretch(before, a[i].start, a[i].end, after, b[i].start, b[i].end));
    }
  }
  // Documents do not cover text outside them (after a `...` marker): fall back to one edit if that differs.
  let check = '';
  let pos = 0;
  for (const e of edits) {
    check += before.slice(pos, e.offset) + e.newText;
    pos = e.offset + e.length;
  }
  return check + before.slice(pos) === after ? edits : whole();
}

function stretch(before: string, aStart: number, aEnd: number, after: string, bStart: number, bEnd: number): TextEdit {
  let p = 0;
  while (aStart + p < aEnd && bStart + p < bEnd && before[aStart + p] === after[bStart + p]) p++;
  let s = 0;
  while (s < aEnd - aStart - p && s < bEnd - bStart - p && before[aEnd - 1 - s] === after[bEnd - 1 - s]) s++;
  return { offset: aStart + p, length: aEnd - aStart - p - s, newText: after.slice(bStart + p, bEnd - s) };
}
