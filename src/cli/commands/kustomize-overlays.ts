/**
 * What else an edit changes: a kustomization that renders the edited file into another namespace or under another
 * name (an overlay with `namespace: prod`, `namePrefix: prod-`, over `resources: [../../base]`). Editing
 * base/deployment.yaml for `default/web` changes `prod/web` too, for every field the overlay's patches (and those of
 * the kustomizations between it and the file) do not set. `recommend --apply-to` and `mora manifests apply` say so
 * (a note per edited workload and overlay), and `recommend --apply-to` refuses the edit when the recommendations hold
 * one for the overlay's own id that sets such a field to another value (the overlay would silently take the base's);
 * `mora manifests apply` refuses it when the run types a target for the overlay's namespace with another such value
 * (typedDifferences).
 * The kustomizations looked at are those among the files read (inside the paths given), for a single file given the
 * one of its folder, the nearest above a path given below its kustomization (kustomizationsAbove) and those of the
 * repository around the paths (kustomize-repo.ts: overlays/prod for base/); their `resources`, `bases` and `components` are followed as kustomize follows them, also
 * outside the paths given (read only, as kustomize-outside.ts reads them). Nothing is built and nothing written here.
 */
import { statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Recommendation } from '../../core/recommendation';
import type { ManifestChange, ManifestContainer, ManifestScan } from '../../manifests';
import { changesFromRecommendation, scanManifest } from '../../manifests';
import { KUSTOMIZATION_NAMES, kustomizationEntries } from '../../manifests/kustomization';
import { inlinePatches, operations, type PatchOperation } from '../../manifests/kustomize-patches';
import { KINDS_WITH_REPLICAS, POD_SPEC_PATH, isWorkloadKind } from '../../manifests/workloads';
import { readManifest } from './manifest-read';
import { basesNamespace } from './kustomize-namespace';
import { replicasOnlyWorkloads } from './patch-holders';

/** A value an edit writes: a container's resource, or the workload's replicas (container null). */
export type Field = 'requests.cpu' | 'requests.memory' | 'limits.cpu' | 'limits.memory' | 'replicas';
export interface FieldValue {
  container: string | null;
  field: Field;
  value: string;
}

/** A workload an edit changes in a file, as it was targeted. */
export interface EditedWorkload {
  kind: string;
  /** Its `metadata.name` in the file. */
  name: string;
  /** Its `metadata.namespace` in the file (null: none). */
  documentNamespace: string | null;
  /** The namespace the edit targeted it in (the recommendation's, or kustomize's for the file's own folder). */
  namespace: string;
  /** Its containers in order (not the init ones): a JSON 6902 patch names one by index. */
  containers: readonly string[];
  values: readonly FieldValue[];
}

/** A kustomization rendering an edited workload under another id, with the edited values it does not set itself. */
export interface OverlayRendering {
  /** The kustomization, as its path is shown. */
  kustomization: string;
  namespace: string;
  name: string;
  /** The edited values no patch on the way sets: the edit changes them there too. */
  uncovered: FieldValue[];
  /** The edited values a patch on the way sets (the overlay keeps its own). */
  covered: FieldValue[];
}

const RESOURCE_FIELDS: readonly Field[] = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];
/** How deep references are followed (a loop is cut there too), and how many files are read at most. */
const MAX_DEPTH = 10;
const MAX_FILES = 500;

/** What a patch sets: the fields of a container (`*`: of each, `#n`: the n-th) or of the workload (replicas). */
interface PatchSetting {
  kind?: string;
  name?: string;
  container: string | null;
  fields: readonly Field[];
}

interface Level {
  file: string;
  namespace?: string;
  prefix: string;
  suffix: string;
  /** The namespace its bases set (for its patch files, when it sets none); read when asked. */
  bases?: string | null;
  settings?: PatchSetting[];
  entries: string[];
  patchFiles: string[];
}

/** A file a root kustomization renders: through `chain` (the root first), as a resource or as a patch of the last. */
interface Rendered {
  chain: Level[];
  patch: boolean;
}

const isKustomization = (file: string): boolean => (KUSTOMIZATION_NAMES as readonly string[]).includes(basename(file));

/** True when JSON pointer `above` is `path` or one of its parents. */
function covers(above: string, path: string): boolean {
  return above === '' || above === '/' || path === above || path.startsWith(`${above}/`);
}

