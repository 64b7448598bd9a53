/**
 * `mora recommend --apply-to <file or dir>`: writes MOrA's recommendations into manifests under the same rules as the
 * editor's Apply (only the values concerned change; comments, quoting, layout and line endings stay). Each file is
 * written atomically and only when something changes; a file that is not valid YAML is reported and left untouched.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write';
import type { Recommendation } from '../../core/recommendation';
import { changesFromRecommendation, editManifest, findRecommendation, scanManifest, type ManifestChange } from '../../manifests';
import { UserError } from '../errors';

export interface ApplyToResult {
  file: string;
  changed: number;
  /** Why the file was left alone, when it was. */
  skipped?: string;
}

export function manifestFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new UserError(`--apply-to: ${path}: no such file or directory`);
  }
  if (st.isFile()) return [path];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/i.test(e.name)) out.push(p);
    }
  };
  walk(path);
  return out.sort();
}

export function applyRecommendationsToFile(file: string, recs: readonly Recommendation[], defaultNamespace: string, replicas: boolean): ApplyToResult {
  const text = readFileSync(file, 'utf8');
  const scan = scanManifest(text);
  const changes: ManifestChange[] = [];
  const byDocument = new Map<number, typeof scan.containers>();
  for (const c of scan.containers) byDocument.set(c.document, [...(byDocument.get(c.document) ?? []), c]);
  for (const inDocument of byDocument.values()) {
    const match = findRecommendation(inDocument[0], recs, defaultNamespace);
    if (match) changes.push(...changesFromRecommendation(inDocument, match.workload, { replicas }));
  }
  if (changes.length === 0) return { file, changed: 0, skipped: scan.containers.length ? 'no matching recommendation' : 'no containers' };
  try {
    const edited = editManifest(text, changes);
    if (edited.text === text) return { file, changed: 0, skipped: 'already has these values' };
    writeFileAtomic(file, edited.text);
    return { file, changed: edited.edits.length };
  } catch (e) {
    return { file, changed: 0, skipped: (e as Error).message };
  }
}

export function applyToManifests(path: string, recs: readonly Recommendation[], defaultNamespace = 'default', replicas = false): ApplyToResult[] {
  return manifestFiles(path).map((f) => applyRecommendationsToFile(f, recs, defaultNamespace, replicas));
}
