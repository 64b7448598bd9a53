/**
 * Public shapes of the manifest core: what a scan finds in a Kubernetes YAML text, and the minimal
 * text edits that change it. Editor-free: the VS Code extension turns these into CodeLenses and a
 * WorkspaceEdit, the CLI prints or writes them.
 */
import type { ManifestWorkloadKind } from './workloads';

/** A span of the original text. `line`/`character` are 0-based (as in VS Code); offsets are UTF-16 code units. */
export interface TextSpan {
  offset: number;
  length: number;
  line: number;
  character: number;
  endLine: number;
  endCharacter: number;
}

/** How a scalar was written, so a replacement can be written the same way. */
export type ScalarStyle = 'plain' | 'single' | 'double';

/**
 * A scalar value found in the file: its text (without quotes) and where it is. A CPU or memory amount may be a block
 * scalar (`cpu: >-` then `250m` on the next line): `value` is then the string it stands for (`250m`; `250m\n` under
 * `>` or `|`, whose line break Kubernetes does not read as part of a quantity) and `span` covers the header and content.
 */
export interface ManifestValue {
  value: string;
  style: ScalarStyle | 'block';
  span: TextSpan;
}

export interface ResourceValuesFound {
  cpu: ManifestValue | null;
  memory: ManifestValue | null;
}

/** One container of one workload document. */
export interface ManifestContainer {
  /** Index into ManifestScan.documents. */
  document: number;
  kind: ManifestWorkloadKind;
  /** metadata.name of the workload. */
  name: string;
  /** metadata.namespace of the document, or null (the caller applies its default namespace). */
  namespace: string | null;
  container: string;
  /** True for an entry of `initContainers`. */
  init: boolean;
  /** 1-based line of the container's `name:` key (where a CodeLens goes). */
  line: number;
  /** The container's `name` value. */
  nameSpan: TextSpan;
  /** spec.replicas of the workload, null when absent (or for kinds without replicas). */
  replicas: ManifestValue | null;
  requests: ResourceValuesFound;
  limits: ResourceValuesFound;
  /**
   * For a workload inside a `kind: List` document (`kubectl get -o yaml`): its index in `items`. Absent when the
   * document is the workload. Containers of one workload share `document` and `item`.
   */
  item?: number;
}

/**
 * Why a document has (or has no) containers:
 * - ok: valid YAML, a Kubernetes object (apiVersion and kind) — containers listed when it is a workload;
 * - not-kubernetes: valid YAML without apiVersion/kind (or empty: a licence comment before the first `---`);
 * - template: a Helm/Go template source (`{{ }}` outside comments) — never touched;
 * - invalid: not valid YAML — never touched.
 */
export type DocumentStatus = 'ok' | 'not-kubernetes' | 'template' | 'invalid';

export interface ManifestDocument {
  index: number;
  /** Offset and length of the document's text, its `---` line included. */
  offset: number;
  length: number;
  /** 0-based line where the document starts. */
  line: number;
  status: DocumentStatus;
  apiVersion: string | null;
  kind: string | null;
  name: string | null;
  namespace: string | null;
  /** Which parser read it: the fast line scanner, or the `yaml` library (fallback or thorough mode); null if unread. */
  parsedBy: 'fast' | 'yaml' | null;
  /** First YAML error, with its 1-based line, when status is 'invalid'. */
  error?: string;
}

export interface ManifestScan {
  documents: ManifestDocument[];
  containers: ManifestContainer[];
  /** The file's line ending (the first one found; '\n' for a one-line file). */
  eol: '\n' | '\r\n';
}

/** A minimal text edit on the original string: replace `length` characters at `offset` by `newText`. */
export interface TextEdit {
  offset: number;
  length: number;
  newText: string;
}

/** Resource quantities to set, as Kubernetes quantity strings ("250m", "512Mi"). Unset fields are left alone. */
export interface ResourceSettings {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

export interface WorkloadTarget {
  kind: string;
  name: string;
  /** When given, only documents in this namespace match (null: documents without a namespace). */
  namespace?: string | null;
}

export interface ContainerTarget extends WorkloadTarget {
  container: string;
}

export type ManifestChange =
  | { type: 'resources'; target: ContainerTarget; set: ResourceSettings }
  | { type: 'replicas'; target: WorkloadTarget; replicas: number };