/** The fields a JSON 6902 patch's operations set, on a workload of `kind`. */
function opSettings(kind: string, name: string, ops: readonly PatchOperation[]): PatchSetting[] {
  const out: PatchSetting[] = [];
  const podSpec = `/${POD_SPEC_PATH[kind as keyof typeof POD_SPEC_PATH].join('/')}`;
  const at = `${podSpec}/containers`;
  for (const op of ops) {
    if (KINDS_WITH_REPLICAS.has(kind) && covers(op.path, '/spec/replicas')) out.push({ kind, name, container: null, fields: ['replicas'] });
    if (covers(op.path, at)) {
      out.push({ kind, name, container: '*', fields: RESOURCE_FIELDS });
      continue;
    }
    if (!op.path.startsWith(`${at}/`)) continue;
    const [index, ...rest] = op.path.slice(at.length + 1).split('/');
    if (rest.length > 0 && rest[0] !== 'resources') continue;
    const fields = RESOURCE_FIELDS.filter((f) => rest.length <= 1 || covers(`/${rest.slice(1).join('/')}`, `/${f.replace('.', '/')}`));
    out.push({ kind, name, container: index === '-' ? op.name ?? null : `#${index}`, fields });
  }
  return out;
}

/** The fields a strategic merge patch sets (retargeted by its entry's `target`, when it names one). */
function strategicSettings(text: string, target?: { kind?: string; name?: string }): PatchSetting[] {
  let scan: ManifestScan;
  try {
    scan = scanManifest(text, { mode: 'thorough' });
  } catch {
    return [];
  }
  const kindName = (r: { kind: string; name: string }) => ({ kind: target?.kind ?? r.kind, name: target?.name ?? r.name });
  const out: PatchSetting[] = scan.containers.filter((c) => !c.init).map((c) => ({
    ...kindName(c), container: c.container,
    fields: RESOURCE_FIELDS.filter((f) => { const [g, r] = f.split('.') as ['requests' | 'limits', 'cpu' | 'memory']; return c[g][r] !== null; }),
  }));
  for (const w of [...replicasOnlyWorkloads(text, scan), ...scan.containers.filter((c) => c.replicas !== null)]) out.push({ ...kindName(w), container: null, fields: ['replicas'] });
  return out;
}

/** Texts as an edit planned in the same run would write them (absolute path → text), read instead of the file's. */
type Edited = ReadonlyMap<string, string>;

function readText(file: string, edited?: Edited): string | undefined {
  const planned = edited?.get(resolve(file));
  if (planned !== undefined) return planned;
  try {
    return readManifest(file).text;
  } catch {
    return undefined;
  }
}

/** Every patch of a kustomization: inline ones, and its patch files (with or without a target). */
function patchSettings(level: Level, edited?: Edited): PatchSetting[] {
  if (level.settings) return level.settings;
  const text = readText(level.file, edited) ?? '';
  const dir = dirname(level.file);
  const out: PatchSetting[] = [];
  const withTarget = new Set<string>();
  for (const p of inlinePatches(level.file, text)) {
    let { ops, strategic } = p;
    if (p.path !== undefined) {
      withTarget.add(resolve(dir, p.path));
      const t = readText(resolve(dir, p.path), edited);
      if (t === undefined) continue;
      ops = operations(t);
      strategic = ops ? undefined : t;
    }
    if (strategic !== undefined) out.push(...strategicSettings(strategic, p.target));
    else if (ops && p.target?.kind && p.target.name && isWorkloadKind(p.target.kind)) out.push(...opSettings(p.target.kind, p.target.name, ops));
  }
  for (const f of level.patchFiles) {
    const abs = resolve(dir, f);
    if (withTarget.has(abs)) continue;
    const t = readText(abs, edited);
    if (t !== undefined && !operations(t)) out.push(...strategicSettings(t));
  }
  level.settings = out;
  return out;
}

/**
 * The kustomizations `roots` (as shown) and what each renders, followed through their references (read only, never
 * built). renderings() says which of them render an edited workload under another id.
 */
export class OverlayRenderings {
  private readonly levels = new Map<string, Level | null>();
  private readonly rendered = new Map<string, Map<string, Rendered>>();
  private reads = 0;

  /** `edited`: the files an edit of the same run changes (as given → their text as written): their patches are read so. */
  constructor(private readonly roots: readonly string[], edited: ReadonlyMap<string, string> = new Map()) {
    this.edited = new Map([...edited].map(([f, text]) => [resolve(f), text]));
  }

  private readonly edited: Edited;

