import assert from 'node:assert/strict';
import { parseAllDocuments, type Document } from 'yaml';

/** A container's resources as Kubernetes reads them (aliases and merge keys resolved), null when it sets none. */
export type Resources = Record<string, Record<string, unknown>> | null;

/** `<container>` → its resources as Kubernetes reads them, every workload of the text (a `kind: List`'s items too). */
export function effectiveResources(text: string): Record<string, Resources> {
  const out: Record<string, Resources> = {};
  type Workload = { items?: Workload[]; spec?: { template: { spec: { containers: Array<{ name: string; resources?: Resources }> } } } };
  const visit = (w: Workload): void => {
    if (w.items) w.items.forEach(visit);
    for (const c of w.spec?.template.spec.containers ?? []) out[c.name] = c.resources ?? null;
  };
  for (const doc of parseAllDocuments(text, { merge: true }) as Document[]) {
    assert.deepEqual(doc.errors, []);
    visit(doc.toJS() as Workload);
  }
  return out;
}
