/**
 * Which Prometheus a kubeconfig context reads. One Prometheus holds one cluster's usage: read against it, another
 * context's workloads of the same namespace and name would get this cluster's numbers. So the one URL
 * (mora.prometheus.url / --prometheus) serves one context — the current one, as `mora recommend --prometheus` reads
 * only the current context (or --context) — and every other context finds its own (discovery through its API server)
 * unless mora.prometheus.urls names a URL for it.
 */

export interface PrometheusUrlSettings {
  /** The one URL (mora.prometheus.url / --prometheus). */
  url?: string;
  /** A URL per context (mora.prometheus.urls); wins over `url` for its context. */
  urls?: Readonly<Record<string, string>>;
  /**
   * The context `url` serves (the kubeconfig's current context). Undefined (no current context to pick, or a caller
   * that reads one context itself): `url` serves every context, as the CLI does without a current context.
   */
  urlContext?: string;
}

/** The URL `context` reads, or undefined: find that context's own Prometheus (discovery). */
export function prometheusUrlFor(context: string | undefined, s: PrometheusUrlSettings): string | undefined {
  const own = context !== undefined ? s.urls?.[context] : undefined;
  if (own) return own;
  if (s.url === undefined) return undefined;
  return context === undefined || s.urlContext === undefined || context === s.urlContext ? s.url : undefined;
}

/** True when `url` is set but withheld from `context` (it serves another one): said in that context's error. */
export function urlWithheldFrom(context: string | undefined, s: PrometheusUrlSettings): boolean {
  return s.url !== undefined && !(context !== undefined && s.urls?.[context]) && prometheusUrlFor(context, s) === undefined;
}
