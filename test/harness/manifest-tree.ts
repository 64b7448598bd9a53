import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp-dir';
import { reportApplyTo } from '../../src/cli/commands/apply-to-manifests';
import type { Recommendation } from '../../src/core/recommendation';

// What the `recommend --apply-to` / `manifests apply` tests over kustomize trees share: a tree of files written to a
// temporary folder, a recommendation for one container, and what the report says on stderr. Each test keeps its own
// manifests where their text is what the test is about.

/** Deployment web, container web, cpu request 500m, in no namespace. */
export const WEB_DEPLOYMENT = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n'
  + '      containers:\n      - name: web\n        image: web:1\n        resources:\n          requests:\n            cpu: 500m\n';

/** A strategic-merge patch of Deployment web setting container web's memory request to 1Gi. */
export const WEB_MEMORY_PATCH = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n'
  + '      - name: web\n        resources:\n          requests:\n            memory: 1Gi\n';

/** A kustomization's `patches:` list with one inline patch of Deployment web setting container web's cpu request to 4. */
export const INLINE_CPU_PATCH = 'patches:\n- patch: |-\n'
  + WEB_MEMORY_PATCH.replace('memory: 1Gi', 'cpu: "4"').split('\n').map((l) => (l ? `    ${l}` : l)).join('\n');

/** base/ holds WEB_DEPLOYMENT; overlays/prod renders it into namespace prod with WEB_MEMORY_PATCH as its patch file. */
export const PROD_OVERLAY_TREE: Readonly<Record<string, string>> = {
  'base/deployment.yaml': WEB_DEPLOYMENT, 'base/kustomization.yaml': 'resources:\n- deployment.yaml\n',
  'overlays/prod/kustomization.yaml': 'namespace: prod\nresources:\n- ../../base\npatches:\n- path: resources.yaml\n',
  'overlays/prod/resources.yaml': WEB_MEMORY_PATCH,
};

/** Writes `files` (relative path → text) under a new temporary folder named from `prefix`; returns that folder. */
export function writeTree(prefix: string, files: Record<string, string>): string {
  const root = tempDir(prefix);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  return root;
}

/** The text of each of `files`' paths under `root` now. */
export function readTree(root: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(files).map((f) => [f, readFileSync(join(root, f), 'utf8')]));
}

export interface RecommendationFor {
  namespace?: string;
  kind?: string;
  name?: string;
  container?: string;
  /** The cpu request (cores); memory is always 96 MiB. */
  cpu?: number;
}

/** A recommendation (cpu and memory requests, no bounds) for one container of one workload; defaults: default/Deployment/web/web, 200m. */
export function recommendationFor(o: RecommendationFor = {}): Recommendation {
  const b = (v: number) => ({ value: v, lower: v, upper: v });
  const evidence = { observed: { p50: 1, p95: 1, p99: 1, max: 1, samples: 10, days: 14 }, margin: 0.1, method: 'mora', reason: 'r', completeness: 1, notes: [] };
  return {
    workload: { context: 'c', namespace: o.namespace ?? 'default', kind: o.kind ?? 'Deployment', name: o.name ?? 'web' }, qos: 'Burstable', confidence: 0.8, generatedAt: 0,
    containers: [{
      container: o.container ?? 'web', current: { requests: {}, limits: {} }, verdict: 'ok', confidence: 0.8,
      cpu: { request: b(o.cpu ?? 0.2), confidence: 0.8, evidence }, memory: { request: b(96 * 2 ** 20), confidence: 0.8, evidence },
    }],
  } as unknown as Recommendation;
}

/** What `fn` writes on stderr, and what it returns. */
export function stderrOf<T>(fn: () => T): { err: string; value: T } {
  const write = process.stderr.write;
  let err = '';
  process.stderr.write = ((s: string) => { err += s; return true; }) as typeof process.stderr.write;
  try {
    return { value: fn(), err };
  } finally {
    process.stderr.write = write;
  }
}

/** What reportApplyTo writes on stderr for `results`, and the failure it returns. */
export function applyToReport(results: Parameters<typeof reportApplyTo>[0]): { err: string; failure?: string } {
  const { err, value } = stderrOf(() => reportApplyTo(results, false));
  return { err, failure: value?.message };
}
