/**
 * The way out VS Code's kubeconfig errors name (editor-free, so it is unit-tested): the mora.kubeconfig setting and the
 * "MOrA: Use the Demo Data" / "MOrA: Reload Kubeconfig" commands (package.json's mora.useDemo, mora.reloadKubeconfig),
 * never the CLI's --kubeconfig, --context or --source demo.
 * Passed as kubeconfigHint to every kube client the extension makes (the cluster source, Run Experiment).
 */
import type { KubeconfigHint } from '../data/kube/errors';

export const EDITOR_KUBECONFIG_HINT: Readonly<KubeconfigHint> = {
  none: 'set mora.kubeconfig to your kubeconfig file, or run MOrA: Use the Demo Data',
  missing: 'fix the mora.kubeconfig setting (or clear it to read KUBECONFIG or ~/.kube/config), or run MOrA: Use the Demo Data',
  noContexts: 'set mora.kubeconfig to another file, or run MOrA: Use the Demo Data',
  // Health Check reads the kubeconfig's current context (Select Context only shows one in the tree), and the source
  // keeps the file it read: set the context where kubectl does, then read it again.
  noCurrentContext: (kubectl) => `run ${kubectl} config use-context <name> in a terminal, then MOrA: Reload Kubeconfig`,
};
