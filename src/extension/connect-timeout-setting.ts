/**
 * mora.kubernetes.connectTimeoutSeconds → the Kubernetes clients' connectTimeoutMs (src/data/kube/connect-probe.ts).
 * No vscode import: the caller reads the setting and says how to warn, so this runs (and is tested) in plain Node.
 */
import { connectTimeoutMsFromSeconds, DEFAULT_CONNECT_TIMEOUT_MS } from '../data/kube/connect-probe';

export const CONNECT_TIMEOUT_SETTING = 'mora.kubernetes.connectTimeoutSeconds';

/**
 * The setting in milliseconds; undefined (unset) → undefined, the default. A value that is no number of seconds ≥ 0 is
 * reported through `warn` and the default is used: a typo in settings.json must not stop the cluster view.
 */
export function connectTimeoutFromSetting(value: unknown, warn: (message: string) => void): number | undefined {
  if (value === undefined || value === null) return undefined;
  try {
    return connectTimeoutMsFromSeconds(typeof value === 'number' || typeof value === 'string' ? value : JSON.stringify(value), CONNECT_TIMEOUT_SETTING);
  } catch (e) {
    warn(`${(e as Error).message} — using the default, ${DEFAULT_CONNECT_TIMEOUT_MS / 1000} s`);
    return undefined;
  }
}
