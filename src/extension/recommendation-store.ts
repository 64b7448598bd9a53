import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DataSource } from '../data/datasource';
import type { Policy } from '../rightsizing/engine/policy';
import { DEFAULT_IN_CLUSTER_MAX_AGE_HOURS } from '../views/in-cluster';
import { RecommendationModel } from '../views/recommendation-store';
import { SettingWarnings } from '../views/recommend-settings';
import type { Log } from './log';

export type { NamespaceOutcome } from '../views/recommendation-store';

/**
 * The store (src/views/recommendation-store.ts: what is computed when, cancelled how) with VS Code's settings, log and
 * events: onDidChange redraws the tree, CodeLenses and hovers; a computation a command's Cancel stops rejects with
 * vscode.CancellationError, which the command reports as cancelled (register.ts).
 */
export class RecommendationStore extends RecommendationModel implements vscode.Disposable {
  readonly onDidChange: vscode.Event<void>;
  /** Fired by `clear` (the data source, its kubeconfig or Prometheus, or a setting the recommendations use changed), after onDidChange. */
  readonly onDidClear: vscode.Event<void>;
  private readonly emitters: vscode.EventEmitter<void>[];

  /** `savedLstmRoot`: where Train Models saves its per-series LSTMs (RecommendationStoreHost.savedLstmRoot). */
  constructor(source: () => DataSource, log: Log, savedLstmRoot?: string) {
    const changed = new vscode.EventEmitter<void>();
    const cleared = new vscode.EventEmitter<void>();
    super({
      source, log, savedLstmRoot,
      settings: recommendationSettings,
      experiments: () => storedExperiments(log),
      inClusterMaxAgeHours: () => vscode.workspace.getConfiguration('mora').get<number>('inCluster.maxAgeHours', DEFAULT_IN_CLUSTER_MAX_AGE_HOURS),
      CancellationError: vscode.CancellationError,
      changed: () => changed.fire(),
      cleared: () => cleared.fire(),
    });
    this.onDidChange = changed.event;
    this.onDidClear = cleared.event;
    this.emitters = [changed, cleared];
    // A settings change: an invalid setting is warned about again when next read (fixed and broken again, or rewritten).
    this.configuration = vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('mora')) settingWarnings.reset(); });
  }

  private readonly configuration: vscode.Disposable;

  dispose(): void {
    for (const e of this.emitters) e.dispose();
    this.configuration.dispose();
  }
}

/**
 * The engine's policy and forecast model (`mora.forecastModel`, default none: the moving window alone, as the CLI) from
 * the user's settings, and with fused its options (mora.fusion.prophetWeight's weights on the recommendation defaults);
 * the tree, CodeLenses, hovers and the forecast view all use these (src/views/recommend-settings.ts).
 */
export function recommendationSettings(): { policy: Partial<Policy>; model?: string; modelOptions?: Record<string, Record<string, string>> } {
  const { recommendSettings } = require('../views/recommend-settings') as typeof import('../views/recommend-settings');
  const cfg = vscode.workspace.getConfiguration('mora');
  const { warnings, ...settings } = recommendSettings((key, fallback) => cfg.get(key, fallback));
  // An invalid setting: said once while it stands (every refresh reads the settings), the default used meanwhile; again
  // after the settings change (the listener below): fixed and broken again, or written again, it is said again.
  for (const w of settingWarnings.fresh(warnings ?? [])) void vscode.window.showWarningMessage(`MOrA: ${w}`);
  return settings;
}

/**
 * The setting warnings already shown since the settings last changed: forgotten on every change to mora.* (the store's
 * listener, registered when the store is made, before the one that recomputes on that change: manifest-commands.ts).
 */
const settingWarnings = new SettingWarnings();

/** The engine's policy from the user's settings. */
export function enginePolicy(): Partial<Policy> {
  return recommendationSettings().policy;
}

/** The load experiments of every workspace folder's .mora/experiments (not only the first folder's). */
export function storedExperiments(log: Log): import('../data/experiments/store').StoredExperiment[] | undefined {
  const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  if (!roots.some((root) => fs.existsSync(path.join(root, '.mora', 'experiments')))) return undefined;
  const { loadFolderExperiments } = require('../data/experiments/store') as typeof import('../data/experiments/store');
  return loadFolderExperiments(roots, (dir, e) => log.warn(`Experiments in ${dir} could not be read: ${e.message}`));
}
