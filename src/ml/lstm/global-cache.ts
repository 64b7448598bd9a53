/**
 * Where a cluster's global LSTM lives between runs: `${XDG_CACHE_HOME:-~/.cache}/mora/models/<context-hash>/lstm-global/`
 * (model.json + weights, the TF.js artefact of global.ts), one per (source kind, kubeconfig context). The CLI
 * (`mora recommend -m fused`), the extension's recommendation store and its forecast view all read and write the same
 * folder, so a model trained by one is reused by the others.
 *
 * Never inside a repository: a relative XDG_CACHE_HOME is ignored (as the XDG spec says), and a cache root that
 * resolves inside the git work tree of the current folder or of MOrA's own checkout is replaced by one under the OS
 * temp folder — a model is a cache, never something to commit. Writes are atomic (persist.ts → atomic-write.ts); a file
 * that cannot be read (truncated, another format, another MOrA) is ignored with one line and the model retrained.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { xdgBaseDir } from '../../core/xdg';
import { loadGlobalLstm, saveGlobalLstm, type GlobalLstmModel } from './global';

export const GLOBAL_MODEL_FILE = 'model.json';

/** The git work tree holding `dir` (the folder with `.git`), if any. */
function repoRootOf(dir: string): string | undefined {
  let d = resolve(dir);
  for (;;) {
    if (existsSync(join(d, '.git'))) return d;
    const up = dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

const inside = (child: string, parent: string): boolean => {
  const r = relative(parent, child);
  return r === '' || (!isAbsolute(r) && r !== '..' && !r.startsWith(`..${sep}`));
};

/** MOrA's cache root: `$XDG_CACHE_HOME/mora` when that is absolute, else `~/.cache/mora` — never inside a repository. */
export function moraCacheRoot(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const root = resolve(xdgBaseDir('XDG_CACHE_HOME', env, homedir()), 'mora');
  const repos = [repoRootOf(cwd), repoRootOf(__dirname)].filter((r): r is string => r !== undefined);
  if (!repos.some((r) => inside(root, r))) return root;
  let user = 'user';
  try { user = userInfo().username; } catch { /* no passwd entry (containers): a shared name is fine for a cache */ }
  return join(tmpdir(), `mora-cache-${user}`);
}

/** A stable, path-safe key for one cluster: the source kind and its kubeconfig context name, hashed. */
export function contextKey(sourceKind: string, context: string): string {
  return createHash('sha256').update(`${sourceKind}\0${context}`).digest('hex').slice(0, 16);
}

/** The folder of one context's global LSTM. */
export function globalModelDir(sourceKind: string, context: string, root = moraCacheRoot()): string {
  return join(root, 'models', contextKey(sourceKind, context), 'lstm-global');
}

/**
 * The cached model in `dir`, or undefined when there is none. One that cannot be used is reported through `warn`
 * (one line: which file, why, and that it is being retrained) and treated as absent — a cache never breaks a run.
 */
export function readCachedGlobal(dir: string, warn: (line: string) => void): GlobalLstmModel | undefined {
  const path = join(dir, GLOBAL_MODEL_FILE);
  if (!existsSync(path)) return undefined;
  try {
    return loadGlobalLstm(path);
  } catch (e) {
    warn(`ignoring the cached global LSTM ${path}: ${((e as Error).message || String(e)).split('\n')[0]}; training a new one`);
    return undefined;
  }
}

/** Saves the model into `dir` atomically (weights first, then model.json; older weight files removed). */
export function writeCachedGlobal(dir: string, model: GlobalLstmModel): string {
  const path = join(dir, GLOBAL_MODEL_FILE);
  saveGlobalLstm(path, model);
  return path;
}

/** The last timestamp the model has been trained on (the first training or the latest refresh). */
export function coveredTo(model: GlobalLstmModel): number {
  return Math.max(model.state.trainedOn.to, ...model.state.refreshes.map((r) => r.to));
}

const DAY = 86400;

/**
 * A cached model stale by more than this many days is not refreshed but retrained (src/pipeline/global-lstm.ts), and
 * not used by the forecast view (src/views/forecast-panels.ts cachedGlobalLstmIn): its last training data is too far
 * behind the series to forecast them.
 */
export const REFRESH_MAX_DAYS = 7;

/** The end (exclusive) of the history a global model may train on for a workload whose history ends at `now`. */
export function poolCutoff(now: number): number {
  return Math.floor(now / DAY) * DAY - 2 * DAY;
}

/**
 * Why the cluster's model is too old for series whose pool cutoff (poolCutoff of their history's end) is `cutoff`: its
 * training data ends more than REFRESH_MAX_DAYS before the cutoff; undefined when it is not. The one age rule for
 * refreshing (the pipeline) and for using a cached model (the forecast view).
 */
export function globalModelTooOld(model: GlobalLstmModel, cutoff: number): string | undefined {
  const days = (cutoff - coveredTo(model)) / DAY;
  return days > REFRESH_MAX_DAYS
    ? `the cluster's global LSTM was last trained on data to ${new Date(coveredTo(model) * 1000).toISOString().slice(0, 10)}, ${days.toFixed(1)} days before these series' training cutoff (more than ${REFRESH_MAX_DAYS})`
    : undefined;
}

/** The step (seconds) the model's series were trained at, when all agree. */
export function trainedStep(model: GlobalLstmModel): number | undefined {
  const steps = new Set(Object.values(model.state.scalers).map((s) => s.step));
  return steps.size === 1 ? [...steps][0] : undefined;
}