  /**
   * The kustomizations among `files` (as given), with `fileGiven` the one of its folder, and `also` those outside the
   * paths given: above them (kustomizationsAbove: overlays/prod/kustomization.yaml for overlays/prod/patches), and of
   * the repository around them (kustomize-repo.ts: overlays/prod for base/), each once, in that order.
   */
  static of(files: readonly string[], fileGiven?: string, edited?: ReadonlyMap<string, string>, also: readonly string[] = []): OverlayRenderings {
    const roots = files.filter((f) => f !== '-' && isKustomization(f));
    if (fileGiven !== undefined && !isKustomization(fileGiven)) {
      const own = KUSTOMIZATION_NAMES.map((n) => join(dirname(fileGiven), n)).find((f) => { try { return statSync(f).isFile(); } catch { return false; } });
      if (own !== undefined && !roots.includes(own)) roots.push(own);
    }
    const seen = new Set(roots.map((r) => resolve(r)));
    for (const k of also) {
      if (seen.has(resolve(k))) continue;
      seen.add(resolve(k));
      roots.push(k);
    }
    return new OverlayRenderings(roots, edited);
  }

  private level(abs: string): Level | undefined {
    if (!this.levels.has(abs)) {
      const text = this.reads++ < MAX_FILES ? readText(abs, this.edited) : undefined;
      const k = text === undefined ? undefined : kustomizationEntries(text);
      this.levels.set(abs, k ? {
        file: abs, prefix: k.namePrefix ?? '', suffix: k.nameSuffix ?? '', entries: k.entries.map((e) => e.path), patchFiles: k.patchFiles,
        ...(k.namespace ? { namespace: k.namespace } : {}),
      } : null);
    }
    return this.levels.get(abs) ?? undefined;
  }

  /** The files `root` renders (absolute), each with the first chain of kustomizations that reaches it. */
  /** Each root's absolute path, resolved once. */
  private readonly keys = new Map<string, string>();
  /** An edited file (absolute) → the roots that render it, with how. */
  private readonly renderers = new Map<string, Array<{ root: string; r: Rendered }>>();

  private renderedBy(root: string): Map<string, Rendered> {
    let key = this.keys.get(root);
    if (key === undefined) {
      key = resolve(root);
      this.keys.set(root, key);
    }
    let out = this.rendered.get(key);
    if (out) return out;
    const found = new Map<string, Rendered>();
    const walk = (abs: string, chain: Level[]): void => {
      const level = this.level(abs);
      if (!level || chain.length >= MAX_DEPTH || chain.some((l) => l.file === abs)) return;
      const here = [...chain, level];
      for (const p of level.patchFiles) {
        const f = resolve(dirname(abs), p);
        if (!found.has(f)) found.set(f, { chain: here, patch: true });
      }
      for (const e of level.entries) {
        const target = resolve(dirname(abs), e);
        let dir = false;
        try {
          dir = statSync(target).isDirectory();
        } catch {
          continue;
        }
        if (dir) {
          const name = KUSTOMIZATION_NAMES.find((n) => { try { return statSync(join(target, n)).isFile(); } catch { return false; } });
          if (name !== undefined) walk(join(target, name), here);
        } else if (!found.has(target)) {
          found.set(target, { chain: here, patch: false });
        }
      }
    };
    walk(key, []);
    out = found;
    this.rendered.set(key, out);
    return out;
  }

