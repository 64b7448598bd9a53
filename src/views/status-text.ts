/** The status bar's text without the editor: the context the data source uses now. */

/**
 * The kubeconfig's current context (as `kubectl config current-context`), else the first context listed; the demo and
 * a kubeconfig without current-context have only the list.
 */
export function statusContext(current: string | undefined, contexts: readonly string[]): string {
  return current || contexts[0] || 'no context';
}

export function statusText(ok: boolean, current: string | undefined, contexts: readonly string[]): string {
  return `${ok ? '$(pulse)' : '$(warning)'} MOrA: ${statusContext(current, contexts)}`;
}
