/**
 * What a kustomization pulls in, read from its text without building it: the local paths of `resources` (files and
 * folders), the legacy `bases` and `components` (folders), and the `namespace` it puts everything in. Enough to tell
 * that an overlay (`overlays/prod/kustomization.yaml` with `resources: [../../base, hpa.yaml]`) renders a base's
 * manifests together with an autoscaler of its own. Remote references (`github.com/…?ref=`, `https://…`) are left out.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';

/** The names kustomize reads a kustomization from, in a folder. */
export const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

export interface KustomizationRefs {
  /** Local paths as written (relative to the kustomization's folder), from `resources`, `bases` and `components`. */
  paths: string[];
  /** `namespace:`, when it sets one: every object it renders (the base's included) ends up there. */
  namespace?: string;
}

const REMOTE = /^[a-z][a-z0-9+.-]*:\/\/|^(git@|github\.com\/|gitlab\.com\/|bitbucket\.org\/)|\?ref=/i;

/** The references of a kustomization's text; undefined when it is not one (another kind) or does not parse. Never throws. */
export function kustomizationRefs(text: string): KustomizationRefs | undefined {
  const k = kustomizationEntries(text);
  if (!k) return undefined;
  const paths = k.entries.map((e) => e.path);
  return k.namespace ? { paths, namespace: k.namespace } : { paths };
}

/** A local reference of a kustomization, with the field it is listed under and its 1-based line. */
export interface KustomizationEntry {
  field: 'resources' | 'bases' | 'components';
  path: string;
  line: number;
}

/**
 * What kustomize reads from other files for a kustomization's text, with where: its local `resources`, `bases` and
 * `components` (remote ones left out, as kustomizationRefs does), the patches in files of their own (`patches: - path:`
 * and the file entries of the legacy `patchesStrategicMerge`; inline ones are read by kustomize-patches.ts), its
 * `namespace`, `namePrefix` and `nameSuffix`. Undefined when the text is not a kustomization or does not parse. Never throws.
 */
export function kustomizationEntries(text: string): {
  entries: KustomizationEntry[]; patchFiles: string[]; namespace?: string; namePrefix?: string; nameSuffix?: string;
} | undefined {
  const lines = new LineCounter();
  let root: YamlNode | null;
  try {
    const doc = parseDocument(text, { prettyErrors: false, lineCounter: lines });
    if (doc.errors.length > 0) return undefined;
    root = doc.contents as YamlNode | null;
  } catch {
    return undefined;
  }
  if (!isMap(root)) return undefined;
  const scalar = (n: unknown): string | undefined => (isScalar(n) && typeof n.value === 'string' ? n.value : undefined);
  const kind = scalar(root.get('kind', true));
  if (kind !== undefined && kind !== 'Kustomization' && kind !== 'Component') return undefined;
  const entries: KustomizationEntry[] = [];
  for (const field of ['resources', 'bases', 'components'] as const) {
    const list = root.get(field, true);
    if (!isSeq(list)) continue;
    for (const item of list.items) {
      const path = scalar(item)?.trim();
      if (path && !REMOTE.test(path)) entries.push({ field, path, line: lines.linePos((item as YamlNode).range?.[0] ?? 0).line });
    }
  }
  const patchFiles: string[] = [];
  for (const field of ['patches', 'patchesStrategicMerge']) {
    const list = root.get(field, true);
    if (!isSeq(list)) continue;
    for (const item of list.items) {
      const path = (isMap(item) ? scalar(item.get('path', true)) : field === 'patchesStrategicMerge' ? scalar(item) : undefined)?.trim();
      if (path && !/[\n:]/.test(path)) patchFiles.push(path);
    }
  }
  const namespace = scalar(root.get('namespace', true))?.trim();
  // namePrefix / nameSuffix: kustomize renames every object it renders (`prod-web`), the bases' included.
  const namePrefix = scalar(root.get('namePrefix', true));
  const nameSuffix = scalar(root.get('nameSuffix', true));
  return { entries, patchFiles, ...(namespace ? { namespace } : {}), ...(namePrefix ? { namePrefix } : {}), ...(nameSuffix ? { nameSuffix } : {}) };
}
