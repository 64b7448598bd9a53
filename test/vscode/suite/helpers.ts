// Shared helpers for the VS Code suite: activating MOrA and walking its tree through the API `activate` returns.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Recommendation } from '../../../src/core/recommendation';

export type TreeNode = unknown;

/** What src/extension/extension.ts's `activate` returns for tests. */
export interface MoraTestApi {
  tree: {
    getChildren(element?: TreeNode): Promise<TreeNode[]> | TreeNode[];
    getTreeItem(node: TreeNode): Promise<vscode.TreeItem> | vscode.TreeItem;
  };
  loadedHeavyModules(): string[];
  readonly treeView: vscode.TreeView<TreeNode>;
}

export const EXTENSION_ID = 'mora-dev.mora';

/** Opens the MOrA view (which is what activates the extension for a user) and returns the extension's API. */
export async function activateMora(): Promise<MoraTestApi> {
  const ext = vscode.extensions.getExtension<MoraTestApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded in this VS Code`);
  if (!ext.isActive) await vscode.commands.executeCommand('workbench.view.extension.mora');
  return ext.activate();
}

export async function labelOf(api: MoraTestApi, node: TreeNode): Promise<string> {
  const item = await api.tree.getTreeItem(node);
  const l = item.label;
  return typeof l === 'string' ? l : (l?.label ?? '');
}

/** Every node down to `depth` levels (breadth first). */
export async function collectTree(api: MoraTestApi, depth: number): Promise<TreeNode[]> {
  const out: TreeNode[] = [];
  let level: TreeNode[] = await api.tree.getChildren();
  for (let d = 0; d < depth && level.length > 0; d++) {
    out.push(...level);
    const next: TreeNode[] = [];
    for (const n of level) {
      const item = await api.tree.getTreeItem(n);
      if (item.collapsibleState !== undefined && item.collapsibleState !== vscode.TreeItemCollapsibleState.None) {
        next.push(...(await api.tree.getChildren(n)));
      }
    }
    level = next;
  }
  return out;
}

/**
 * Polls `get` until `ok` holds or `ms` passes, and says which: `{ ok, value }` with the last value. For waits that may
 * rightly end without the condition (a best-effort retry, a negative check), or whose caller asserts with a message
 * that says more than the last value; the caller must assert on `ok`. Everything else uses `waitFor`, which throws.
 * The extension host and the workbench talk asynchronously, and on a busy machine a round trip can take seconds, so the
 * deadline is generous: it only costs time when the condition never holds.
 */
export async function pollUntil<T>(get: () => T | Promise<T>, ok: (x: T) => boolean, ms = 30_000): Promise<{ ok: boolean; value: T }> {
  const end = Date.now() + ms;
  let x = await get();
  while (!ok(x)) {
    if (Date.now() >= end) return { ok: false, value: x };
    await new Promise((r) => setTimeout(r, 50));
    x = await get();
  }
  return { ok: true, value: x };
}

/** `value` as JSON for a failure message, cut to `max` characters (circular or odd values fall back to String). */
export function preview(value: unknown, max = 600): string {
  let s: string;
  try {
    s = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    s = String(value);
  }
  return cut(s, max);
}

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}

/**
 * Polls `get` until `ok` holds and returns that value; throws when `ms` passes first, naming what was awaited (`what`,
 * or else the condition's source) and the last value. A wait whose condition never holds fails the test.
 */
export async function waitFor<T>(get: () => T | Promise<T>, ok: (x: T) => boolean, ms = 30_000, what?: string): Promise<T> {
  const r = await pollUntil(get, ok, ms);
  if (r.ok) return r.value;
  const source = (f: { toString(): string }, max: number) => cut(f.toString().replace(/\s+/g, ' '), max);
  const condition = what ?? `\`${source(ok, 300)}\` on \`${source(get, 200)}\``;
  throw new Error(`waitFor: ${condition} did not hold within ${ms} ms; last value: ${preview(r.value)}`);
}

/** A one-container Deployment manifest (container app, requests 500m / 1Gi), in `namespace` when given. */
export function appManifest(name: string, namespace?: string): string {
  return [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', `  name: ${name}`, ...(namespace ? [`  namespace: ${namespace}`] : []),
    'spec:', '  template:', '    spec:', '      containers:', '        - name: app', '          image: app:1',
    '          resources:', '            requests:', '              cpu: 500m', '              memory: 1Gi', '',
  ].join('\n');
}

/** A recommendation for container app of Deployment `namespace/name` in context test: `cpu` cores, `memMi` MiB. */
export function appRecommendation(namespace: string, name: string, cpu: number, memMi: number, note = 'injected'): Recommendation {
  const Mi = 2 ** 20;
  const b = (v: number) => ({ value: v, lower: v * 0.8, upper: v * 1.2 });
  const evidence = {
    observed: { p50: cpu / 3, p95: cpu / 2, p99: cpu / 1.8, max: cpu / 1.5, samples: 20160, days: 14 },
    margin: 0.15, method: 'mora', reason: 'p95 × calibrated margin', completeness: 1, notes: [note],
  };
  return {
    workload: { context: 'test', namespace, kind: 'Deployment', name }, qos: 'Burstable', confidence: 0.87, generatedAt: 1_795_000_000,
    containers: [{
      container: 'app', current: { requests: {}, limits: {} }, verdict: 'over-provisioned', confidence: 0.87,
      cpu: { request: b(cpu), confidence: 0.87, evidence },
      memory: { request: b(memMi * Mi), limit: b(memMi * Mi), confidence: 0.87, evidence },
    }],
  };
}

/** The test API's lens side: the recommendations loaded, and the lenses MOrA computed for a document (with tooltips). */
export interface LensApi {
  recommendations: { set(recs: Recommendation[]): void; all(): Recommendation[] };
  codeLenses(doc: vscode.TextDocument): vscode.CodeLens[];
}

/**
 * Registers per-test hooks for the enclosing describe: MOrA active, a fresh folder `<name><pid>` in the workspace for
 * the test's manifests; after each test the editors closed, the recommendations put back and the folder removed.
 * Read the fields inside tests.
 */
export function lensFolderPerTest(name: string): { readonly api: LensApi; readonly dir: string } {
  let api: LensApi | undefined;
  let before: Recommendation[] = [];
  let dir = '';
  beforeEach(async () => {
    api = (await activateMora()) as unknown as LensApi;
    before = api.recommendations.all();
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mora-'));
    dir = path.join(root, `${name}${process.pid}`);
    fs.mkdirSync(dir, { recursive: true });
  });
  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    api?.recommendations.set(before);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    get api() {
      if (!api) throw new Error('MOrA activates in a beforeEach hook: read the API inside tests');
      return api;
    },
    get dir() { return dir; },
  };
}
