/**
 * XDG base directories (https://specifications.freedesktop.org/basedir-spec/): a variable's value counts only when it
 * is an absolute path — "if an implementation encounters a relative path in any of these variables it should consider
 * the path invalid and ignore it" — else the default under the home folder. A relative value taken as is would put
 * MOrA's files in whatever folder the command runs in (a GitOps checkout, say). Editor-free; used by the LSTM cache
 * (XDG_CACHE_HOME) and the --apply-cluster undo records (XDG_STATE_HOME).
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

const DEFAULTS = { XDG_CACHE_HOME: ['.cache'], XDG_STATE_HOME: ['.local', 'state'] } as const;

export type XdgVariable = keyof typeof DEFAULTS;

/** `$<variable>` when absolute, else `<home>/<its default>` (~/.cache, ~/.local/state). */
export function xdgBaseDir(variable: XdgVariable, env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const value = env[variable];
  return value && isAbsolute(value) ? value : join(home, ...DEFAULTS[variable]);
}
