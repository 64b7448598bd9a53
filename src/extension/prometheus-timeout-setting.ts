/**
 * mora.prometheus.timeoutSeconds → the Prometheus clients' timeoutMs and timeoutHint (src/data/prometheus/timeout.ts):
 * MOrA's own timeout of each Prometheus request, 30 s by default. No vscode import: the caller reads the setting and
 * says how to warn, so this runs (and is tested) in plain Node.
 */
import { DEFAULT_PROMETHEUS_TIMEOUT_MS, PROMETHEUS_TIMEOUT_SETTING, prometheusTimeoutMsFromSeconds } from '../data/prometheus/timeout';

/** What the timeout's messages name in the editor: the setting. */
export const PROMETHEUS_TIMEOUT_SETTING_HINT = `the ${PROMETHEUS_TIMEOUT_SETTING} setting`;

/**
 * The setting as ClusterDataSourceOptions' prometheusTimeoutMs / prometheusTimeoutHint (and PlanRunHooks'); unset →
 * the default. A value that is no positive number of seconds is reported through `warn` and the default is used: a
 * typo in settings.json must not stop the cluster view.
 */
export function prometheusTimeoutFromSetting(value: unknown, warn: (message: string) => void): { prometheusTimeoutMs?: number; prometheusTimeoutHint: string } {
  const prometheusTimeoutHint = PROMETHEUS_TIMEOUT_SETTING_HINT;
  if (value === undefined || value === null) return { prometheusTimeoutHint };
  try {
    const raw = typeof value === 'number' || typeof value === 'string' ? value : JSON.stringify(value);
    if (raw === '') throw new RangeError(`${PROMETHEUS_TIMEOUT_SETTING} must be a positive number of seconds, got ""`);
    return { prometheusTimeoutMs: prometheusTimeoutMsFromSeconds(raw, PROMETHEUS_TIMEOUT_SETTING), prometheusTimeoutHint };
  } catch (e) {
    warn(`${(e as Error).message} — using the default, ${DEFAULT_PROMETHEUS_TIMEOUT_MS / 1000} s`);
    return { prometheusTimeoutHint };
  }
}
