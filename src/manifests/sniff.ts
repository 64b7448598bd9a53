/**
 * A cheap look at a YAML text, without parsing it: whether some document in it has top-level `apiVersion` and `kind`
 * keys — a Kubernetes object. Used by the editor to keep other YAML (CI files, compose files, Helm values) from costing
 * anything: no folder read or watched, no status bar item, no cluster call.
 */
const API_VERSION = /^["']?apiVersion["']?[ \t]*:[ \t]*["']?[A-Za-z0-9]/m;
const KIND = /^["']?kind["']?[ \t]*:[ \t]*["']?[A-Za-z]/m;

export function looksLikeKubernetes(text: string): boolean {
  return API_VERSION.test(text) && KIND.test(text);
}
