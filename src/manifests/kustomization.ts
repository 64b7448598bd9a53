/**
 * What a kustomization pulls in, read from its text without building it: the local paths of `resources` (files and
 * folders), the legacy `bases` and `components` (folders), and the `namespace` it puts everything in. Enough to tell
 * that an overlay (`overlays/prod/kustomization.yaml` with `resources: [../../base, hpa.yaml]`) renders a base's
 * manifests together with an autoscaler of its own. Remote references (`github.com/…?ref=`, `https://…`) are left out.
 */
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';

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
  let root: YamlNode | null;
  try {
    const doc = parseDocument(text, { prettyErrors: false });
    if (doc.errors.length > 0) return undefined;
    root = doc.contents as YamlNode | null;
  } catch {
    return undefined;
  }
  if (!isMap(root)) return undefined;
  const scalar = (n: unknown): string | undefined => (isScalar(n) && typeof n.value === 'string' ? n.value : undefined);
  const kind = scalar(root.get('kind', true));
  if (kind !== undefined && kind !== 'Kustomization' && kind !== 'Component') return undefined;
  const paths: string[] = [];
  for (const field of ['resources', 'bases', 'components']) {
    const list = root.get(field, true);
    if (!isSeq(list)) continue;
    for (const item of list.items) {
      const p = scalar(item)?.trim();
      if (p && !REMOTE.test(p)) paths.push(p);
    }
  }
  const namespace = scalar(root.get('namespace', true))?.trim();
  return namespace ? { paths, namespace } : { paths };
}