  /** The roots that render workload `w` of `file` under another namespace or name than it was targeted as, with what no patch there sets. */
  renderings(file: string, w: EditedWorkload, defaultNamespace: string): OverlayRendering[] {
    const out: OverlayRendering[] = [];
    const abs = resolve(file);
    // The roots rendering the file, found once per file (the editor asks for each of its lenses).
    let rendering = this.renderers.get(abs);
    if (!rendering) {
      rendering = this.roots.flatMap((root) => {
        const r = this.renderedBy(root).get(abs);
        return r ? [{ root, r }] : [];
      });
      this.renderers.set(abs, rendering);
    }
    for (const { root, r } of rendering) {
      const { chain } = r;
      const last = chain[chain.length - 1];
      // Its name at each level: kustomize renames from the innermost kustomization out.
      const names: string[] = [];
      let name = w.name;
      for (let i = chain.length - 1; i >= 0; i--) {
        names[i] = name;
        name = `${chain[i].prefix}${name}${chain[i].suffix}`;
      }
      // The outermost namespace: wins; a patch of a kustomization setting none lands where its bases put the object.
      let namespace = chain.find((l) => l.namespace)?.namespace;
      if (namespace === undefined && r.patch) {
        if (last.bases === undefined) last.bases = basesNamespace(last.file)?.namespace ?? null;
        namespace = last.bases ?? undefined;
      }
      namespace ??= w.documentNamespace ?? defaultNamespace;
      if (namespace === w.namespace && name === w.name) continue;
      // The patches on the way (a patch file's own kustomization's apart: the file is one of them).
      const settings = chain.slice(0, r.patch ? -1 : undefined).flatMap((l, i) => patchSettings(l, this.edited)
        .filter((s) => (s.kind === undefined || s.kind === w.kind) && (s.name === w.name || s.name === names[i])));
      const set = (v: FieldValue): boolean => settings.some((s) => s.fields.includes(v.field) && (v.container === null ? s.container === null
        : s.container === '*' || s.container === v.container || s.container === `#${w.containers.indexOf(v.container)}`));
      const uncovered = w.values.filter((v) => !set(v));
      if (uncovered.length === 0) continue;
      out.push({ kustomization: root, namespace, name, uncovered, covered: w.values.filter(set) });
    }
    return out;
  }
}

/** The workloads a planned file's edit changes, each with the values written and the id it was targeted as. */
export function editedWorkloads(changes: readonly ManifestChange[], containers: readonly ManifestContainer[], namespaceOf: (change: ManifestChange) => string): EditedWorkload[] {
  const out = new Map<string, EditedWorkload & { values: ReturnType<typeof fieldValues> }>();
  for (const change of changes) {
    const t = change.target;
    const documentNamespace = t.namespace ?? null;
    const key = `${t.kind}/${t.name}/${documentNamespace ?? ''}`;
    let w = out.get(key);
    if (!w) {
      const names = containers.filter((c) => c.kind === t.kind && c.name === t.name && c.namespace === documentNamespace && !c.init).map((c) => c.container);
      w = { kind: t.kind, name: t.name, documentNamespace, namespace: namespaceOf(change), containers: names, values: [] };
      out.set(key, w);
    }
    w.values.push(...fieldValues(change));
  }
  return [...out.values()];
}

/** The values a change writes. */
export function fieldValues(change: ManifestChange): FieldValue[] {
  if (change.type === 'replicas') return [{ container: null, field: 'replicas', value: String(change.replicas) }];
  const out: FieldValue[] = [];
  for (const g of ['requests', 'limits'] as const) {
    for (const r of ['cpu', 'memory'] as const) {
      const v = change.set[g]?.[r];
      if (v !== undefined) out.push({ container: change.target.container, field: `${g}.${r}`, value: v });
    }
  }
  return out;
}

/** `cpu request`, `memory limit of sidecar`, `replicas`. */
function fieldLabel(v: FieldValue, several: boolean): string {
  if (v.field === 'replicas') return 'replicas';
  const [g, r] = v.field.split('.');
  return `${r} ${g === 'requests' ? 'request' : 'limit'}${several && v.container ? ` of container ${v.container}` : ''}`;
}

