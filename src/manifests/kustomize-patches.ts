/**
 * The patches a `kustomization.yaml` holds inline, as text in the file itself rather than in a file of their own:
 * `patches: [{patch: |- …}]` (a strategic merge patch, or a JSON 6902 list of operations with a `target`), the legacy
 * `patchesStrategicMerge: [|- …]` and `patchesJson6902: [{target, patch}]`. A folder apply must see them: an overlay
 * that sets a container's resources or a workload's replicas in an inline patch wins over the base, so editing the
 * base changes nothing `kubectl kustomize` renders. Patches in files of their own (`path:`) are read as the files they
 * are and are not listed here.
 */
import { isMap, isScalar, isSeq, LineCounter, parse, parseDocument, type Node as YamlNode } from 'yaml';

/** What a patch entry's `target:` selects (the fields MOrA matches on; a label selector is not followed). */
export interface PatchTarget {
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface PatchOperation {
  /** The JSON pointer written (`/spec/template/spec/containers/0/resources/requests/cpu`). */
  path: string;
  /** The `name` of the value, when it is an object (a container appended at `/containers/-`). */
  name?: string;
}

export interface InlinePatch {
  /** Where the patch sits: `patches[1]`, `patchesStrategicMerge[0]`, `patchesJson6902[0]`. */
  where: string;
  /** 1-based line of the entry in the kustomization. */
  line: number;
  /** The entry's target, when it has one. */
  target?: PatchTarget;
  /** A strategic merge patch: its YAML text, read as a manifest. */
  strategic?: string;
  /** A JSON 6902 patch: the operations that write (`test` operations write nothing). */
  ops?: PatchOperation[];
  /**
   * A patch in a file of its own (`path:`, as the kustomization writes it) with a `target`: the caller reads that file
   * (a JSON 6902 list of operations holds no workload its scan would find, so only its operations say what it sets).
   */
  path?: string;
}

const KUSTOMIZATION_FILE = /(^|[\\/])(kustomization\.ya?ml|Kustomization)$/;

/**
 * The inline patches of `text` when it is a kustomization (`kind: Kustomization`, a `kind: Component` — whose patches
 * kustomize applies to the resources of the kustomization that lists it —, or a file named
 * `kustomization.yaml`/`.yml`/`Kustomization` without a kind); none for any other file, or one that does not parse.
 */
export function inlinePatches(file: string, text: string): InlinePatch[] {
  if (!/^(patches|patchesStrategicMerge|patchesJson6902)\s*:/m.test(text)) return [];
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return [];
  const root = doc.contents;
  const kind = scalar(root.get('kind', true) as YamlNode | undefined);
  if (kind !== undefined ? kind !== 'Kustomization' && kind !== 'Component' : !KUSTOMIZATION_FILE.test(file)) return [];
  const out: InlinePatch[] = [];
  const lineOf = (n: YamlNode): number => lines.linePos(n.range?.[0] ?? 0).line;
  for (const field of ['patches', 'patchesStrategicMerge', 'patchesJson6902'] as const) {
    const list = root.get(field, true) as YamlNode | undefined;
    if (!isSeq(list)) continue;
    list.items.forEach((item, i) => {
      const where = `${field}[${i}]`;
      const node = item as YamlNode;
      if (field === 'patchesStrategicMerge') {
        // An entry is a file's path, or the patch itself (YAML text: it has a line break or a `key:`).
        const s = scalar(node);
        if (s !== undefined && /[\n:]/.test(s)) out.push({ where, line: lineOf(node), strategic: s });
        return;
      }
      if (!isMap(node)) return;
      const patch = scalar(node.get('patch', true) as YamlNode | undefined);
      const target = targetOf(node.get('target', true) as YamlNode | undefined);
      if (patch === undefined) {
        // `path:`: a file of its own; a strategic merge one is scanned as the manifest it is, a JSON 6902 one is not.
        const path = scalar(node.get('path', true) as YamlNode | undefined);
        if (path !== undefined && target) out.push({ where, line: lineOf(node), target, path });
        return;
      }
      const ops = field === 'patchesJson6902' ? operations(patch) ?? [] : operations(patch);
      if (ops) out.push({ where, line: lineOf(node), target, ops });
      else out.push({ where, line: lineOf(node), target, strategic: patch });
    });
  }
  return out;
}

function scalar(n: YamlNode | undefined | null): string | undefined {
  return isScalar(n) && n.value !== null && n.value !== undefined ? String(n.value) : undefined;
}

function targetOf(n: YamlNode | undefined): PatchTarget | undefined {
  if (!isMap(n)) return undefined;
  const t: PatchTarget = {};
  for (const key of ['kind', 'name', 'namespace'] as const) {
    const v = scalar(n.get(key, true) as YamlNode | undefined);
    if (v !== undefined) t[key] = v;
  }
  return t;
}

/**
 * The paths a JSON 6902 patch (a YAML or JSON list of operations, as kustomize reads it) writes; undefined when the
 * text is not such a list (then kustomize reads it as a strategic merge patch).
 */
export function operations(patch: string): PatchOperation[] | undefined {
  let value: unknown;
  try {
    value = parse(patch);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const ops: PatchOperation[] = [];
  for (const op of value as unknown[]) {
    if (!op || typeof op !== 'object') continue;
    const { op: kind, path, value: v } = op as { op?: unknown; path?: unknown; value?: unknown };
    if (typeof path !== 'string' || kind === 'test') continue;
    const name = v && typeof v === 'object' ? (v as { name?: unknown }).name : undefined;
    ops.push(typeof name === 'string' ? { path, name } : { path });
  }
  return ops;
}
