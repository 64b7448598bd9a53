/**
 * Scan a Kubernetes YAML text: every document, and every container of every workload, with the places of
 * its name and resource values. Never throws on bad input: malformed documents and Helm template sources
 * are reported in `documents` and contribute no containers.
 */
import { extractDocument, type DocumentFacts } from './extract';
import { parseFast } from './parse-fast';
import { parseWithYaml } from './parse-yaml';
import { isTemplateSource, templateMarks } from './templates';
import { detectEol, LineIndex, splitDocuments } from './text';
import type { YNode } from './tree';
import type { ManifestContainer, ManifestDocument, ManifestScan } from './types';

export interface ScanOptions {
  /**
   * 'fast' (default): the line scanner where it is sure, the `yaml` library elsewhere — for CodeLenses.
   * 'thorough': the `yaml` library for every document, so every YAML error is found — before writing a file.
   */
  mode?: 'fast' | 'thorough';
}

export function scanManifest(text: string, options: ScanOptions = {}): ManifestScan {
  const lines = new LineIndex(text);
  const documents: ManifestDocument[] = [];
  const containers: ManifestContainer[] = [];
  for (const slice of splitDocuments(text)) {
    const index = documents.length;
    const doc: ManifestDocument = {
      index, offset: slice.start, length: slice.end - slice.start, line: lines.lineOf(slice.start),
      status: 'ok', apiVersion: null, kind: null, name: null, namespace: null, parsedBy: null,
    };
    documents.push(doc);
    const marks = templateMarks(text, slice.start, slice.end);
    let facts: DocumentFacts | null;
    if (marks.length > 0) {
      // `{{ }}` in a string (a flag, an alerting template) is rendered YAML; anywhere MOrA reads, a template source.
      const parsed = parseWithYaml(text, slice.start, slice.end);
      if (parsed.error !== null || isTemplateSource(marks, parsed.root)) {
        doc.status = 'template';
        continue;
      }
      doc.parsedBy = 'yaml';
      facts = extractDocument(parsed.root, lines);
    } else {
      facts = readDocument(text, slice.start, slice.end, lines, options.mode ?? 'fast', doc);
    }
    if (!facts) continue;
    doc.apiVersion = facts.apiVersion;
    doc.kind = facts.kind;
    doc.name = facts.name;
    doc.namespace = facts.namespace;
    if (facts.apiVersion === null || facts.kind === null) {
      doc.status = 'not-kubernetes';
      continue;
    }
    for (const c of facts.containers) containers.push({ document: index, ...c });
  }
  return { documents, containers, eol: detectEol(text) };
}

function readDocument(text: string, start: number, end: number, lines: LineIndex, mode: 'fast' | 'thorough',
  doc: ManifestDocument): DocumentFacts | null {
  if (mode === 'fast') {
    const fast = parseFast(text, start, end);
    if (fast) {
      doc.parsedBy = 'fast';
      return extractDocument(fast.root, lines);
    }
  }
  doc.parsedBy = 'yaml';
  const root = parseDocumentTree(text, start, end, doc);
  return root === undefined ? null : extractDocument(root, lines);
}

/** The thorough tree of one document; undefined (and the document marked invalid) on a YAML error. */
export function parseDocumentTree(text: string, start: number, end: number, doc: ManifestDocument): YNode | null | undefined {
  const parsed = parseWithYaml(text, start, end);
  if (parsed.error !== null) {
    doc.status = 'invalid';
    doc.error = parsed.error;
    return undefined;
  }
  return parsed.root;
}