/** `a`, `a and b`, `a, b and c`. */
function listed(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function fieldsLabel(values: readonly FieldValue[], all: readonly FieldValue[]): string {
  const several = new Set(all.filter((v) => v.container !== null).map((v) => v.container)).size > 1;
  return listed(values.map((v) => fieldLabel(v, several)));
}

/** `prod/Deployment/web`. */
export function renderedId(kind: string, o: Pick<OverlayRendering, 'namespace' | 'name'>): string {
  return `${o.namespace}/${kind}/${o.name}`;
}

/**
 * The note for an edit of `file` that `o` renders too: `also rendered by overlays/prod/kustomization.yaml as
 * prod/Deployment/web: this edit changes its cpu request and memory limit too (no patch of overlays/prod sets
 * either); <how> only if that is meant, or add those values to a patch in overlays/prod`.
 */
export function overlayNote(w: EditedWorkload, o: OverlayRendering, how: string): string {
  const u = fieldsLabel(o.uncovered, w.values);
  const n = o.uncovered.length;
  const dir = dirname(o.kustomization);
  const patches = o.covered.length ? `its patches set only the ${fieldsLabel(o.covered, w.values)}`
    : `no patch of ${dir} sets ${n === 1 ? 'it' : n === 2 ? 'either' : 'any of them'}`;
  return `also rendered by ${o.kustomization} as ${renderedId(w.kind, o)}: this edit changes its ${u} too (${patches}); `
    + `${how} only if that is meant, or add ${n === 1 ? 'that value' : 'those values'} to a patch in ${dir}`;
}

/** A value the edit writes into an overlay's rendering that the overlay's own target (a recommendation, a --set) sets otherwise. */
export interface OverlayDifference {
  /** What the edit writes. */
  edit: string;
  /** What the overlay's own target sets. */
  own: string;
  /** `cpu request`, … (fieldsLabel). */
  label: string;
}

/**
 * Why an edit that would hand `o`'s rendering other values than its own target sets is not written. `whose`: how the
 * overlay's own target is named (`whose own recommendation sets`, `which this run targets too, setting`).
 */
export function overlayRefusal(w: EditedWorkload, o: OverlayRendering, differs: readonly OverlayDifference[], whose = 'whose own recommendation sets'): string {
  const id = renderedId(w.kind, o);
  const dir = dirname(o.kustomization);
  return `also rendered by ${o.kustomization} as ${id}, ${whose} ${differs.map((d) => `the ${d.label} to ${d.own}`).join(', ')}, `
    + `but this edit, for ${w.namespace}/${w.kind}/${w.name}, writes ${differs.map((d) => d.edit).join(', ')} and no patch of ${dir} sets `
    + `${differs.length === 1 ? 'it' : 'them'}: kustomize would render ${id} with those values; nothing was written: add ${id}'s values to a patch `
    + `in ${dir} (patches: - path: …), then run again`;
}

/**
 * What `recommend --apply-to` (and the editor's lens, kustomize-placement.ts) says of an edit of `w` that `o` renders
 * too: refused (overlayRefusal) when the recommendation for the id `o` renders (`find`: the recommendation of a
 * container of that id, if any) sets a value of `o.uncovered` otherwise, else the note (overlayNote, with `how`),
 * marked when that recommendation gives the same values. `containers`: the scanned containers of the edited file;
 * `replicas`: whether the recommendation's replicas count (the edit writes them).
 */
export function overlayVerdict(containers: readonly ManifestContainer[], w: EditedWorkload, o: OverlayRendering, find: (c: ManifestContainer) => Recommendation | undefined,
  defaultNamespace: string, replicas: boolean, how: string): { refusal: string } | { note: string } {
  const renamed = containers.filter((c) => c.kind === w.kind && c.name === w.name && c.namespace === w.documentNamespace)
    .map((c) => ({ ...c, name: o.name, namespace: o.namespace }));
  const match = renamed.map(find).find((m) => m);
  const theirs = match ? changesFromRecommendation(renamed, match, { replicas, defaultNamespace }).flatMap(fieldValues) : [];
  const differs = o.uncovered.flatMap((v) => {
    const t = theirs.find((x) => x.field === v.field && x.container === v.container);
    return t && t.value !== v.value ? [{ edit: v.value, own: t.value, label: fieldsLabel([v], w.values) }] : [];
  });
  if (differs.length) return { refusal: overlayRefusal(w, o, differs) };
  return { note: `${overlayNote(w, o, how)}${match ? ' (the values its own recommendation gives too)' : ''}` };
}

/**
 * The values of `o.uncovered` that `changes` (the targets typed for `mora manifests apply`) set otherwise for the
 * workload `o` renders into another namespace: a target naming that namespace explicitly, `w`'s kind and name (a typed
 * target names a document by its own name, placed where kustomize renders it: `prod/Deployment/web/web` for the
 * overlay's patch of `web`, whatever namePrefix the overlay adds) and the container. The user typed that value for
 * it, and the edit of `w` would silently replace it there. None for a rendering in `w`'s own namespace (a namePrefix
 * only): a target typed for it is `w`'s own.
 */
export function typedDifferences(w: EditedWorkload, o: OverlayRendering, changes: readonly ManifestChange[]): OverlayDifference[] {
  if (o.namespace === w.namespace) return [];
  const theirs = changes.filter((c) => c.target.kind === w.kind && c.target.name === w.name && c.target.namespace === o.namespace).flatMap(fieldValues);
  return o.uncovered.flatMap((v) => {
    const t = theirs.find((x) => x.field === v.field && x.container === v.container);
    return t && t.value !== v.value ? [{ edit: v.value, own: t.value, label: fieldsLabel([v], w.values) }] : [];
  });
}
