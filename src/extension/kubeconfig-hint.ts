/**
 * The way out VS Code's kubeconfig errors name (editor-free, so it is unit-tested): the mora.kubeconfig setting and the
 * "MOrA: Use the Demo Data" command (package.json's mora.useDemo), never the CLI's --kubeconfig or --source demo.
 * Passed as kubeconfigHint to every kube client the extension makes (the cluster source, Run Experiment).
 */
import type { KubeconfigHint } from '../data/kube/errors';

export const EDITOR_KUBECONFIG_HINT: Readonly<KubeconfigHint> = {
  none: 'set mora.kubeconfig to your kubeconfig file, or run MOrA: Use the Demo Data',
  missing: 'fix the mora.kubeconfig setting (or clear it to read KUBECONFIG or ~/.kube/config), or run MOrA: Use the Demo Data',
  noContexts: 'set mora.kubeconfig to another file, or run MOrA: Use the Demo Data',
};
