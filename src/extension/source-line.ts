/**
 * The output channel's line about the data source (editor-free, so it is unit-tested): the Prometheus URLs it uses,
 * each without credentials — the Prometheus client's own redaction (userinfo dropped, ?token= / ?api_key= … values `***`).
 */
import { redact } from '../data/prometheus/errors';

export function dataSourceLine(prometheusUrl: string | undefined, prometheusUrls: Readonly<Record<string, string>>): string {
  const shown = (u: string) => redact(u, []);
  const perContext = Object.keys(prometheusUrls).length ? `; per context: ${Object.entries(prometheusUrls).map(([c, u]) => `${c} → ${shown(u)}`).join(', ')}` : '';
  return `Data source: cluster (kubeconfig contexts, Prometheus ${prometheusUrl ? `at ${shown(prometheusUrl)} for the current context, discovered in the others` : 'discovered in each cluster, through the API server'}${perContext}).`;
}
