/**
 * MOrA's warm-start global LSTM: weights shipped with MOrA (models/lstm-warm-start/, in the .vsix and the npm package),
 * trained once by `npm run train:warm-start` (scripts/train-warm-start.ts) on data whose licence allows shipping derived
 * weights — NAB (MIT), the DataCenter-Traces cluster aggregates (CC-BY-4.0) — and on MOrA's own demo generator; the
 * attributions are in models/lstm-warm-start/NOTICE.md. Same network, features and format as a cluster's global model
 * (global.ts), at the recommendation pipeline's 900 s step.
 *
 * What it is for (docs/LSTM.md § Warm start; measured in docs/BENCHMARKS.md § Warm start, bench:warm-start): a cluster
 * with no global model of its own yet. Its first training fine-tunes from these weights (a refresh: 3 epochs at a lower
 * rate, ~0.3× the CPU of training from random weights, at least as accurate on the held-out clusters measured), and the
 * forecast view uses it zero shot (no per-series training) until the cluster's own model is cached.
 * `MORA_LSTM_WARM_START=0` (or `off`/`false`) turns it off: the cold path then trains from random weights as before.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadGlobalLstm, type GlobalLstmModel, type GlobalLstmState } from './global';

/** The artefact's folder, relative to MOrA's root (the checkout, the installed extension, the npm package). */
export const WARM_START_DIR = join('models', 'lstm-warm-start');
export const WARM_START_FILE = 'model.json';

/** What the shipped artefact records about itself (`userDefinedMetadata.mora.warmStart`), beside the global model's state. */
export interface WarmStartInfo {
  /** The training data: where each part comes from and its licence. */
  sources: string[];
  /** Series per source and the training's settings, for the record. */
  series: Record<string, number>;
  options: Record<string, number | string>;
}

export type WarmStartState = GlobalLstmState & { warmStart?: WarmStartInfo };

/** Off when MORA_LSTM_WARM_START is 0, off, false or no. */
export function warmStartEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !/^(0|off|false|no)$/i.test((env.MORA_LSTM_WARM_START ?? '').trim());
}

/** The shipped model.json: beside a bundle (dist/ → ../models) or above this source file (src/ml/lstm → ../../../models). */
export function warmStartPath(from = __dirname): string | undefined {
  let d = resolve(from);
  for (let up = 0; up < 5; up++) {
    const p = join(d, WARM_START_DIR, WARM_START_FILE);
    if (existsSync(p)) return p;
    const parent = dirname(d);
    if (parent === d) break;
    d = parent;
  }
  return undefined;
}

const loaded = new Map<string, GlobalLstmModel>();

/**
 * The warm-start model when it is shipped, enabled and was trained at `step` (seconds); else undefined. An artefact that
 * cannot be read (another format after an upgrade, a damaged install) is one line through `warn`, never a failure.
 */
export function loadWarmStart(step: number, warn: (line: string) => void = () => undefined, path = warmStartPath()): GlobalLstmModel | undefined {
  if (!path || !warmStartEnabled()) return undefined;
  let model = loaded.get(path);
  if (!model) {
    try {
      model = loadGlobalLstm(path);
    } catch (e) {
      warn(`ignoring MOrA's warm-start LSTM ${path}: ${((e as Error).message || String(e)).split('\n')[0]}`);
      return undefined;
    }
    loaded.set(path, model);
  }
  const steps = new Set(Object.values(model.state.scalers).map((s) => s.step));
  return steps.size === 1 && steps.has(step) ? model : undefined;
}

export function isWarmStart(model: GlobalLstmModel): boolean {
  return (model.state as WarmStartState).warmStart !== undefined;
}

/**
 * The warm start as the `base` of a cluster's first training (the worker pool's `trainGlobal(pool, { base, refresh })`):
 * its weights without its training series' scalers and history, so the cluster's model holds only the cluster's series,
 * is version 1 after the fine-tuning, and its coverage (global-cache.ts coveredTo) is the cluster's data alone.
 */
export function warmStartBase(model: GlobalLstmModel): GlobalLstmState {
  const { warmStart: _info, ...state } = model.toJSON() as WarmStartState;
  return { ...state, version: 0, scalers: {}, trainedOn: { series: 0, windows: 0, epochs: 0, to: 0 }, refreshes: [] };
}

/**
 * A cluster's model fine-tuned from `warmStartBase` as if trained on the cluster (the refresh's record becomes `trainedOn`,
 * version 1): every reader — the cache's coverage, the view's note, a later refresh — sees the cluster's series only;
 * `warmStarted` says where its first weights came from.
 */
export function asClusterModel(state: GlobalLstmState): GlobalLstmState & { warmStarted: true } {
  const [first, ...rest] = state.refreshes;
  return { ...state, version: 1, trainedOn: first ?? state.trainedOn, refreshes: rest, warmStarted: true };
}
