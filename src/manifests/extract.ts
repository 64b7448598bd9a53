/**
 * From a document's positional tree to what the views need: the object's identity and, for workloads,
 * each container with the places of its name and resource values. Shared by both parsers, so the fast
 * and the thorough path cannot disagree on the meaning, only on whether they could read the text.
 */
import type { LineIndex } from './text';
import type { YMap, YNode, YScalar } from './tree';
import { get } from './tree';
import type { ManifestContainer, ManifestValue, ResourceValuesFound } from './types';
import { KINDS_WITH_REPLICAS, POD_SPEC_PATH, isWorkloadDocument, type ManifestWorkloadKind } from './workloads';

export interface DocumentFacts {
  apiVersion: string | null;
  kind: string | null;
  name: string | null;
  namespace: string | null;
  containers: Omit<ManifestContainer, 'document'>[];
}

export function extractDocument(root: YNode | null, lines: LineIndex): DocumentFacts {
  const facts: DocumentFacts = { apiVersion: null, kind: null, name: null, namespace: null, containers: [] };
  if (!root || root.t !== 'map') return facts;
  facts.apiVersion = str(get(root, 'apiVersion'));
  facts.kind = str(get(root, 'kind'));
  const metadata = mapAt(root, 'metadata');
  facts.name = objectName(metadata);
  facts.namespace = str(get(metadata, 'namespace'));
  for (const w of workloadRoots(root)) facts.containers.push(...containersOf(w, lines));
  facts.containers.sort((a, b) => a.line - b.line); // file order, init containers where they are written
  return facts;
}

/** One workload object: a whole document, or an item of a `kind: List` document. */
export interface WorkloadRoot {
  kind: ManifestWorkloadKind;
  name: string;
  namespace: string | null;
  root: YMap;
  /** Index in the List's `items`; undefined for a document that is the workload itself. */
  item?: number;
}

/**
 * The workloads of a document: the document itself when it is one, or each workload among the `items` of a
 * `kind: List` (what `kubectl get -o yaml` prints; typed lists such as `DeploymentList` too).
 */
export function workloadRoots(root: YNode | null | undefined): WorkloadRoot[] {
  const one = workloadRoot(root);
  if (one) return [one];
  if (!root || root.t !== 'map' || str(get(root, 'apiVersion')) === null || !/List$/.test(str(get(root, 'kind')) ?? '')) return [];
  const items = get(root, 'items');
  if (!items || items.t !== 'seq') return [];
  const out: WorkloadRoot[] = [];
  items.items.forEach((item, i) => {
    const w = workloadRoot(item);
    if (w) out.push({ ...w, item: i });
  });
  return out;
}

function workloadRoot(root: YNode | null | undefined): WorkloadRoot | null {
  if (!root || root.t !== 'map') return null;
  const kind = str(get(root, 'kind'));
  const metadata = mapAt(root, 'metadata');
  const name = objectName(metadata);
  const apiVersion = str(get(root, 'apiVersion'));
  if (apiVersion === null || !isWorkloadDocument(apiVersion, kind) || name === null) return null;
  return { kind, name, namespace: str(get(metadata, 'namespace')), root };
}

function containersOf(w: WorkloadRoot, lines: LineIndex): DocumentFacts['containers'] {
  const out: DocumentFacts['containers'] = [];
  let podSpec: YNode | null | undefined = w.root;
  for (const key of POD_SPEC_PATH[w.kind]) podSpec = mapAt(podSpec, key);
  if (!podSpec) return out;
  const replicas = KINDS_WITH_REPLICAS.has(w.kind) ? value(get(mapAt(w.root, 'spec'), 'replicas'), lines) : null;

  for (const [list, init] of [['initContainers', true], ['containers', false]] as const) {
    const seq = get(podSpec, list);
    if (!seq || seq.t !== 'seq') continue;
    for (const item of seq.items) {
      if (!item || item.t !== 'map') continue;
      const nameEntry = item.entries.find((e) => e.key === 'name');
      const nameNode = nameEntry?.value;
      if (!nameEntry || !nameNode || nameNode.t !== 'scalar' || nameNode.value === null) continue;
      // Values as Kubernetes reads them: through an alias (`resources: *res`) or a merge key (`<<: *res`) too.
      const resources = effectiveMap(item, 'resources');
      out.push({
        kind: w.kind,
        name: w.name,
        namespace: w.namespace,
        container: nameNode.value,
        init,
        line: lines.lineOf(nameEntry.keyStart) + 1,
        nameSpan: lines.span(nameNode.start, nameNode.end),
        replicas,
        requests: amounts(effectiveMap(resources, 'requests'), lines),
        limits: amounts(effectiveMap(resources, 'limits'), lines),
        ...(w.item === undefined ? {} : { item: w.item }),
      });
    }
  }
  return out;
}

/** The node an alias stands for (the yaml library's tree only), else the node itself. */
function deref(node: YNode | null | undefined): YNode | null | undefined {
  return node && node.t === 'opaque' && node.alias ? node.alias.target : node;
}

/**
 * `key` of a mapping as Kubernetes reads it: its own entry (through an alias), else what a YAML 1.1 merge key
 * (`<<: *x`, `<<: [*x, *y]`, the first holding it wins) gives it.
 */
function effective(node: YNode | null | undefined, key: string, depth = 0): YNode | null | undefined {
  const map = deref(node);
  if (!map || map.t !== 'map' || depth > 16) return undefined;
  const own = map.entries.find((e) => e.key === key);
  if (own) return deref(own.value);
  const merge = map.entries.find((e) => e.key === '<<')?.value;
  for (const source of merge ? (merge.t === 'seq' ? merge.items : [merge]) : []) {
    const found = effective(source, key, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function effectiveMap(node: YNode | null | undefined, key: string): YMap | undefined {
  const v = effective(node, key);
  return v && v.t === 'map' ? v : undefined;
}

/** The mapping under `key`, undefined when absent or not a mapping (an alias reads as absent). */
function mapAt(node: YNode | null | undefined, key: string): YMap | undefined {
  const v = get(node, key);
  return v && v.t === 'map' ? v : undefined;
}

/**
 * metadata.name, else metadata.generateName: a Job or Pod created with `kubectl create` often has only the prefix
 * (`generateName: pi-`), and its containers are still there to size; targets name it by that prefix (`Job/pi-/…`).
 */
function objectName(metadata: YMap | undefined): string | null {
  return str(get(metadata, 'name')) ?? str(get(metadata, 'generateName'));
}

function str(node: YNode | null | undefined): string | null {
  return node && node.t === 'scalar' && node.style !== 'block' ? node.value : null;
}

/**
 * A scalar's value and place. A block scalar only where `block` says so (CPU and memory amounts, whose string value
 * the `yaml` library works out: parse-fast leaves such documents to it); replicas as a block is a string, which
 * Kubernetes does not take for a number, so it reads as absent.
 */
function value(node: YNode | null | undefined, lines: LineIndex, block = false): ManifestValue | null {
  if (!node || node.t !== 'scalar' || node.value === null || (node.style === 'block' && !block)) return null;
  const s = node as YScalar;
  // A block's range runs past its last line break: the span ends with its last content line.
  let end = s.end;
  if (s.style === 'block') while (end > s.start && /\s/.test(lines.text[end - 1])) end--;
  return { value: s.value as string, style: s.style, span: lines.span(s.start, end) };
}

function amounts(map: YMap | undefined, lines: LineIndex): ResourceValuesFound {
  return { cpu: value(effective(map, 'cpu'), lines, true), memory: value(effective(map, 'memory'), lines, true) };
}
